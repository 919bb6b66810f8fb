"""Argument checks shared by every vector backend: dimensions, ids, batches, queries, k, filters.

Each function takes what a caller passed to a ``VectorIndex`` method, returns it in the one form
the backends work with (int64 ids, contiguous float32 ``(n, dim)`` vectors, sorted unique filter
ids), and raises ``ConfigError`` saying what was wrong and what is allowed otherwise.
"""

from __future__ import annotations

import numpy as np

from veracity.errors import ConfigError


def check_dim(dim: int) -> int:
    if not isinstance(dim, int | np.integer) or dim < 1:
        raise ConfigError(f"vector dim must be a positive integer, got {dim!r}")
    return int(dim)


def check_ids(ids: np.ndarray) -> np.ndarray:
    """``(n,)`` int64, non-negative (SQLite rowids are; faiss reserves -1 for "no result")."""
    arr = np.asarray(ids)
    if arr.ndim != 1 or not (arr.size == 0 or np.issubdtype(arr.dtype, np.integer)):
        raise ConfigError(f"ids must be a 1-d integer array, got shape {arr.shape} {arr.dtype}")
    arr = arr.astype(np.int64, copy=False)
    if arr.size and arr.min() < 0:
        raise ConfigError("ids must be non-negative int64 values (negative ids are reserved)")
    return arr


def check_batch(ids: np.ndarray, vectors: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Checked ``(n,)`` ids and ``(n, dim)`` float32 vectors; a repeated id keeps its last row."""
    ids = check_ids(ids)
    vecs = np.asarray(vectors, dtype=np.float32)
    if vecs.ndim == 1 and vecs.size == dim and ids.size == 1:
        vecs = vecs.reshape(1, dim)
    if vecs.ndim != 2 or vecs.shape[1] != dim:
        raise ConfigError(
            f"vectors must have shape (n, {dim}) for this index, got {vecs.shape}; "
            "an index holds one embedder's vectors: rebuild it to change the dimension"
        )
    if vecs.shape[0] != ids.shape[0]:
        raise ConfigError(f"got {ids.shape[0]} ids for {vecs.shape[0]} vectors")
    if ids.size and np.unique(ids).size != ids.size:
        # Upsert semantics inside one batch too: the last occurrence of an id wins.
        _, first_in_reversed = np.unique(ids[::-1], return_index=True)
        keep = ids.size - 1 - first_in_reversed
        ids, vecs = ids[keep], vecs[keep]
    return ids, np.ascontiguousarray(vecs)


def check_queries(queries: np.ndarray, dim: int) -> np.ndarray:
    """``(q, dim)`` float32; a single ``(dim,)`` vector is taken as one query."""
    qs = np.asarray(queries, dtype=np.float32)
    if qs.ndim == 1:
        qs = qs.reshape(1, -1)
    if qs.ndim != 2 or qs.shape[1] != dim:
        raise ConfigError(f"queries must have shape (q, {dim}) for this index, got {qs.shape}")
    return np.ascontiguousarray(qs)


def check_k(k: int) -> int:
    if not isinstance(k, int | np.integer) or k < 1:
        raise ConfigError(f"k must be a positive integer, got {k!r}")
    return int(k)


def check_allowed(allowed: np.ndarray | None) -> np.ndarray | None:
    """Sorted unique int64 ids, or None for "no filter". Sorting is cheap and callers err."""
    if allowed is None:
        return None
    arr = np.asarray(allowed)
    if arr.ndim != 1 or not (arr.size == 0 or np.issubdtype(arr.dtype, np.integer)):
        raise ConfigError(f"allowed must be a 1-d integer array of ids, got shape {arr.shape}")
    return np.unique(arr.astype(np.int64, copy=False))
