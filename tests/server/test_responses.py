"""What responses may carry (security review, issue 12 item 8): no absolute server path in any
body, and bounded chat history on ``/v1/chat/completions``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from veracity.collection import Collection
from veracity.server.views import public_uri

from .helpers import LOCAL_URL, Setup, make_setup


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    s = make_setup(tmp_path / "srv", {"main": []})
    src = tmp_path / "home" / "alice" / "private-notes"
    src.mkdir(parents=True)
    (src / "lisbon.txt").write_text("The Lisbon office opens at nine. Parking is free for staff.")
    with Collection(s.collections["main"], embedder="hash") as col:
        col.add(src)
    return s


def test_no_response_names_a_server_path(setup: Setup, tmp_path: Path) -> None:
    c = TestClient(setup.app(), base_url=LOCAL_URL, raise_server_exceptions=False)
    up = c.post("/api/collections/main/documents",
                files={"file": ("menu.md", b"# Menu\n\nThe canteen serves soup on Fridays.",
                                "text/markdown")})  # fmt: skip
    assert up.status_code == 200, up.text
    bodies = [up.text]
    listed = c.get("/api/collections/main/documents").json()["documents"]
    assert {d["uri"] for d in listed} == {"lisbon.txt", "uploads/local/menu.md"}
    for d in listed:
        bodies.append(c.get(f"/api/collections/main/documents/{d['id']}").text)
        bodies.append(c.get(f"/api/collections/main/documents/{d['id']}/text").text)
    bodies.append(c.post("/api/collections/main/search", json={"query": "Lisbon soup"}).text)
    sid = c.post("/api/collections/main/chats", json={}).json()["id"]
    for q in ("When does the Lisbon office open?", "What does the canteen serve on Fridays?"):
        ans = c.post("/api/collections/main/ask", json={"question": q, "session_id": sid})
        assert ans.json()["citations"], ans.text
        bodies.append(ans.text)
        bodies.append(
            c.post("/api/collections/main/ask", json={"question": q, "stream": True}).text
        )
        msgs = [{"role": "user", "content": q}]
        bodies.append(c.post("/v1/chat/completions", json={"model": "main", "messages": msgs}).text)
    # an abstention's closest passage, in Veracity's route and in the OpenAI route's extras
    msgs = [{"role": "user", "content": "When does the Berlin office open?"}]
    berlin = c.post("/v1/chat/completions", json={"model": "main", "messages": msgs})
    assert berlin.json()["veracity"]["closest"]["uri"] == "lisbon.txt", berlin.text
    bodies.append(berlin.text)
    bodies.append(c.get(f"/api/collections/main/chats/{sid}").text)
    bodies.append(c.get("/api/collections").text)
    bodies.append(c.get("/api/health").text)
    for body in bodies:
        assert str(tmp_path) not in body and "/home/alice" not in body, body[:500]
    turns = c.get(f"/api/collections/main/chats/{sid}").json()["turns"]
    assert turns[1]["answer"]["citations"][0]["uri"] == "lisbon.txt"


def test_public_uri() -> None:
    root = "/srv/col"
    assert public_uri("/srv/col/uploads/k1/a.md", root) == "uploads/k1/a.md"
    assert public_uri("/srv/col/uploads/k1/rows.jsonl#7", root) == "uploads/k1/rows.jsonl#7"
    assert public_uri("/home/alice/notes/a.md", root) == "a.md"
    assert public_uri("/home/alice/rows.jsonl#a/b", root) == "rows.jsonl#a/b"
    assert public_uri("/srv/collection-2/x.md", root) == "x.md"  # a prefix, not a parent
    assert public_uri("https://example.com/a", root) == "https://example.com/a"
    assert public_uri("mem://x", root) == "mem://x"


def _chat(c: TestClient, messages: list[dict[str, str]]) -> tuple[int, str]:
    r = c.post("/v1/chat/completions", json={"model": "main", "messages": messages})
    return r.status_code, r.text


def test_chat_history_messages_are_bounded(setup: Setup) -> None:
    """Issue 12 item 8: earlier turns had no length limit (only the question had one)."""
    c = TestClient(setup.app(), base_url=LOCAL_URL, raise_server_exceptions=False)
    q = {"role": "user", "content": "When does the Lisbon office open?"}
    status, text = _chat(c, [{"role": "assistant", "content": "x" * 16_001}, q])
    assert status == 422 and "messages[0] (assistant) has 16001 characters" in text
    status, text = _chat(c, [{"role": "system", "content": "y" * 20_000}, q])
    assert status == 422
    status, _ = _chat(c, [{"role": "user", "content": "hi"}] * 100 + [q])
    assert status == 422  # at most 100 messages
    status, text = _chat(c, [{"role": "assistant", "content": "z" * 16_000}, q])
    assert status == 200, text
    assert json.loads(text)["choices"][0]["message"]["content"]
