"""The answer cache table: exact lookups by key, semantic lookups by question vector.

An entry records the content hashes (chunk ids) of the chunks its answer used and is valid only
while every one of them is still in the store: an upsert that changes a source, or a delete,
invalidates every cached answer that relied on it, with no bookkeeping at write time.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import numpy as np

from veracity.store.sqlite import SQLiteStore


@dataclass(frozen=True, slots=True)
class CacheEntry:
    key: str
    question: str
    chunk_ids: tuple[str, ...]
    answer_json: str
    similarity: float = 1.0


class CacheStore:
    def __init__(self, store: SQLiteStore) -> None:
        self.store = store

    def put(
        self, key: str, scope: str, question: str, vector: np.ndarray | None,
        chunk_ids: tuple[str, ...], answer_json: str,
    ) -> None:  # fmt: skip
        blob = None if vector is None else np.asarray(vector, np.float32).tobytes()
        with self.store._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO answer_cache (key, scope, question, question_vec,"
                " chunk_ids, answer, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, scope, question, blob, json.dumps(list(chunk_ids)), answer_json, time.time()),
            )

    def _valid(self, chunk_ids: list[str]) -> bool:
        if not chunk_ids:
            return True
        marks = ",".join("?" * len(chunk_ids))
        row = self.store._db.execute(
            f"SELECT COUNT(DISTINCT id) FROM chunks WHERE id IN ({marks})", chunk_ids
        ).fetchone()
        return int(row[0]) == len(set(chunk_ids))

    def get(self, key: str) -> CacheEntry | None:
        with self.store._lock:
            row = self.store._db.execute(
                "SELECT key, question, chunk_ids, answer FROM answer_cache WHERE key = ?", (key,)
            ).fetchone()
            if row is None:
                return None
            ids = json.loads(row[2])
            if not self._valid(ids):
                self._evict([row[0]])
                return None
        return CacheEntry(row[0], row[1], tuple(ids), row[3])

    def nearest(self, scope: str, vector: np.ndarray, threshold: float) -> CacheEntry | None:
        """The most similar cached question in ``scope`` with cosine >= ``threshold``, if valid."""
        q = np.asarray(vector, np.float32).ravel()  # (dim,)
        with self.store._lock:
            rows = self.store._db.execute(
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
            if best is None:
                return None
            key, question, ids, answer = best[1]
            if not self._valid(json.loads(ids)):
                self._evict([key])
                return None
        return CacheEntry(key, question, tuple(json.loads(ids)), answer, best[0])

    def _evict(self, keys: list[str]) -> None:
        with self.store._write() as db:
            db.executemany("DELETE FROM answer_cache WHERE key = ?", [(k,) for k in keys])

    def clear(self, scope: str | None = None) -> int:
        with self.store._write() as db:
            if scope is None:
                return int(db.execute("DELETE FROM answer_cache").rowcount)
            return int(db.execute("DELETE FROM answer_cache WHERE scope = ?", (scope,)).rowcount)
