"""The answer cache re-checks access at read time: every chunk an entry used must be visible
under the caller's filter, and every citation must name a visible copy of its chunk (equal text
in two documents shares a chunk id, so the id alone would let a secret copy's citation through)."""

from __future__ import annotations

from pathlib import Path

import pytest

from veracity.collection import Collection
from veracity.rag.cache import AnswerCache
from veracity.rag.engine import AskOptions
from veracity.records import Answer, Citation, Document, Filter
from veracity.store.cache import CacheStore

TEXT = "The heron launch code is kept in vault seven."


@pytest.fixture
def col(tmp_path: Path) -> Collection:
    c = Collection(tmp_path / "col", embedder="hash", create=True)
    c.add([Document.make("mem://secret-copy", TEXT, labels=("secret",))])
    c.add([Document.make("mem://public-copy", TEXT, labels=("public",))])
    return c


def _cache_answer_citing(col: Collection, uri: str) -> tuple[AnswerCache, str]:
    doc = next(d for d in col.documents() if d.uri == uri)
    chunk_id = col.store.chunks([1])[0].chunk.id  # both copies hold this very chunk id
    cite = Citation(1, doc.id, doc.uri, 0, len(TEXT), TEXT, chunk_id=chunk_id)
    cache = AnswerCache(CacheStore(col.store), col.embedder())
    answer = Answer(f"{TEXT[:-1]} [1].", False, (cite,))
    cache.save("m", AskOptions(), "scope", "Where is the code?", [chunk_id], answer)
    return cache, chunk_id


def test_a_citation_of_an_invisible_copy_is_a_miss(col: Collection) -> None:
    cache, chunk_id = _cache_answer_citing(col, "mem://secret-copy")
    ask = ("m", AskOptions(), "scope", "Where is the code?", [chunk_id])
    # The chunk id itself is visible to "public" (through the public copy), the citation is not.
    assert cache.lookup(*ask, Filter(labels=frozenset({"public"}))) is None
    assert cache.lookup(*ask, Filter(labels=frozenset({"secret"}))) is not None
    assert cache.lookup(*ask, None) is not None


def test_a_chunk_hidden_by_a_relabel_is_a_miss(col: Collection) -> None:
    cache, chunk_id = _cache_answer_citing(col, "mem://public-copy")
    ask = ("m", AskOptions(), "scope", "Where is the code?", [chunk_id])
    public = Filter(labels=frozenset({"public"}))
    assert cache.lookup(*ask, public) is not None
    for doc in col.documents():
        col.store.update_labels_and_metadata(doc.id, ("secret",), {})
    # the semantic path (a near-duplicate question, other chunk ids), then the exact one
    assert cache.lookup("m", AskOptions(), "scope", "where is the code", ["x"], public) is None
    assert cache.lookup(*ask, public) is None
