"""A cached answer is served only while its caller may still see every chunk it cites: chunk ids
are content hashes, so a relabel, or a delete and re-ingest under other labels, keeps them, and
the near-duplicate (semantic) cache used to hand the old answer to a key that no longer sees it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from veracity.cli.main import main
from veracity.collection import Collection
from veracity.records import Document
from veracity.store.cache import CacheStore

from .helpers import docs, make_setup

SECRET = "The heron launch code is kept in vault seven."
CORPUS = {
    "mem://plan": (SECRET, ["public"]),
    "mem://menu": ("The canteen serves lentil soup on Fridays.", ["public"]),
}
QUESTION = "Where is the heron launch code kept?"


def _restrict(path: Path, how: str) -> None:
    """Make mem://plan secret the way an admin would: ``veracity ingest --labels secret`` over it
    (a relabel: same text, same chunk ids), or ``veracity delete`` then that ingest."""
    plan = Document.make("mem://plan", SECRET)
    with Collection(path, embedder="hash") as col:
        if how == "delete and re-ingest":
            assert col.delete(ids=[plan.id])[0] == 1
        col.add([plan], labels=["secret"])
        assert [d.labels for d in col.documents() if d.id == plan.id] == [("secret",)]


@pytest.mark.parametrize("how", ["relabel", "delete and re-ingest"])
def test_cached_answer_is_not_served_once_its_source_is_restricted(
    tmp_path: Path, how: str
) -> None:
    setup = make_setup(
        tmp_path,
        {"main": docs(CORPUS)},
        {"a": (["main"], ["public"]), "b": (["main"], ["public"])},
    )
    c = TestClient(setup.app(), raise_server_exceptions=False)

    def ask(key: str) -> dict[str, Any]:
        h = {"Authorization": f"Bearer {setup.tokens[key]}"}
        r = c.post("/api/collections/main/ask", headers=h, json={"question": QUESTION})
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    first = ask("a")
    assert "vault seven" in json.dumps(first) and "cached" not in first["timings_ms"]
    assert "cached" in ask("b")["timings_ms"]  # the cache works
    plan_id = Document.make("mem://plan", SECRET).id
    _restrict(setup.collections["main"], how)
    after = ask("b")
    assert "cached" not in after["timings_ms"]  # a miss: answered anew
    again = ask("a")  # may be served B's new answer from the cache: it cites only what A sees
    for body in (after, again):
        text = json.dumps(body)
        assert "vault seven" not in text
        assert plan_id not in text and "mem://plan" not in text


def test_cache_clear_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    setup = make_setup(tmp_path, {"main": docs(CORPUS)})
    path = setup.collections["main"]
    with Collection(path, embedder="hash") as col:
        CacheStore(col.store).put("k", "s", "q?", None, (), "{}")
    assert main(["cache", "clear", "--collection", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"cleared": 1}
    assert main(["cache", "clear", "--collection", str(path)]) == 0
    assert "cleared 0 cached answer(s)" in capsys.readouterr().out
    assert main(["cache", "clear", "--collection", str(tmp_path / "nope")]) != 0
    assert "no collection at" in capsys.readouterr().err
