"""The tables beside the documents in a PostgreSQL collection: chat sessions, the answer cache,
API keys and ingest runs (the ``ChatTable``, ``CacheTable``, ``KeyTable`` and ``RunTable``
protocols). Their rules are the SQLite ones (``store/chat.py``, ``cache.py``, ``keys.py``,
``runs.py``), which document them; only the SQL and the live-run lock differ.

A live ingest run holds a session advisory lock (``RUN_LOCK_SPACE``, run id) on a connection of
its own for its whole life; the server drops it when that connection ends, however the run's
process ends, so a new run tells a dead run from a live one by trying to take its lock.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from veracity.records import Filter
from veracity.store.cache import CacheEntry
from veracity.store.postgres_db import Database, where_sql
from veracity.store.postgres_schema import RUN_LOCK_SPACE

__all__ = ["PgCache", "PgRun", "PgRuns"]


class PgCache:
    """Cached answers, valid while every chunk they used exists and the reader may see it."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def put(
        self, key: str, scope: str, question: str, vector: np.ndarray | None,
        chunk_ids: tuple[str, ...], answer_json: str,
    ) -> None:  # fmt: skip
        blob = None if vector is None else np.asarray(vector, np.float32).tobytes()
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO answer_cache (key, scope, question, question_vec, chunk_ids, answer,"
                " created_at) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (key) DO UPDATE SET"
                " scope = EXCLUDED.scope, question = EXCLUDED.question, question_vec ="
                " EXCLUDED.question_vec, chunk_ids = EXCLUDED.chunk_ids, answer = EXCLUDED.answer,"
                " created_at = EXCLUDED.created_at, hits = 0",
                (key, scope, question, blob, json.dumps(list(chunk_ids)), answer_json, time.time()),
            )

    def visible(self, chunk_ids: list[str], where: Filter | None) -> frozenset[tuple[str, str]]:
        """``(chunk id, document id)`` of the chunks among ``chunk_ids`` in a document ``where``
        lets through (all documents for None)."""
        if not chunk_ids:
            return frozenset()
        clause, params = where_sql(where, "d")
        with self.db.read(where) as conn:
            rows = conn.execute(
                "SELECT c.id, c.document_id FROM chunks c JOIN documents d ON d.id = c.document_id"
                f" WHERE c.id = ANY(%s) AND {clause}",
                [chunk_ids, *params],
            ).fetchall()
        return frozenset((str(r[0]), str(r[1])) for r in rows)

    def _entry(
        self, row: Sequence[Any], where: Filter | None, similarity: float = 1.0
    ) -> CacheEntry | None:
        key, question, ids_json, answer = row[:4]
        ids = [str(i) for i in json.loads(ids_json)]
        seen = self.visible(ids, where)
        if {c for c, _ in seen} != set(ids):
            with self.db.write() as conn:
                conn.execute("DELETE FROM answer_cache WHERE key = %s", (key,))
            return None
        return CacheEntry(key, question, tuple(ids), answer, similarity, seen)

    def get(self, key: str, where: Filter | None = None) -> CacheEntry | None:
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT key, question, chunk_ids, answer FROM answer_cache WHERE key = %s", (key,)
            ).fetchone()
        return None if row is None else self._entry(row, where)

    def nearest(
        self, scope: str, vector: np.ndarray, threshold: float, where: Filter | None = None
    ) -> CacheEntry | None:
        q = np.asarray(vector, np.float32).ravel()  # (dim,)
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT key, question, chunk_ids, answer, question_vec FROM answer_cache"
                " WHERE scope = %s AND question_vec IS NOT NULL",
                (scope,),
            ).fetchall()
        best: tuple[float, Sequence[Any]] | None = None
        for row in rows:
            vec = np.frombuffer(bytes(row[4]), dtype=np.float32)
            if vec.shape != q.shape:
                continue
            sim = float(vec @ q)
            if sim >= threshold and (best is None or sim > best[0]):
                best = (sim, row)
        return None if best is None else self._entry(best[1], where, best[0])

    def clear(self, scope: str | None = None) -> int:
        with self.db.write() as conn:
            if scope is None:
                return int(conn.execute("DELETE FROM answer_cache").rowcount)
            return int(conn.execute("DELETE FROM answer_cache WHERE scope = %s", (scope,)).rowcount)


class PgRun:
    """One live ingest run, holding its advisory lock on a connection of its own."""

    def __init__(self, db: Database, run_id: int, interrupted: int, lock_conn: Any) -> None:
        self._db = db
        self.id = run_id
        self.interrupted = interrupted
        self._lock_conn: Any = lock_conn

    def finish(self, report: dict[str, Any]) -> None:
        with self._db.write() as conn:
            conn.execute(
                "UPDATE ingest_runs SET status = 'finished', finished_at = %s, report = %s"
                " WHERE id = %s",
                (time.time(), json.dumps(report), self.id),
            )
        self.release()

    def release(self) -> None:
        """Drop the lock without finishing: the next run reports this one as interrupted."""
        if self._lock_conn is not None:
            self._lock_conn.close()  # ending the session releases its advisory locks
            self._lock_conn = None


class PgRuns:
    def __init__(self, db: Database) -> None:
        self.db = db

    def start(self, paths: Sequence[str]) -> PgRun:
        """Record a new run (its lock taken before the row commits, so no one sees it unlocked);
        ``running`` rows whose lock is free belong to dead runs and are marked failed."""
        import psycopg

        try:
            lock_conn = psycopg.connect(self.db.uri, autocommit=True)
        except psycopg.Error as exc:
            raise self.db.error(exc, "cannot start an ingest run in") from None
        try:
            with self.db.write() as conn:
                running = [r[0] for r in conn.execute(
                    "SELECT id FROM ingest_runs WHERE status = 'running' ORDER BY id")]  # fmt: skip
                dead = [
                    rid for rid in running
                    if conn.execute("SELECT pg_try_advisory_xact_lock(%s::int, %s::int)",
                                    (RUN_LOCK_SPACE, rid)).fetchone()[0]
                ]  # fmt: skip
                conn.execute("UPDATE ingest_runs SET status = 'failed' WHERE id = ANY(%s)", (dead,))
                run_id = int(conn.execute(
                    "INSERT INTO ingest_runs (started_at, status, paths) VALUES (%s, 'running', %s)"
                    " RETURNING id", (time.time(), json.dumps(list(paths)))).fetchone()[0])  # fmt: skip
                lock_conn.execute(
                    "SELECT pg_advisory_lock(%s::int, %s::int)", (RUN_LOCK_SPACE, run_id)
                )
        except BaseException:
            lock_conn.close()
            raise
        return PgRun(self.db, run_id, len(dead), lock_conn)
