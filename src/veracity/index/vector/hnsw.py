"""HNSW backend on hnswlib (Malkov & Yashunin 2018, "Efficient and robust approximate nearest
neighbor search using Hierarchical Navigable Small World graphs").

Library chosen by measurement against usearch and FAISS HNSW at equal M=16, ef_construction=100,
one thread, on 100k clustered 384-d vectors and 1,000 queries (``python -m benchmarks.vector_ann``;
docs/benchmarks.md, section "vector"). Lowest ef reaching recall@10 >= 0.95 and queries per CPU
second there:

==================  ====  =========  ===========  ============
library             ef    recall@10  queries/CPU  build CPU s
==================  ====  =========  ===========  ============
hnswlib 0.8.0       32    0.965      4,926        60
faiss-cpu 1.15.1    32    0.968      4,582 (.93x) 71
usearch 2.26.6 f32  32    0.964      2,225 (.45x) 121
==================  ====  =========  ===========  ============

The default ``ef_search=64`` gave recall@10 0.979 there (2,756 queries per CPU second); raise it
for higher recall, lower it for speed. hnswlib also has what this contract needs natively:
in-place upserts of a label, ``mark_deleted`` with slot reuse (``allow_replace_deleted``), a
per-query filter callback, and ids used directly as labels (int64 ids >= 0 fit its uint64
labels; no id map of our own). Memory: the graph plus, by default, a float32 copy of the vectors
(``keep_vectors``), because hnswlib hands vectors back slowly (``get_items``: about 25 us per
384-d vector) and the exact paths below need them fast: about 2x the raw vector bytes.

Changes cost O(n) numpy work per ``add``/``delete`` batch (the sorted live-id array), so feed
them in batches; one writer at a time (no locking inside).

Filtered search (a pre-filter: results are drawn only from ``allowed ∩ present``). Measured one
query per call at 100k x 384, ef_search=64 (docs/benchmarks.md, section "vector-filtered"):

=========  ======================  =====================  ========================
allowed    exact over allowed      hnswlib filter         over-fetch (opt-in)
=========  ======================  =====================  ========================
1%         1.000 @ 2,648 q/CPU s   1.000 @ 48             0.982 @ 107
5%         1.000 @ 294             0.990 @ 128            0.888 @ 292
10%        1.000 @ 145             0.982 @ 159            0.876 @ 328
20%        1.000 @ 71              0.976 @ 148            0.889 @ 243
50%        1.000 @ 24              0.973 @ 79             0.956 @ 108
=========  ======================  =====================  ========================

- allowed set at most ``brute_below`` (default 10%, the measured crossover) of the live
  vectors: exact search over just those vectors (one matmul over the gathered rows). A graph
  search under a tight filter visits many rejected nodes, so there brute force is exact and
  faster.
- larger sets: hnswlib's filter callback (``set.__contains__``) during the graph search, with
  ``ef >= k``; rejected nodes are still traversed, so the graph stays connected.
- ``overfetch=True`` first runs an unfiltered search for ``1.5 k / selectivity`` neighbours and
  keeps the allowed ones, sending rows left short to the callback: up to 2x faster above 10%,
  but recall@10 fell to about 0.88, so it is an opt-in speed knob, not the default.
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
from veracity.index.vector.checks import (
    check_allowed,
    check_batch,
    check_dim,
    check_ids,
    check_k,
    check_queries,
)
from veracity.index.vector.exact import ExactIndex
from veracity.index.vector.files import data_file, load_npy, read_meta, save_npy, write_index
from veracity.index.vector.positions import members, restrict
from veracity.index.vector.scan import empty_result, exact_search, search_filtered


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
        brute_below: float = 0.10,
        threads: int = 1,
        seed: int = 100,
        keep_vectors: bool = True,
        overfetch: bool = False,
        applied_seq: int = 0,
    ) -> None:
        self._lib = _hnswlib()
        self.dim = check_dim(dim)
        self.m, self.ef_construction, self.ef_search = m, ef_construction, ef_search
        self.brute_below, self.threads, self.seed = brute_below, threads, seed
        self.keep_vectors, self.overfetch = keep_vectors, overfetch
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
            "overfetch": self.overfetch,
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
        cands = self._live if allow is None else restrict(allow, self._live)
        if not cands.size:
            return empty_result(qs.shape[0])
        if allow is not None and cands.size <= self.brute_below * len(self._live):
            return exact_search(self.vectors(cands), cands, qs, k)
        selectivity = cands.size / len(self._live)

        def approximate(q: np.ndarray, kk: int) -> tuple[np.ndarray, np.ndarray]:
            if allow is None:
                return self._knn_safe(q, kk, None)
            if self.overfetch:
                ids, scores = self._overfetch(q, kk, cands, selectivity)
            else:
                ids = np.full((len(q), kk), -1, np.int64)
                scores = np.full((len(q), kk), -np.inf, np.float32)
            short = (ids < 0).any(axis=1)
            if short.any():  # the allowed vectors sit away from these queries: filter the graph
                filt = set(cands.tolist()).__contains__
                ids[short], scores[short] = self._knn_safe(q[short], kk, filt)
            return ids, scores

        return search_filtered(qs, k, cands, approximate, self.vectors)

    def _overfetch(
        self, q: np.ndarray, k: int, cands: np.ndarray, selectivity: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Unfiltered search for ``1.5 k / selectivity`` neighbours, keeping the allowed ones.

        Cheaper than hnswlib's Python filter callback (one call per visited node) whenever the
        allowed set is a sizeable random share of the index; rows it leaves short (-1) go on to
        the callback, then to exact search, so correctness never depends on it.
        """
        fetch = min(len(self._live), int(np.ceil(1.5 * k / selectivity)))
        labels, sims = self._knn_safe(q, fetch, None)
        ok = members(cands, labels)  # (q, fetch); -1 padding is never a member
        order = np.argsort(~ok, axis=1, kind="stable")[:, :k]  # allowed first, best first
        ids = np.where(np.take_along_axis(ok, order, 1), np.take_along_axis(labels, order, 1), -1)
        scores = np.where(ids >= 0, np.take_along_axis(sims, order, 1), -np.inf)
        return ids.astype(np.int64), scores.astype(np.float32)

    def _knn_safe(self, q: np.ndarray, k: int, filt: Any) -> tuple[np.ndarray, np.ndarray]:
        """``_knn`` with ``ef >= k``; rows hnswlib cannot fill come back padded with -1."""
        self._graph.set_ef(max(self.ef_search, k))
        try:
            return self._knn(q, k, filt)
        except RuntimeError:  # fewer than k found for some query: one at a time
            return self._knn_each(q, k, filt)

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
