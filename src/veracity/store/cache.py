"""The answer cache table: exact lookups by key, semantic lookups by question vector.

An entry records the content hashes (chunk ids) of the chunks its answer used and is served only
while every one of them is still in the store *and visible to the caller*: an upsert that changes
a source, or a delete, invalidates every cached answer that relied on it, with no bookkeeping at
write time. Existence alone is not enough, because ids are content hashes: relabelling a document,
or deleting it and ingesting the same text again with other labels, keeps its chunk ids. So each
read re-applies the caller's ``Filter`` (labels, metadata, documents: the same SQL the search
pre-filter runs) to the cited chunks, and an entry with any chunk the caller may not see is a miss.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from veracity.records import Filter
from veracity.store.filters import filter_sql

if TYPE_CHECKING:
    from veracity.store.sqlite import SQLiteStore


@dataclass(frozen=True, slots=True)
class CacheEntry:
    key: str
    question: str
    chunk_ids: tuple[str, ...]
    answer_json: str
    similarity: float = 1.0
    # (chunk id, document id) of the entry's chunks that the reader may see, so a caller can check
    # that each citation names a visible copy (equal text in two documents shares a chunk id).
    visible: frozenset[tuple[str, str]] = frozenset()


class CacheStore:
    """The SQLite implementation of ``protocols.CacheTable`` (get one with
    ``store.answer_cache()``)."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store

    def put(
        self, key: str, scope: str, question: str, vector: np.ndarray | None,
        chunk_ids: tuple[str, ...], answer_json: str,
    ) -> None:  # fmt: skip
        blob = None if vector is None else np.asarray(vector, np.float32).tobytes()
        with self.store.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO answer_cache (key, scope, question, question_vec,"
                " chunk_ids, answer, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, scope, question, blob, json.dumps(list(chunk_ids)), answer_json, time.time()),
            )

    def visible(self, chunk_ids: list[str], where: Filter | None) -> frozenset[tuple[str, str]]:
        """``(chunk id, document id)`` of the chunks among ``chunk_ids`` that exist in a document
        ``where`` lets through (all documents for None)."""
        if not chunk_ids:
            return frozenset()
        marks = ",".join("?" * len(chunk_ids))
        clause, params = filter_sql(where or Filter(), "d")
        with self.store.reading() as db:
            rows = db.execute(
                "SELECT c.id, c.document_id FROM chunks c JOIN documents d ON d.id = c.document_id"
                f" WHERE c.id IN ({marks}) AND {clause}",
                [*chunk_ids, *params],
            ).fetchall()
        return frozenset((str(r[0]), str(r[1])) for r in rows)

    def _entry(
        self, row: tuple[str, str, str, str], where: Filter | None, similarity: float = 1.0
    ) -> CacheEntry | None:
        """The entry if every chunk it used still exists and ``where`` lets it through, else
        None, the entry evicted: its scope pins the filter it was made under (the answer layer
        keys scope by filter), so what this reader may not see, no reader of that scope may."""
        key, question, ids_json, answer = row
        ids = [str(i) for i in json.loads(ids_json)]
        seen = self.visible(ids, where)
        if {c for c, _ in seen} != set(ids):
            self._evict([key])
            return None
        return CacheEntry(key, question, tuple(ids), answer, similarity, seen)

    def get(self, key: str, where: Filter | None = None) -> CacheEntry | None:
        """The entry under ``key`` if all its chunks exist and ``where`` lets them through."""
        with self.store.reading() as db:
            row = db.execute(
                "SELECT key, question, chunk_ids, answer FROM answer_cache WHERE key = ?", (key,)
            ).fetchone()
            return None if row is None else self._entry(row, where)

    def nearest(
        self, scope: str, vector: np.ndarray, threshold: float, where: Filter | None = None
    ) -> CacheEntry | None:
        """The most similar cached question in ``scope`` with cosine >= ``threshold``, if its
        chunks all exist and ``where`` lets them through."""
        q = np.asarray(vector, np.float32).ravel()  # (dim,)
        with self.store.reading() as db:
            rows = db.execute(
                "SELECT key, question, chunk_ids, answer, question_vec FROM answer_cache"
                " WHERE scope = ? AND question_vec IS NOT NULL",
                (scope,),
            ).fetchall()
            best: tuple[float, tuple[str, str, str, str]] | None = None
            for key, question, ids, answer, blob in rows:
                vec = np.frombuffer(blob, dtype=np.float32)
                if vec.shape != q.shape:
                    continue
                sim = float(vec @ q)
                if sim >= threshold and (best is None or sim > best[0]):
                    best = (sim, (key, question, ids, answer))
            return None if best is None else self._entry(best[1], where, best[0])

    def _evict(self, keys: list[str]) -> None:
        with self.store.transaction() as db:
            db.executemany("DELETE FROM answer_cache WHERE key = ?", [(k,) for k in keys])

    def clear(self, scope: str | None = None) -> int:
        with self.store.transaction() as db:
            if scope is None:
                return int(db.execute("DELETE FROM answer_cache").rowcount)
            return int(db.execute("DELETE FROM answer_cache WHERE scope = ?", (scope,)).rowcount)
