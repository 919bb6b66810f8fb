"""Generated access-control suite: several collections, labelled documents and keys; every route
is asked about every document, and no response may carry anything of a document the key cannot
see (each document's text, uri and id hold a unique marker word, searched for in raw bodies)."""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from veracity.records import Document

from .helpers import Setup, make_setup

LABELS = ["red", "green", "blue", "gold"]


@dataclass(frozen=True)
class Doc:
    collection: str
    marker: str
    labels: tuple[str, ...]
    id: str


@dataclass(frozen=True)
class Key:
    name: str
    collections: tuple[str, ...]
    labels: frozenset[str]

    def sees(self, doc: Doc) -> bool:
        return doc.collection in self.collections and (
            not doc.labels or bool(set(doc.labels) & self.labels)
        )


def _word(rng: random.Random) -> str:
    return "zq" + "".join(rng.choice(string.ascii_lowercase) for _ in range(8))


def _world(tmp_path: Path, seed: int) -> tuple[Setup, list[Doc], list[Key]]:
    rng = random.Random(seed)
    corpora: dict[str, list[Document]] = {}
    all_docs: list[Doc] = []
    for c in ("alpha", "beta", "gamma"):
        corpora[c] = []
        for i in range(5):
            marker = _word(rng)
            labels = tuple(sorted(rng.sample(LABELS, rng.choice([0, 1, 1, 2]))))
            text = (f"The {marker} project handles item {i} of {c}. Its {marker} budget is "
                    f"{rng.randint(1, 99)} units. Owners review {marker} weekly.")  # fmt: skip
            d = Document.make(f"mem://{c}/{marker}", text, labels=labels)
            corpora[c].append(d)
            all_docs.append(Doc(c, marker, labels, d.id))
    keys: dict[str, tuple[list[str], list[str]]] = {}
    for k in range(5):
        cols = sorted(rng.sample(["alpha", "beta", "gamma"], rng.randint(1, 3)))
        labs = sorted(rng.sample(LABELS, rng.randint(0, 2)))
        keys[f"key{k}"] = (cols, labs)
    setup = make_setup(tmp_path, corpora, keys)
    key_objs = [Key(n, tuple(c), frozenset(lab)) for n, (c, lab) in keys.items()]
    return setup, all_docs, key_objs


def _assert_clean(body: str, key: Key, docs: list[Doc], what: str, ids: bool = True) -> None:
    """No marker (and, unless the request itself named it, no id) of an invisible document."""
    for d in docs:
        if not key.sees(d):
            assert d.marker not in body, f"{key.name} saw {d.marker} ({d.labels}) via {what}"
            assert not ids or d.id not in body, f"{key.name} saw document id {d.id} via {what}"


@pytest.mark.parametrize("seed", [1, 2])
def test_no_route_leaks_what_a_key_may_not_see(tmp_path: Path, seed: int) -> None:
    setup, docs, keys = _world(tmp_path, seed)
    client = TestClient(setup.app(rate=1e6, burst=10**6), raise_server_exceptions=False)
    # Warm the answer cache with every question asked with no ACL at all, so a cache that ignored
    # the caller's labels would hand those answers out below.
    for d in docs:
        state = client.app.state.veracity  # type: ignore[attr-defined]
        served = state.served[d.collection]
        state.engine(served).ask(f"What is the {d.marker} budget?")
    for key in keys:
        h = {"Authorization": f"Bearer {setup.tokens[key.name]}"}

        def call(
            method: str, path: str, body: object = None, h: dict[str, str] = h, key: Key = key
        ) -> str:
            r = client.request(method, path, headers=h, json=body)
            assert r.status_code < 500, (path, r.text)
            _assert_clean(r.text, key, docs, f"{method} {path}")
            return r.text

        listed = json.loads(call("GET", "/api/collections"))
        assert {c["name"] for c in listed["collections"]} == set(key.collections)
        models = json.loads(call("GET", "/v1/models"))
        assert {m["id"] for m in models["data"]} == set(key.collections)
        for c in ("alpha", "beta", "gamma"):
            r = client.get(f"/api/collections/{c}/documents", headers=h)
            if c not in key.collections:
                assert r.status_code == 404
                continue
            got = {x["id"] for x in r.json()["documents"]}
            assert got == {d.id for d in docs if d.collection == c and key.sees(d)}
        for d in docs:
            base = f"/api/collections/{d.collection}"
            text = client.get(f"{base}/documents/{d.id}/text?start=0&end=5", headers=h)
            info = client.get(f"{base}/documents/{d.id}", headers=h)
            assert (text.status_code == 200) == key.sees(d) == (info.status_code == 200)
            _assert_clean(text.text + info.text, key, docs, "document routes", ids=False)
            q = f"What is the {d.marker} budget?"
            call("POST", f"{base}/search", {"query": f"{d.marker} budget", "k": 20})
            ans = json.loads(call("POST", f"{base}/ask", {"question": q}))
            if key.sees(d):
                assert ans["citations"] and ans["citations"][0]["document"] == d.id
            call("POST", f"{base}/ask", {"question": q, "stream": True})
            msgs = [{"role": "user", "content": q}]
            call("POST", "/v1/chat/completions", {"model": d.collection, "messages": msgs})
            call("POST", "/v1/chat/completions",
                 {"model": d.collection, "messages": msgs, "stream": True})  # fmt: skip
            r = client.post("/v1/embeddings", headers=h, json={"model": d.collection, "input": q})
            assert r.status_code == (200 if d.collection in key.collections else 404)
    # chat sessions: each key's sessions are its own
    owner, other = keys[0], keys[1]
    c = owner.collections[0]
    ho = {"Authorization": f"Bearer {setup.tokens[owner.name]}"}
    hx = {"Authorization": f"Bearer {setup.tokens[other.name]}"}
    sid = client.post(f"/api/collections/{c}/chats", headers=ho, json={}).json()["id"]
    if c in other.collections:
        assert sid not in client.get(f"/api/collections/{c}/chats", headers=hx).text
    assert client.get(f"/api/collections/{c}/chats/{sid}", headers=hx).status_code == 404
