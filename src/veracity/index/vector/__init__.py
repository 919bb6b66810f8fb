"""Vector indexes: the ``VectorIndex`` protocol, backends by name, loading and rebuilding.

Backends (``get_vector_index(name, dim, **options)``):

=========  =====================================================================================
exact      numpy brute force; exact; fine to ~100k vectors (12.7 ms per 384-d query at 100k,
           memory-bandwidth bound) and the recall oracle
hnsw       HNSW graph on hnswlib, chosen by measurement over FAISS and usearch (hnsw.py and
           docs/benchmarks.md, section "vector"); the choice above ~50-100k vectors
faiss      FAISS ``IndexHNSWFlat`` (or ``IndexFlatIP``, ``kind="flat"``) with our own id map and
           ``IDSelectorBitmap`` filters (why not ``IndexIDMap2``: faiss_index.py)
annoy      Annoy random-projection forest; immutable, rebuilt lazily after a change: for static
           collections
=========  =====================================================================================

Every backend takes L2-normalized float32 vectors and non-negative int64 ids, upserts on
``add``, scores by inner product (cosine), and pre-filters: ``search(..., allowed=ids)`` returns
``min(k, |allowed ∩ present|)`` results per query, never fewer because of filtering.

An index is derived data: the store holds the vectors and a change log; ``applied_seq`` records
the last change applied, so ``load_or_rebuild`` can tell a current index from a stale one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from veracity.errors import ConfigError, IndexError_
from veracity.index.vector.files import read_meta


@runtime_checkable
class VectorIndex(Protocol):
    """A nearest-neighbour index over ``(id, vector)`` pairs, scored by inner product."""

    dim: int
    applied_seq: int

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...
    def delete(self, ids: np.ndarray) -> None: ...
    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]: ...
    def save(self, directory: Path) -> None: ...
    def __len__(self) -> int: ...


def _exact(dim: int, **options: Any) -> VectorIndex:
    from veracity.index.vector.exact import ExactIndex

    return ExactIndex(dim, **options)


def _hnsw(dim: int, **options: Any) -> VectorIndex:
    from veracity.index.vector.hnsw import HnswIndex

    return HnswIndex(dim, **options)


def _faiss(dim: int, **options: Any) -> VectorIndex:
    from veracity.index.vector.faiss_index import FaissIndex

    return FaissIndex(dim, **options)


def _annoy(dim: int, **options: Any) -> VectorIndex:
    from veracity.index.vector.annoy_index import AnnoyIndex

    return AnnoyIndex(dim, **options)


VECTOR_INDEXES: dict[str, Callable[..., VectorIndex]] = {
    "exact": _exact,
    "hnsw": _hnsw,
    "faiss": _faiss,
    "annoy": _annoy,
}

_LOADERS: dict[str, tuple[str, str]] = {
    "exact": ("veracity.index.vector.exact", "ExactIndex"),
    "hnsw": ("veracity.index.vector.hnsw", "HnswIndex"),
    "faiss": ("veracity.index.vector.faiss_index", "FaissIndex"),
    "annoy": ("veracity.index.vector.annoy_index", "AnnoyIndex"),
}


def get_vector_index(name: str, dim: int, **options: Any) -> VectorIndex:
    """A new empty index of backend ``name``; unknown names and bad options raise ``ConfigError``."""
    factory = VECTOR_INDEXES.get(name)
    if factory is None:
        known = ", ".join(sorted(VECTOR_INDEXES))
        raise ConfigError(f"unknown vector index {name!r}; known: {known}")
    try:
        return factory(dim, **options)
    except TypeError as exc:  # an option the backend does not take
        raise ConfigError(f"bad option for vector index {name!r}: {exc}") from exc


def load_vector_index(directory: Path) -> VectorIndex:
    """The index saved in ``directory``; ``IndexError_`` when missing, damaged or incompatible."""
    import importlib

    meta = read_meta(Path(directory))
    where = _LOADERS.get(str(meta["backend"]))
    if where is None:
        raise IndexError_(f"vector index {directory} has unknown backend {meta['backend']!r}")
    cls = getattr(importlib.import_module(where[0]), where[1])
    index: VectorIndex = cls.load(Path(directory), meta)
    return index


def load_or_rebuild(
    directory: Path,
    name: str,
    dim: int,
    *,
    head_seq: int,
    stored: Callable[[], Iterable[tuple[np.ndarray, np.ndarray]]],
    **options: Any,
) -> tuple[VectorIndex, bool]:
    """Load the index in ``directory``, or rebuild it from the store; ``(index, rebuilt)``.

    It is rebuilt when missing, damaged, of another backend or dimension, or stale (its
    ``applied_seq`` differs from the store's ``head_seq``). ``stored()`` yields ``(ids, vectors)``
    batches of every live vector in the store; the rebuilt index is saved with ``applied_seq =
    head_seq``. A store that replays its change log instead can load, apply, and save itself.
    """
    directory = Path(directory)
    try:
        index = load_vector_index(directory)
        meta = read_meta(directory)
        if meta["backend"] == name and index.dim == dim and index.applied_seq == head_seq:
            return index, False
    except IndexError_:
        pass
    index = get_vector_index(name, dim, **options)
    for ids, vectors in stored():
        index.add(ids, vectors)
    index.applied_seq = head_seq
    index.save(directory)
    return index, True


__all__ = [
    "VECTOR_INDEXES",
    "VectorIndex",
    "get_vector_index",
    "load_or_rebuild",
    "load_vector_index",
]
