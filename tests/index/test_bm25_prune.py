"""Block-max pruning (``prune=True``) against exhaustive scoring: same ids, same scores bit for
bit, same tie order, through adds, deletes, merges, pre-filters and a save/load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bm25_pairs import NONE, assert_same, assert_same_filtered, pair
from veracity.index.bm25 import VARIANTS, BM25Index
from veracity.index.bm25.segment import BLOCK

pytest.importorskip("numba")


def _corpus(rng: np.random.Generator, n: int, vocab: int) -> list[str]:
    """Zipf-like documents, with some exact duplicates so that ties occur."""
    p = 1.0 / np.arange(1, vocab + 1) ** 1.1
    p /= p.sum()
    docs = [
        " ".join(f"t{w}" for w in rng.choice(vocab, size=int(rng.integers(1, 30)), p=p))
        for _ in range(n)
    ]
    for i in range(0, n, 7):
        docs[i] = docs[i // 2]
    return docs


def _queries(rng: np.random.Generator, vocab: int, n: int = 25) -> list[str]:
    return [
        " ".join(f"t{w}" for w in rng.integers(0, vocab, size=int(rng.integers(1, 6))))
        for _ in range(n)
    ]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_pruned_equals_exhaustive_through_updates(variant: str) -> None:
    rng = np.random.default_rng(7)
    vocab = 60
    exact, pruned = pair(True, variant=variant, merge_factor=3)
    queries = _queries(rng, vocab)
    next_id = 0
    for step in range(8):  # several segments, merges, tombstones, upserts
        n = int(rng.integers(20, 150))
        ids = list(range(next_id, next_id + n)) + [int(i) for i in rng.integers(0, next_id + 1, 5)]
        texts = _corpus(rng, len(ids), vocab)
        next_id += n
        gone = [int(i) for i in rng.integers(0, next_id, 10)] if step % 2 else []
        for index in (exact, pruned):
            index.add(ids, texts)
            index.delete(gone)
        for k in (1, 3, 10, 50):
            assert_same(exact, pruned, queries, k)
    pruned.optimize()
    assert_same(exact, pruned, queries, 10)


def test_pruned_with_prefilter_and_ties() -> None:
    rng = np.random.default_rng(3)
    texts = ["a b", "a b", "a b c", "c", "a"] * 80 + _corpus(rng, 300, 40)
    exact, pruned = pair(True)
    for index in (exact, pruned):
        index.add(range(1000, 1000 + len(texts)), texts)
        index.delete(range(1000, 1100, 3))
    queries = ["a b", "a", "c a", "t0 t1 a", "zzz", "a a b"]
    for k in (1, 5, 17, 200):
        assert_same(exact, pruned, queries, k)
    allowed = np.sort(rng.choice(np.arange(1000, 1000 + len(texts)), 90, replace=False))
    assert_same_filtered(exact, pruned, queries, allowed)


def test_block_maxima_are_exact_after_updates() -> None:
    """Each block entry's max equals the largest fresh tfc of its postings (a true bound)."""
    rng = np.random.default_rng(11)
    index = BM25Index(NONE, backend="numba", prune=True, merge_factor=4)
    index.add(range(500), _corpus(rng, 500, 30))
    index.search("t0 t1 t2", 5)
    index.add(range(500, 520), ["t0 " * 40] * 20)  # moves L_avg: caches go stale
    index.delete(range(0, 500, 4))
    index.search(" ".join(f"t{i}" for i in range(30)), 5)  # refreshes every term
    for seg in index.segments:
        blk_ptr, blk_ids, blk_start, blk_max = seg.blocks
        assert blk_ptr[-1] == len(blk_ids) == len(blk_start) - 1 == len(blk_max)
        for e in range(len(blk_ids)):
            lo, hi = blk_start[e], blk_start[e + 1]
            assert hi > lo and np.all(seg.inv_docs[lo:hi] // BLOCK == blk_ids[e])
            assert blk_max[e] == seg.tfc[lo:hi].max()


def test_prune_survives_save_load(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    exact, pruned = pair(True)
    texts = _corpus(rng, 300, 50)
    for index in (exact, pruned):
        index.add(range(300), texts)
    pruned.save(tmp_path)
    loaded = BM25Index.load(tmp_path)
    assert loaded.prune
    assert_same(exact, loaded, _queries(rng, 50), 10)


@settings(max_examples=40, deadline=None)
@given(
    docs=st.lists(st.lists(st.integers(0, 9), max_size=8), min_size=1, max_size=120),
    gone=st.lists(st.integers(0, 119), max_size=30),
    query=st.lists(st.integers(0, 11), min_size=1, max_size=5),
    k=st.integers(1, 12),
)
def test_pruned_equals_exhaustive_random(
    docs: list[list[int]], gone: list[int], query: list[int], k: int
) -> None:
    texts = [" ".join(f"t{w}" for w in d) for d in docs]
    exact, pruned = pair(True, merge_factor=2)
    half = len(texts) // 2
    for index in (exact, pruned):  # two batches: at least two segments
        index.add(range(half), texts[:half])
        index.add(range(half, len(texts)), texts[half:])
        index.delete(gone)
    assert_same(exact, pruned, [" ".join(f"t{w}" for w in query)], k)
