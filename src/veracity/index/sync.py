"""Keep a collection's derived indexes in step with its store.

The store is the source of truth and logs every chunk added or deleted (``changes``). Each index
remembers the last sequence number it applied (``applied_seq``) and is brought up to date by
replaying the log from there: the net effect per chunk (its last operation wins) is applied as one
delete and one upsert batch. An index that is missing, damaged, built for another embedder, or so
far behind that replaying costs more than rebuilding is rebuilt from the store.

Threads: catching up mutates an index in place, and any search may trigger it, so
``IndexSet.lock`` is held while an index is caught up and while it is read (``bm25()`` and
``vectors()`` take it; a reader holds it across the lookup). Writers to the store never take it:
an ingest commits to the store alone, and the next search applies its changes. A search thus
waits at most for another search or a catch-up, never for a parse, an embedding or a generation.

One view per search: a search reads its indexes through ``reading()``, which reads the log head
once and brings each index it asks for to exactly that head. Otherwise a change committed
between the two lookups (or an interval that ran out between them) would reach the vector list
and not the BM25 list, and hybrid scores would mix two states of the collection.

Other processes: every read checks the log, so changes committed by any process (another query
replica of a PostgreSQL collection, a ``veracity ingest``) are applied by the next search. Where
that check is a network round trip, ``sync_interval`` bounds its cost: the log's head
(``last_seq``) is read at most once per interval, and an index already at that head is used as
it is. A change committed elsewhere is then searchable here at most ``sync_interval`` seconds
after its commit (plus the time to apply it); ``expire()`` makes the next read check at once
(after a write of this process's own, so that it reads its own writes). Saves and loads of the
index directories take a file lock (``index.dirlock``), so processes may share them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

import numpy as np

from veracity.errors import IndexError_
from veracity.index.bm25 import BM25Index
from veracity.index.contextual import contextual_rows
from veracity.index.dirlock import directory_lock
from veracity.index.vector import VectorIndex, get_vector_index, load_vector_index
from veracity.store.protocols import ChangeLog, Store
from veracity.text.analyzer import COLLECTION_ANALYZER, get_analyzer


class _Replayable(Protocol):
    applied_seq: int

    def __len__(self) -> int: ...

    def save(self, directory: Path) -> None: ...


_I = TypeVar("_I", bound=_Replayable)

# Replay the log when it is shorter than this fraction of the index; otherwise rebuild.
REBUILD_FRACTION = 0.5


@dataclass(frozen=True, slots=True)
class NetChanges:
    """The net effect of a stretch of the change log: ids to delete and ids to (re)add."""

    deleted: np.ndarray  # int64
    added: np.ndarray  # int64
    head: int


def net_changes(store: ChangeLog, since: int, until: int | None = None) -> NetChanges:
    """The net changes after ``since``, up to and including ``until`` (None: the whole log)."""
    last: dict[int, str] = {}
    head = since
    while until is None or head < until:
        batch = store.changes_since(head)
        if until is not None:
            batch = [c for c in batch if c.seq <= until]
        if not batch:
            break
        for change in batch:
            last[change.rid] = change.op
        head = batch[-1].seq
    deleted = np.array(sorted(r for r, op in last.items() if op == "del"), dtype=np.int64)
    added = np.array(sorted(r for r, op in last.items() if op == "add"), dtype=np.int64)
    return NetChanges(deleted, added, head)


@dataclass(frozen=True, slots=True)
class IndexView:
    """The indexes one read asked ``IndexSet.reading`` for (None: not asked for)."""

    bm25: BM25Index | None
    vectors: VectorIndex | None


class IndexSet:
    """The BM25 and vector indexes of one collection, stored under ``directory``.
    ``sync_interval``: seconds between checks of the store's log head (0: check on every read;
    see the module docstring)."""

    def __init__(
        self,
        store: Store,
        directory: Path,
        *,
        dim: int,
        vector_backend: str = "exact",
        analyzer: str = COLLECTION_ANALYZER,
        bm25_variant: str = "lucene",
        sync_interval: float = 0.0,
    ) -> None:
        self.store = store
        self.directory = Path(directory)
        self.dim = dim
        self.vector_backend = vector_backend
        self.analyzer = analyzer
        self.bm25_variant = bm25_variant
        self._bm25: BM25Index | None = None
        self._vectors: VectorIndex | None = None
        self.sync_interval = sync_interval
        # The log head last read, and when to read it again (monotonic seconds; under ``lock``).
        self._head = 0
        self._next_check = 0.0
        # Held while an index is caught up or read (see the module docstring).
        self.lock = threading.RLock()

    def expire(self) -> None:
        """Make the next read check the store's log, whatever ``sync_interval`` says."""
        with self.lock:
            self._next_check = 0.0

    @contextmanager
    def reading(self, *, bm25: bool = True, vectors: bool = True) -> Iterator[IndexView]:
        """Hold ``lock`` for one read and give the indexes it asks for, each caught up to the
        same log head, read once for the read (see the module docstring)."""
        with self.lock:
            head = self._known_head() if self.sync_interval > 0 else self.store.last_seq()
            for _ in range(3):
                view = IndexView(
                    self._bm25_at(head) if bm25 else None,
                    self._vectors_at(head) if vectors else None,
                )
                top = max((i.applied_seq for i in (view.bm25, view.vectors) if i), default=head)
                if top <= head:
                    break
                # A rebuild (or files saved by another process) went past the head: a rebuild
                # reads the store as it is, so bring the other index to the same point.
                head = top
            yield view

    def refresh(self) -> None:
        """Bring both indexes up to the store's log head now and save them, so that the next
        search, in this process or a new one, only loads them. ``veracity ingest`` calls it after
        an ingest that changed something: otherwise the first search after a large ingest pays
        for the whole build (on a million chunks, minutes for BM25 and for an HNSW graph)."""
        self.expire()
        self.bm25()
        self.vectors()

    def _latest(self) -> int | None:
        """How far a lone read catches up: the known head, or (interval 0) the whole log."""
        return self._known_head() if self.sync_interval > 0 else None

    def _known_head(self) -> int:
        """The log head, read from the store at most once per ``sync_interval``."""
        now = time.monotonic()
        if now >= self._next_check:
            self._head = self.store.last_seq()
            self._next_check = now + self.sync_interval
        return self._head

    @property
    def bm25_dir(self) -> Path:
        # "ctx": chunks are indexed with their title and heading path (index.contextual).
        return self.directory / f"bm25-{self.analyzer}-{self.bm25_variant}-ctx"

    @property
    def vector_dir(self) -> Path:
        return self.directory / f"vector-{self.vector_backend}"

    # -- replaying the log ------------------------------------------------------------------

    def _catch_up(
        self,
        index: _I,
        rebuild: Callable[[], _I],
        apply: Callable[[_I, NetChanges], None],
        directory: Path,
        until: int | None,
    ) -> _I:
        """Apply the log's net changes after ``index.applied_seq`` up to ``until`` (None: the
        whole log) and save, or rebuild when replaying would cost more than rebuilding."""
        if until is not None and index.applied_seq >= until:
            return index
        net = net_changes(self.store, index.applied_seq, until)
        if net.head == index.applied_seq:
            return index
        if len(net.deleted) + len(net.added) > max(1000, REBUILD_FRACTION * len(index)):
            return rebuild()
        apply(index, net)
        index.applied_seq = net.head
        with directory_lock(directory, exclusive=True):
            index.save(directory)
        return index

    # -- BM25 ---------------------------------------------------------------------------------

    def bm25(self) -> BM25Index:
        """The BM25 index, loaded or rebuilt, with every committed change applied. Hold
        ``lock`` while reading it when other threads may search (or use ``reading``)."""
        with self.lock:
            return self._bm25_at(self._latest())

    def _bm25_at(self, until: int | None) -> BM25Index:
        if self._bm25 is None:
            try:
                with directory_lock(self.bm25_dir, exclusive=False):
                    self._bm25 = BM25Index.load(self.bm25_dir)
            except IndexError_:
                self._bm25 = self._rebuild_bm25()
        self._bm25 = self._catch_up(
            self._bm25, self._rebuild_bm25, self._apply_bm25, self.bm25_dir, until
        )
        return self._bm25

    def _apply_bm25(self, index: BM25Index, net: NetChanges) -> None:
        index.delete(net.deleted.tolist())
        index.add(*contextual_rows(self.store.chunk_contexts(net.added.tolist())))

    def _rebuild_bm25(self) -> BM25Index:
        head = self.store.last_seq()  # changes after this are replayed next time
        index = BM25Index(get_analyzer(self.analyzer), variant=self.bm25_variant)
        for rows in self.store.iter_chunk_contexts():
            index.add(*contextual_rows(rows))
        index.applied_seq = head
        with directory_lock(self.bm25_dir, exclusive=True):
            index.save(self.bm25_dir)
        return index

    # -- vectors ------------------------------------------------------------------------------

    def vectors(self) -> VectorIndex:
        """The vector index, loaded or rebuilt, with every committed change applied. Hold
        ``lock`` while reading it when other threads may search (or use ``reading``)."""
        with self.lock:
            return self._vectors_at(self._latest())

    def _vectors_at(self, until: int | None) -> VectorIndex:
        if self._vectors is None:
            try:
                with directory_lock(self.vector_dir, exclusive=False):
                    loaded = load_vector_index(self.vector_dir)
                self._vectors = loaded if loaded.dim == self.dim else self._rebuild_vectors()
            except IndexError_:
                self._vectors = self._rebuild_vectors()
        self._vectors = self._catch_up(
            self._vectors, self._rebuild_vectors, self._apply_vectors, self.vector_dir, until
        )
        return self._vectors

    def _apply_vectors(self, index: VectorIndex, net: NetChanges) -> None:
        if len(net.deleted):
            index.delete(net.deleted)
        rids, vecs = self.store.vectors(net.added.tolist(), self.dim)
        if len(rids):
            index.add(rids, vecs)

    def _rebuild_vectors(self) -> VectorIndex:
        head = self.store.last_seq()
        index = get_vector_index(self.vector_backend, self.dim)
        for rids, vecs in self.store.iter_vectors(self.dim):
            index.add(rids, vecs)
        index.applied_seq = head
        with directory_lock(self.vector_dir, exclusive=True):
            index.save(self.vector_dir)
        return index
