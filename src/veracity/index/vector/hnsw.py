"""HNSW backend on hnswlib (Malkov & Yashunin 2018, "Efficient and robust approximate nearest
neighbor search using Hierarchical Navigable Small World graphs").

Library chosen by measurement against usearch and FAISS HNSW at equal M, ef_construction and one
thread (``python -m benchmarks.vector_ann``; figures in docs/benchmarks.md, section "vector").
hnswlib also has what this contract needs natively: in-place upserts of a label, ``mark_deleted``
with slot reuse (``allow_replace_deleted``), a per-query filter callback, and ids used directly
as labels (int64 ids >= 0 fit its uint64 labels; no id map of our own).

Filtered search (a pre-filter: results are drawn only from ``allowed ∩ present``):

- allowed set at most ``brute_below`` (default 5%) of the live vectors: exact search over just
  those vectors (``get_items`` + one matmul). A graph search under a tight filter visits many
  rejected nodes, so there brute force is both exact and no slower.
- larger sets: hnswlib's filter callback (``set.__contains__``, a C-level call) during the graph
  search, with ``ef >= k``; rejected nodes are still traversed, so the graph stays connected.
- any query for which hnswlib finds fewer than ``k`` allowed hits (it raises "Cannot return the
  results in a contiguous 2D array") is answered exactly over the allowed set. Hence ``k``
  results whenever ``k`` allowed vectors exist, the complaint about post-filtering in pgvector
  and Qdrant that this design avoids.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from veracity.errors import IndexError_, MissingDependency
from veracity.index.vector._common import (
    check_allowed,
    check_batch,
    check_dim,
    check_ids,
    check_k,
    check_queries,
    data_file,
    empty_result,
    exact_search,
    load_npy,
    read_meta,
    save_npy,
    search_filtered,
    write_index,
)
from veracity.index.vector.exact import ExactIndex


def _hnswlib() -> Any:
    try:
        import hnswlib
    except ImportError as exc:
        raise MissingDependency("the 'hnsw' vector index", extra="ann", package="hnswlib") from exc
    return hnswlib


class HnswIndex:
    """HNSW graph over inner product with upserts, deletes (slot reuse) and pre-filters."""

    backend = "hnsw"

    def __init__(
        self,
        dim: int,
        *,
        m: int = 16,
        ef_construction: int = 200,
        ef_search: int = 64,
        brute_below: float = 0.05,
        threads: int = 1,
        seed: int = 100,
        keep_vectors: bool = True,
        applied_seq: int = 0,
    ) -> None:
        self._lib = _hnswlib()
        self.dim = check_dim(dim)
        self.m, self.ef_construction, self.ef_search = m, ef_construction, ef_search
        self.brute_below, self.threads, self.seed = brute_below, threads, seed
        self.keep_vectors = keep_vectors
        # hnswlib hands vectors back slowly (get_items: ~25 us per 384-d vector), which would make
        # the exact path for small filters slower than the graph; a float32 copy keeps it fast.
        self._store = ExactIndex(self.dim) if keep_vectors else None
        self.applied_seq = applied_seq
        self._graph = self._lib.Index(space="ip", dim=self.dim)
        self._graph.init_index(
            max_elements=1024,
            M=m,
            ef_construction=ef_construction,
            random_seed=seed,
            allow_replace_deleted=True,
        )
        self._graph.set_num_threads(threads)
        self._live = np.empty(0, np.int64)  # sorted ids not marked deleted

    def _options(self) -> dict[str, Any]:
        return {
            "m": self.m,
            "ef_construction": self.ef_construction,
            "ef_search": self.ef_search,
            "brute_below": self.brute_below,
            "threads": self.threads,
            "seed": self.seed,
            "keep_vectors": self.keep_vectors,
        }

    def __len__(self) -> int:
        return len(self._live)

    # --- changes ----------------------------------------------------------------------------

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        ids, vecs = check_batch(ids, vectors, self.dim)
        if not ids.size:
            return
        new = np.setdiff1d(ids, self._live, assume_unique=True)
        # Deleted slots are reused first (replace_deleted), so live + new slots must fit.
        need = max(self._graph.element_count, len(self._live) + len(new))
        if need > self._graph.max_elements:
            self._graph.resize_index(max(need, int(self._graph.max_elements * 1.5)))
        # Labels are the ids' bits as uint64; an existing label is updated in place (upsert),
        # a deleted one is revived.
        self._graph.add_items(
            vecs, ids.view(np.uint64), num_threads=self.threads, replace_deleted=True
        )
        self._live = np.union1d(self._live, ids)
        if self._store is not None:
            self._store.add(ids, vecs)

    def delete(self, ids: np.ndarray) -> None:
        dead = np.intersect1d(np.unique(check_ids(ids)), self._live, assume_unique=True)
        for label in dead.tolist():
            self._graph.mark_deleted(label)
        self._live = np.setdiff1d(self._live, dead, assume_unique=True)
        if self._store is not None:
            self._store.delete(dead)

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """Stored vectors of live ``ids`` ``(len(ids), dim)``."""
        ids = check_ids(ids)
        if self._store is not None:
            return self._store.vectors(ids)
        if not ids.size:
            return np.empty((0, self.dim), np.float32)
        out = self._graph.get_items(ids.view(np.uint64), return_type="numpy")
        return np.asarray(out, np.float32).reshape(len(ids), self.dim)

    # --- search -----------------------------------------------------------------------------

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        qs, k, allow = check_queries(queries, self.dim), check_k(k), check_allowed(allowed)
        cands = self._live if allow is None else np.intersect1d(allow, self._live, True)
        if not cands.size:
            return empty_result(qs.shape[0])
        if allow is not None and cands.size <= self.brute_below * len(self._live):
            return exact_search(self.vectors(cands), cands, qs, k)
        filt = None if allow is None else set(cands.tolist()).__contains__

        def approximate(q: np.ndarray, kk: int) -> tuple[np.ndarray, np.ndarray]:
            self._graph.set_ef(max(self.ef_search, kk))
            try:
                return self._knn(q, kk, filt)
            except RuntimeError:  # fewer than kk found for some query: one at a time
                return self._knn_each(q, kk, filt)

        return search_filtered(qs, k, cands, approximate, self.vectors)

    def _knn_each(self, q: np.ndarray, k: int, filt: Any) -> tuple[np.ndarray, np.ndarray]:
        """Query by query; a query hnswlib cannot fill stays padded with -1 (repaired exactly)."""
        ids = np.full((len(q), k), -1, np.int64)
        scores = np.full((len(q), k), -np.inf, np.float32)
        for row in range(len(q)):
            try:
                found, sims = self._knn(q[row : row + 1], k, filt)
            except RuntimeError:
                continue
            ids[row], scores[row] = found[0], sims[0]
        return ids, scores

    def _knn(self, q: np.ndarray, k: int, filt: Any) -> tuple[np.ndarray, np.ndarray]:
        labels, dists = self._graph.knn_query(q, k=k, num_threads=self.threads, filter=filt)
        # hnswlib's "ip" distance is 1 - <q, x>.
        return labels.view(np.int64), (1.0 - dists).astype(np.float32)

    # --- persistence ------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        def write_graph(path: Path) -> None:
            self._graph.save_index(str(path))

        write_index(
            directory,
            backend=self.backend,
            dim=self.dim,
            applied_seq=self.applied_seq,
            count=len(self),
            options=self._options(),
            writers=self._store.writers() | {"graph": ("hnsw", write_graph)}
            if self._store is not None
            else {"live": ("npy", save_npy(self._live)), "graph": ("hnsw", write_graph)},
        )

    @classmethod
    def load(cls, directory: Path, meta: dict[str, Any] | None = None) -> HnswIndex:
        meta = meta or read_meta(directory)
        index = cls(int(meta["dim"]), applied_seq=int(meta["applied_seq"]), **meta["options"])
        if index._store is not None:
            index._store = ExactIndex.load(directory, meta)
            live = np.sort(index._store.ids())
        else:
            live = load_npy(data_file(directory, meta, "live"))
        path = data_file(directory, meta, "graph")
        graph = index._lib.Index(space="ip", dim=index.dim)
        try:
            graph.load_index(str(path), allow_replace_deleted=True)
        except RuntimeError as exc:
            raise IndexError_(f"cannot read HNSW graph {path} ({exc}); rebuild it") from exc
        if graph.dim != index.dim or graph.element_count < len(live):
            raise IndexError_(f"HNSW graph {path} does not match its id list; rebuild it")
        graph.set_num_threads(index.threads)
        index._graph, index._live = graph, live.astype(np.int64)
        return index
