"""Named, forward-only schema migrations for the PostgreSQL store (the SQLite store's pattern).

Each migration runs once, in the transaction that records its name, under an advisory lock, so
two processes opening a new database at once apply it once and a crash leaves the previous
schema. A database that has applied a migration this version does not know was written by a
newer Veracity and is refused.

The schema follows the SQLite one table for table, with three differences:

- a chunk's vector is a pgvector ``vector`` column of the chunk row (``embedding``), searched
  by an HNSW index per dimension (``ensure_vector_index``) with inner product, which is cosine
  for the unit vectors every embedder makes. The index is built after an ingest
  (``PostgresStore.optimize``), not before its first row: grown row by row it cost about 90%
  of the server's CPU in an ingest (1.7 ms per chunk at 30,000 chunks, rising with size), built
  once over the loaded rows a fifth of that. Until it exists, nearest-neighbour queries scan;
- a document's text is a column of its row, and each chunk carries a copy of its document's
  labels, so the label rule can be a row policy on the two tables that hold text;
- the label rule is enforced by PostgreSQL itself (``002_label_policies``): row-level security,
  forced on the tables' owner too, lets a query see a labelled row only when the transaction's
  ``veracity.labels`` setting shares one of its labels. The setting is ``*`` (everything: the
  store's writes and unfiltered admin reads), a JSON list of labels, or unset, which lets
  through only unlabelled documents, so a query that forgets to say who asks sees the least.
  Superusers and ``BYPASSRLS`` roles skip row policies: connect as an ordinary role.
"""

from __future__ import annotations

import time
from typing import Any

from veracity.errors import SchemaError, StoreError

# Keys of the transaction-level advisory locks the store takes (a bigint key space of its own).
MIGRATION_LOCK = 0x5645_5241_0001
WRITE_LOCK = 0x5645_5241_0002
# First key of the two-int advisory locks that mark live ingest runs (second key: the run id).
RUN_LOCK_SPACE = 0x5652

_INITIAL = """
CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
INSERT INTO meta VALUES ('store_id', md5(random()::text || clock_timestamp()::text));
CREATE TABLE documents (
    id text PRIMARY KEY,
    uri text NOT NULL UNIQUE,
    content_hash text NOT NULL,
    title text NOT NULL DEFAULT '',
    mime text NOT NULL,
    metadata text NOT NULL DEFAULT '{}',
    meta jsonb GENERATED ALWAYS AS (metadata::jsonb) STORED,
    labels text[] NOT NULL DEFAULT '{}',
    page_starts text NOT NULL DEFAULT '[]',
    body text NOT NULL,
    size_chars integer NOT NULL,
    n_chunks integer NOT NULL,
    created_at double precision NOT NULL,
    updated_at double precision NOT NULL
);
CREATE INDEX documents_uri_prefix ON documents (uri text_pattern_ops);
CREATE TABLE chunks (
    rid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text NOT NULL,
    document_id text NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    labels text[] NOT NULL DEFAULT '{}',
    ordinal integer NOT NULL,
    text text NOT NULL,
    start integer NOT NULL,
    "end" integer NOT NULL,
    page integer,
    headings text NOT NULL DEFAULT '[]',
    n_tokens integer NOT NULL,
    flags integer NOT NULL DEFAULT 0,
    embedding vector
);
CREATE INDEX chunks_document ON chunks (document_id, ordinal);
CREATE INDEX chunks_id ON chunks (id);
-- Append-only log of chunk additions and deletions, replayed by the derived indexes. Writers
-- hold WRITE_LOCK for their whole transaction, so sequence order is commit order.
CREATE TABLE changes (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chunk_rid bigint NOT NULL,
    op text NOT NULL CHECK (op IN ('add', 'del'))
);
CREATE TABLE ingest_runs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at double precision NOT NULL,
    finished_at double precision,
    status text NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
    paths text NOT NULL,
    report text
);
CREATE TABLE chat_sessions (
    id text PRIMARY KEY,
    title text NOT NULL DEFAULT '',
    owner text NOT NULL DEFAULT '',
    created_at double precision NOT NULL,
    updated_at double precision NOT NULL
);
CREATE TABLE chat_turns (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id text NOT NULL REFERENCES chat_sessions(id) ON DELETE CASCADE,
    role text NOT NULL CHECK (role IN ('user', 'assistant')),
    content text NOT NULL,
    chunk_ids text NOT NULL DEFAULT '[]',
    answer text,
    created_at double precision NOT NULL
);
CREATE INDEX chat_turns_session ON chat_turns (session_id, id);
CREATE TABLE answer_cache (
    key text PRIMARY KEY,
    scope text NOT NULL,
    question text NOT NULL,
    question_vec bytea,
    chunk_ids text NOT NULL,
    answer text NOT NULL,
    created_at double precision NOT NULL,
    hits integer NOT NULL DEFAULT 0
);
CREATE INDEX answer_cache_scope ON answer_cache (scope);
CREATE TABLE api_keys (
    id text PRIMARY KEY,
    token_sha256 text NOT NULL UNIQUE,
    name text NOT NULL DEFAULT '',
    labels text NOT NULL DEFAULT '[]',
    created_at double precision NOT NULL,
    revoked_at double precision,
    rights text NOT NULL DEFAULT '["read"]'
)
"""

# The one label rule (records.Filter.labels; store/filters.py for SQLite) as a SQL function of a
# row's labels and the transaction's ``veracity.labels`` setting, used by the row policies and,
# explicitly, by the store's own queries (which thus filter even under a role that bypasses RLS).
_LABEL_POLICIES = """
CREATE FUNCTION veracity_sees(row_labels text[]) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE coalesce(current_setting('veracity.labels', true), '')
        WHEN '*' THEN true
        WHEN '' THEN cardinality(row_labels) = 0
        ELSE cardinality(row_labels) = 0 OR row_labels && ARRAY(
            SELECT jsonb_array_elements_text(current_setting('veracity.labels', true)::jsonb))
    END
$$;
ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents FORCE ROW LEVEL SECURITY;
CREATE POLICY documents_by_label ON documents USING (veracity_sees(labels));
ALTER TABLE chunks ENABLE ROW LEVEL SECURITY;
ALTER TABLE chunks FORCE ROW LEVEL SECURITY;
CREATE POLICY chunks_by_label ON chunks USING (veracity_sees(labels))
"""

MIGRATIONS: tuple[tuple[str, str], ...] = (
    ("001_initial", _INITIAL),
    ("002_label_policies", _LABEL_POLICIES),
)


def _statements(script: str) -> list[str]:
    """Split a script on ``;`` at line ends (function bodies keep their inner ``;``)."""
    code = "\n".join(ln for ln in script.splitlines() if not ln.strip().startswith("--"))
    parts, current = [], []
    in_body = False
    for line in code.splitlines():
        current.append(line)
        if line.count("$$") % 2:
            in_body = not in_body
        if not in_body and line.rstrip().endswith(";"):
            parts.append("\n".join(current).rstrip().rstrip(";"))
            current = []
    if "\n".join(current).strip():
        parts.append("\n".join(current))
    return [p for p in parts if p.strip()]


def migrate(conn: Any, database: str) -> int:
    """Apply the migrations not yet applied, each in its own transaction; return the version.
    ``conn`` is a psycopg connection in autocommit mode; ``database`` names it in messages."""
    import psycopg

    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        except psycopg.errors.InsufficientPrivilege as exc:
            raise StoreError(
                f"the pgvector extension is not installed in database {database} and this role "
                "may not install it: ask an administrator to run `CREATE EXTENSION vector;` there"
            ) from exc
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations"
            " (name text PRIMARY KEY, applied_at double precision NOT NULL)"
        )
    applied = {r[0] for r in conn.execute("SELECT name FROM schema_migrations")}
    unknown = sorted(applied - {name for name, _ in MIGRATIONS})
    if unknown:
        raise SchemaError(
            f"database {database} was written by a newer Veracity (unknown migrations: "
            f"{', '.join(unknown)}); upgrade Veracity (pip install -U veracity) to open it"
        )
    for name, script in MIGRATIONS:
        if name in applied:
            continue
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            done = conn.execute("SELECT 1 FROM schema_migrations WHERE name = %s", (name,))
            if done.fetchone():  # another process applied it while we waited for the lock
                continue
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations VALUES (%s, %s)", (name, time.time()))
    return len(MIGRATIONS)


def check_schema(conn: Any, database: str) -> int:
    """For a read-only open: the schema's version, without changing anything. A database that
    a newer Veracity wrote, or one with migrations still to apply, is refused (reading it with
    the wrong schema would return wrong answers, and a read-only open must not migrate)."""
    applied = {r[0] for r in conn.execute("SELECT name FROM schema_migrations")}
    known = [name for name, _ in MIGRATIONS]
    if unknown := sorted(applied - set(known)):
        raise SchemaError(
            f"database {database} was written by a newer Veracity (unknown migrations: "
            f"{', '.join(unknown)}); upgrade Veracity (pip install -U veracity) to open it"
        )
    if pending := [name for name in known if name not in applied]:
        raise SchemaError(
            f"database {database} needs schema migrations ({', '.join(pending)}) and was opened "
            "read-only; open it once read-write to apply them (for example `veracity status "
            f"--collection {database}`)"
        )
    return len(known)


def vector_index_name(dim: int) -> str:
    return f"chunks_embedding_hnsw_{int(dim)}"


def missing_vector_indexes(conn: Any, dims: set[int]) -> set[int]:
    """The dimensions among ``dims`` whose HNSW index does not exist yet."""
    rows = conn.execute(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
        " AND tablename = 'chunks'"
    ).fetchall()
    have = {r[0] for r in rows}
    return {d for d in dims if vector_index_name(d) not in have}


def drop_vector_indexes(conn: Any) -> None:
    """Drop every dimension's HNSW index (before rewriting all vectors; ``optimize`` rebuilds)."""
    rows = conn.execute(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
        " AND tablename = 'chunks' AND indexname LIKE 'chunks\\_embedding\\_hnsw\\_%'"
    ).fetchall()
    for (name,) in rows:
        conn.execute(f'DROP INDEX IF EXISTS "{name}"')


def ensure_vector_index(conn: Any, dim: int) -> None:
    """An HNSW index (inner product) over the chunks' ``dim``-dimensional vectors, if missing.
    pgvector indexes one dimension at a time, so the index is on ``embedding::vector(dim)``
    for the rows of that dimension; search with the same expression to use it."""
    name = vector_index_name(dim)
    conn.execute(
        f"CREATE INDEX IF NOT EXISTS {name} ON chunks USING hnsw"
        f" ((embedding::vector({int(dim)})) vector_ip_ops)"
        f" WHERE vector_dims(embedding) = {int(dim)}"
    )
