"""FAISS backend: ``IndexHNSWFlat`` (default) or ``IndexFlatIP`` with our own id map.

Why not ``IndexIDMap2``: FAISS HNSW cannot remove a vector (``remove_ids`` throws), and an
``IndexIDMap2`` holding two vectors under one id (an upsert) cannot tell the old from the new in
an ``IDSelector``, which sees ids, not positions. So the FAISS index numbers vectors by position
(``Positions``); an upsert or delete kills the old position (excluded by the search's
``IDSelectorBitmap``), and once dead positions pass ``compact_above`` of the total the index is
rebuilt from the live vectors it stores (``reconstruct_batch``; no second copy of the vectors).

Filters are pre-filters: below ``brute_below`` of the live vectors the allowed vectors are
searched exactly (as cheap as a graph search there, and exact); above it FAISS searches with an
``IDSelectorBitmap`` of the allowed live positions, and any query FAISS answers with fewer than
``k`` hits is answered exactly over the allowed set, so ``k`` results come back whenever ``k``
allowed vectors exist. Thread count follows ``OMP_NUM_THREADS`` / ``faiss.omp_set_num_threads``
(a process-wide FAISS setting, so this backend does not change it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from veracity.errors import ConfigError, IndexError_, MissingDependency
from veracity.index.vector.checks import (
    check_allowed,
    check_batch,
    check_dim,
    check_ids,
    check_k,
    check_queries,
)
from veracity.index.vector.files import data_file, load_npy, read_meta, save_npy, write_index
from veracity.index.vector.positions import Positions, restrict
from veracity.index.vector.scan import empty_result, exact_search, search_filtered

KINDS = ("hnsw", "flat")


def _faiss() -> Any:
    try:
        import faiss
    except ImportError as exc:
        raise MissingDependency(
            "the 'faiss' vector index", extra="ann", package="faiss-cpu"
        ) from exc
    return faiss


class FaissIndex:
    """FAISS HNSW or flat inner-product index with upserts, deletes and pre-filters."""

    backend = "faiss"

    def __init__(
        self,
        dim: int,
        *,
        kind: str = "hnsw",
        m: int = 16,
        ef_construction: int = 200,
        ef_search: int = 64,
        brute_below: float = 0.05,
        compact_above: float = 0.25,
        applied_seq: int = 0,
    ) -> None:
        if kind not in KINDS:
            raise ConfigError(f"faiss index kind must be one of {', '.join(KINDS)}, got {kind!r}")
        self.dim = check_dim(dim)
        self.kind, self.m, self.ef_construction = kind, m, ef_construction
        self.ef_search, self.brute_below, self.compact_above = ef_search, brute_below, compact_above
        self.applied_seq = applied_seq
        self._faiss = _faiss()
        self._index = self._new_index()
        self._pos = Positions()

    def _new_index(self) -> Any:
        f = self._faiss
        if self.kind == "flat":
            return f.IndexFlatIP(self.dim)
        index = f.IndexHNSWFlat(self.dim, self.m, f.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = self.ef_construction
        return index

    def _options(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "m": self.m,
            "ef_construction": self.ef_construction,
            "ef_search": self.ef_search,
            "brute_below": self.brute_below,
            "compact_above": self.compact_above,
        }

    def __len__(self) -> int:
        return self._pos.live_count()

    # --- changes ----------------------------------------------------------------------------

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        ids, vecs = check_batch(ids, vectors, self.dim)
        if not ids.size:
            return
        found, old = self._pos.lookup(ids)
        self._pos.kill(old[found])  # upsert: the old vector becomes a dead position
        self._pos.append(ids)
        self._index.add(vecs)
        self._maybe_compact()

    def delete(self, ids: np.ndarray) -> None:
        found, pos = self._pos.lookup(check_ids(ids))
        if found.any():
            self._pos.kill(pos[found])
            self._maybe_compact()

    def _maybe_compact(self) -> None:
        dead = self._pos.size - self._pos.live_count()
        if dead and dead > self.compact_above * self._pos.size:
            live = np.flatnonzero(self._pos.live_mask())
            vecs = self._index.reconstruct_batch(live) if live.size else None
            ids = self._pos.pos_id[live]
            self._index, self._pos = self._new_index(), Positions()
            if vecs is not None:
                self._pos.append(ids)
                self._index.add(vecs)

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """Stored vectors of live ``ids`` ``(len(ids), dim)``."""
        found, pos = self._pos.lookup(check_ids(ids))
        if not found.all():
            raise KeyError(f"ids not in the index: {ids[~found][:5].tolist()}")
        return np.asarray(self._index.reconstruct_batch(pos), np.float32)

    # --- search -----------------------------------------------------------------------------

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        qs, k, allow = check_queries(queries, self.dim), check_k(k), check_allowed(allowed)
        live = self._pos.live_ids()
        cands = live if allow is None else restrict(allow, live)
        if not cands.size:
            return empty_result(qs.shape[0])
        if allow is not None and cands.size <= self.brute_below * live.size:
            return exact_search(self.vectors(cands), cands, qs, k)
        whole = allow is None and live.size == self._pos.size  # nothing to exclude
        bitmap = None if whole else self._bitmap(cands)

        def approximate(q: np.ndarray, kk: int) -> tuple[np.ndarray, np.ndarray]:
            params = self._params(bitmap, kk)
            scores, pos = self._index.search(q, kk, params=params)
            ids = np.where(pos >= 0, self._pos.pos_id[np.maximum(pos, 0)], -1)
            return ids.astype(np.int64), scores.astype(np.float32)

        return search_filtered(qs, k, cands, approximate, self.vectors)

    def _bitmap(self, ids: np.ndarray) -> np.ndarray:
        _, pos = self._pos.lookup(ids)
        mask = np.zeros(self._pos.size, bool)
        mask[pos] = True
        return np.packbits(mask, bitorder="little")  # FAISS reads bit i at byte i>>3, bit i&7

    def _params(self, bitmap: np.ndarray | None, k: int) -> Any:
        f = self._faiss
        kwargs: dict[str, Any] = {}
        if bitmap is not None:
            # The selector holds a raw pointer: ``bitmap`` stays alive in the caller's frame.
            kwargs["sel"] = f.IDSelectorBitmap(self._pos.size, f.swig_ptr(bitmap))
        if self.kind == "flat":
            return f.SearchParameters(**kwargs)
        return f.SearchParametersHNSW(efSearch=max(self.ef_search, k), **kwargs)

    # --- persistence ------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        def write_faiss(path: Path) -> None:
            self._faiss.write_index(self._index, str(path))

        write_index(
            directory,
            backend=self.backend,
            dim=self.dim,
            applied_seq=self.applied_seq,
            count=len(self),
            options=self._options(),
            writers={
                "positions": ("npy", save_npy(self._pos.pos_id)),
                "faiss": ("faiss", write_faiss),
            },
        )

    @classmethod
    def load(cls, directory: Path, meta: dict[str, Any] | None = None) -> FaissIndex:
        meta = meta or read_meta(directory)
        index = cls(int(meta["dim"]), applied_seq=int(meta["applied_seq"]), **meta["options"])
        pos_id = load_npy(data_file(directory, meta, "positions"))
        path = data_file(directory, meta, "faiss")
        try:
            raw = index._faiss.read_index(str(path))
        except RuntimeError as exc:
            raise IndexError_(f"cannot read FAISS index {path} ({exc}); rebuild it") from exc
        if raw.d != index.dim or raw.ntotal != len(pos_id):
            raise IndexError_(f"FAISS index {path} does not match its id map; rebuild it")
        index._index, index._pos = raw, Positions(pos_id)
        if index.kind == "hnsw":
            raw.hnsw.efConstruction = index.ef_construction
        return index
