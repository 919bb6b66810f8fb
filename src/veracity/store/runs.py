"""Ingest run bookkeeping: each run has a row in ``ingest_runs``, so an interrupted one is noticed
by the next and reported ("resumed after an interruption").

A row left ``running`` may belong to a run that is still going (another process or thread
ingesting into the same collection) or to one that died (killed, crashed, interrupted). They are
told apart by an OS file lock each live run holds on ``<collection>/.ingest-run-<id>.lock`` for
its whole life: the kernel drops the lock when its holder exits, however it exits. A new run
marks ``failed`` only the ``running`` rows whose lock it can take, so concurrent ingests both
proceed, each with its own run record; before, the second marked the first failed.

The check runs inside the write transaction that inserts the new row, and a run takes its own
lock before that transaction commits, so no other run ever sees its row unlocked.
Where ``fcntl`` is missing (Windows) no run can be proven alive, so the old rule applies: a new
run marks every ``running`` row failed.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from veracity.store.sqlite import SQLiteStore

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class IngestRun:
    """One live run: its id, how many earlier runs it found interrupted, and its lock."""

    def __init__(self, runs: IngestRuns, run_id: int, interrupted: int, lock: IO[bytes] | None):
        self._runs = runs
        self.id = run_id
        self.interrupted = interrupted
        self._lock = lock

    def finish(self, report: dict[str, Any]) -> None:
        """Record the run as finished with its report, and let go of its lock."""
        with self._runs.store.transaction() as db:
            db.execute(
                "UPDATE ingest_runs SET status = 'finished', finished_at = ?, report = ?"
                " WHERE id = ?",
                (time.time(), json.dumps(report), self.id),
            )
        self.release()
        self._runs.lock_path(self.id).unlink(missing_ok=True)

    def release(self) -> None:
        """Drop the lock without finishing: the row stays ``running`` and the next run reports
        it as interrupted (what an exception or Ctrl-C during the run means)."""
        if self._lock is not None:
            self._lock.close()  # closing the file releases its lock
            self._lock = None


class IngestRuns:
    """The ``ingest_runs`` table of one collection's SQLite store: the SQLite implementation of
    ``protocols.RunTable`` (get one with ``store.ingest_runs()``)."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store

    def lock_path(self, run_id: int) -> Path:
        return self.store.directory / f".ingest-run-{run_id}.lock"

    def start(self, paths: Sequence[str]) -> IngestRun:
        """Record a new run (holding its lock until ``finish`` or ``release``); runs left
        ``running`` by a dead holder are marked failed and counted as interrupted."""
        with self.store.transaction() as db:
            running = [
                r[0] for r in db.execute("SELECT id FROM ingest_runs WHERE status = 'running'")
            ]
            dead = [rid for rid in running if not self._alive(rid)]
            db.executemany(
                "UPDATE ingest_runs SET status = 'failed' WHERE id = ?", [(r,) for r in dead]
            )
            cur = db.execute(
                "INSERT INTO ingest_runs (started_at, status, paths) VALUES (?, 'running', ?)",
                (time.time(), json.dumps(list(paths))),
            )
            run_id = int(cur.lastrowid or 0)
            lock = self._lock(run_id)  # before COMMIT: no one sees the row unlocked
        for rid in dead:
            self.lock_path(rid).unlink(missing_ok=True)
        return IngestRun(self, run_id, len(dead), lock)

    def _lock(self, run_id: int) -> IO[bytes] | None:
        if fcntl is None:  # pragma: no cover - Windows
            return None
        fh = open(self.lock_path(run_id), "ab")  # noqa: SIM115 - held for the run's life
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fh

    def _alive(self, run_id: int) -> bool:
        """Whether run ``run_id``'s holder still holds its lock (no lock file: dead)."""
        if fcntl is None:  # pragma: no cover - Windows
            return False
        path = self.lock_path(run_id)
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # also drops the lock if we took it
        return False
