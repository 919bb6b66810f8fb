"""Open local mode (no keys, loopback) is guarded against web pages: DNS rebinding (a foreign
Host), cross-site writes (a foreign Origin or Referer), and a spoofed X-Forwarded-For dodging the
anonymous rate limit. Each used to be let through."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from veracity.errors import ConfigError
from veracity.server import ServerConfig
from veracity.server.run import serve

from .helpers import LOCAL_URL, Setup, docs, make_setup

SECRET = "The heron launch code is kept in vault seven."
DOCS = "/api/collections/main/documents"


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    return make_setup(tmp_path, {"main": docs({"mem://plan": (SECRET, [])})})


def _upload(c: TestClient, headers: dict[str, str]) -> Any:
    files = {"file": ("planted.txt", b"Planted by a web page.", "text/plain")}
    return c.post(DOCS, headers=headers, files=files)


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:80", "127.0.0.1.nip.io", "127.0.0.1:8001", "localhost:1"]
)
def test_a_foreign_host_is_refused(setup: Setup, host: str) -> None:
    c = TestClient(setup.app(), base_url=LOCAL_URL)
    for path in (DOCS, "/api/health", "/"):
        r = c.get(path, headers={"Host": host})
        assert r.status_code == 400, (host, path)
        assert "vault seven" not in r.text and "DNS rebinding" in r.json()["error"]["message"]


@pytest.mark.parametrize(
    "base", [LOCAL_URL, "http://localhost", "http://[::1]", "http://127.0.0.1:8765"]
)
def test_loopback_hosts_with_the_servers_port_are_served(setup: Setup, base: str) -> None:
    r = TestClient(setup.app(), base_url=base).get(DOCS)
    assert r.status_code == 200 and len(r.json()["documents"]) == 1


def test_keyed_servers_do_not_check_the_host(tmp_path: Path) -> None:
    s = make_setup(tmp_path, {"main": docs({"mem://plan": (SECRET, [])})}, {"k": (["main"], [])})
    r = TestClient(s.app()).get(DOCS, headers={"Authorization": f"Bearer {s.tokens['k']}"})
    assert r.status_code == 200  # Host "testserver": a key proves the caller, not the name


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},  # sandboxed frames, file:// pages
        {"Origin": "http://127.0.0.1:9999"},  # another local server is another origin
        {"Referer": "https://evil.example/page.html"},
    ],
)
def test_cross_site_writes_are_refused(setup: Setup, headers: dict[str, str]) -> None:
    c = TestClient(setup.app(), base_url=LOCAL_URL)
    r = _upload(c, headers)
    assert r.status_code == 403, r.text
    assert r.json()["error"]["type"] == "permission_error"
    assert "cross-site POST refused" in r.json()["error"]["message"]
    doc_id = c.get(DOCS).json()["documents"][0]["id"]
    r = c.delete(f"{DOCS}/{doc_id}", headers=headers)
    assert r.status_code == 403
    r = c.post("/api/collections/main/ask", headers=headers, json={"question": "Where?"})
    assert r.status_code == 403
    listed = c.get(DOCS, headers=headers)  # reads are not writes: the Host check covers them
    assert [d["uri"] for d in listed.json()["documents"]] == ["mem://plan"]


def test_same_origin_and_non_browser_writes_are_allowed(setup: Setup) -> None:
    c = TestClient(setup.app(cors_origins=("https://app.example",)), base_url=LOCAL_URL)
    assert _upload(c, {"Origin": "http://127.0.0.1"}).status_code == 200
    assert _upload(c, {"Referer": "http://127.0.0.1/"}).status_code == 200
    assert _upload(c, {}).status_code == 200  # curl, SDKs
    assert _upload(c, {"Origin": "https://app.example"}).status_code == 200  # --cors-origin


def test_x_forwarded_for_counts_only_from_a_trusted_proxy(setup: Setup) -> None:
    def statuses(**kw: Any) -> list[int]:
        c = TestClient(
            setup.app(rate=0.001, burst=2, **kw), base_url=LOCAL_URL, client=("127.0.0.1", 4000)
        )
        return [
            c.get(DOCS, headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(4)
        ]

    # untrusted: each request claims another client, all share the peer's bucket
    assert statuses() == [200, 200, 429, 429]
    # behind a trusted proxy each client has its own bucket
    assert statuses(trusted_proxies=("127.0.0.1",)) == [200, 200, 200, 200]
    assert statuses(trusted_proxies=("10.0.0.0/8",)) == [200, 200, 429, 429]
    with pytest.raises(ConfigError, match="bad trusted proxy"):
        setup.config(trusted_proxies=("not-an-ip",))


def test_serve_leaves_x_forwarded_for_to_the_app(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uvicorn's own proxy headers trust any loopback peer by default: serve turns them off."""
    import uvicorn

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw))
    serve(ServerConfig(setup.collections, generator="fake", embedder="hash"), 8123, "warning")
    assert seen["proxy_headers"] is False
