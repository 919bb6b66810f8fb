"""Dense rows of common terms (``Segment.columns``): each row is its term's cached tfc, through
adds that move the average length and deletes; the numba kernels that add rows instead of
postings score bit for bit as numpy does, which reads postings only."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from veracity.index.bm25 import BM25Index
from veracity.index.bm25 import segment as segment_module
from veracity.text.analyzer import get_analyzer

NONE = get_analyzer("none")


def _corpus(seed: int, n: int) -> list[str]:
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, 41)
    p /= p.sum()
    return [
        " ".join(f"t{w}" for w in rng.choice(40, int(rng.integers(1, 30)), p=p)) for _ in range(n)
    ]


def _assert_rows_match_cache(index: BM25Index) -> None:
    for seg in index.segments:
        col_of, cols = seg.columns
        df = np.diff(seg.inv_indptr)
        assert np.array_equal(col_of >= 0, df * segment_module.COLUMN_FROM >= len(seg.ids))
        for t in np.flatnonzero(col_of >= 0):
            lo, hi = seg.inv_indptr[t], seg.inv_indptr[t + 1]
            dense = np.zeros(len(seg.ids), dtype=np.float32)
            dense[seg.inv_docs[lo:hi]] = seg.tfc[lo:hi]
            assert np.array_equal(cols[col_of[t]], dense)


def test_rows_follow_the_tfc_cache_through_updates() -> None:
    index = BM25Index(NONE, backend="numpy", merge_factor=3)
    index.add(range(200), _corpus(1, 200))
    index.search("t0 t1", 5)
    for seg in index.segments:
        assert seg.columns[1].ndim == 2  # built now, refreshed from here on
    index.add(range(200, 260), ["t0 " * 30] * 60)  # moves L_avg: every cached tfc goes stale
    index.delete(range(0, 200, 7))
    index.search(" ".join(f"t{i}" for i in range(40)), 5)  # refreshes every term
    _assert_rows_match_cache(index)


def test_no_rows_past_the_size_limit(monkeypatch: Any) -> None:
    monkeypatch.setattr(segment_module, "COLUMNS_UP_TO", 100)
    index = BM25Index(NONE, backend="numpy")
    index.add(range(150), _corpus(2, 150))
    col_of, cols = index.segments[0].columns
    assert not (col_of >= 0).any() and cols.shape == (0, 150)


def test_rows_score_as_postings_do() -> None:
    pytest.importorskip("numba")
    texts = _corpus(3, 400)
    exact = BM25Index(NONE, backend="numpy", merge_factor=100)
    rows = BM25Index(NONE, backend="numba", merge_factor=100)
    queries = ["t0 t1 t2", "t0 t39", "t5 t5 t0 t12 t30", "t38"]
    for index in (exact, rows):
        index.add(range(300), texts[:300])
        index.search_many(queries, 3)
        index.add(range(300, 400), texts[300:])  # a second segment; L_avg moves
        index.delete(range(0, 400, 9))
    assert any((seg.columns[0] >= 0).any() for seg in rows.segments)
    for k in (1, 10, 40):
        for (ie, se), (ir, sr) in zip(
            exact.search_many(queries, k), rows.search_many(queries, k), strict=True
        ):
            assert ir.tolist() == ie.tolist()
            assert np.array_equal(sr, se)
