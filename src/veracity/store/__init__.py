"""The store: the source of truth for a collection (documents, chunks, vectors, labels), behind
the ``Store`` protocol (``store.protocols``); ``SQLiteStore`` is the embedded backend."""

from veracity.store.filters import filter_sql, parse_where
from veracity.store.protocols import Store, open_store
from veracity.store.rows import ChunkContext
from veracity.store.sqlite import (
    Change,
    DocumentInfo,
    DocumentWrite,
    SQLiteStore,
    StoredChunk,
)

__all__ = [
    "Change",
    "ChunkContext",
    "DocumentInfo",
    "DocumentWrite",
    "SQLiteStore",
    "Store",
    "StoredChunk",
    "filter_sql",
    "open_store",
    "parse_where",
]
