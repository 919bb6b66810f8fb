"""The embedded store: one SQLite file per collection directory, in WAL mode.

SQLite gives the guarantees the product promises: every write below is one transaction, so a crash
or ``kill -9`` at any moment leaves either the state before it or the state after it, never a
mixture; WAL mode lets readers keep reading while one writer ingests. ``synchronous=NORMAL`` in WAL
mode is still crash-safe for the database (a power loss may drop the last transactions, never
corrupt earlier ones).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from veracity.errors import ConfigError, NotFound, StoreError
from veracity.records import Chunk, Document, Filter
from veracity.store.filters import filter_sql
from veracity.store.migrations import migrate
from veracity.store.rows import Change, ChunkContext, DocumentInfo, DocumentWrite, StoredChunk
from veracity.store.sqlite_db import Transaction, connect, create_private

if TYPE_CHECKING:
    from veracity.store.cache import CacheStore
    from veracity.store.chat import ChatStore
    from veracity.store.keys import KeyStore
    from veracity.store.runs import IngestRuns

__all__ = ["DB_NAME", "Change", "DocumentInfo", "DocumentWrite", "SQLiteStore", "StoredChunk"]

DB_NAME = "veracity.db"


class SQLiteStore:
    """Documents, chunks, vectors and the change log of one collection: the embedded backend of
    the ``Store`` protocol (``veracity.store.protocols``). Chats, the answer cache, API keys and
    ingest runs live in the same file; their tables are reached through ``chats()``,
    ``answer_cache()``, ``api_keys()`` and ``ingest_runs()``, whose SQLite implementations use
    ``transaction()`` and ``reading()``."""

    def __init__(
        self, directory: Path | str, *, create: bool = True, readonly: bool = False
    ) -> None:
        self.directory = Path(directory).expanduser()
        self.path = self.directory / DB_NAME
        if not self.path.exists():
            if not create or readonly:
                raise NotFound(
                    f"no collection at {self.directory} (no {DB_NAME} there); create one with "
                    f"`veracity ingest PATH --collection {self.directory}`"
                )
            if self.directory.exists() and not self.directory.is_dir():
                raise ConfigError(f"collection path {self.directory} exists and is not a directory")
            create_private(self.directory, self.path)
        self._lock = threading.RLock()
        self._db = connect(self.path, readonly)
        if not readonly:
            migrate(self._db)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- transactions -------------------------------------------------------------------------

    def transaction(self) -> Transaction:
        """``with store.transaction() as db:`` runs the block in one ``BEGIN IMMEDIATE``
        transaction (committed on success, rolled back on an exception), holding the store's
        lock; ``db`` is the ``sqlite3.Connection``."""
        return Transaction(self._db, self._lock)

    @contextlib.contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """``with store.reading() as db:`` runs reads on the connection under the store's lock
        (WAL mode: they see the last committed state and do not block a writer process)."""
        with self._lock:
            yield self._db

    # -- the other tables, each behind its own protocol ---------------------------------------

    def chats(self) -> ChatStore:
        from veracity.store.chat import ChatStore

        return ChatStore(self.transaction, self.reading)

    def answer_cache(self) -> CacheStore:
        from veracity.store.cache import CacheStore

        return CacheStore(self)

    def api_keys(self) -> KeyStore:
        from veracity.store.keys import KeyStore

        return KeyStore(self.transaction, self.reading, str(self.directory))

    def ingest_runs(self) -> IngestRuns:
        from veracity.store.runs import IngestRuns

        return IngestRuns(self)

    # -- meta ---------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, values: dict[str, str]) -> None:
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(values.items()))

    # -- documents ----------------------------------------------------------------------------

    def states(self, uris: Sequence[str]) -> dict[str, tuple[str, str, str, str]]:
        """``uri -> (id, content_hash, metadata_json, labels_json)`` for the uris already stored."""
        out: dict[str, tuple[str, str, str, str]] = {}
        with self._lock:
            for start in range(0, len(uris), 500):
                part = list(uris[start : start + 500])
                marks = ",".join("?" * len(part))
                rows = self._db.execute(
                    "SELECT uri, id, content_hash, metadata, labels FROM documents "
                    f"WHERE uri IN ({marks})",
                    part,
                )
                for uri, id_, h, meta, labels in rows:
                    out[uri] = (id_, h, meta, labels)
        return out

    def write(self, items: Sequence[DocumentWrite]) -> None:
        """Upsert documents with their chunks and vectors, all in one transaction."""
        now = time.time()
        with self.transaction() as db:
            for item in items:
                self._upsert_one(db, item, now)

    def _upsert_one(self, db: sqlite3.Connection, item: DocumentWrite, now: float) -> None:
        doc = item.document
        if len(item.chunks) != len(item.vectors):
            raise StoreError(
                f"{doc.uri}: {len(item.chunks)} chunks but {len(item.vectors)} vectors"
            )
        old = db.execute("SELECT created_at FROM documents WHERE id = ?", (doc.id,)).fetchone()
        if old is not None:
            self._delete_chunks(db, doc.id)
        created = old[0] if old is not None else now
        db.execute(
            "INSERT OR REPLACE INTO documents (id, uri, content_hash, title, mime, metadata, labels,"
            " page_starts, size_chars, n_chunks, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                doc.id, doc.uri, doc.content_hash, doc.title, doc.mime,
                json.dumps(dict(doc.metadata), sort_keys=True), json.dumps(list(doc.labels)),
                json.dumps(list(doc.page_starts)), len(doc.text), len(item.chunks), created, now,
            ),
        )  # fmt: skip
        db.execute("INSERT OR REPLACE INTO document_text VALUES (?, ?)", (doc.id, doc.text))
        db.execute("DELETE FROM document_labels WHERE document_id = ?", (doc.id,))
        db.executemany(
            "INSERT INTO document_labels VALUES (?, ?)", [(lb, doc.id) for lb in doc.labels]
        )
        vectors = np.ascontiguousarray(item.vectors, dtype=np.float32)
        flags = list(item.flags) or [0] * len(item.chunks)
        for chunk, vector, flag in zip(item.chunks, vectors, flags, strict=True):
            cur = db.execute(
                'INSERT INTO chunks (id, document_id, ordinal, text, start, "end", page, headings,'
                " n_tokens, flags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    chunk.id, doc.id, chunk.ordinal, chunk.text, chunk.start, chunk.end,
                    chunk.page, json.dumps(list(chunk.headings)), chunk.n_tokens, int(flag),
                ),
            )  # fmt: skip
            rid = cur.lastrowid
            db.execute("INSERT INTO vectors VALUES (?, ?)", (rid, vector.tobytes()))
            db.execute("INSERT INTO changes (chunk_rid, op) VALUES (?, 'add')", (rid,))

    def update_labels_and_metadata(
        self, doc_id: str, labels: tuple[str, ...], metadata: dict[str, Any]
    ) -> None:
        """Change a document's ACL labels and metadata without touching its chunks."""
        with self.transaction() as db:
            db.execute(
                "UPDATE documents SET labels = ?, metadata = ?, updated_at = ? WHERE id = ?",
                (
                    json.dumps(list(labels)),
                    json.dumps(metadata, sort_keys=True),
                    time.time(),
                    doc_id,
                ),
            )
            db.execute("DELETE FROM document_labels WHERE document_id = ?", (doc_id,))
            db.executemany(
                "INSERT INTO document_labels VALUES (?, ?)", [(lb, doc_id) for lb in labels]
            )

    @staticmethod
    def _delete_chunks(db: sqlite3.Connection, doc_id: str) -> int:
        # Uses the chunks_document index: time proportional to this document's chunks.
        rids = [r[0] for r in db.execute("SELECT rid FROM chunks WHERE document_id = ?", (doc_id,))]
        db.executemany(
            "INSERT INTO changes (chunk_rid, op) VALUES (?, 'del')", [(r,) for r in rids]
        )
        db.execute("DELETE FROM chunks WHERE document_id = ?", (doc_id,))
        return len(rids)

    def delete_documents(self, doc_ids: Sequence[str]) -> tuple[int, int]:
        """Delete documents with their chunks and vectors; return ``(documents, chunks)`` removed."""
        n_docs = n_chunks = 0
        with self.transaction() as db:
            for doc_id in doc_ids:
                n_chunks += self._delete_chunks(db, doc_id)
                n_docs += db.execute("DELETE FROM documents WHERE id = ?", (doc_id,)).rowcount
        return n_docs, n_chunks

    def find_document_ids(
        self, *, ids: Sequence[str] = (), uris: Sequence[str] = (), where: Filter | None = None
    ) -> list[str]:
        """Ids of the documents matching any of ``ids``, ``uris`` (exact, or a directory prefix
        ending in ``/``), or all of ``where``'s conditions."""
        found: list[str] = []
        with self._lock:
            for doc_id in ids:
                if self._db.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone():
                    found.append(doc_id)
            for uri in uris:
                if uri.endswith("/"):
                    rows = self._db.execute(
                        "SELECT id FROM documents WHERE substr(uri, 1, ?) = ?", (len(uri), uri)
                    )
                else:
                    rows = self._db.execute(
                        "SELECT id FROM documents WHERE uri = ? OR substr(uri, 1, ?) = ?",
                        (uri, len(uri) + 1, uri + "#"),
                    )
                found.extend(r[0] for r in rows)
            if where is not None and not where.is_empty():
                clause, params = filter_sql(where, "d")
                rows = self._db.execute(f"SELECT d.id FROM documents d WHERE {clause}", params)
                found.extend(r[0] for r in rows)
        return list(dict.fromkeys(found))

    def document_uris(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """``id -> uri`` of those of ``doc_ids`` that exist."""
        out: dict[str, str] = {}
        with self._lock:
            for start in range(0, len(doc_ids), 500):
                part = list(doc_ids[start : start + 500])
                marks = ",".join("?" * len(part))
                rows = self._db.execute(
                    f"SELECT id, uri FROM documents WHERE id IN ({marks})", part
                ).fetchall()
                out.update({str(i): str(u) for i, u in rows})
        return out

    # Document reads take the caller's access filter (``Filter.labels``, see ``filters``): the
    # one label rule, applied in SQL, so paging counts only what the caller may see and a hidden
    # document reads exactly like a missing one.
    _INFO_SQL = (
        "SELECT d.id, d.uri, d.title, d.content_hash, d.mime, d.metadata, d.labels, d.size_chars,"
        " d.n_chunks, d.created_at, d.updated_at FROM documents d"
    )

    def documents(
        self, *, where: Filter | None = None, limit: int | None = None, offset: int = 0
    ) -> list[DocumentInfo]:
        """The documents ``where`` lets through, by uri, paged after filtering."""
        clause, params = filter_sql(where or Filter(), "d")
        sql = f"{self._INFO_SQL} WHERE {clause} ORDER BY d.uri LIMIT ? OFFSET ?"
        with self._lock:
            rows = self._db.execute(sql, [*params, -1 if limit is None else limit, offset])
            return [_info_row(r) for r in rows.fetchall()]

    def document_info(self, doc_id: str, where: Filter | None = None) -> DocumentInfo:
        """One document's row without its text; NotFound when absent or hidden by ``where``."""
        clause, params = filter_sql(where or Filter(), "d")
        with self._lock:
            row = self._db.execute(
                f"{self._INFO_SQL} WHERE d.id = ? AND {clause}", [doc_id, *params]
            ).fetchone()
        if row is None:
            raise NotFound(f"no document with id {doc_id!r}; list them with `veracity docs`")
        return _info_row(row)

    def document_totals(self, where: Filter | None = None) -> tuple[int, int]:
        """``(documents, chunks)`` counted over the documents ``where`` lets through."""
        clause, params = filter_sql(where or Filter(), "d")
        with self._lock:
            n, chunks = self._db.execute(
                f"SELECT COUNT(*), COALESCE(SUM(d.n_chunks), 0) FROM documents d WHERE {clause}",
                params,
            ).fetchone()
        return int(n), int(chunks)

    def get_document(self, doc_id: str, where: Filter | None = None) -> Document:
        """The document with its text; NotFound when absent or hidden by ``where``."""
        clause, params = filter_sql(where or Filter(), "d")
        with self._lock:
            row = self._db.execute(
                "SELECT d.id, d.uri, t.text, d.content_hash, d.title, d.mime, d.metadata, d.labels,"
                " d.page_starts, d.created_at, d.updated_at FROM documents d"
                f" JOIN document_text t ON t.document_id = d.id WHERE d.id = ? AND {clause}",
                [doc_id, *params],
            ).fetchone()
        if row is None:
            raise NotFound(f"no document with id {doc_id!r}; list them with `veracity docs`")
        return Document(
            id=row[0], uri=row[1], text=row[2], content_hash=row[3], title=row[4], mime=row[5],
            metadata=json.loads(row[6]), labels=tuple(json.loads(row[7])),
            page_starts=tuple(json.loads(row[8])), created_at=row[9], updated_at=row[10],
        )  # fmt: skip

    # -- chunks and vectors -------------------------------------------------------------------

    def chunks(self, rids: Sequence[int]) -> list[StoredChunk]:
        """The chunks with these row ids, in the order asked (missing ids are skipped)."""
        by_rid: dict[int, StoredChunk] = {}
        with self._lock:
            for start in range(0, len(rids), 500):
                part = [int(r) for r in rids[start : start + 500]]
                marks = ",".join("?" * len(part))
                rows = self._db.execute(
                    'SELECT c.rid, c.id, c.document_id, c.ordinal, c.text, c.start, c."end", c.page,'
                    " c.headings, c.n_tokens, d.uri, c.flags, d.title FROM chunks c JOIN documents d"
                    f" ON d.id = c.document_id WHERE c.rid IN ({marks})",
                    part,
                )
                for r in rows:
                    chunk = Chunk(
                        id=r[1], document_id=r[2], ordinal=r[3], text=r[4], start=r[5], end=r[6],
                        page=r[7], headings=tuple(json.loads(r[8])), n_tokens=r[9],
                    )  # fmt: skip
                    by_rid[r[0]] = StoredChunk(r[0], chunk, r[10], r[11], r[12] or "")
        return [by_rid[int(r)] for r in rids if int(r) in by_rid]

    def chunk_uris(self) -> dict[int, str]:
        """Every chunk's rid with its document's uri (one query; for grouping chunks by
        document without reading their texts again)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT c.rid, d.uri FROM chunks c JOIN documents d ON d.id = c.document_id"
            ).fetchall()
        return {int(rid): str(uri) for rid, uri in rows}

    _CHUNK_TEXT_SQL = (
        "SELECT c.rid, c.text, c.headings, d.title FROM chunks c"
        " JOIN documents d ON d.id = c.document_id"
    )

    def chunk_texts(self, rids: Sequence[int]) -> list[tuple[int, str]]:
        """``(rid, text)`` of these chunks (missing ids are skipped)."""
        return [(c.rid, c.text) for c in self.chunk_contexts(rids)]

    def chunk_contexts(self, rids: Sequence[int]) -> list[ChunkContext]:
        """These chunks' texts with their document titles and heading paths."""
        with self._lock:
            out: list[ChunkContext] = []
            for start in range(0, len(rids), 500):
                part = [int(r) for r in rids[start : start + 500]]
                marks = ",".join("?" * len(part))
                rows = self._db.execute(f"{self._CHUNK_TEXT_SQL} WHERE c.rid IN ({marks})", part)
                out.extend(_context_row(r) for r in rows)
        return out

    def iter_chunk_texts(self, batch: int = 2048) -> Iterator[list[tuple[int, str]]]:
        """All ``(rid, text)`` in rid order, in batches (bounded memory for index rebuilds)."""
        for rows in self.iter_chunk_contexts(batch):
            yield [(c.rid, c.text) for c in rows]

    def iter_chunk_contexts(self, batch: int = 2048) -> Iterator[list[ChunkContext]]:
        """All chunks with their titles and heading paths, in rid order, in batches."""
        last = -1
        while True:
            with self._lock:
                rows = self._db.execute(
                    f"{self._CHUNK_TEXT_SQL} WHERE c.rid > ? ORDER BY c.rid LIMIT ?", (last, batch)
                ).fetchall()
            if not rows:
                return
            yield [_context_row(r) for r in rows]
            last = rows[-1][0]

    def vectors(self, rids: Sequence[int], dim: int) -> tuple[np.ndarray, np.ndarray]:
        """``(rids int64 (n,), vectors float32 (n, dim))`` for the rids that still exist."""
        found: list[int] = []
        blobs: list[bytes] = []
        with self._lock:
            for start in range(0, len(rids), 500):
                part = [int(r) for r in rids[start : start + 500]]
                marks = ",".join("?" * len(part))
                for rid, blob in self._db.execute(
                    f"SELECT chunk_rid, vector FROM vectors WHERE chunk_rid IN ({marks})", part
                ):
                    found.append(rid)
                    blobs.append(blob)
        return _as_matrix(found, blobs, dim)

    def iter_vectors(self, dim: int, batch: int = 4096) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        last = -1
        while True:
            with self._lock:
                rows = self._db.execute(
                    "SELECT chunk_rid, vector FROM vectors WHERE chunk_rid > ? ORDER BY chunk_rid"
                    " LIMIT ?",
                    (last, batch),
                ).fetchall()
            if not rows:
                return
            yield _as_matrix([r[0] for r in rows], [r[1] for r in rows], dim)
            last = rows[-1][0]

    def allowed_rids(self, where: Filter) -> np.ndarray:
        """Sorted int64 row ids of the chunks ``where`` lets through: the pre-filter for indexes."""
        clause, params = filter_sql(where, "d")
        with self._lock:
            rows = self._db.execute(
                "SELECT c.rid FROM chunks c JOIN documents d ON d.id = c.document_id"
                f" WHERE {clause} ORDER BY c.rid",
                params,
            ).fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def replace_vectors(
        self, batches: Iterator[tuple[np.ndarray, np.ndarray]], meta: dict[str, str]
    ) -> int:
        """Swap every vector for a new one (re-embedding), crash-safely.

        New vectors are staged in their own table over many small transactions; only the final swap
        (old vectors out, staged in, embedder recorded, one change logged per chunk) is one
        transaction. A crash while staging leaves the collection as it was.
        """
        with self.transaction() as db:
            db.execute("DROP TABLE IF EXISTS vectors_staging")
            db.execute("CREATE TABLE vectors_staging (chunk_rid INTEGER PRIMARY KEY, vector BLOB)")
        n = 0
        for rids, vectors in batches:
            rows = [
                (int(r), v.tobytes()) for r, v in zip(rids, vectors.astype(np.float32), strict=True)
            ]
            with self.transaction() as db:
                db.executemany("INSERT OR REPLACE INTO vectors_staging VALUES (?, ?)", rows)
            n += len(rows)
        with self.transaction() as db:
            db.execute("DELETE FROM vectors")
            db.execute(
                "INSERT INTO vectors SELECT s.chunk_rid, s.vector FROM vectors_staging s"
                " JOIN chunks c ON c.rid = s.chunk_rid"
            )
            db.execute("DROP TABLE vectors_staging")
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(meta.items()))
            # Every vector changed: log a delete and an add per chunk so vector indexes rebuild.
            db.execute("INSERT INTO changes (chunk_rid, op) SELECT rid, 'del' FROM chunks")
            db.execute("INSERT INTO changes (chunk_rid, op) SELECT rid, 'add' FROM chunks")
        return n

    # -- change log ---------------------------------------------------------------------------

    def last_seq(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM changes").fetchone()
        return int(row[0])

    def changes_since(self, seq: int, limit: int = 100_000) -> list[Change]:
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, chunk_rid, op FROM changes WHERE seq > ? ORDER BY seq LIMIT ?",
                (seq, limit),
            ).fetchall()
        return [Change(r[0], r[1], r[2]) for r in rows]

    # -- status -------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        with self._lock:
            docs, chars = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(size_chars), 0) FROM documents"
            ).fetchone()
            chunks = self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
            vectors = self._db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
        return {"documents": docs, "chunks": chunks, "vectors": vectors, "text_chars": chars}

    def check(self) -> list[str]:
        """Consistency problems found (empty when the store is sound)."""
        problems: list[str] = []
        with self._lock:
            if (ok := self._db.execute("PRAGMA integrity_check").fetchone()[0]) != "ok":
                problems.append(f"integrity_check: {ok}")
            if fk := self._db.execute("PRAGMA foreign_key_check").fetchall():
                problems.append(f"{len(fk)} rows violate foreign keys")
            for sql, what in _CONSISTENCY_CHECKS:
                if count := self._db.execute(sql).fetchone()[0]:
                    problems.append(f"{count} {what}")
        return problems

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.directory.glob(DB_NAME + "*") if p.is_file())

    def optimize(self) -> None:
        """``PRAGMA optimize``: SQLite refreshes the statistics of the tables an ingest changed
        much (what its documentation asks of a long-lived connection after bulk changes)."""
        with self._lock:
            self._db.execute("PRAGMA optimize")


# (query counting violations, what a violation is) for ``SQLiteStore.check``.
_CONSISTENCY_CHECKS = (
    (
        "SELECT COUNT(*) FROM documents d WHERE n_chunks !="
        " (SELECT COUNT(*) FROM chunks c WHERE c.document_id = d.id)",
        "documents whose chunk count does not match",
    ),
    (
        "SELECT COUNT(*) FROM chunks c LEFT JOIN vectors v ON v.chunk_rid = c.rid"
        " WHERE v.chunk_rid IS NULL",
        "chunks without a vector",
    ),
    (
        "SELECT COUNT(*) FROM documents d LEFT JOIN document_text t ON t.document_id = d.id"
        " WHERE t.document_id IS NULL",
        "documents without text",
    ),
)


def _info_row(r: tuple[Any, ...]) -> DocumentInfo:
    return DocumentInfo(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), tuple(json.loads(r[6])),
                        r[7], r[8], r[9], r[10])  # fmt: skip


def _context_row(row: tuple[int, str, str, str | None]) -> ChunkContext:
    return ChunkContext(row[0], row[1], row[3] or "", tuple(json.loads(row[2])))


def _as_matrix(rids: list[int], blobs: list[bytes], dim: int) -> tuple[np.ndarray, np.ndarray]:
    ids = np.asarray(rids, dtype=np.int64)
    if not blobs:
        return ids, np.zeros((0, dim), dtype=np.float32)
    mat = np.frombuffer(b"".join(blobs), dtype=np.float32)
    if mat.size != len(blobs) * dim:
        raise StoreError(
            f"stored vectors do not have dimension {dim}; the collection was embedded with another "
            "model. Re-embed it with `veracity reembed --embedder NAME`"
        )
    return ids, mat.reshape(len(blobs), dim)
