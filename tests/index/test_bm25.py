"""BM25Index: hand-computed scores per variant, an oracle (bm25s), incremental == rebuild,
pre-filtering, persistence and damage detection."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veracity.errors import ConfigError, IndexError_
from veracity.index.bm25 import VARIANTS, BM25Index
from veracity.text.analyzer import get_analyzer

NONE = get_analyzer("none")  # whitespace tokens: the tests choose the terms exactly
BACKENDS = ["numpy", pytest.param("numba", marks=pytest.mark.filterwarnings("ignore"))]


def _backend(name: str) -> str:
    if name == "numba":
        pytest.importorskip("numba")
    return name


def _everything(index: BM25Index, query: str) -> dict[int, float]:
    ids, scores = index.search(query, k=10_000)
    return dict(zip(ids.tolist(), scores.tolist(), strict=True))


# ---- hand-computed scores ---------------------------------------------------------------------
# d10 = "a b" (L=2), d20 = "a a c" (L=3), d30 = "c d e f" (L=4): N=3, L_avg=3, df(a)=2, df(b)=1.
# Query "a b". With k1=1.2, b=0.75: d10 has 1 - b + b L/L_avg = 0.75, d20 has 1.
LN = math.log
HAND = {
    "lucene": {
        10: LN(1 + 1.5 / 2.5) * 1 / (1.2 * 0.75 + 1) + LN(1 + 2.5 / 1.5) * 1 / (1.2 * 0.75 + 1),
        20: LN(1 + 1.5 / 2.5) * 2 / (1.2 + 2),
    },
    # Robertson's idf for "a" is log(1.5/2.5) < 0, floored at 0: d20 matches nothing.
    "robertson": {10: LN(2.5 / 1.5) * 1 / 1.9},
    "atire": {
        10: LN(3 / 2) * 2.2 / 1.9 + LN(3 / 1) * 2.2 / 1.9,
        20: LN(3 / 2) * 2.2 * 2 / 3.2,
    },
    # BM25L: c = tf / 0.75 = 4/3 for d10, c = 2 for d20; delta = 0.5.
    "bm25l": {
        10: LN(4 / 2.5) * 2.2 * (4 / 3 + 0.5) / (1.2 + 4 / 3 + 0.5)
        + LN(4 / 1.5) * 2.2 * (4 / 3 + 0.5) / (1.2 + 4 / 3 + 0.5),
        20: LN(4 / 2.5) * 2.2 * 2.5 / (1.2 + 2.5),
    },
    "bm25+": {
        10: LN(4 / 2) * (2.2 / 1.9 + 0.5) + LN(4 / 1) * (2.2 / 1.9 + 0.5),
        20: LN(4 / 2) * (2.2 * 2 / 3.2 + 0.5),
    },
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("variant", sorted(HAND))
def test_hand_computed_scores(variant: str, backend: str) -> None:
    index = BM25Index(NONE, variant=variant, backend=_backend(backend))
    index.add([10, 20, 30], ["a b", "a a c", "c d e f"])
    got = _everything(index, "a b")
    assert got.keys() == HAND[variant].keys()
    for doc_id, expected in HAND[variant].items():
        assert got[doc_id] == pytest.approx(expected, rel=1e-6)
    assert sorted(got, key=lambda d: -got[d]) == list(index.search("a b", 5)[0])


def test_unknown_variant_lists_known() -> None:
    with pytest.raises(ConfigError, match="bm25l"):
        BM25Index(NONE, variant="bm26")
    with pytest.raises(ConfigError, match="k must be"):
        BM25Index(NONE).search("x", 0)


def test_ties_break_by_ascending_id_and_empty_cases() -> None:
    index = BM25Index(NONE)
    assert index.search("a", 3)[0].size == 0
    index.add([5, 3, 9], ["x y", "x y", "x y"])
    assert index.search("x", 2)[0].tolist() == [3, 5]
    assert index.search("nothing here", 2)[0].size == 0


# ---- oracle: bm25s implements Kamphuis et al.'s variants ------------------------------------


def _random_corpus(seed: int, n: int = 60) -> list[str]:
    rng = np.random.default_rng(seed)
    words = [f"t{i}" for i in range(25)]
    p = 1.0 / np.arange(1, 26)
    p /= p.sum()
    return [" ".join(rng.choice(words, size=rng.integers(1, 30), p=p)) for _ in range(n)]


@pytest.mark.parametrize("variant", ["lucene", "robertson", "atire", "bm25l", "bm25+"])
def test_scores_match_bm25s(variant: str) -> None:
    bm25s = pytest.importorskip("bm25s")
    texts = _random_corpus(1)
    tokens = [t.split() for t in texts]
    ref = bm25s.BM25(method=variant, k1=1.5, b=0.7, delta=0.8)
    ref.index(tokens, show_progress=False)
    index = BM25Index(NONE, variant=variant, k1=1.5, b=0.7, delta=0.8, backend="numpy")
    index.add(range(len(texts)), texts)
    for query in ["t0 t3", "t7", "t12 t12 t1 t24", "t2 t5 t9 t20"]:
        q = query.split()
        expected = ref.get_scores(q).astype(np.float64)
        if ref.nonoccurrence_array is not None:
            # bm25s also credits absent query terms with idf * tfc(0); Lv and Zhai do not.
            ids = ref.get_tokens_ids(q)
            for d, toks in enumerate(tokens):
                expected[d] -= sum(
                    ref.nonoccurrence_array[i] for i, t in zip(ids, q, strict=True) if t not in toks
                )
                if not set(q) & set(toks):
                    expected[d] = 0.0
        got = _everything(index, query)
        want = {d: s for d, s in enumerate(expected.tolist()) if s > 1e-9}
        assert got.keys() == want.keys()
        for d, s in want.items():
            assert got[d] == pytest.approx(s, rel=2e-5)


# ---- incremental == rebuild ---------------------------------------------------------------------

QUERIES = ["t0", "t1 t2", "t3 t3 t7 t11", "t5 t8 t13 t21 t24", "t0 t1 t2 t3 t4"]


def _assert_same(a: BM25Index, b: BM25Index) -> None:
    assert len(a) == len(b)
    for q in QUERIES:
        ia, sa = a.search(q, 1000)
        ib, sb = b.search(q, 1000)
        assert ia.tolist() == ib.tolist()
        assert np.array_equal(sa, sb)  # bit-identical, not approximately equal


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_incremental_equals_rebuild(variant: str, backend: str) -> None:
    texts = _random_corpus(2, n=120)
    inc = BM25Index(NONE, variant=variant, merge_factor=2, backend=_backend(backend))
    for start in range(0, 100, 7):
        inc.add(range(start, min(start + 7, 100)), texts[start : min(start + 7, 100)])
        inc.search("t0 t1", 5)  # warm the caches between updates: they must not go stale
    inc.delete(range(0, 100, 3))
    inc.add([1, 2, 4], texts[100:103])  # upserts
    inc.add(range(103, 120), texts[103:120])
    inc.delete([7, 10_000])  # an unknown id is ignored
    final = {i: texts[i] for i in range(100) if i % 3 and i != 7}
    final |= {1: texts[100], 2: texts[101], 4: texts[102]}
    final |= {i: texts[i] for i in range(103, 120)}
    rebuilt = BM25Index(NONE, variant=variant, backend=_backend(backend))
    rebuilt.add(list(final), list(final.values()))
    assert len(inc.segments) > 1
    _assert_same(inc, rebuilt)
    inc.optimize()
    assert len(inc.segments) == 1
    _assert_same(inc, rebuilt)


@pytest.mark.parametrize("backend", BACKENDS)
def test_term_order_does_not_change_scores(backend: str) -> None:
    """Scores are float32 sums, and float32 addition is not associative: the index adds a
    query's terms in one canonical order (idf, highest first), so every ordering of the same
    terms (of distinct idf: ties keep the query's order) scores every document the same."""
    index = BM25Index(NONE, backend=_backend(backend))
    index.add(range(300), _random_corpus(5, n=300))
    by_df: dict[int, str] = {}
    for i in range(25):
        by_df.setdefault(index.doc_freq(f"t{i}"), f"t{i}")
    distinct = sorted(by_df.values())
    assert len(distinct) >= 6
    rng = np.random.default_rng(0)
    for _ in range(40):
        terms = list(rng.choice(distinct, size=int(rng.integers(2, 7)), replace=False))
        want_ids, want = index.search(" ".join(terms), 300)
        for _ in range(3):
            got_ids, got = index.search(" ".join(rng.permutation(terms)), 300)
            assert got_ids.tolist() == want_ids.tolist()
            assert np.array_equal(got, want)


def test_query_terms_come_rarest_first() -> None:
    index = BM25Index(NONE, backend="numpy")
    index.add(range(4), ["common rare", "common mid", "common mid", "common"])
    tids, q_ptr, idf = index._query_terms([["common", "rare", "mid", "common"], ["mid"], []])
    assert q_ptr.tolist() == [0, 4, 5, 5]
    names = {i: t for t, i in index.vocab.items()}
    assert [names[int(t)] for t in tids] == ["rare", "mid", "common", "common", "mid"]
    assert np.all(np.diff(idf[:4]) <= 0)


@pytest.mark.parametrize("tile", [None, 64, 1])
def test_numba_and_numpy_agree_bit_for_bit(tile: int | None, monkeypatch: Any) -> None:
    """Also with segments scored a tile at a time (as a 1M-document one is): 64 documents per
    tile, some tiles dense and some sparse, and the extreme of one document per tile."""
    numba_kernel = pytest.importorskip("veracity.index.bm25.numba_kernel")
    if tile is not None:
        monkeypatch.setattr(numba_kernel, "TILE", tile)
    texts = _random_corpus(3, n=300)
    a = BM25Index(NONE, backend="numpy")
    b = BM25Index(NONE, backend="numba", merge_factor=100)  # three segments: floors between them
    c = BM25Index(NONE, backend="numba", merge_factor=100, prune="maxscore")
    for index in (a, b, c):
        for lo, hi in ((0, 200), (200, 260), (260, 300)):
            index.add(range(lo, hi), texts[lo:hi])
        index.delete(range(0, 300, 5))
    assert len(b.segments) == 3
    allowed = np.arange(0, 300, 3, dtype=np.int64)
    for k in (1, 5, 40, 1000):  # 40 exercises the histogram prefilter, 1000 the full order
        expected = a.search_many(QUERIES, k)
        for other in (b, c):
            for (ia, sa), (ib, sb) in zip(expected, other.search_many(QUERIES, k), strict=True):
                assert ia.tolist() == ib.tolist()
                assert np.array_equal(sa, sb)
        for query in QUERIES:
            ia, sa = a.search(query, k, allowed)
            for other in (b, c):
                ib, sb = other.search(query, k, allowed)
                assert ia.tolist() == ib.tolist()
                assert np.array_equal(sa, sb)


ops = st.lists(
    st.tuples(
        st.sampled_from(["add", "delete"]),
        st.lists(st.integers(0, 12), min_size=1, max_size=5),
        st.lists(
            st.lists(st.sampled_from([f"t{i}" for i in range(8)]), max_size=6),
            min_size=5,
            max_size=5,
        ),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(ops=ops, variant=st.sampled_from(sorted(VARIANTS)))
def test_random_updates_equal_rebuild(
    ops: list[tuple[str, list[int], list[list[str]]]], variant: str
) -> None:
    inc = BM25Index(NONE, variant=variant, merge_factor=2, backend="numpy")
    state: dict[int, str] = {}
    for kind, ids, docs in ops:
        if kind == "add":
            texts = [" ".join(docs[i % 5]) for i in range(len(ids))]
            inc.add(ids, texts)
            state.update(zip(ids, texts, strict=True))
        else:
            inc.delete(ids)
            for i in ids:
                state.pop(i, None)
        inc.search("t0 t1", 3)
    rebuilt = BM25Index(NONE, variant=variant, backend="numpy")
    rebuilt.add(sorted(state), [state[i] for i in sorted(state)])
    assert sorted(inc._where) == sorted(state)
    _assert_same(inc, rebuilt)
    for t in [f"t{i}" for i in range(8)]:
        assert inc.doc_freq(t) == sum(t in s.split() for s in state.values())
    # term counts come from the forward index, through adds, deletes and merges
    terms = [f"t{i}" for i in range(8)] + ["never"]
    ids = [*sorted(state), 10_000]  # an id the index does not hold counts nothing
    expected = [[state[i].split().count(t) if i in state else 0 for t in terms] for i in ids]
    assert inc.term_counts(ids, terms).tolist() == expected


# ---- pre-filter ---------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_prefilter_returns_k_allowed(backend: str) -> None:
    texts = _random_corpus(4, n=200)
    index = BM25Index(NONE, backend=_backend(backend))
    index.add(range(1000, 1200), texts)
    allowed = np.arange(1001, 1200, 10, dtype=np.int64)  # 20 ids, most never in the top 10
    matching = [i for i in allowed.tolist() if "t3" in texts[i - 1000].split()]
    ids, _ = index.search("t3", k=10, allowed=allowed)
    assert len(ids) == min(10, len(matching))
    assert set(ids.tolist()) <= set(matching)
    unfiltered = _everything(index, "t3")
    assert sorted(ids.tolist(), key=lambda i: (-unfiltered[i], i)) == ids.tolist()
    assert index.search("t3", 5, allowed=np.zeros(0, dtype=np.int64))[0].size == 0


# ---- persistence --------------------------------------------------------------------------------


def _saved(tmp_path: Path) -> tuple[BM25Index, Path]:
    index = BM25Index(get_analyzer("english"), variant="bm25+", k1=1.1, b=0.6, delta=0.7)
    index.add(range(50), [f"protein {t} folding in cells" for t in _random_corpus(5, n=50)])
    index.delete([3, 4])
    index.applied_seq = 41
    path = tmp_path / "bm25"
    index.save(path)
    return index, path


def test_save_load_round_trip(tmp_path: Path) -> None:
    index, path = _saved(tmp_path)
    loaded = BM25Index.load(path)
    assert loaded.applied_seq == 41 and len(loaded) == 48
    assert loaded.variant.name == "bm25+" and (loaded.k1, loaded.b, loaded.delta) == (1.1, 0.6, 0.7)
    assert loaded.analyzer == index.analyzer
    for q in ["protein t1", "t2 t3 cells", "folding"]:
        assert loaded.search(q, 20)[0].tolist() == index.search(q, 20)[0].tolist()
        assert np.array_equal(loaded.search(q, 20)[1], index.search(q, 20)[1])
    loaded.add([60], ["protein t1 t1"])  # still incremental after a load
    assert 60 in loaded.search("t1", 100)[0].tolist()
    index.save(path)  # a second save replaces the first and leaves one data file
    assert len(list(path.glob("bm25-*.npz"))) == 1


def test_crash_mid_save_keeps_previous_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index, path = _saved(tmp_path)
    before = index.search("protein t1", 10)
    index.add([99], ["protein t1 t1 t1"])
    real_replace = os.replace

    def crash(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if str(dst).endswith("manifest.json"):
            raise OSError("power cut")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        index.save(path)
    monkeypatch.undo()
    after = BM25Index.load(path).search("protein t1", 10)
    assert after[0].tolist() == before[0].tolist()


@pytest.mark.parametrize(
    "damage", ["no_manifest", "bad_json", "version", "flipped_byte", "no_data", "missing_dir"]
)
def test_damaged_index_raises_index_error(tmp_path: Path, damage: str) -> None:
    _, path = _saved(tmp_path)
    manifest = path / "manifest.json"
    data = next(path.glob("bm25-*.npz"))
    if damage == "no_manifest":
        manifest.unlink()
    elif damage == "bad_json":
        manifest.write_text("{not json")
    elif damage == "version":
        meta = json.loads(manifest.read_text())
        meta["version"] = 999
        manifest.write_text(json.dumps(meta))
    elif damage == "flipped_byte":
        raw = bytearray(data.read_bytes())
        raw[len(raw) // 2] ^= 0xFF
        data.write_bytes(bytes(raw))
    elif damage == "no_data":
        data.unlink()
    else:
        path = tmp_path / "nowhere"
    with pytest.raises(IndexError_, match="rebuild"):
        BM25Index.load(path)


def test_inconsistent_arrays_are_detected(tmp_path: Path) -> None:
    _, path = _saved(tmp_path)
    data = next(path.glob("bm25-*.npz"))
    with np.load(data) as npz:
        arrays = dict(npz)
    arrays["s0_fwd_terms"] = arrays["s0_fwd_terms"] + 10_000  # term ids beyond the vocabulary
    with open(data, "wb") as fh:
        np.savez(fh, **arrays)
    meta = json.loads((path / "manifest.json").read_text())
    import hashlib

    meta["sha256"] = hashlib.sha256(data.read_bytes()).hexdigest()
    (path / "manifest.json").write_text(json.dumps(meta))
    with pytest.raises(IndexError_, match="inconsistent"):
        BM25Index.load(path)


# ---- pre-analyzed terms -----------------------------------------------------------------------


def test_terms_api_equals_text_api() -> None:
    texts = ["Cells divide quickly", "cells grow", "quick growth of tissue", "no match"]
    english = get_analyzer("english")
    by_text = BM25Index(english, backend="numpy")
    by_text.add([1, 2, 3, 4], texts)
    by_terms = BM25Index(english, backend="numpy")
    by_terms.add_terms([1, 2, 3, 4], [english.tokens(t) for t in texts])
    queries = ["cell growth", "quickly dividing", "absent words"]
    expected = by_text.search_many(queries, 3)
    got = by_terms.search_terms([english.tokens(q) for q in queries], 3)
    for (ids_a, s_a), (ids_b, s_b) in zip(expected, got, strict=True):
        assert ids_a.tolist() == ids_b.tolist()
        assert s_a.tolist() == s_b.tolist()
    assert by_terms.doc_freq("cell") == 2


def test_terms_api_rejects_plain_strings() -> None:
    index = BM25Index(NONE, backend="numpy")
    with pytest.raises(ConfigError, match="one list of terms per document"):
        index.add_terms([1, 2], ["a b", "c"])
    with pytest.raises(ConfigError, match="2 ids but 1 term lists"):
        index.add_terms([1, 2], [["a"]])
    index.add_terms([1], [["a", "b"]])
    with pytest.raises(ConfigError, match="one list of terms per query"):
        index.search_terms("a b", 5)  # type: ignore[arg-type]
    assert index.search_terms([["a"], []], 5)[1][0].tolist() == []


def test_compiled_segment_build_equals_numpy(monkeypatch: Any) -> None:
    """Large batches are built by ``numba_build``: every array must equal the numpy build's."""
    pytest.importorskip("numba")
    from veracity.index.bm25 import segment

    rng = np.random.default_rng(0)
    lengths = rng.integers(0, 30, size=400).astype(np.int64)  # some documents are empty
    term_ids = (rng.zipf(1.3, size=int(lengths.sum())) % 500).astype(np.int64)
    ids = np.arange(1000, 1400, dtype=np.int64)
    built = {}
    for name, threshold in (("numpy", 10**12), ("numba", 0)):
        monkeypatch.setattr(segment, "COMPILED_FROM", threshold)
        built[name] = segment.Segment.from_terms(ids, term_ids, lengths)
        merged = segment.merge([built[name]])
        assert np.array_equal(merged.inv_docs, built[name].inv_docs)
    a, b = built["numpy"], built["numba"]
    for field in (
        "fwd_indptr",
        "fwd_terms",
        "fwd_tfs",
        "terms",
        "inv_indptr",
        "inv_docs",
        "inv_tfs",
    ):
        x, y = getattr(a, field), getattr(b, field)
        assert x.dtype == y.dtype, field
        assert np.array_equal(x, y), field


def test_add_restores_the_garbage_collector_state() -> None:
    """A bulk add pauses cyclic collection for its tuple-per-document insert, then restores it."""
    import gc

    index = BM25Index(NONE)
    assert gc.isenabled()
    index.add(range(3), ["a b", "b c", "c d"])
    assert gc.isenabled()
    gc.disable()
    try:
        index.add(range(3, 5), ["d e", "e f"])
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert len(index) == 5


def test_floor_of_kth_is_a_close_lower_bound() -> None:
    """The dense top-k offers only blocks reaching this bound, so it must never exceed the k-th
    largest value (a document of the top k would be lost), and it is within 1/2**BISECT of the
    largest value below it."""
    numba_kernel = pytest.importorskip("veracity.index.bm25.numba_kernel")
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(1, 90))
        x = (rng.random(n) * rng.choice([1.0, 1e-3, 50.0], n)).astype(np.float32)
        x[rng.random(n) < 0.3] = 0.0
        k = int(rng.integers(1, 12))
        got = numba_kernel._floor_of_kth(x, n, k, 0.0)
        positive = np.sort(x[x > 0])[::-1]
        if len(positive) < k:
            assert got == 0.0
            continue
        kth = float(positive[k - 1])
        assert got <= kth
        assert got >= kth - float(x.max()) / 2**numba_kernel.BISECT
