from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from veracity.errors import ConfigError
from veracity.retrieve.fusion import (
    Fused,
    Ranked,
    combine,
    convex,
    convex_weights,
    dbsf,
    fuse,
    minmax,
    normalize_lists,
    rank_lists,
    rrf,
    zscore,
)

BM25 = [(1, 12.0), (2, 8.0), (3, 2.0)]
DENSE = [(2, 0.9), (4, 0.8), (1, 0.1)]


def ids(fused: list[Fused]) -> list[int]:
    return [f.id for f in fused]


# --- RRF ---------------------------------------------------------------------------------------


def test_rrf_hand_computed() -> None:
    out = rrf({"bm25": BM25, "dense": DENSE}, k=60)
    by_id = {f.id: f.score for f in out}
    assert by_id[1] == pytest.approx(1 / 61 + 1 / 63)
    assert by_id[2] == pytest.approx(1 / 62 + 1 / 61)
    assert by_id[3] == pytest.approx(1 / 63)
    assert by_id[4] == pytest.approx(1 / 62)
    assert ids(out) == [2, 1, 4, 3]


def test_rrf_weights_and_explain() -> None:
    out = rrf({"bm25": BM25, "dense": DENSE}, k=0, weights={"dense": 2.0})
    top = out[0]
    assert top.id == 2
    assert top.explain["dense"].rank == 1
    assert top.explain["dense"].contribution == pytest.approx(2.0)
    assert top.explain["bm25"].rank == 2
    assert top.explain["bm25"].normalized == pytest.approx(0.5)
    assert top.score == pytest.approx(sum(c.contribution for c in top.explain.values()))


def test_rrf_rejects_bad_k_and_weight() -> None:
    with pytest.raises(ConfigError, match="k=60"):
        rrf({"bm25": BM25}, k=-1)
    with pytest.raises(ConfigError, match="weight"):
        rrf({"bm25": BM25}, weights={"bm25": -1.0})
    with pytest.raises(ConfigError):
        rrf({"bm25": BM25}, weights={"bm25": math.nan})


# --- normalizations ----------------------------------------------------------------------------


def test_minmax_single_and_equal_do_not_divide_by_zero() -> None:
    assert minmax([3.0]) == [1.0]
    assert minmax([2.0, 2.0, 2.0]) == [1.0, 1.0, 1.0]
    assert minmax([]) == []
    assert minmax([-4.0, -2.0, 0.0]) == [0.0, 0.5, 1.0]


def test_zscore_and_dbsf_hand_computed() -> None:
    # mean 2, population std sqrt(2/3)
    std = math.sqrt(2 / 3)
    assert zscore([1.0, 2.0, 3.0]) == pytest.approx([-1 / std, 0.0, 1 / std])
    lo, span = 2 - 3 * std, 6 * std
    assert dbsf([1.0, 2.0, 3.0]) == pytest.approx([(1 - lo) / span, 0.5, (3 - lo) / span])
    assert zscore([5.0]) == [0.0]
    assert dbsf([5.0, 5.0]) == [0.5, 0.5]


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=12), st.floats(0, 1))
def test_extreme_scores_never_make_nan(scores: list[float], alpha: float) -> None:
    lists = {"bm25": list(enumerate(scores)), "dense": list(enumerate(reversed(scores)))}
    for norm in ("minmax", "zscore", "dbsf"):
        assert all(math.isfinite(f.score) for f in convex(lists, alpha=alpha, normalization=norm))


def test_dbsf_clips_to_unit_interval() -> None:
    # 20 values at 0 and one outlier: the outlier is more than 3 sigma above the mean.
    out = dbsf([0.0] * 20 + [100.0])
    assert out[-1] == 1.0
    assert all(0.0 <= v <= 1.0 for v in out)


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=30))
def test_normalizations_are_finite(scores: list[float]) -> None:
    for fn in (minmax, zscore, dbsf):
        assert all(math.isfinite(v) for v in fn(scores))
    assert all(0.0 <= v <= 1.0 for v in minmax(scores) + dbsf(scores))


# --- convex ------------------------------------------------------------------------------------


def test_convex_minmax_hand_computed() -> None:
    out = convex({"bm25": BM25, "dense": DENSE}, alpha=0.5)
    by_id = {f.id: f for f in out}
    # bm25 minmax: 1 -> 1, 2 -> 0.6, 3 -> 0; dense minmax: 2 -> 1, 4 -> 0.875, 1 -> 0
    assert by_id[1].score == pytest.approx(0.5 * 1 + 0.5 * 0)
    assert by_id[2].score == pytest.approx(0.5 * 0.6 + 0.5 * 1)
    assert by_id[3].score == pytest.approx(0.0)
    assert by_id[4].score == pytest.approx(0.5 * 0.875)
    assert ids(out) == [2, 1, 4, 3]


def test_convex_alpha_extremes_follow_one_retriever() -> None:
    lists = {"bm25": BM25, "dense": DENSE}
    assert ids(convex(lists, alpha=0.0))[:3] == [1, 2, 3]
    assert ids(convex(lists, alpha=1.0))[:3] == [2, 4, 1]


@pytest.mark.parametrize("alpha", [-0.1, 1.5, math.nan])
def test_convex_alpha_out_of_range(alpha: float) -> None:
    with pytest.raises(ConfigError, match=r"\[0, 1\]"):
        convex({"bm25": BM25, "dense": DENSE}, alpha=alpha)


def test_convex_weights_for_three_lists() -> None:
    lists = {"bm25": BM25, "dense": DENSE, "splade": [(3, 5.0), (1, 1.0)]}
    out = convex(lists, weights={"bm25": 1.0, "dense": 1.0, "splade": 1.0})
    assert out[0].id in {1, 2}
    with pytest.raises(ConfigError, match="alpha"):
        convex(lists, alpha=0.5)
    with pytest.raises(ConfigError, match="miss"):
        convex(lists, weights={"bm25": 1.0, "dense": 1.0})
    with pytest.raises(ConfigError, match="exactly one"):
        convex(lists)
    with pytest.raises(ConfigError, match="exactly one"):
        convex(lists, alpha=0.5, weights={"bm25": 1.0})


def test_convex_unknown_normalization() -> None:
    with pytest.raises(ConfigError, match="minmax, zscore, dbsf"):
        convex({"bm25": BM25}, alpha=0.5, normalization="l2")


# --- edge cases that broke other engines ------------------------------------------------------

Method = Callable[[Mapping[str, Ranked]], list[Fused]]

ALL: list[Method] = [
    lambda lists: rrf(lists),
    lambda lists: convex(lists, alpha=0.5, normalization="minmax"),
    lambda lists: convex(lists, alpha=0.5, normalization="zscore"),
    lambda lists: convex(lists, alpha=0.5, normalization="dbsf"),
]


@pytest.mark.parametrize("method", ALL)
def test_single_result(method: Method) -> None:
    out = method({"bm25": [(7, 3.2)], "dense": []})
    assert ids(out) == [7]
    assert math.isfinite(out[0].score)
    assert out[0].explain["dense"].rank is None


@pytest.mark.parametrize("method", ALL)
def test_empty_lists(method: Method) -> None:
    assert method({"bm25": [], "dense": []}) == []
    assert method({}) == []
    assert ids(method({"bm25": BM25, "dense": []})) == [1, 2, 3]


@pytest.mark.parametrize("method", ALL)
def test_all_equal_scores_tie_break_by_id(method: Method) -> None:
    out = method({"bm25": [(9, 1.0), (3, 1.0), (5, 1.0)], "dense": [(9, 0.5), (3, 0.5), (5, 0.5)]})
    scores = [f.score for f in out]
    assert all(math.isfinite(s) for s in scores)
    if len(set(scores)) == 1:
        assert ids(out) == [3, 5, 9]


@pytest.mark.parametrize("method", ALL)
def test_exact_ties_broken_by_id(method: Method) -> None:
    # Symmetric: 8 is first in bm25, 2 is first in dense, both second in the other.
    out = method({"bm25": [(8, 2.0), (2, 1.0)], "dense": [(2, 2.0), (8, 1.0)]})
    assert out[0].score == pytest.approx(out[1].score)
    assert ids(out) == [2, 8]


@pytest.mark.parametrize("method", ALL)
def test_hit_in_one_list_only(method: Method) -> None:
    out = method({"bm25": BM25, "dense": DENSE})
    only_dense = next(f for f in out if f.id == 4)
    assert only_dense.explain["bm25"].rank is None
    assert only_dense.explain["bm25"].score is None
    assert only_dense.explain["bm25"].contribution == 0.0
    assert only_dense.explain["dense"].rank == 2
    assert set(only_dense.explain) == {"bm25", "dense"}


@pytest.mark.parametrize("method", ALL)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_scores_are_dropped(method: Method, bad: float) -> None:
    out = method({"bm25": [(1, 3.0), (2, bad), (3, 1.0)], "dense": [(2, 0.5)]})
    assert all(math.isfinite(f.score) for f in out)
    two = next(f for f in out if f.id == 2)
    assert two.explain["bm25"].rank is None
    three = next(f for f in out if f.id == 3)
    assert three.explain["bm25"].rank == 2  # ranks renumbered after the drop


@pytest.mark.parametrize("method", ALL)
def test_negative_scores(method: Method) -> None:
    out = method({"bm25": [(1, -1.0), (2, -5.0)], "dense": [(1, -0.1), (2, -0.9)]})
    assert ids(out) == [1, 2]
    assert all(math.isfinite(f.score) for f in out)


def test_duplicate_id_keeps_first_entry() -> None:
    out = rrf({"bm25": [(1, 5.0), (1, 9.0), (2, 1.0)]}, k=0)
    assert out[0].explain["bm25"].score == 5.0
    assert next(f for f in out if f.id == 2).explain["bm25"].rank == 2


def test_minmax_lone_hit_beats_absent_hits() -> None:
    # One dense hit normalizes to 1.0, not 0 or NaN: it outranks the lowest bm25-only hit.
    out = convex({"bm25": BM25, "dense": [(9, 0.3)]}, alpha=0.5)
    assert next(f for f in out if f.id == 9).score == pytest.approx(0.5)
    assert ids(out).index(9) < ids(out).index(3)


# --- dispatch ----------------------------------------------------------------------------------


def test_fuse_dispatch() -> None:
    lists = {"bm25": BM25, "dense": DENSE}
    assert fuse(lists, "rrf", k=10) == rrf(lists, k=10)
    assert fuse(lists, "convex", alpha=0.3, normalization="dbsf") == convex(
        lists, alpha=0.3, normalization="dbsf"
    )


def test_fuse_unknown_method_lists_known() -> None:
    with pytest.raises(ConfigError, match="convex, rrf"):
        fuse({}, "borda")
    with pytest.raises(ConfigError, match="allowed"):
        fuse({}, "rrf", alpha=0.5)


# --- properties --------------------------------------------------------------------------------

_score = st.one_of(st.floats(-1e3, 1e3), st.just(math.nan), st.just(math.inf))
_ranked = st.lists(st.tuples(st.integers(0, 15), _score), max_size=12)


@given(st.dictionaries(st.sampled_from(["bm25", "dense"]), _ranked), st.floats(0, 1))
def test_fusion_invariants(lists: dict[str, list[tuple[int, float]]], alpha: float) -> None:
    finite_ids = {i for ranked in lists.values() for i, s in ranked if math.isfinite(s)}
    for out in (
        rrf(lists),
        convex(lists, alpha=alpha),
        convex(lists, alpha=alpha, normalization="zscore"),
        convex(lists, alpha=alpha, normalization="dbsf"),
    ):
        assert {f.id for f in out} == finite_ids
        keys = [(-f.score, f.id) for f in out]
        assert keys == sorted(keys)
        for f in out:
            assert math.isfinite(f.score)
            assert set(f.explain) == set(lists)
            assert f.score == pytest.approx(math.fsum(c.contribution for c in f.explain.values()))


@given(st.dictionaries(st.sampled_from(["bm25", "dense"]), _ranked))
def test_explain_false_same_ranking(lists: dict[str, list[tuple[int, float]]]) -> None:
    for method, params in [("rrf", {}), ("convex", {"alpha": 0.4, "normalization": "dbsf"})]:
        full = fuse(lists, method, **params)
        lean = fuse(lists, method, explain=False, **params)
        assert [(f.id, f.score) for f in lean] == [(f.id, f.score) for f in full]
        assert all(f.explain == {} for f in lean)


def test_limit_keeps_best() -> None:
    lists = {"bm25": BM25, "dense": DENSE}
    assert rrf(lists, limit=2) == rrf(lists)[:2]
    assert convex(lists, alpha=0.5, limit=0) == []
    with pytest.raises(ConfigError, match="limit"):
        rrf(lists, limit=-1)


def test_two_step_form_matches_convex() -> None:
    lists = {"bm25": BM25, "dense": DENSE}
    prepared = normalize_lists(lists, "zscore")
    for alpha in (0.0, 0.3, 1.0):
        weights = convex_weights(list(lists), alpha=alpha)
        assert combine(prepared, weights) == convex(lists, alpha=alpha, normalization="zscore")
    assert combine(rank_lists(lists, 60), {"bm25": 1.0, "dense": 1.0}) == rrf(lists)
    with pytest.raises(ConfigError, match="no weight"):
        combine(prepared, {"bm25": 1.0})
