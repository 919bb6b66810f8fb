"""The PostgreSQL + pgvector backend of the ``Store`` protocol: one database per collection.

``open_store("postgresql://user@host/db")`` (or ``veracity.open``) opens it; the schema is made
and migrated on first open (``postgres_schema``; the ``vector`` extension must be installable by
the connecting role or already installed). What it guarantees, and how:

- every write (one ingest batch, a delete, a relabel) is one transaction, so a crash or a
  ``kill -9`` of the writer leaves the state before it or after it, never a mixture;
- writers serialize on an advisory lock held to commit, so the change log's sequence order is
  its commit order and a replica replaying it never skips a late-committing change;
- the label rule is a row policy on documents and chunks (see ``postgres_schema``): a query
  that forgets the filter still sees only what the transaction's ``veracity.labels`` allows;
- vectors live in a pgvector column with an HNSW index (inner product) per dimension, so the
  database itself can answer nearest-neighbour queries (``nearest``).

Connect as an ordinary role (not a superuser, no ``BYPASSRLS``): PostgreSQL skips row policies
for those, and the store's own queries, which also apply the rule, are then the only guard.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from veracity.errors import NotFound, StoreError
from veracity.records import Chunk, Document, Filter
from veracity.store.postgres_db import Database, where_sql
from veracity.store.postgres_schema import (
    drop_vector_indexes,
    ensure_vector_index,
    missing_vector_indexes,
)
from veracity.store.rows import Change, ChunkContext, DocumentInfo, DocumentWrite, StoredChunk

if TYPE_CHECKING:
    from veracity.store.chat import ChatStore
    from veracity.store.keys import KeyStore
    from veracity.store.postgres_tables import PgCache, PgRuns

__all__ = ["PostgresStore"]

_TABLES = ("meta", "documents", "chunks", "changes", "ingest_runs", "chat_sessions",
           "chat_turns", "answer_cache", "api_keys", "schema_migrations")  # fmt: skip


class PostgresStore:
    """Documents, chunks, vectors and the change log of one collection in a PostgreSQL
    database, with its chats, answer cache, API keys and ingest runs (``chats()`` etc.).
    ``readonly`` opens an existing collection only (as ``create=False`` does)."""

    def __init__(self, uri: str, *, create: bool = True, readonly: bool = False) -> None:
        self.db = Database(uri, create=create and not readonly, readonly=readonly)
        self.display = self.db.display

    def close(self) -> None:
        self.db.close()

    def __repr__(self) -> str:
        return f"PostgresStore({self.display!r})"

    # -- the other tables, each behind its own protocol ---------------------------------------

    def chats(self) -> ChatStore:
        from veracity.store.chat import ChatStore

        return ChatStore(self.db.write, self.db.read, placeholder="%s")

    def answer_cache(self) -> PgCache:
        from veracity.store.postgres_tables import PgCache

        return PgCache(self.db)

    def api_keys(self) -> KeyStore:
        from veracity.store.keys import KeyStore

        return KeyStore(self.db.write, self.db.read, self.db.display, placeholder="%s")

    def ingest_runs(self) -> PgRuns:
        from veracity.store.postgres_tables import PgRuns

        return PgRuns(self.db)

    # -- meta ---------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self.db.read() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = %s", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, values: dict[str, str]) -> None:
        with self.db.write() as conn:
            conn.cursor().executemany(
                "INSERT INTO meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                list(values.items()),
            )

    # -- documents ----------------------------------------------------------------------------

    def states(self, uris: Sequence[str]) -> dict[str, tuple[str, str, str, str]]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT uri, id, content_hash, metadata, labels FROM documents WHERE uri = ANY(%s)",
                (list(uris),),
            ).fetchall()
        return {r[0]: (r[1], r[2], r[3], json.dumps(list(r[4]))) for r in rows}

    def write(self, items: Sequence[DocumentWrite]) -> None:
        """Upsert documents with their chunks and vectors, all in one transaction."""
        for item in items:
            if len(item.chunks) != len(item.vectors):
                raise StoreError(
                    f"{item.document.uri}: {len(item.chunks)} chunks but {len(item.vectors)} vectors"
                )
        now = time.time()
        with self.db.write() as conn:
            for item in items:
                self._upsert_one(conn, item, now)

    def _upsert_one(self, conn: Any, item: DocumentWrite, now: float) -> None:
        doc = item.document
        old = conn.execute("SELECT created_at FROM documents WHERE id = %s", (doc.id,)).fetchone()
        if old is not None:
            _delete_chunks(conn, doc.id)
        conn.execute(
            "INSERT INTO documents (id, uri, content_hash, title, mime, metadata, labels,"
            " page_starts, body, size_chars, n_chunks, created_at, updated_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (id) DO UPDATE SET uri = EXCLUDED.uri, content_hash ="
            " EXCLUDED.content_hash, title = EXCLUDED.title, mime = EXCLUDED.mime, metadata ="
            " EXCLUDED.metadata, labels = EXCLUDED.labels, page_starts = EXCLUDED.page_starts,"
            " body = EXCLUDED.body, size_chars = EXCLUDED.size_chars, n_chunks ="
            " EXCLUDED.n_chunks, updated_at = EXCLUDED.updated_at",
            (
                doc.id, doc.uri, doc.content_hash, doc.title, doc.mime,
                json.dumps(dict(doc.metadata), sort_keys=True), list(doc.labels),
                json.dumps(list(doc.page_starts)), doc.text, len(doc.text), len(item.chunks),
                old[0] if old is not None else now, now,
            ),
        )  # fmt: skip
        if not item.chunks:
            return
        vectors = np.ascontiguousarray(item.vectors, dtype=np.float32)  # (n, dim)
        flags = list(item.flags) or [0] * len(item.chunks)
        conn.cursor().executemany(
            'INSERT INTO chunks (id, document_id, labels, ordinal, text, start, "end", page,'
            " headings, n_tokens, flags, embedding)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (c.id, doc.id, list(doc.labels), c.ordinal, c.text, c.start, c.end, c.page,
                 json.dumps(list(c.headings)), c.n_tokens, int(f), v)
                for c, v, f in zip(item.chunks, vectors, flags, strict=True)
            ],
        )  # fmt: skip
        conn.execute(
            "INSERT INTO changes (chunk_rid, op) SELECT rid, 'add' FROM chunks"
            " WHERE document_id = %s ORDER BY rid",
            (doc.id,),
        )

    def update_labels_and_metadata(
        self, doc_id: str, labels: tuple[str, ...], metadata: dict[str, Any]
    ) -> None:
        """Change a document's labels (and its chunks' copies) and metadata in one transaction."""
        with self.db.write() as conn:
            conn.execute(
                "UPDATE documents SET labels = %s, metadata = %s, updated_at = %s WHERE id = %s",
                (list(labels), json.dumps(metadata, sort_keys=True), time.time(), doc_id),
            )
            conn.execute(
                "UPDATE chunks SET labels = %s WHERE document_id = %s", (list(labels), doc_id)
            )

    def delete_documents(self, doc_ids: Sequence[str]) -> tuple[int, int]:
        n_docs = n_chunks = 0
        with self.db.write() as conn:
            for doc_id in doc_ids:
                n_chunks += _delete_chunks(conn, doc_id)
                n_docs += conn.execute("DELETE FROM documents WHERE id = %s", (doc_id,)).rowcount
        return n_docs, n_chunks

    def find_document_ids(
        self, *, ids: Sequence[str] = (), uris: Sequence[str] = (), where: Filter | None = None
    ) -> list[str]:
        """Ids of the documents matching any of ``ids``, ``uris`` (exact, or a directory prefix
        ending in ``/``), or all of ``where``'s conditions."""
        found: list[str] = []
        with self.db.read() as conn:
            if ids:
                have = {r[0] for r in conn.execute(
                    "SELECT id FROM documents WHERE id = ANY(%s)", (list(ids),))}  # fmt: skip
                found.extend(i for i in ids if i in have)
            for uri in uris:
                prefix = uri if uri.endswith("/") else uri + "#"
                rows = conn.execute(
                    "SELECT id FROM documents WHERE uri = %s OR left(uri, %s) = %s ORDER BY uri",
                    (uri, len(prefix), prefix),
                )
                found.extend(r[0] for r in rows)
        if where is not None and not where.is_empty():
            clause, params = where_sql(where, "d")
            with self.db.read(where) as conn:
                rows = conn.execute(f"SELECT d.id FROM documents d WHERE {clause}", params)
                found.extend(r[0] for r in rows)
        return list(dict.fromkeys(found))

    def document_uris(self, doc_ids: Sequence[str]) -> dict[str, str]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT id, uri FROM documents WHERE id = ANY(%s)", (list(doc_ids),)
            ).fetchall()
        return {str(i): str(u) for i, u in rows}

    _INFO_SQL = (
        "SELECT d.id, d.uri, d.title, d.content_hash, d.mime, d.metadata, d.labels, d.size_chars,"
        " d.n_chunks, d.created_at, d.updated_at FROM documents d"
    )

    def documents(
        self, *, where: Filter | None = None, limit: int | None = None, offset: int = 0
    ) -> list[DocumentInfo]:
        """The documents ``where`` lets through, by uri, paged after filtering."""
        clause, params = where_sql(where, "d")
        sql = f'{self._INFO_SQL} WHERE {clause} ORDER BY d.uri COLLATE "C" LIMIT %s OFFSET %s'
        with self.db.read(where) as conn:
            rows = conn.execute(sql, [*params, limit, offset]).fetchall()
        return [_info_row(r) for r in rows]

    def document_info(self, doc_id: str, where: Filter | None = None) -> DocumentInfo:
        clause, params = where_sql(where, "d")
        with self.db.read(where) as conn:
            row = conn.execute(
                f"{self._INFO_SQL} WHERE d.id = %s AND {clause}", [doc_id, *params]
            ).fetchone()
        if row is None:
            raise _not_found(doc_id)
        return _info_row(row)

    def document_totals(self, where: Filter | None = None) -> tuple[int, int]:
        clause, params = where_sql(where, "d")
        with self.db.read(where) as conn:
            n, chunks = conn.execute(
                f"SELECT count(*), coalesce(sum(d.n_chunks), 0) FROM documents d WHERE {clause}",
                params,
            ).fetchone()
        return int(n), int(chunks)

    def get_document(self, doc_id: str, where: Filter | None = None) -> Document:
        clause, params = where_sql(where, "d")
        with self.db.read(where) as conn:
            r = conn.execute(
                "SELECT d.id, d.uri, d.body, d.content_hash, d.title, d.mime, d.metadata, d.labels,"
                f" d.page_starts, d.created_at, d.updated_at FROM documents d"
                f" WHERE d.id = %s AND {clause}",
                [doc_id, *params],
            ).fetchone()
        if r is None:
            raise _not_found(doc_id)
        return Document(
            id=r[0], uri=r[1], text=r[2], content_hash=r[3], title=r[4], mime=r[5],
            metadata=json.loads(r[6]), labels=tuple(r[7]), page_starts=tuple(json.loads(r[8])),
            created_at=r[9], updated_at=r[10],
        )  # fmt: skip

    # -- chunks -------------------------------------------------------------------------------

    def chunks(self, rids: Sequence[int]) -> list[StoredChunk]:
        """The chunks with these row ids, in the order asked (missing ids are skipped)."""
        with self.db.read() as conn:
            rows = conn.execute(
                'SELECT c.rid, c.id, c.document_id, c.ordinal, c.text, c.start, c."end", c.page,'
                " c.headings, c.n_tokens, d.uri, c.flags, d.title FROM chunks c"
                " JOIN documents d ON d.id = c.document_id WHERE c.rid = ANY(%s)",
                ([int(r) for r in rids],),
            ).fetchall()
        by_rid: dict[int, StoredChunk] = {}
        for r in rows:
            chunk = Chunk(
                id=r[1], document_id=r[2], ordinal=r[3], text=r[4], start=r[5], end=r[6],
                page=r[7], headings=tuple(json.loads(r[8])), n_tokens=r[9],
            )  # fmt: skip
            by_rid[r[0]] = StoredChunk(r[0], chunk, r[10], r[11], r[12] or "")
        return [by_rid[int(r)] for r in rids if int(r) in by_rid]

    def chunk_uris(self) -> dict[int, str]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT c.rid, d.uri FROM chunks c JOIN documents d ON d.id = c.document_id"
            ).fetchall()
        return {int(rid): str(uri) for rid, uri in rows}

    _CONTEXT_SQL = (
        "SELECT c.rid, c.text, c.headings, d.title FROM chunks c"
        " JOIN documents d ON d.id = c.document_id"
    )

    def chunk_texts(self, rids: Sequence[int]) -> list[tuple[int, str]]:
        return [(c.rid, c.text) for c in self.chunk_contexts(rids)]

    def chunk_contexts(self, rids: Sequence[int]) -> list[ChunkContext]:
        with self.db.read() as conn:
            rows = conn.execute(
                f"{self._CONTEXT_SQL} WHERE c.rid = ANY(%s)", ([int(r) for r in rids],)
            ).fetchall()
        return [_context_row(r) for r in rows]

    def iter_chunk_texts(self, batch: int = 2048) -> Iterator[list[tuple[int, str]]]:
        for rows in self.iter_chunk_contexts(batch):
            yield [(c.rid, c.text) for c in rows]

    def iter_chunk_contexts(self, batch: int = 2048) -> Iterator[list[ChunkContext]]:
        """All chunks with their titles and heading paths, in rid order, in batches (keyset
        paging: each batch is its own short transaction)."""
        last = -1
        while True:
            with self.db.read() as conn:
                rows = conn.execute(
                    f"{self._CONTEXT_SQL} WHERE c.rid > %s ORDER BY c.rid LIMIT %s", (last, batch)
                ).fetchall()
            if not rows:
                return
            yield [_context_row(r) for r in rows]
            last = rows[-1][0]

    # -- vectors ------------------------------------------------------------------------------

    def vectors(self, rids: Sequence[int], dim: int) -> tuple[np.ndarray, np.ndarray]:
        """``(rids int64 (n,), vectors float32 (n, dim))`` for the rids that still exist."""
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT rid, embedding FROM chunks WHERE rid = ANY(%s) AND embedding IS NOT NULL",
                ([int(r) for r in rids],),
            ).fetchall()
        return _as_matrix(rows, dim)

    def iter_vectors(self, dim: int, batch: int = 4096) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        last = -1
        while True:
            with self.db.read() as conn:
                rows = conn.execute(
                    "SELECT rid, embedding FROM chunks WHERE rid > %s AND embedding IS NOT NULL"
                    " ORDER BY rid LIMIT %s",
                    (last, batch),
                ).fetchall()
            if not rows:
                return
            yield _as_matrix(rows, dim)
            last = rows[-1][0]

    def allowed_rids(self, where: Filter) -> np.ndarray:
        """Sorted int64 row ids of the chunks ``where`` lets through: the pre-filter for indexes."""
        clause, params = where_sql(where, "d")
        with self.db.read(where) as conn:
            rows = conn.execute(
                "SELECT c.rid FROM chunks c JOIN documents d ON d.id = c.document_id"
                f" WHERE {clause} ORDER BY c.rid",
                params,
            ).fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def nearest(
        self, query: np.ndarray, k: int, where: Filter | None = None, *, ef_search: int = 64
    ) -> list[tuple[int, float]]:
        """``(rid, inner product)`` of the ``k`` chunks nearest ``query`` that ``where`` lets
        through, best first, from the database's HNSW index (approximate; iterative index scans
        keep filling ``k`` under a selective filter)."""
        q = np.asarray(query, dtype=np.float32).ravel()  # (dim,)
        dim = int(q.shape[0])
        clause, params = where_sql(where, "d")
        with self.db.read(where) as conn:
            conn.execute("SELECT set_config('hnsw.ef_search', %s, true)", (str(int(ef_search)),))
            conn.execute("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)")
            rows = conn.execute(
                f"SELECT c.rid, (c.embedding::vector({dim}) <#> %s) AS neg FROM chunks c"
                f" JOIN documents d ON d.id = c.document_id WHERE vector_dims(c.embedding) = {dim}"
                f" AND {clause} ORDER BY neg LIMIT %s",
                [q, *params, int(k)],
            ).fetchall()
        return [(int(r[0]), -float(r[1])) for r in rows]

    def replace_vectors(
        self, batches: Iterator[tuple[np.ndarray, np.ndarray]], meta: dict[str, str]
    ) -> int:
        """Swap every vector for a new one (re-embedding), crash-safely: new vectors are staged
        in their own table over many small transactions; only the swap is one transaction."""
        with self.db.write() as conn:
            conn.execute("DROP TABLE IF EXISTS vectors_staging")
            conn.execute("CREATE TABLE vectors_staging (chunk_rid bigint PRIMARY KEY, v vector)")
        n = 0
        for rids, vectors in batches:
            mat = np.asarray(vectors, dtype=np.float32)
            rows = [(int(r), v) for r, v in zip(rids, mat, strict=True)]
            with self.db.write() as conn:
                conn.cursor().executemany(
                    "INSERT INTO vectors_staging VALUES (%s, %s) ON CONFLICT (chunk_rid)"
                    " DO UPDATE SET v = EXCLUDED.v",
                    rows,
                )
            n += len(rows)
        with self.db.write() as conn:
            drop_vector_indexes(conn)  # rewriting every row through the HNSW graph is the slow way
            conn.execute(
                "UPDATE chunks c SET embedding = s.v FROM (SELECT c2.rid, s2.v FROM chunks c2"
                " LEFT JOIN vectors_staging s2 ON s2.chunk_rid = c2.rid) s WHERE s.rid = c.rid"
            )
            conn.execute("DROP TABLE vectors_staging")
            conn.cursor().executemany(
                "INSERT INTO meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                list(meta.items()),
            )
            # Every vector changed: log a delete and an add per chunk so vector indexes rebuild.
            conn.execute(
                "INSERT INTO changes (chunk_rid, op) SELECT rid, 'del' FROM chunks ORDER BY rid"
            )
            conn.execute(
                "INSERT INTO changes (chunk_rid, op) SELECT rid, 'add' FROM chunks ORDER BY rid"
            )
        self.optimize()  # the swap dropped the vector indexes: build them over the new vectors
        return n

    def optimize(self) -> None:
        """Build the HNSW index of each vector dimension the chunks hold that has none yet.
        Writes leave it to this call (see ``postgres_schema``); it holds the write lock, so
        other writers wait while a first index is built over a large load. Planner statistics
        are left to PostgreSQL's autovacuum."""
        with self.db.write() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'dim'").fetchone()
            if row is not None and str(row[0]).isdigit():
                dims = {int(row[0])}
            else:  # no dimension recorded: look at the rows themselves
                dims = {int(r[0]) for r in conn.execute(
                    "SELECT DISTINCT vector_dims(embedding) FROM chunks"
                    " WHERE embedding IS NOT NULL").fetchall()}  # fmt: skip
            for dim in sorted(missing_vector_indexes(conn, dims)):
                ensure_vector_index(conn, dim)

    # -- change log ---------------------------------------------------------------------------

    def last_seq(self) -> int:
        with self.db.read() as conn:
            row = conn.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()
        return int(row[0])

    def changes_since(self, seq: int, limit: int = 100_000) -> list[Change]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT seq, chunk_rid, op FROM changes WHERE seq > %s ORDER BY seq LIMIT %s",
                (seq, limit),
            ).fetchall()
        return [Change(int(r[0]), int(r[1]), r[2]) for r in rows]

    # -- status -------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        with self.db.read() as conn:
            docs, chars = conn.execute(
                "SELECT count(*), coalesce(sum(size_chars), 0) FROM documents"
            ).fetchone()
            chunks, vectors = conn.execute(
                "SELECT count(*), count(embedding) FROM chunks"
            ).fetchone()
        return {"documents": int(docs), "chunks": int(chunks), "vectors": int(vectors),
                "text_chars": int(chars)}  # fmt: skip

    def check(self) -> list[str]:
        """Consistency problems found (empty when the store is sound)."""
        problems: list[str] = []
        with self.db.read() as conn:
            for sql, what in _CONSISTENCY_CHECKS:
                if count := conn.execute(sql).fetchone()[0]:
                    problems.append(f"{count} {what}")
        return problems

    def size_bytes(self) -> int:
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT coalesce(sum(pg_total_relation_size(to_regclass(t))), 0)"
                " FROM unnest(%s::text[]) AS t",
                (list(_TABLES),),
            ).fetchone()
        return int(row[0])


# (query counting violations, what a violation is) for ``PostgresStore.check``.
_CONSISTENCY_CHECKS = (
    (
        "SELECT count(*) FROM documents d WHERE n_chunks !="
        " (SELECT count(*) FROM chunks c WHERE c.document_id = d.id)",
        "documents whose chunk count does not match",
    ),
    ("SELECT count(*) FROM chunks WHERE embedding IS NULL", "chunks without a vector"),
    (
        "SELECT count(*) FROM chunks c JOIN documents d ON d.id = c.document_id"
        " WHERE c.labels IS DISTINCT FROM d.labels",
        "chunks whose labels differ from their document's",
    ),
)


def _delete_chunks(conn: Any, doc_id: str) -> int:
    conn.execute(
        "INSERT INTO changes (chunk_rid, op) SELECT rid, 'del' FROM chunks"
        " WHERE document_id = %s ORDER BY rid",
        (doc_id,),
    )
    return int(conn.execute("DELETE FROM chunks WHERE document_id = %s", (doc_id,)).rowcount)


def _not_found(doc_id: str) -> NotFound:
    return NotFound(f"no document with id {doc_id!r}; list them with `veracity docs`")


def _info_row(r: Sequence[Any]) -> DocumentInfo:
    return DocumentInfo(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), tuple(r[6]),
                        r[7], r[8], r[9], r[10])  # fmt: skip


def _context_row(row: Sequence[Any]) -> ChunkContext:
    return ChunkContext(int(row[0]), row[1], row[3] or "", tuple(json.loads(row[2])))


def _as_matrix(rows: Sequence[Sequence[Any]], dim: int) -> tuple[np.ndarray, np.ndarray]:
    ids = np.asarray([r[0] for r in rows], dtype=np.int64)
    if not rows:
        return ids, np.zeros((0, dim), dtype=np.float32)
    # pgvector's loader gives ``Vector`` objects (float32 inside: the values round-trip exactly).
    vecs = [np.asarray(r[1].to_numpy() if hasattr(r[1], "to_numpy") else r[1], np.float32)
            for r in rows]  # fmt: skip
    if any(v.shape != (dim,) for v in vecs):
        raise StoreError(
            f"stored vectors do not have dimension {dim}; the collection was embedded with another "
            "model. Re-embed it with `veracity reembed --embedder NAME`"
        )
    return ids, np.stack(vecs)
