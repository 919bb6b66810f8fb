"""Named, ordered schema migrations for the SQLite store (the simonw/llm pattern).

Each migration runs once, inside the same transaction that records its name, so a crash during a
migration leaves the previous schema intact. A database that has applied a migration this version
does not know was written by a newer Veracity and is refused rather than guessed at.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from veracity.errors import SchemaError

Migration = tuple[str, Callable[[sqlite3.Connection], None]]


def _run_script(db: sqlite3.Connection, script: str) -> None:
    """Run ``;``-separated DDL statements inside the caller's transaction (``executescript``
    would commit it first)."""
    code = "\n".join(line for line in script.splitlines() if not line.strip().startswith("--"))
    for statement in code.split(";"):
        if statement.strip():
            db.execute(statement)


def _m001_initial(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE documents (
            id TEXT PRIMARY KEY,
            uri TEXT NOT NULL UNIQUE,
            content_hash TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            mime TEXT NOT NULL,
            metadata TEXT NOT NULL DEFAULT '{}',
            labels TEXT NOT NULL DEFAULT '[]',
            page_starts TEXT NOT NULL DEFAULT '[]',
            size_chars INTEGER NOT NULL,
            n_chunks INTEGER NOT NULL,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE TABLE document_text (
            document_id TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
            text TEXT NOT NULL
        );
        CREATE TABLE document_labels (
            label TEXT NOT NULL,
            document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            PRIMARY KEY (label, document_id)
        ) WITHOUT ROWID;
        CREATE INDEX document_labels_doc ON document_labels(document_id);
        CREATE TABLE chunks (
            rid INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL,
            document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,
            text TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            page INTEGER,
            headings TEXT NOT NULL DEFAULT '[]',
            n_tokens INTEGER NOT NULL,
            flags INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX chunks_document ON chunks(document_id, ordinal);
        CREATE INDEX chunks_id ON chunks(id);
        CREATE TABLE vectors (
            chunk_rid INTEGER PRIMARY KEY REFERENCES chunks(rid) ON DELETE CASCADE,
            vector BLOB NOT NULL
        );
        -- Append-only log of chunk additions and deletions: derived indexes replay it from the
        -- sequence number they last applied, so they never need a full rebuild to catch up.
        CREATE TABLE changes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            chunk_rid INTEGER NOT NULL,
            op TEXT NOT NULL CHECK (op IN ('add', 'del'))
        );
        CREATE TABLE ingest_runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            started_at REAL NOT NULL,
            finished_at REAL,
            status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
            paths TEXT NOT NULL,
            report TEXT
        );
        """,
    )


def _m002_chat_and_cache(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
        CREATE TABLE chat_sessions (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL DEFAULT '',
            owner TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE TABLE chat_turns (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL REFERENCES chat_sessions(id) ON DELETE CASCADE,
            role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
            content TEXT NOT NULL,
            chunk_ids TEXT NOT NULL DEFAULT '[]',
            answer TEXT,
            created_at REAL NOT NULL
        );
        CREATE INDEX chat_turns_session ON chat_turns(session_id, id);
        -- Answers keyed by model, decoding, access scope and the question; each entry lists the
        -- content hashes of the chunks it used, and is valid only while all of them still exist.
        CREATE TABLE answer_cache (
            key TEXT PRIMARY KEY,
            scope TEXT NOT NULL,
            question TEXT NOT NULL,
            question_vec BLOB,
            chunk_ids TEXT NOT NULL,
            answer TEXT NOT NULL,
            created_at REAL NOT NULL,
            hits INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX answer_cache_scope ON answer_cache(scope)
        """,
    )


def _m003_api_keys(db: sqlite3.Connection) -> None:
    # Only the SHA-256 of a key's token is stored; the token itself is shown once at creation.
    # ``labels`` is the JSON list of ACL labels the key may see.
    _run_script(
        db,
        """
        CREATE TABLE api_keys (
            id TEXT PRIMARY KEY,
            token_sha256 TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL DEFAULT '',
            labels TEXT NOT NULL DEFAULT '[]',
            created_at REAL NOT NULL,
            revoked_at REAL
        )
        """,
    )


def _m004_key_rights(db: sqlite3.Connection) -> None:
    """Separate read and write rights on API keys (security review, issue 12 item 6).

    ``rights`` is the JSON list of what a key may do besides reading: ``upload``, ``delete``,
    ``admin`` (``read`` is always listed). Keys made before this migration get ``["read"]``:
    read-only, the safe choice, because until now seeing a document was enough to delete it and
    no one chose those keys' write rights. They keep working for everything they read; give one
    its write rights back with ``veracity keys grant ID --collections DIR --can upload,delete``
    (``veracity keys list`` shows each key's rights)."""
    db.execute("ALTER TABLE api_keys ADD COLUMN rights TEXT NOT NULL DEFAULT '[\"read\"]'")


MIGRATIONS: tuple[Migration, ...] = (
    ("001_initial", _m001_initial),
    ("002_chat_and_cache", _m002_chat_and_cache),
    ("003_api_keys", _m003_api_keys),
    ("004_key_rights", _m004_key_rights),
)


def migrate(db: sqlite3.Connection, migrations: tuple[Migration, ...] = MIGRATIONS) -> int:
    """Apply the migrations not yet applied, each in its own transaction; return the version."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)"
    )
    applied = {row[0] for row in db.execute("SELECT name FROM schema_migrations")}
    known = {name for name, _ in migrations}
    unknown = sorted(applied - known)
    if unknown:
        raise SchemaError(
            f"this collection was written by a newer Veracity (unknown migrations: {', '.join(unknown)}); "
            "upgrade Veracity (pip install -U veracity) to open it"
        )
    for name, step in migrations:
        if name in applied:
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have applied it between our read and our lock.
            if db.execute("SELECT 1 FROM schema_migrations WHERE name = ?", (name,)).fetchone():
                db.execute("ROLLBACK")
                continue
            step(db)
            db.execute("INSERT INTO schema_migrations VALUES (?, ?)", (name, time.time()))
            db.execute(f"PRAGMA user_version = {len(migrations)}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return len(migrations)
