"""Exact (brute-force) inner-product search over a numpy float32 matrix.

The right index below roughly 50-100k vectors, the oracle every approximate backend is measured
against, and the fallback the HNSW backend uses for small filtered sets.

Cost model and the bound it runs against: one query reads the whole matrix, ``n * dim * 4`` bytes
(100k x 384 -> 154 MB), and does only 2 flops per 4 bytes read, so a single-query search is a
memory-bandwidth-bound matrix-vector product: its speed limit is the machine's memory bandwidth
(``benchmarks/vector_ann.py`` measures achieved GB/s next to a numpy copy on the same machine;
docs/benchmarks.md, sections "vector" and "vector-backends"). Measured on the 2-core dev machine,
100k x 384: 12.7 ms per single query = 12.1 GB/s, level with numpy's copy bandwidth (12.0 GB/s
copied) and 55% of numpy's streaming read bandwidth (21.9 GB/s, ``sum``). Batching queries reads each block of rows once per batch
of QUERY_CHUNK queries, which turns the search into a compute-bound matrix-matrix product; that
is why ``search`` takes a batch and why ``exact_search`` blocks over both queries and rows
(1,000 queries at once: 365 queries per CPU second, 4.6x one at a time; the top-k selection,
not the matmul, is then the larger cost).

Deletes swap-remove: the last rows move into the holes, so the matrix stays dense and a search
never skips tombstones. Id lookups go through a sorted copy of the ids rebuilt lazily after a
change (vectorised ``searchsorted``; no Python dict of a million ints).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from veracity.errors import IndexError_
from veracity.index.vector.checks import (
    check_allowed,
    check_batch,
    check_dim,
    check_ids,
    check_k,
    check_queries,
)
from veracity.index.vector.files import data_file, load_npy, read_meta, save_npy, write_index
from veracity.index.vector.positions import sorted_lookup
from veracity.index.vector.scan import empty_result, exact_search

FULL_SCAN_ABOVE = 0.25  # allowed fraction above which masking a full scan beats gathering rows


class ExactIndex:
    """Brute-force cosine / inner-product index; exact results, O(n*dim) per query."""

    backend = "exact"

    def __init__(self, dim: int, applied_seq: int = 0) -> None:
        self.dim = check_dim(dim)
        self.applied_seq = applied_seq
        self._matrix = np.empty((0, self.dim), np.float32)  # (capacity, dim); rows [0, n) live
        self._ids = np.empty(0, np.int64)  # (capacity,) row -> id
        self._n = 0
        self._sorted: tuple[np.ndarray, np.ndarray] | None = None  # (sorted ids, their rows)

    def __len__(self) -> int:
        return self._n

    # --- id -> row --------------------------------------------------------------------------

    def _lookup(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(found mask, rows)`` for ``ids``; rows are only meaningful where found."""
        if self._sorted is None:
            order = np.argsort(self._ids[: self._n], kind="stable")
            self._sorted = (self._ids[: self._n][order], order)
        keys, rows = self._sorted
        return sorted_lookup(keys, rows, ids)

    def ids(self) -> np.ndarray:
        """The ids held, in row order (a copy)."""
        return self._ids[: self._n].copy()

    def present(self, ids: np.ndarray) -> np.ndarray:
        """Sorted unique ids among ``ids`` that the index holds."""
        ids = np.unique(check_ids(ids))
        found, _ = self._lookup(ids)
        out: np.ndarray = ids[found]
        return out

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored ``(len(ids), dim)`` vectors of ids the index holds (KeyError otherwise)."""
        found, rows = self._lookup(check_ids(ids))
        if not found.all():
            raise KeyError(f"ids not in the index: {ids[~found][:5].tolist()}")
        out: np.ndarray = self._matrix[rows]
        return out

    # --- changes ----------------------------------------------------------------------------

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        ids, vecs = check_batch(ids, vectors, self.dim)
        if not ids.size:
            return
        found, rows = self._lookup(ids)
        self._matrix[rows[found]] = vecs[found]  # upsert in place
        new_ids, new_vecs = ids[~found], vecs[~found]
        if new_ids.size:
            self._reserve(self._n + new_ids.size)
            self._matrix[self._n : self._n + new_ids.size] = new_vecs
            self._ids[self._n : self._n + new_ids.size] = new_ids
            self._n += new_ids.size
            self._sorted = None

    def _reserve(self, size: int) -> None:
        if size <= len(self._ids):
            return
        capacity = max(size, int(len(self._ids) * 1.5), 1024)
        matrix = np.empty((capacity, self.dim), np.float32)
        matrix[: self._n] = self._matrix[: self._n]
        ids = np.empty(capacity, np.int64)
        ids[: self._n] = self._ids[: self._n]
        self._matrix, self._ids = matrix, ids

    def delete(self, ids: np.ndarray) -> None:
        ids = np.unique(check_ids(ids))
        found, rows = self._lookup(ids)
        dead = np.sort(rows[found])
        if not dead.size:
            return
        n_after = self._n - dead.size
        holes = dead[dead < n_after]  # dead rows that survivors must fill
        tail = np.setdiff1d(np.arange(n_after, self._n), dead, assume_unique=True)
        self._matrix[holes] = self._matrix[tail]  # same length: |holes| == |live tail rows|
        self._ids[holes] = self._ids[tail]
        self._n = n_after
        self._sorted = None

    # --- search -----------------------------------------------------------------------------

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        qs = check_queries(queries, self.dim)
        k = check_k(k)
        allow = check_allowed(allowed)
        live = self._matrix[: self._n]
        if allow is None:
            return exact_search(live, self._ids[: self._n], qs, k)
        found, rows = self._lookup(allow)
        rows = np.sort(rows[found])  # ascending rows read the matrix in memory order
        if not rows.size:
            return empty_result(qs.shape[0])
        if rows.size <= FULL_SCAN_ABOVE * self._n:
            return exact_search(self._matrix[rows], self._ids[rows], qs, k)
        # Most rows allowed: scan everything in place, scoring the rest -inf (no gather copy).
        mask = np.zeros(self._n, bool)
        mask[rows] = True
        return exact_search(live, self._ids[: self._n], qs, min(k, rows.size), mask=mask)

    # --- persistence ------------------------------------------------------------------------

    def writers(self) -> dict[str, tuple[str, Callable[[Path], None]]]:
        """The data files of this index, for ``write_index`` (also used by backends that keep
        their vectors in an ExactIndex)."""
        return {
            "ids": ("npy", save_npy(self._ids[: self._n])),
            "vectors": ("npy", save_npy(self._matrix[: self._n])),
        }

    def save(self, directory: Path) -> None:
        write_index(
            directory,
            backend=self.backend,
            dim=self.dim,
            applied_seq=self.applied_seq,
            count=self._n,
            options={},
            writers=self.writers(),
        )

    @classmethod
    def load(cls, directory: Path, meta: dict[str, Any] | None = None) -> ExactIndex:
        meta = meta or read_meta(directory)
        ids = load_npy(data_file(directory, meta, "ids"))
        matrix = load_npy(data_file(directory, meta, "vectors"))
        dim = int(meta["dim"])
        if matrix.ndim != 2 or matrix.shape != (len(ids), dim) or matrix.dtype != np.float32:
            raise IndexError_(f"vector index {directory} has inconsistent arrays; rebuild it")
        index = cls(dim, applied_seq=int(meta["applied_seq"]))
        index._matrix, index._ids, index._n = matrix, ids.astype(np.int64), len(ids)
        return index
