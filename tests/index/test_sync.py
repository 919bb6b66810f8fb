"""Derived indexes follow the store's change log, and are rebuilt when their files are gone."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

import veracity
from veracity.embed.hashing import HashEmbedder
from veracity.index.sync import IndexSet
from veracity.records import Document


def _docs(prefix: str, n: int) -> list[Document]:
    words = [
        "tide",
        "harbour",
        "ledger",
        "invoice",
        "glacier",
        "orbit",
        "lantern",
        "meadow",
        "quartz",
        "violet",
    ]
    return [
        Document.make(
            f"mem://{prefix}{i}", f"{words[i % 10]} {words[(i * 3) % 10]} note {prefix}{i}"
        )
        for i in range(n)
    ]


def _ranking(col: veracity.Collection, mode: str) -> list[tuple[str, float]]:
    hits = col.search("glacier lantern", k=5, mode=mode)
    return [(h.chunk.id, round(h.score, 5)) for h in hits]


def test_replay_matches_rebuild_and_missing_files_are_rebuilt(tmp_path: Path) -> None:
    col = veracity.open(tmp_path / "col", embedder="hash")
    col.add(_docs("a", 20))
    indexes = col.indexes()
    before = {m: _ranking(col, m) for m in ("bm25", "dense")}
    assert indexes.bm25().applied_seq == col.store.last_seq()

    # Incremental: new documents and a delete are replayed from the log, not rebuilt.
    bm25 = indexes.bm25()
    col.add(_docs("b", 5))
    assert col.delete(uris=["mem://a3"]) == (1, 1)  # a uri with a scheme, not a path
    assert indexes.bm25() is bm25 and bm25.applied_seq == col.store.last_seq()
    assert indexes.vectors().applied_seq == col.store.last_seq()
    assert len(bm25) == col.status().chunks
    replayed = {m: _ranking(col, m) for m in ("bm25", "dense")}
    assert replayed != before

    # Files gone: a fresh IndexSet rebuilds from the store and ranks exactly the same.
    shutil.rmtree(tmp_path / "col" / "index")
    fresh = IndexSet(col.store, tmp_path / "col" / "index", dim=col.embedder().dim)
    col._indexes = fresh
    assert {m: _ranking(col, m) for m in ("bm25", "dense")} == replayed
    assert (tmp_path / "col" / "index").exists()


def test_a_search_holds_the_index_lock_for_lookups_only(tmp_path: Path) -> None:
    """The query is embedded before the index lock is taken: another thread's search or
    catch-up never waits for an embedding."""

    class GatedEmbedder(HashEmbedder):
        def __init__(self) -> None:
            super().__init__()
            self.gate: tuple[threading.Event, threading.Event] | None = None

        def embed(self, texts: Sequence[str]) -> np.ndarray:
            if self.gate is not None:
                entered, release = self.gate
                entered.set()
                release.wait(10)
            return super().embed(texts)

    embedder = GatedEmbedder()
    col = veracity.open(tmp_path / "col", embedder=embedder)
    col.add([Document.make("mem://a", "Otters juggle pebbles in the harbour.")])
    col.search("otters", 1)  # indexes built and caught up
    entered, release = threading.Event(), threading.Event()
    embedder.gate = (entered, release)
    searcher = threading.Thread(target=lambda: col.search("otters", 1, mode="dense"))
    searcher.start()
    assert entered.wait(10)
    lock = col.indexes().lock
    free = lock.acquire(blocking=False)  # from this thread: fails if the searcher holds it
    if free:
        lock.release()
    release.set()
    searcher.join(10)
    assert free


@pytest.mark.parametrize(
    ("interval", "loaded"),
    [(0.0, ""), (1e-9, "bm25 vectors"), (0.0, "vectors"), (1e-9, "bm25")],
)
def test_one_read_sees_both_indexes_at_one_log_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, interval: float, loaded: str
) -> None:
    """A change committed while a search reads its indexes reaches neither of its lists
    (hybrid scores would otherwise mix two states of the collection), and both lists of the
    next one. ``loaded``: the indexes current before the read (the others are rebuilt in it);
    an interval of 1e-9 runs out within the read."""
    col = veracity.open(tmp_path / "col", embedder="hash")
    col.add(_docs("a", 8))
    indexes = IndexSet(col.store, tmp_path / "col" / "index", dim=col.embedder().dim)
    indexes.sync_interval = interval
    for name in loaded.split():
        getattr(indexes, name)()
    last_seq = col.store.last_seq

    def first_look_then_a_delete() -> int:  # another writer commits mid-read
        seq = last_seq()
        monkeypatch.setattr(col.store, "last_seq", last_seq)
        assert col.delete(uris=["mem://a3"]) == (1, 1)
        return seq

    monkeypatch.setattr(col.store, "last_seq", first_look_then_a_delete)
    with indexes.reading() as view:
        assert view.bm25 is not None and view.vectors is not None
        assert view.bm25.applied_seq == view.vectors.applied_seq
        assert len(view.bm25) == len(view.vectors)
    assert col.store.last_seq == last_seq  # the delete happened
    indexes.expire()
    with indexes.reading() as view:
        assert view.bm25 is not None and view.vectors is not None
        assert view.bm25.applied_seq == view.vectors.applied_seq == col.store.last_seq()
        assert len(view.bm25) == len(view.vectors) == col.status().chunks
