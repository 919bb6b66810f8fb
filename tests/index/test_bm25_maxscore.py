"""MaxScore pruning (``prune="maxscore"``) against exhaustive scoring: the same ids, the same scores
bit for bit and the same tie order, through adds, upserts, deletes, merges, pre-filters, reloads,
and for contributions so small that float32 rounding decides whether they count."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bm25_pairs import NONE, assert_same, assert_same_filtered, pair
from veracity.errors import ConfigError
from veracity.index.bm25 import VARIANTS, BM25Index

pytest.importorskip("numba")


def _docs(rng: np.random.Generator, n: int, vocab: int, max_len: int = 40) -> list[str]:
    """Zipf-like documents (a few terms in most documents, as in real text), some duplicated so
    that exact ties occur."""
    p = 1.0 / np.arange(1, vocab + 1) ** 1.0
    p /= p.sum()
    docs = [
        " ".join(f"t{w}" for w in rng.choice(vocab, size=int(rng.integers(1, max_len)), p=p))
        for _ in range(n)
    ]
    for i in range(0, n, 9):
        docs[i] = docs[i // 3]
    return docs


def _queries(rng: np.random.Generator, vocab: int, n: int = 30) -> list[str]:
    """Long queries mixing common and rare terms (the case MaxScore prunes), some repeated."""
    out = []
    for _ in range(n):
        common = rng.integers(0, 8, size=int(rng.integers(1, 5)))
        rare = rng.integers(8, vocab, size=int(rng.integers(1, 10)))
        out.append(" ".join(f"t{w}" for w in np.r_[common, rare, common[:1]]))
    return out


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_maxscore_equals_exhaustive_through_updates(variant: str) -> None:
    rng = np.random.default_rng(17)
    vocab = 80
    exact, pruned = pair("maxscore", variant=variant, merge_factor=3)
    queries = _queries(rng, vocab)
    next_id = 0
    for step in range(7):  # new segments, merges, upserts of existing ids, tombstones
        n = int(rng.integers(60, 400))
        upserts = [int(i) for i in rng.integers(0, next_id + 1, 8)]
        ids = list(range(next_id, next_id + n)) + upserts
        texts = _docs(rng, len(ids), vocab)
        next_id += n
        gone = [int(i) for i in rng.integers(0, next_id, 25)] if step % 2 else []
        for index in (exact, pruned):
            index.add(ids, texts)
            index.delete(gone)
        assert [len(s) for s in exact.segments] == [len(s) for s in pruned.segments]
        # One segment, no tombstones: no score floors passed between segments either.
        merged = copy.deepcopy(exact)
        merged.optimize()
        assert len(merged.segments) == 1
        for k in (1, 3, 10, 31, 64):
            assert_same(merged, exact, queries, k)
            assert_same(merged, pruned, queries, k)
    for index in (exact, pruned):
        index.optimize()
    assert_same(exact, pruned, queries, 10)


def test_maxscore_matches_numpy_backend() -> None:
    """The numpy fallback never prunes: a second, independent oracle."""
    rng = np.random.default_rng(2)
    texts = _docs(rng, 700, 60)
    pruned = BM25Index(NONE, backend="numba", prune="maxscore")
    plain = BM25Index(NONE, backend="numpy")
    for index in (pruned, plain):
        index.add(range(len(texts)), texts)
        index.delete(range(0, 700, 11))
    for q in _queries(rng, 60, 20):
        for k in (1, 10):
            (ip, sp), (ie, se) = pruned.search(q, k), plain.search(q, k)
            assert ip.tolist() == ie.tolist() and np.array_equal(sp, se)


def test_maxscore_with_prefilter_and_ties() -> None:
    rng = np.random.default_rng(5)
    texts = ["t0 t1", "t0 t1", "t0 t1 t2", "t2", "t0"] * 60 + _docs(rng, 500, 40)
    exact, pruned = pair("maxscore")
    for index in (exact, pruned):
        index.add(range(1000, 1000 + len(texts)), texts)
        index.delete(range(1000, 1150, 4))
    queries = ["t0 t1", "t0", "t2 t0", "t0 t1 t9 t30", "zzz", "t0 t0 t1", *_queries(rng, 40, 10)]
    for k in (1, 5, 17, 200):
        assert_same(exact, pruned, queries, k)
    allowed = np.sort(rng.choice(np.arange(1000, 1000 + len(texts)), 120, replace=False))
    assert_same_filtered(exact, pruned, queries, allowed)


def test_term_max_holds_after_updates() -> None:
    """Each term's cached maximum is that of its fresh tfc (a true bound)."""
    rng = np.random.default_rng(11)
    index = BM25Index(NONE, backend="numba", prune="maxscore", merge_factor=4)
    index.add(range(500), _docs(rng, 500, 30))
    index.search("t0 t1 t2", 5)
    index.add(range(500, 520), ["t0 " * 40] * 20)  # moves L_avg: caches go stale
    index.delete(range(0, 500, 4))
    index.search(" ".join(f"t{i}" for i in range(30)), 5)  # refreshes every term
    for seg in index.segments:
        for p in range(len(seg.terms)):
            cached = seg.tfc[seg.inv_indptr[p] : seg.inv_indptr[p + 1]]
            assert seg.term_max[p] == cached.max()


def test_far_smaller_contributions_round_the_same_way() -> None:
    """With a huge k1 and b=1, a term in every document (idf ~5e-4) and a very long document
    (tfc ~1e-3 of the others'), one contribution is ~1e9 times smaller than the total and a
    float32 addition rounds it away or not depending on what it is added to: the pruned kernel
    adds the terms in the same canonical order as the exhaustive one, so the scores still agree
    bit for bit."""
    rng = np.random.default_rng(8)
    texts = ["rare " * 50 + "common"] + [
        " ".join(["common"] * int(rng.integers(1, 4)) + ["other"] * int(rng.integers(0, 3)))
        for _ in range(998)
    ]
    texts += ["common " + "filler " * 100_000]
    exact, pruned = pair("maxscore", k1=1e6, b=1.0)
    for index in (exact, pruned):
        index.add(range(len(texts)), texts)
    assert_same(exact, pruned, ["rare common", "common rare other common", "other common"], 3)


def test_maxscore_survives_save_load(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    exact, pruned = pair("maxscore")
    texts = _docs(rng, 400, 50)
    for index in (exact, pruned):
        index.add(range(400), texts)
    pruned.save(tmp_path)
    loaded = BM25Index.load(tmp_path)
    assert loaded.prune == "maxscore"
    assert_same(exact, loaded, _queries(rng, 50), 10)


def test_prune_modes() -> None:
    assert BM25Index(NONE).prune == "none"
    assert BM25Index(NONE, prune=True).prune == "blockmax"
    assert BM25Index(NONE, prune=False).prune == "none"
    with pytest.raises(ConfigError, match="maxscore"):
        BM25Index(NONE, prune="wand")


@settings(max_examples=40, deadline=None)
@given(
    docs=st.lists(st.lists(st.integers(0, 9), max_size=10), min_size=1, max_size=150),
    gone=st.lists(st.integers(0, 149), max_size=30),
    query=st.lists(st.integers(0, 11), min_size=1, max_size=12),
    k=st.integers(1, 12),
)
def test_maxscore_equals_exhaustive_random(
    docs: list[list[int]], gone: list[int], query: list[int], k: int
) -> None:
    texts = [" ".join(f"t{w}" for w in d) for d in docs]
    exact, pruned = pair("maxscore", merge_factor=2)
    half = len(texts) // 2
    for index in (exact, pruned):  # two batches and an upsert: several segments, tombstones
        index.add(range(half), texts[:half])
        index.add(range(half, len(texts)), texts[half:])
        index.add([0], texts[-1:])
        index.delete(gone)
    assert_same(exact, pruned, [" ".join(f"t{w}" for w in query)], k)


@pytest.mark.slow
def test_segments_past_uint16_positions() -> None:
    """A segment of more than 65,536 documents holds int32 positions (smaller ones uint16): both
    kernels, pruned or not, agree with the numpy backend there too."""
    rng = np.random.default_rng(9)
    n = (1 << 16) + 500
    words = rng.zipf(1.3, size=(n, 3)) % 300
    docs = [[f"t{w}" for w in row] for row in words]
    indexes = [
        BM25Index(NONE, backend=backend, prune=prune)
        for backend, prune in (("numpy", "none"), ("numba", "none"), ("numba", "maxscore"))
    ]
    for index in indexes:
        index.add_terms(range(n), docs)
        index.add_terms([n + 1], [["t1", "t2"]])  # and a small uint16 segment beside it
    assert indexes[1].segments[0].inv_docs.dtype == np.int32
    assert indexes[1].segments[1].inv_docs.dtype == np.uint16
    queries = [[f"t{w}" for w in rng.integers(0, 40, size=6)] for _ in range(20)]
    for k in (1, 10, 100):
        ref = indexes[0].search_terms(queries, k)
        for index in indexes[1:]:
            for (ie, se), (ip, sp) in zip(ref, index.search_terms(queries, k), strict=True):
                assert ip.tolist() == ie.tolist() and np.array_equal(sp, se)


def test_floor_drops_only_queries_that_cannot_reach_it() -> None:
    """Between segments: a query is dropped from a segment only when the sum of its terms' bounds
    is below the k-th score found so far (and a tie is kept: it may win on its id)."""
    from veracity.index.bm25.index import _drop_hopeless, _kth_scores

    t_max = np.array([0.5, 0.25, 1.0], dtype=np.float32)
    q_pos = np.array(
        [0, 1, -1, 2, 1, 0], dtype=np.int64
    )  # queries: [0, 1, absent], [2], [], [1, 0]
    q_ptr = np.array([0, 3, 4, 4, 6], dtype=np.int64)
    q_w = np.array([2.0, 4.0, 9.0, 1.0, 4.0, 2.0], dtype=np.float32)  # bounds 1+1, 1, -, 1+1
    floor = np.array([2.0, 1.5, 0.0, 2.5])
    out = _drop_hopeless(q_pos, q_ptr, q_w, t_max, floor)
    assert out.tolist() == [0, 1, -1, -1, -1, -1]
    ptr = np.array([0, 2, 3, 3], dtype=np.int64)
    scores = np.array([5.0, 4.0, 7.0])
    assert _kth_scores((ptr, np.arange(3), scores), 2).tolist() == [4.0, 0.0, 0.0]
