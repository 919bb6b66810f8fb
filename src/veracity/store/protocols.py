"""The ``Store`` protocol: what every layer above ``store/`` may ask of a collection's storage.

A store is the source of truth of one collection. Each concern has its own small protocol, so a
caller can ask for only what it uses (``VectorTable`` for a reranker that reads vectors) and a
backend is checked concern by concern:

- ``MetaTable``: small string settings (embedder, dimension, tuned search options);
- ``DocumentTable``: documents with their labels and metadata, upserted with their chunks and
  vectors in one transaction; every read takes the caller's ``Filter`` and applies the one label
  rule inside the backend, so a hidden document reads exactly like a missing one;
- ``ChunkTable``: chunks by row id, their texts, and their titles and headings for indexing;
- ``VectorTable``: vectors by row id, the pre-filter (``allowed_rids``), a crash-safe re-embed;
- ``ChangeLog``: every chunk added or deleted, in commit order, for the derived indexes;
- ``Upkeep``: counts, consistency check, size on disk, upkeep after an ingest, close;
- the tables beside the documents, each reached through a method of ``Store``: chat sessions
  (``ChatTable``), the answer cache (``CacheTable``), API keys (``KeyTable``) and ingest runs
  (``RunTable``).

``SQLiteStore`` (a directory) and ``PostgresStore`` (a ``postgresql://`` URI) implement all of
them; ``open_store`` picks the backend for a location.
``tests/store/test_store_contract.py`` is the suite every backend must pass.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from veracity.records import Document, Filter
from veracity.store.cache import CacheEntry
from veracity.store.chat import Session, Turn
from veracity.store.keys import READ, ApiKey
from veracity.store.rows import Change, ChunkContext, DocumentInfo, DocumentWrite, StoredChunk

__all__ = [
    "CacheTable",
    "ChangeLog",
    "ChatTable",
    "ChunkTable",
    "DocumentTable",
    "KeyTable",
    "MetaTable",
    "RunHandle",
    "RunTable",
    "Store",
    "Upkeep",
    "VectorTable",
    "open_store",
]


class MetaTable(Protocol):
    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, values: dict[str, str]) -> None: ...


class DocumentTable(Protocol):
    def states(self, uris: Sequence[str]) -> dict[str, tuple[str, str, str, str]]:
        """``uri -> (id, content_hash, metadata_json, labels_json)`` for the uris stored."""
        ...

    def write(self, items: Sequence[DocumentWrite]) -> None:
        """Upsert documents with their chunks and vectors, all in one transaction; an upsert
        logs a ``del`` for each old chunk and an ``add`` for each new one."""
        ...

    def update_labels_and_metadata(
        self, doc_id: str, labels: tuple[str, ...], metadata: dict[str, Any]
    ) -> None: ...

    def delete_documents(self, doc_ids: Sequence[str]) -> tuple[int, int]:
        """Delete documents with their chunks; ``(documents, chunks)`` removed."""
        ...

    def find_document_ids(
        self, *, ids: Sequence[str] = (), uris: Sequence[str] = (), where: Filter | None = None
    ) -> list[str]: ...

    def document_uris(self, doc_ids: Sequence[str]) -> dict[str, str]: ...

    def documents(
        self, *, where: Filter | None = None, limit: int | None = None, offset: int = 0
    ) -> list[DocumentInfo]: ...

    def document_info(self, doc_id: str, where: Filter | None = None) -> DocumentInfo: ...

    def document_totals(self, where: Filter | None = None) -> tuple[int, int]: ...

    def get_document(self, doc_id: str, where: Filter | None = None) -> Document: ...


class ChunkTable(Protocol):
    def chunks(self, rids: Sequence[int]) -> list[StoredChunk]:
        """The chunks with these row ids, in the order asked (missing ids skipped)."""
        ...

    def chunk_uris(self) -> dict[int, str]: ...

    def chunk_texts(self, rids: Sequence[int]) -> list[tuple[int, str]]: ...

    def chunk_contexts(self, rids: Sequence[int]) -> list[ChunkContext]: ...

    def iter_chunk_texts(self, batch: int = 2048) -> Iterator[list[tuple[int, str]]]: ...

    def iter_chunk_contexts(self, batch: int = 2048) -> Iterator[list[ChunkContext]]: ...


class VectorTable(Protocol):
    def vectors(self, rids: Sequence[int], dim: int) -> tuple[np.ndarray, np.ndarray]:
        """``(rids int64 (n,), vectors float32 (n, dim))`` for the rids that exist."""
        ...

    def iter_vectors(
        self, dim: int, batch: int = 4096
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]: ...

    def allowed_rids(self, where: Filter) -> np.ndarray:
        """Sorted int64 row ids of the chunks ``where`` lets through (labels applied)."""
        ...

    def replace_vectors(
        self, batches: Iterator[tuple[np.ndarray, np.ndarray]], meta: dict[str, str]
    ) -> int: ...


class ChangeLog(Protocol):
    def last_seq(self) -> int: ...

    def changes_since(self, seq: int, limit: int = 100_000) -> list[Change]:
        """Changes after ``seq``, in commit (``seq``) order."""
        ...


class Upkeep(Protocol):
    def counts(self) -> dict[str, int]: ...

    def check(self) -> list[str]: ...

    def size_bytes(self) -> int: ...

    def optimize(self) -> None:
        """After an ingest: build what writes leave for later and refresh what the backend
        plans with. Safe to call at any time; cheap when there is nothing to do."""
        ...

    def close(self) -> None: ...


class ChatTable(Protocol):
    """Chat sessions and their turns; ``owner`` scopes a session to an API key."""

    def create(self, title: str = "", owner: str = "") -> Session: ...

    def get(self, session_id: str, owner: str | None = None) -> Session: ...

    def sessions(self, owner: str | None = None) -> list[Session]: ...

    def append(self, session_id: str, turns: list[Turn]) -> None: ...

    def turns(self, session_id: str, limit: int | None = None) -> list[Turn]: ...

    def delete(self, session_id: str) -> None: ...


class CacheTable(Protocol):
    """Cached answers, served only while every chunk they used exists and ``where`` lets it
    through (see ``store/cache.py``)."""

    def put(
        self, key: str, scope: str, question: str, vector: np.ndarray | None,
        chunk_ids: tuple[str, ...], answer_json: str,
    ) -> None: ...  # fmt: skip

    def get(self, key: str, where: Filter | None = None) -> CacheEntry | None: ...

    def nearest(
        self, scope: str, vector: np.ndarray, threshold: float, where: Filter | None = None
    ) -> CacheEntry | None: ...

    def clear(self, scope: str | None = None) -> int: ...


class KeyTable(Protocol):
    """API keys, stored as the SHA-256 of their tokens (see ``store/keys.py``)."""

    def add(
        self,
        key_id: str,
        token: str,
        name: str,
        labels: Sequence[str] | str,
        rights: Sequence[str] | str = (READ,),
    ) -> ApiKey: ...

    def all_keys(self, *, include_revoked: bool = True) -> list[ApiKey]: ...

    def has_active(self) -> bool: ...

    def verify(self, token: str) -> ApiKey | None: ...

    def revoke(self, key_id: str) -> ApiKey: ...

    def grant(self, key_id: str, rights: Sequence[str] | str) -> ApiKey: ...


class RunHandle(Protocol):
    """One live ingest run (see ``store/runs.py``)."""

    @property
    def id(self) -> int: ...

    @property
    def interrupted(self) -> int:
        """How many earlier runs this one found interrupted."""
        ...

    def finish(self, report: dict[str, Any]) -> None: ...

    def release(self) -> None: ...


class RunTable(Protocol):
    def start(self, paths: Sequence[str]) -> RunHandle:
        """Record a new run; runs left ``running`` by a dead holder are marked failed."""
        ...


class Store(MetaTable, DocumentTable, ChunkTable, VectorTable, ChangeLog, Upkeep, Protocol):
    """Every concern of a collection's storage, and the tables beside its documents."""

    def chats(self) -> ChatTable: ...

    def answer_cache(self) -> CacheTable: ...

    def api_keys(self) -> KeyTable: ...

    def ingest_runs(self) -> RunTable: ...


def open_store(location: Path | str, *, create: bool = True, readonly: bool = False) -> Store:
    """The store at ``location``: a ``postgresql://`` (or ``postgres://``) URI opens the
    PostgreSQL + pgvector backend (``pip install 'veracity[postgres]'``); anything else is a
    collection directory, opened as SQLite."""
    from veracity.store.location import is_postgres_uri

    if is_postgres_uri(location):
        from veracity.store.postgres import PostgresStore

        return PostgresStore(str(location), create=create, readonly=readonly)
    from veracity.store.sqlite import SQLiteStore

    return SQLiteStore(location, create=create, readonly=readonly)
