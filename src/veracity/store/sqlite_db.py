"""Opening a collection's SQLite file, and the write transaction the SQLite tables share."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from pathlib import Path
from urllib.parse import quote

from veracity.errors import StoreError


def connect(path: Path, readonly: bool) -> sqlite3.Connection:
    # Percent-encode the path: in a URI, '?' starts the query, '#' the fragment and '%' an
    # escape, so a collection named 'sp?x=1' would otherwise open './sp'.
    target = quote(path.as_posix(), safe="/")
    uri = f"file:{target}?mode=ro" if readonly else f"file:{target}"
    try:
        db = sqlite3.connect(
            uri, uri=True, isolation_level=None, check_same_thread=False, timeout=30
        )
        if not readonly:
            db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA busy_timeout=30000")
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"cannot open the collection database {path}: {exc}. If the file is damaged, restore it "
            "from a backup or re-ingest into a new collection directory"
        ) from exc
    return db


def create_private(directory: Path, db_path: Path) -> None:
    """A new collection readable by its owner only: the directory (when we make it) 0700 and the
    database 0600 (SQLite gives its -wal and -shm files the database's mode). Documents, key
    hashes and chats are in there; other local users have no business reading them."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):  # another process created it first
        os.close(os.open(db_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


class Transaction:
    """``with store.transaction() as db:`` runs the block in one ``BEGIN IMMEDIATE`` transaction."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock) -> None:
        self._db = db
        self._lock = lock

    def __enter__(self) -> sqlite3.Connection:
        self._lock.acquire()
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._lock.release()
            raise
        return self._db

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            self._db.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self._lock.release()
