"""The rows the store reads and writes, as records: documents without their text, chunks with
their row ids (alone or with the context lexical indexes prefix them with), change-log entries,
and one document's write."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from veracity.records import Chunk, Document


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """A document's row without its text: what listings show."""

    id: str
    uri: str
    title: str
    content_hash: str
    mime: str
    metadata: dict[str, Any]
    labels: tuple[str, ...]
    size_chars: int
    n_chunks: int
    created_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class StoredChunk:
    """A chunk with its store row id (the integer id the indexes use) and its document's uri."""

    rid: int
    chunk: Chunk
    uri: str
    flags: int = 0
    title: str = ""  # the document's title


@dataclass(frozen=True, slots=True)
class ChunkContext:
    """A chunk's text with its document title and heading path, for lexical indexing (the
    index layer joins them, see ``veracity.index.contextual``)."""

    rid: int
    text: str
    title: str
    headings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Change:
    seq: int
    rid: int
    op: str  # "add" | "del"


@dataclass(frozen=True, slots=True)
class DocumentWrite:
    """One document to upsert, with its chunks and their vectors ``(len(chunks), dim)``."""

    document: Document
    chunks: Sequence[Chunk]
    vectors: np.ndarray
    flags: Sequence[int] = ()  # per chunk (see records.CHUNK_FLAG_*); empty means all 0
