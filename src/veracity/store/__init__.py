"""The store: the source of truth for a collection (documents, chunks, vectors, labels)."""

from veracity.store.filters import filter_sql, parse_where
from veracity.store.sqlite import (
    Change,
    DocumentInfo,
    DocumentWrite,
    SQLiteStore,
    StoredChunk,
)

__all__ = [
    "Change",
    "DocumentInfo",
    "DocumentWrite",
    "SQLiteStore",
    "StoredChunk",
    "filter_sql",
    "parse_where",
]
