"""Shared checks for the BM25 pruning tests: an exhaustive index and a pruned twin must rank
alike, bit for bit, with and without a pre-filter (``test_bm25_prune``, ``test_bm25_maxscore``)."""

from __future__ import annotations

import numpy as np

from veracity.index.bm25 import BM25Index
from veracity.text.analyzer import get_analyzer

NONE = get_analyzer("none")


def pair(
    prune: str | bool, variant: str = "lucene", merge_factor: int = 8, **kw: float
) -> tuple[BM25Index, BM25Index]:
    """An exhaustive index and one pruned by ``prune``, with the same settings."""
    exact, pruned = (
        BM25Index(NONE, variant, merge_factor=merge_factor, backend="numba", prune=mode, **kw)
        for mode in ("none", prune)
    )
    return exact, pruned


def assert_same(exact: BM25Index, pruned: BM25Index, queries: list[str], k: int) -> None:
    for (ie, se), (ip, sp) in zip(
        exact.search_many(queries, k), pruned.search_many(queries, k), strict=True
    ):
        assert ip.tolist() == ie.tolist()
        assert np.array_equal(sp, se)  # bit for bit, so also within any float tolerance


def assert_same_filtered(
    exact: BM25Index, pruned: BM25Index, queries: list[str], allowed: np.ndarray
) -> None:
    """Same results under the pre-filter ``allowed`` (sorted ids), and only allowed ids."""
    for q in queries:
        for k in (1, 10):
            ie, se = exact.search(q, k, allowed=allowed)
            ip, sp = pruned.search(q, k, allowed=allowed)
            assert ip.tolist() == ie.tolist() and np.array_equal(sp, se)
            assert set(ip.tolist()) <= set(allowed.tolist())
