"""The auth mode is decided when the server starts and never loosens: revoking the last key must
close a keyed server, not open it (it used to be re-derived per request from the key count)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from veracity.collection import Collection
from veracity.store.keys import create_key

from .helpers import LOCAL_URL, Setup, docs, make_setup

CORPUS: dict[str, tuple[str, list[str]]] = {
    "mem://plan": ("The heron launch code is kept in vault seven.", [])
}
PROTECTED = (
    ("GET", "/api/collections"),
    ("GET", "/api/collections/main/documents"),
    ("POST", "/api/collections/main/search"),
    ("POST", "/api/collections/main/ask"),
    ("GET", "/v1/models"),
)


def _revoke_all(setup: Setup) -> None:
    with Collection(setup.collections["main"], embedder="hash") as col:
        keys = col.store.api_keys()
        for key in keys.all_keys(include_revoked=False):
            keys.revoke(key.id)
        assert not keys.has_active()


def _assert_closed(c: TestClient, token: str | None = None) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for method, path in PROTECTED:
        body = {"query": "heron", "question": "Where is the heron launch code?"}
        r = c.request(method, path, headers=headers, json=body if method == "POST" else None)
        assert r.status_code == 401, (path, r.text)
        assert "vault seven" not in r.text
        assert "veracity keys create" in r.json()["error"]["message"]  # says how to get back in
    health = c.get("/api/health")
    assert health.status_code == 200 and health.json()["auth"] == "api-keys"


def test_revoking_every_key_closes_a_keyed_server(tmp_path: Path) -> None:
    setup = make_setup(tmp_path, {"main": docs(CORPUS)}, {"a": (["main"], [])})
    c = TestClient(setup.app(), base_url=LOCAL_URL, raise_server_exceptions=False)
    token = setup.tokens["a"]
    assert c.get("/v1/models", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    _revoke_all(setup)
    _assert_closed(c)
    _assert_closed(c, token)
    assert "none is active" in c.get("/v1/models").json()["error"]["message"]


def test_a_server_bound_beyond_loopback_always_needs_a_key(tmp_path: Path) -> None:
    setup = make_setup(tmp_path, {"main": docs(CORPUS)}, {"a": (["main"], [])})
    c = TestClient(setup.app(host="0.0.0.0"), raise_server_exceptions=False)
    _revoke_all(setup)
    _assert_closed(c)
    # Built with no key at all (check_bind would refuse to start it; the app must not trust that).
    bare = make_setup(tmp_path / "bare", {"main": docs(CORPUS)})
    _assert_closed(TestClient(bare.app(host="192.168.1.20"), raise_server_exceptions=False))


def test_open_loopback_server_closes_once_a_key_is_created(tmp_path: Path) -> None:
    setup = make_setup(tmp_path, {"main": docs(CORPUS)})
    c = TestClient(setup.app(), base_url=LOCAL_URL, raise_server_exceptions=False)
    assert c.get("/api/collections/main/documents").status_code == 200  # open local mode
    with Collection(setup.collections["main"], embedder="hash") as col:
        token = create_key([col.store], []).token
    assert c.get("/api/collections/main/documents").status_code == 401
    ok = c.get("/api/collections/main/documents", headers={"X-API-Key": token})
    assert ok.status_code == 200
    _revoke_all(setup)  # and it does not open again when that key goes
    _assert_closed(c)
