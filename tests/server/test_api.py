"""The own API in process (TestClient): auth, uploads, documents, text windows, ask, chats,
errors, limits, CORS, and the keys store and CLI."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from veracity.cli.main import main
from veracity.collection import Collection
from veracity.errors import ConfigError
from veracity.server import create_app
from veracity.server.run import check_bind
from veracity.server.state import ServerState
from veracity.server.uploads import safe_filename

from .helpers import LOCAL_URL, Setup, docs, make_setup

CORPUS = {
    "mem://lisbon": ("The Lisbon office opens at nine. Parking is free for staff.", ["hr"]),
    "mem://pay": ("Salary bands are kept in the vault zebra42. Bonuses are yearly.", ["finance"]),
    "mem://wifi": ("The guest wifi password is on the fridge. It changes monthly.", []),
}


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    return make_setup(
        tmp_path,
        {"main": docs(CORPUS), "other": docs({"mem://x": ("Other things live here.", [])})},
        {"hr": (["main"], ["hr"], ["upload", "delete"]), "fin": (["main", "other"], ["finance"])},
    )


def client(setup: Setup, **kw: object) -> TestClient:
    return TestClient(setup.app(**kw), base_url=LOCAL_URL, raise_server_exceptions=False)


def auth(setup: Setup, key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {setup.tokens[key]}"}


def test_health_is_public_and_everything_else_needs_a_key(setup: Setup) -> None:
    c = client(setup)
    assert c.get("/api/health").json()["auth"] == "api-keys"
    for path in ("/api/collections", "/api/collections/main/documents", "/v1/models"):
        r = c.get(path)
        assert r.status_code == 401
        assert r.json()["error"]["type"] == "authentication_error"
        assert r.headers["www-authenticate"] == "Bearer"
    assert c.get("/v1/models", headers={"Authorization": "Bearer vk_nope"}).status_code == 401
    assert c.get("/openapi.json").status_code == 200
    assert c.get("/").status_code == 200


def test_x_api_key_header_works_too(setup: Setup) -> None:
    r = client(setup).get("/v1/models", headers={"X-API-Key": setup.tokens["hr"]})
    assert [m["id"] for m in r.json()["data"]] == ["main"]


def test_keys_see_only_their_collections(setup: Setup) -> None:
    c = client(setup)
    names = [
        x["name"]
        for x in c.get("/api/collections", headers=auth(setup, "fin")).json()["collections"]
    ]
    assert names == ["main", "other"]
    r = c.get("/api/collections/other/documents", headers=auth(setup, "hr"))
    assert r.status_code == 404  # forbidden and unknown look the same
    assert "main" in r.json()["error"]["message"]


def test_open_mode_without_keys_is_admin(tmp_path: Path) -> None:
    s = make_setup(tmp_path, {"main": docs(CORPUS)})
    c = client(s)
    assert c.get("/api/health").json()["auth"].startswith("open")
    listed = c.get("/api/collections/main/documents").json()["documents"]
    assert len(listed) == 3


def test_bind_policy(tmp_path: Path) -> None:
    s = make_setup(tmp_path, {"main": []})
    state = ServerState(s.config())
    assert "OPEN" in check_bind(s.config(), state)
    with pytest.raises(ConfigError, match=r"refusing to serve on 0\.0\.0\.0"):
        check_bind(s.config(host="0.0.0.0"), state)
    s2 = make_setup(tmp_path / "k", {"main": []}, {"a": (["main"], [])})
    state2 = ServerState(s2.config(host="0.0.0.0"))
    assert "required" in check_bind(s2.config(host="0.0.0.0"), state2)
    state.close()
    state2.close()


def test_document_listing_text_and_delete_obey_labels(setup: Setup) -> None:
    c = client(setup)
    h = auth(setup, "hr")
    listed = {
        d["uri"]: d for d in c.get("/api/collections/main/documents", headers=h).json()["documents"]
    }
    assert set(listed) == {"mem://lisbon", "mem://wifi"}
    pay_id = Collection(setup.collections["main"]).store.find_document_ids(uris=["mem://pay"])[0]
    for method, path in (
        ("GET", f"/api/collections/main/documents/{pay_id}"),
        ("GET", f"/api/collections/main/documents/{pay_id}/text"),
        ("DELETE", f"/api/collections/main/documents/{pay_id}"),
    ):
        r = c.request(method, path, headers=h)
        assert r.status_code == 404, path
        assert "zebra42" not in r.text
    lis = listed["mem://lisbon"]["id"]
    r = c.get(f"/api/collections/main/documents/{lis}/text?start=4&end=10&context=2", headers=h)
    body = r.json()
    assert body["offset"] == 2 and body["text"] == "e Lisbon o"
    assert body["text"][body["highlight"]["start"] : body["highlight"]["end"]] == "Lisbon"
    bad = c.get(f"/api/collections/main/documents/{lis}/text?start=10&end=4", headers=h)
    assert bad.status_code == 422 and "start <= end" in bad.json()["error"]["message"]
    assert (
        c.delete(f"/api/collections/main/documents/{lis}", headers=h).json()["deleted"]["documents"]
        == 1
    )
    # the finance key still sees its document
    assert (
        c.get(
            f"/api/collections/main/documents/{pay_id}/text", headers=auth(setup, "fin")
        ).status_code
        == 200
    )


def test_upload_ingests_sanitizes_and_labels(setup: Setup) -> None:
    c = client(setup)
    h = auth(setup, "hr")
    files = {
        "file": (
            "../../etc/evil name.md",
            b"# Canteen\n\nThe canteen serves soup on Fridays.",
            "text/markdown",
        )
    }
    r = c.post("/api/collections/main/documents", headers=h, files=files)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["report"]["added"] == 1 and body["labels"] == ["hr"]  # a key's labels by default
    stored = list((setup.collections["main"] / "uploads").rglob("*.md"))
    assert [p.name for p in stored] == ["evil name.md"]
    assert stored[0].parent.parent == setup.collections["main"] / "uploads"
    hits = c.post("/api/collections/main/search", headers=h, json={"query": "canteen soup"}).json()[
        "hits"
    ]
    assert hits[0]["document"] == body["documents"][0]
    # the finance key cannot see it
    fin = c.post(
        "/api/collections/main/search", headers=auth(setup, "fin"), json={"query": "canteen soup"}
    )
    assert all(x["document"] != body["documents"][0] for x in fin.json()["hits"])
    # a key may not label documents with labels it does not hold
    r = c.post(
        "/api/collections/main/documents", headers=h, files=files, data={"labels": "finance"}
    )
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("name", "data", "ctype", "status"),
    [
        ("x.exe", b"MZ", "application/octet-stream", 415),
        ("x.txt", b"hello", "image/png", 415),
        ("x.pdf", b"not a pdf", "application/pdf", 415),
        ("x.txt", b"", "text/plain", 422),
        ("x.txt", b"a" * 3000, "text/plain", 413),
    ],
)
def test_upload_refusals(setup: Setup, name: str, data: bytes, ctype: str, status: int) -> None:
    c = client(setup, max_upload_bytes=2000)
    r = c.post(
        "/api/collections/main/documents",
        headers=auth(setup, "hr"),
        files={"file": (name, data, ctype)},
    )
    assert r.status_code == status, r.text
    assert set(r.json()["error"]) >= {"message", "type"}
    assert not list((setup.collections["main"] / "uploads").rglob(".part-*"))


def test_big_body_refused_before_reading(setup: Setup) -> None:
    c = client(setup, max_upload_bytes=10)
    r = c.post("/api/collections/main/documents", headers=auth(setup, "hr"),
               files={"file": ("x.txt", b"a" * 100_000, "text/plain")})  # fmt: skip
    assert r.status_code == 413


def test_safe_filename() -> None:
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("..\\..\\boot.ini") == "boot.ini"
    assert safe_filename(".hidden.TXT") == "hidden.txt"
    assert safe_filename("a/b/$(rm -rf).md") == "_rm -rf_.md"
    assert safe_filename("...") == "upload"
    assert len(safe_filename("x" * 500 + ".md")) == 120


def test_ask_json_and_sse_with_citations(setup: Setup) -> None:
    c = client(setup)
    h = auth(setup, "hr")
    r = c.post(
        "/api/collections/main/ask",
        headers=h,
        json={"question": "When does the Lisbon office open?"},
    )
    a = r.json()
    assert not a["abstained"] and a["citations"][0]["uri"] == "mem://lisbon"
    r = c.post("/api/collections/main/ask", headers=h,
               json={"question": "Is parking free for staff in Lisbon?", "stream": True})  # fmt: skip
    assert r.headers["content-type"].startswith("text/event-stream")
    events = [block.split("\n", 1) for block in r.text.strip().split("\n\n")]
    kinds = [e[0].removeprefix("event: ") for e in events]
    assert kinds[-1] == "final" and "token" in kinds
    final = json.loads(events[-1][1].removeprefix("data: "))
    assert final["citations"][0]["uri"] == "mem://lisbon"
    empty = c.post("/api/collections/main/ask", headers=h, json={"question": "   "})
    assert empty.status_code == 422


def test_an_abstention_carries_the_closest_passage_the_key_may_see(setup: Setup) -> None:
    c = client(setup)
    question = {"question": "When does the Berlin office open?"}
    a = c.post("/api/collections/main/ask", headers=auth(setup, "hr"), json=question).json()
    assert a["abstained"] and "berlin" in a["reason"].lower()  # the passage is about Lisbon
    assert a["closest"]["uri"] == "mem://lisbon" and "opens at nine" in a["closest"]["text"]
    assert "opens at nine" not in a["answer"]  # beside the abstention, never in it
    # a key that cannot see the Lisbon document is not shown its sentence
    a = c.post("/api/collections/main/ask", headers=auth(setup, "fin"), json=question).json()
    assert a["abstained"] and (a["closest"] is None or a["closest"]["uri"] != "mem://lisbon")


def test_chat_sessions_are_owned_by_their_key(setup: Setup) -> None:
    c = client(setup)
    sid = c.post(
        "/api/collections/main/chats", headers=auth(setup, "hr"), json={"title": "t"}
    ).json()["id"]
    r = c.post("/api/collections/main/ask", headers=auth(setup, "hr"),
               json={"question": "When does the Lisbon office open?", "session_id": sid})  # fmt: skip
    assert r.json()["session_id"] == sid
    turns = c.get(f"/api/collections/main/chats/{sid}", headers=auth(setup, "hr")).json()["turns"]
    assert [t["role"] for t in turns] == ["user", "assistant"]
    fin = auth(setup, "fin")
    assert c.get("/api/collections/main/chats", headers=fin).json()["sessions"] == []
    assert c.get(f"/api/collections/main/chats/{sid}", headers=fin).status_code == 404
    assert c.delete(f"/api/collections/main/chats/{sid}", headers=fin).status_code == 404
    r = c.post("/api/collections/main/ask", headers=fin, json={"question": "x?", "session_id": sid})
    assert r.status_code == 404
    assert (
        c.delete(f"/api/collections/main/chats/{sid}", headers=auth(setup, "hr")).status_code == 200
    )


def test_cache_clear_is_admin_only(setup: Setup, tmp_path: Path) -> None:
    assert (
        client(setup).delete("/api/collections/main/cache", headers=auth(setup, "hr")).status_code
        == 403
    )
    s = make_setup(tmp_path / "open", {"main": docs(CORPUS)})
    assert "cleared" in client(s).delete("/api/collections/main/cache").json()


def test_rate_limit_answers_429_with_retry_after(setup: Setup) -> None:
    c = client(setup, rate=0.5, burst=3)
    h = auth(setup, "hr")
    codes = [c.get("/v1/models", headers=h).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3] == 429
    r = c.get("/v1/models", headers=h)
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert r.json()["error"]["type"] == "rate_limit_error"
    assert c.get("/v1/models", headers=auth(setup, "fin")).status_code == 200  # per key


def test_internal_errors_are_generic(setup: Setup, caplog: pytest.LogCaptureFixture) -> None:
    def broken(col: Collection) -> object:
        raise RuntimeError("secret internals /etc/shadow")

    c = TestClient(create_app(setup.config(engine_factory=broken)), raise_server_exceptions=False)
    r = c.post("/api/collections/main/ask", headers=auth(setup, "hr"), json={"question": "hi?"})
    assert r.status_code == 500
    assert r.json() == {"error": {"message": "internal server error; the server log has the details",
                                  "type": "server_error", "code": 500}}  # fmt: skip
    assert "secret" not in r.text and "Traceback" not in r.text


def test_validation_errors_are_json(setup: Setup) -> None:
    r = client(setup).post("/api/collections/main/search", headers=auth(setup, "hr"), json={"k": 0})
    assert r.status_code == 422
    assert r.json()["error"]["message"].startswith("invalid request: query")


def test_cors_is_off_by_default_and_opt_in(setup: Setup) -> None:
    pre = {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    r = client(setup).options("/v1/models", headers=pre)
    assert "access-control-allow-origin" not in r.headers
    r = client(setup, cors_origins=("https://app.example",)).options(
        "/v1/models", headers={**pre, "Origin": "https://app.example"}
    )
    assert r.headers["access-control-allow-origin"] == "https://app.example"


def test_metrics_count_requests(setup: Setup, tmp_path: Path) -> None:
    s = make_setup(tmp_path / "adm", {"main": []}, {"ops": (["main"], [], ["admin"])})
    c = client(s)
    c.get("/v1/models", headers=auth(s, "ops"))
    m = c.get("/api/metrics", headers=auth(s, "ops")).json()
    assert m["requests"] >= 1 and m["by_route"]["GET /v1/models"] == 1
    # open loopback mode: the local admin may read them too
    assert "requests" in client(make_setup(tmp_path / "o", {"main": []})).get("/api/metrics").json()


def test_metrics_need_the_admin_right(setup: Setup) -> None:
    """Issue 12 item 8: every key could read /api/metrics, with every key's traffic."""
    r = client(setup).get("/api/metrics", headers=auth(setup, "hr"))
    assert r.status_code == 403, r.text
    message = r.json()["error"]["message"]
    assert "'admin' right" in message and "veracity keys grant" in message


def test_keys_are_stored_hashed(setup: Setup) -> None:
    store = Collection(setup.collections["main"]).store
    token = setup.tokens["hr"]
    with store.reading() as db:  # type: ignore[attr-defined]  # SQLite's read API
        rows = db.execute("SELECT * FROM api_keys").fetchall()
    assert token not in repr(rows)
    assert hashlib.sha256(token.encode()).hexdigest() in repr(rows)
    assert token.startswith("vk_")


def test_keys_cli_create_list_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Collection(tmp_path / "c", embedder="hash").close()
    assert (
        main(
            ["keys", "create", "--collections", str(tmp_path / "c"), "--labels", "hr,ops", "--json"]
        )
        == 0
    )
    made = json.loads(capsys.readouterr().out)
    assert made["token"].startswith("vk_") and made["labels"] == ["hr", "ops"]
    assert main(["keys", "list", "--collections", str(tmp_path / "c"), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["id"] == made["id"] and "token" not in listed[0]
    assert main(["keys", "revoke", made["id"], "--collections", str(tmp_path / "c")]) == 0
    keys = Collection(tmp_path / "c").store.api_keys()
    assert keys.verify(made["token"]) is None and not keys.has_active()
    assert main(["keys", "revoke", made["id"], "--collections", str(tmp_path / "c")]) == 4


def test_revoked_key_is_refused_at_once(setup: Setup) -> None:
    c = client(setup)
    assert c.get("/v1/models", headers=auth(setup, "hr")).status_code == 200
    for key in Collection(setup.collections["main"]).store.api_keys().all_keys():
        if key.name == "hr":
            Collection(setup.collections["main"]).store.api_keys().revoke(key.id)
    assert c.get("/v1/models", headers=auth(setup, "hr")).status_code == 401


def test_serve_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = capsys.readouterr().out
    for flag in ("--host", "--port", "--collection", "--model", "--cors-origin", "--rate"):
        assert flag in out
