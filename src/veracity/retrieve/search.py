"""Retrievers over a collection: BM25, dense, TF-IDF and hybrid, each honouring a pre-filter.

Every retriever satisfies the ``Retriever`` protocol (``retrieve(query, k, where) -> list[Hit]``).
Filters are applied before ranking: the store turns a ``Filter`` into the sorted ids of the chunks
it lets through, and each index ranks only those, so a filtered search returns ``k`` hits whenever
``k`` matching chunks exist.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from veracity.embed.base import Embedder
from veracity.errors import ConfigError
from veracity.index.sync import IndexSet
from veracity.records import Filter, Hit
from veracity.retrieve.fusion import Fused, Ranked, convex, minmax, rrf
from veracity.retrieve.mmr import mmr
from veracity.retrieve.tfidf import TfidfCache
from veracity.store.protocols import Store

MODES = ("bm25", "dense", "hybrid", "tfidf")
FUSIONS = ("rrf", "minmax", "zscore", "dbsf")


class Retriever(Protocol):
    """Ranked hits for a query, filtered inside the ranking by ``where``."""

    def retrieve(self, query: str, k: int, where: Filter | None = None) -> list[Hit]: ...


class Reranker(Protocol):
    """The first ``k`` of ``hits`` in a better order for ``query`` (scores may be replaced)."""

    def rerank(self, query: str, hits: list[Hit], k: int) -> list[Hit]: ...


@dataclass(frozen=True, slots=True)
class SearchOptions:
    """How to search. ``alpha``: 0 = BM25 only, 1 = dense only (hybrid). ``candidates``: how many
    hits each retriever contributes to fusion. ``mmr_lambda``: diversify with MMR when set."""

    mode: str = "hybrid"
    fusion: str = "rrf"
    alpha: float = 0.5
    rrf_k: float = 60.0
    candidates: int = 100
    explain: bool = False
    mmr_lambda: float | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"unknown search mode {self.mode!r}; known: {', '.join(MODES)}")
        if self.fusion not in FUSIONS:
            raise ConfigError(f"unknown fusion {self.fusion!r}; known: {', '.join(FUSIONS)}")
        if not 0.0 <= self.alpha <= 1.0:
            raise ConfigError(
                f"alpha must be in [0, 1] (0 = BM25 only, 1 = dense only), got {self.alpha}"
            )
        if self.candidates < 1:
            raise ConfigError(f"candidates must be >= 1, got {self.candidates}")
        if self.mmr_lambda is not None and not 0.0 <= self.mmr_lambda <= 1.0:
            raise ConfigError(f"mmr lambda must be in [0, 1], got {self.mmr_lambda}")


class CollectionSearcher:
    """Searches one collection's store through its indexes; ``retrieve`` is the Retriever method."""

    def __init__(
        self,
        store: Store,
        indexes: IndexSet,
        embedder: Embedder,
        options: SearchOptions | None = None,
        tfidf: TfidfCache | None = None,
    ) -> None:
        self.store = store
        self.indexes = indexes
        self.embedder = embedder
        self.options = options or SearchOptions()
        self.tfidf = tfidf

    def retrieve(self, query: str, k: int, where: Filter | None = None) -> list[Hit]:
        return self.search(query, k, where)

    def search(
        self,
        query: str,
        k: int = 10,
        where: Filter | None = None,
        options: SearchOptions | None = None,
    ) -> list[Hit]:
        opts = options or self.options
        if not query or not query.strip():
            raise ConfigError("the query is empty; give some words to search for")
        if k < 1:
            raise ConfigError(f"k must be >= 1, got {k}")
        allowed = None
        if where is not None and not where.is_empty():
            allowed = self.store.allowed_rids(where)
            if len(allowed) == 0:
                return []
        depth = max(k, opts.candidates) if opts.mode == "hybrid" or opts.mmr_lambda else k
        lists = self._lists(query, depth, allowed, opts)
        fused = self._fuse(lists, opts)
        if opts.mmr_lambda is not None and fused:
            fused = self._diversify(query, fused, k, opts.mmr_lambda)
        return self._hits(fused[:k], opts.explain)

    # -- per retriever ------------------------------------------------------------------------

    def _lists(
        self, query: str, depth: int, allowed: np.ndarray | None, opts: SearchOptions
    ) -> dict[str, Ranked]:
        lists: dict[str, Ranked] = {}
        dense = opts.mode in ("dense", "hybrid")
        # The query is embedded before taking the index lock, which covers only the lookups
        # (another thread may be catching an index up with the store).
        qvec = self.embedder.embed([query]) if dense else None  # (1, dim)
        # Both lists come from one state of the collection (one log head).
        with self.indexes.reading(
            bm25=opts.mode in ("bm25", "hybrid"), vectors=qvec is not None
        ) as view:
            if view.bm25 is not None:
                ids, scores = view.bm25.search(query, depth, allowed=allowed)
                lists["bm25"] = list(zip(ids.tolist(), scores.tolist(), strict=True))
            if view.vectors is not None and qvec is not None:
                ids, scores = view.vectors.search(qvec, depth, allowed=allowed)
                lists["dense"] = list(zip(ids[0].tolist(), scores[0].tolist(), strict=True))
        if opts.mode == "tfidf":
            cache = self.tfidf or TfidfCache(self.store, self.indexes.analyzer)
            self.tfidf = cache
            ids, scores = cache.get().search(query, depth, allowed=allowed)
            lists["tfidf"] = list(zip(ids.tolist(), scores.tolist(), strict=True))
        return lists

    @staticmethod
    def _fuse(lists: Mapping[str, Ranked], opts: SearchOptions) -> list[Fused]:
        if len(lists) == 1:
            ((name, ranked),) = lists.items()
            return (
                rrf({name: ranked}, k=opts.rrf_k)
                if opts.explain
                else [Fused(i, s, {}) for i, s in ranked]
            )
        weights = {"bm25": 1.0 - opts.alpha, "dense": opts.alpha}
        if opts.fusion == "rrf":
            # Equal weights (alpha 0.5) give classic RRF; other alphas weight it like Vespa/ES.
            return rrf(lists, k=opts.rrf_k, weights={n: 2 * w for n, w in weights.items()})
        return convex(lists, alpha=opts.alpha, normalization=opts.fusion)

    def _diversify(self, query: str, fused: list[Fused], k: int, lambda_: float) -> list[Fused]:
        rids, vecs = self.store.vectors([f.id for f in fused], self.embedder.dim)
        by_id = {f.id: f for f in fused}
        order = [by_id[int(r)] for r in rids]
        relevance = np.asarray(minmax([f.score for f in order]), dtype=np.float64)
        picks = mmr(self.embedder.embed([query])[0], vecs, relevance, k, lambda_=lambda_)
        return [order[i] for i in picks]

    def _hits(self, fused: Sequence[Fused], explain: bool) -> list[Hit]:
        rows = {r.rid: r for r in self.store.chunks([f.id for f in fused])}
        hits: list[Hit] = []
        for f in fused:
            row = rows.get(f.id)
            if row is None:  # deleted between ranking and fetching
                continue
            detail: dict[str, Any] | None = None
            if explain:
                detail = {
                    name: {
                        "rank": c.rank, "score": c.score, "normalized": c.normalized,
                        "contribution": c.contribution,
                    }
                    for name, c in f.explain.items()
                }  # fmt: skip
            hits.append(
                Hit(
                    chunk=row.chunk,
                    score=f.score,
                    uri=row.uri,
                    explain=detail,
                    rid=row.rid,
                    flags=row.flags,
                    title=row.title,
                )
            )
        return hits
