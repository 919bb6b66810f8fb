"""Hybrid fusion: combine the ranked lists of several retrievers into one, as pure functions.

Input: one ranked list per retriever, ``{"bm25": [(id, score), ...], "dense": [...]}``, best
first. Output: a list of ``Fused`` records, best first, each with an ``explain`` that shows per
retriever the rank, the raw score, the normalized score and the contribution to the fused score.

Two families (Bruch, Gai, Ingber 2023, "An Analysis of Fusion Functions for Hybrid Retrieval",
ACM TOIS, compares them):

- ``rrf``: reciprocal rank fusion (Cormack, Clarke, Büttcher 2009). Uses ranks only, so it needs no
  assumption about score scales. The robust default.
- ``convex``: a weighted sum of per-retriever normalized scores, ``alpha * dense + (1 - alpha) *
  bm25``, with min-max (Lee 1997), z-score, or distribution-based (DBSF, Mazzeschi 2023; Qdrant)
  normalization.

Input hygiene, the same for every method (these cases broke Weaviate, Haystack and Milvus users):

- An entry whose score is NaN or infinite is dropped, as if the retriever had not returned it; NaN
  never reaches a fused score. Ranks are 1-based positions in the list *after* that drop.
- A repeated id within one list keeps its first (best) entry.
- A retriever absent from a hit's lists contributes exactly 0 and its explain shows ``rank=None``.
- An empty list (or no lists at all) is allowed and contributes nothing.
- Negative scores are fine: every normalization is shift-invariant.
- Ties in the fused score are broken by ascending id, so the output is deterministic.
"""

from __future__ import annotations

import functools
import heapq
import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from veracity.errors import ConfigError

Ranked = Sequence[tuple[int, float]]
NORMALIZATIONS: tuple[str, ...] = ("minmax", "zscore", "dbsf")
DENSE, BM25 = "dense", "bm25"


@dataclass(frozen=True, slots=True)
class RetrieverContribution:
    """What one retriever added to one fused hit.

    ``rank`` is 1-based, or None when the retriever did not return the hit (then ``score`` and
    ``normalized`` are None and ``contribution`` is 0.0). ``normalized`` is the score after the
    method's normalization (for RRF, ``1 / (k + rank)`` before the weight).
    """

    rank: int | None
    score: float | None
    normalized: float | None
    contribution: float


@dataclass(frozen=True, slots=True)
class Fused:
    """One hit of a fused ranking: ``score`` is the sum of the explain's contributions.

    ``explain`` has one entry per input retriever (empty when fused with ``explain=False``).
    """

    id: int
    score: float
    explain: Mapping[str, RetrieverContribution]


@dataclass(frozen=True, slots=True)
class Normalized:
    """Lists after input hygiene, each entry with its normalized score: the input of ``combine``.

    Build one with ``rank_lists`` (RRF) or ``normalize_lists`` (convex) and combine it with many
    weightings without normalizing again (what ``tuning.grid`` does over a grid of alphas).
    """

    lists: Mapping[str, Sequence[tuple[int, float]]]
    normalized: Mapping[str, Sequence[float]]


# ---------------------------------------------------------------------------------------------
# Input hygiene


def _clean(ranked: Ranked) -> list[tuple[int, float]]:
    """Drop non-finite scores and repeated ids (first entry wins); keep the given order."""
    seen: set[int] = set()
    out: list[tuple[int, float]] = []
    for doc_id, score in ranked:
        s = float(score)
        if not math.isfinite(s) or doc_id in seen:
            continue
        seen.add(doc_id)
        out.append((doc_id, s))
    return out


def _check_weight(name: str, w: float) -> float:
    w = float(w)
    if not math.isfinite(w) or w < 0:
        raise ConfigError(
            f"weight for retriever {name!r} must be a finite number >= 0, got {w}; "
            "use 0 to ignore a retriever"
        )
    return w


def _explain(
    doc_id: int,
    prepared: Normalized,
    where: Mapping[str, Mapping[int, int]],
    weights: Mapping[str, float],
) -> dict[str, RetrieverContribution]:
    out: dict[str, RetrieverContribution] = {}
    for name, ranked in prepared.lists.items():
        pos = where[name].get(doc_id)
        if pos is None:
            out[name] = RetrieverContribution(None, None, None, 0.0)
        else:
            norm = prepared.normalized[name][pos]
            out[name] = RetrieverContribution(pos + 1, ranked[pos][1], norm, weights[name] * norm)
    return out


def _best_first(item: tuple[int, float]) -> tuple[float, int]:
    """Sort key: higher score first, then lower id (the deterministic tie-break)."""
    return (-item[1], item[0])


def combine(
    prepared: Normalized,
    weights: Mapping[str, float],
    *,
    explain: bool = True,
    limit: int | None = None,
) -> list[Fused]:
    """``score(d) = sum_r weights[r] * normalized_r(d)`` over the lists holding d, best first.

    Summed in list order, ties broken by ascending id. ``weights`` needs an entry per list.
    ``limit`` keeps only the best ``limit`` hits (None: all).
    """
    if limit is not None and limit < 0:
        raise ConfigError(f"limit must be >= 0 or None (all), got {limit}")
    missing = sorted(set(prepared.lists) - set(weights))
    if missing:
        raise ConfigError(f"no weight for lists {missing}; give one (0 to ignore) for each list")
    w = {name: _check_weight(name, weights[name]) for name in prepared.lists}
    totals: dict[int, float] = {}
    for name, ranked in prepared.lists.items():
        weight, get = w[name], totals.get
        for (doc_id, _), norm in zip(ranked, prepared.normalized[name], strict=True):
            totals[doc_id] = get(doc_id, 0.0) + weight * norm
    if limit is None:
        order = sorted(totals.items(), key=_best_first)
    else:  # O(n log limit): what a tuning loop over many settings needs
        order = heapq.nsmallest(limit, totals.items(), key=_best_first)
    if not explain:
        return [Fused(doc_id, score, {}) for doc_id, score in order]
    where = {name: {d: pos for pos, (d, _) in enumerate(r)} for name, r in prepared.lists.items()}
    return [Fused(doc_id, score, _explain(doc_id, prepared, where, w)) for doc_id, score in order]


# ---------------------------------------------------------------------------------------------
# Reciprocal rank fusion


def rrf(
    lists: Mapping[str, Ranked],
    k: float = 60,
    weights: Mapping[str, float] | None = None,
    *,
    explain: bool = True,
    limit: int | None = None,
) -> list[Fused]:
    """Reciprocal rank fusion (Cormack, Clarke, Büttcher 2009, SIGIR, "Reciprocal Rank Fusion
    outperforms Condorcet and individual Rank Learning Methods").

    ``score(d) = sum_r w_r / (k + rank_r(d))`` over the retrievers r that returned d, with
    ``rank`` 1-based and ``k = 60`` as in the paper. Scores are ignored except to drop non-finite
    entries. ``weights`` (default 1.0 for a retriever not named) give weighted RRF as in
    Elasticsearch and Vespa; a weight for a retriever not in ``lists`` is ignored (it returned
    nothing). ``explain=False`` leaves ``Fused.explain`` empty (faster, for tuning loops);
    ``limit`` keeps the best ``limit`` hits.
    """
    w = {name: (weights or {}).get(name, 1.0) for name in lists}
    return combine(rank_lists(lists, k), w, explain=explain, limit=limit)


def rank_lists(lists: Mapping[str, Ranked], k: float = 60) -> Normalized:
    """RRF's normalization: each entry's ``1 / (k + rank)``, rank 1-based after input hygiene."""
    k = float(k)
    if not math.isfinite(k) or k < 0:
        raise ConfigError(f"rrf k must be a finite number >= 0, got {k}; the paper uses k=60")
    clean = {name: _clean(ranked) for name, ranked in lists.items()}
    normalized = {
        name: [1.0 / (k + rank) for rank in range(1, len(ranked) + 1)]
        for name, ranked in clean.items()
    }
    return Normalized(clean, normalized)


# ---------------------------------------------------------------------------------------------
# Score normalizations (each maps one list's scores; shapes (n,) -> (n,))


def _tame(scores: Sequence[float]) -> Sequence[float]:
    """Rescale huge scores (|s| > 1e100) so ``max - min`` and squares cannot overflow to inf and
    make NaN; all three normalizations are invariant to a positive scale, so nothing else changes.
    """
    top = max((abs(s) for s in scores), default=0.0)
    return [s / top for s in scores] if top > 1e100 else scores


def minmax(scores: Sequence[float]) -> list[float]:
    """Min-max normalization (Lee 1997, "Analyses of multiple evidence combination", SIGIR).

    ``(s - min) / (max - min)``, in [0, 1]. With one score or all scores equal the range is 0;
    we define every normalized score as 1.0 there: each is the retriever's best, and a lone hit
    must not be ranked like an absent one (division by zero gave NaN or 0 in some libraries).
    """
    if not scores:
        return []
    scores = _tame(scores)
    lo, hi = min(scores), max(scores)
    if hi - lo <= 0:
        return [1.0] * len(scores)
    return [(s - lo) / (hi - lo) for s in scores]


def _mean_std(scores: Sequence[float]) -> tuple[float, float]:
    """Mean and population standard deviation (ddof=0, like ``numpy.std``)."""
    n = len(scores)
    mean = math.fsum(scores) / n
    var = math.fsum((s - mean) ** 2 for s in scores) / n
    return mean, math.sqrt(var)


def zscore(scores: Sequence[float]) -> list[float]:
    """Z-score normalization (Bruch et al. 2023, section 3): ``(s - mean) / std``, population std.

    Unbounded and centred on 0. With zero spread (one score, or all equal) every value is the mean,
    so we define it as 0.0. Subtle case: an absent hit contributes 0, i.e. the mean, so a hit below
    its retriever's mean can rank under one that retriever never returned; use ``minmax`` or
    ``dbsf`` when absence should count as the worst score.
    """
    if not scores:
        return []
    scores = _tame(scores)
    mean, std = _mean_std(scores)
    if std <= 0:
        return [0.0] * len(scores)
    return [(s - mean) / std for s in scores]


def dbsf(scores: Sequence[float]) -> list[float]:
    """Distribution-based score fusion normalization (Mazzeschi 2023, "Distribution-Based Score
    Fusion (DBSF), a new approach to Vector Search Ranking"; Qdrant's ``Fusion.DBSF``).

    ``lo = mean - 3 * std``, ``hi = mean + 3 * std`` (population std), then
    ``clip((s - lo) / (hi - lo), 0, 1)``: min-max with the 3-sigma bounds in place of the observed
    extremes, so one outlier does not crush the rest. The mean maps to 0.5, so with zero spread we
    define every value as 0.5 (the limit as std -> 0).
    """
    if not scores:
        return []
    scores = _tame(scores)
    mean, std = _mean_std(scores)
    if std <= 0:
        return [0.5] * len(scores)
    lo, span = mean - 3 * std, 6 * std
    return [min(1.0, max(0.0, (s - lo) / span)) for s in scores]


_NORMALIZERS: dict[str, Callable[[Sequence[float]], list[float]]] = {
    "minmax": minmax,
    "zscore": zscore,
    "dbsf": dbsf,
}


# ---------------------------------------------------------------------------------------------
# Convex combination


def convex_weights(
    names: Sequence[str], alpha: float | None = None, weights: Mapping[str, float] | None = None
) -> dict[str, float]:
    """Per-list weights of a convex fusion from ``alpha`` (lists 'dense', 'bm25') or ``weights``."""
    if (alpha is None) == (weights is None):
        raise ConfigError(
            "convex fusion needs exactly one of alpha (for 'dense' and 'bm25' lists) or weights "
            "(a weight per retriever name); got " + ("both" if alpha is not None else "neither")
        )
    if weights is not None:
        missing = sorted(set(names) - set(weights))
        if missing:
            raise ConfigError(
                f"convex fusion weights miss retrievers {missing}; give a weight (0 to ignore) "
                f"for every list: {sorted(names)}"
            )
        return {name: _check_weight(name, weights[name]) for name in names}
    assert alpha is not None
    a = float(alpha)
    if not 0.0 <= a <= 1.0:  # also rejects NaN
        raise ConfigError(f"alpha must be in [0, 1] (0 = bm25 only, 1 = dense only), got {alpha}")
    unknown = sorted(set(names) - {DENSE, BM25})
    if unknown:
        raise ConfigError(
            f"alpha weighs lists named {DENSE!r} and {BM25!r}; got also {unknown}. "
            "For other or more lists pass weights={name: weight, ...} instead"
        )
    return {name: (a if name == DENSE else 1.0 - a) for name in names}


def convex(
    lists: Mapping[str, Ranked],
    alpha: float | None = None,
    normalization: str = "minmax",
    weights: Mapping[str, float] | None = None,
    *,
    explain: bool = True,
    limit: int | None = None,
) -> list[Fused]:
    """Convex combination of normalized scores (Bruch, Gai, Ingber 2023, ACM TOIS).

    ``score(d) = alpha * N(dense(d)) + (1 - alpha) * N(bm25(d))``, where ``N`` is the list's
    normalization (``minmax``, ``zscore`` or ``dbsf``; see those functions), computed over the
    list's own scores, and a retriever that did not return d contributes 0. ``alpha = 0`` is BM25
    only, ``alpha = 1`` dense only. For other list names or more than two lists, pass ``weights``
    (a non-negative weight for every list; they are used as given, not rescaled to sum to 1).
    ``explain=False`` leaves ``Fused.explain`` empty; ``limit`` keeps the best ``limit`` hits.
    """
    w = convex_weights(list(lists), alpha, weights)
    return combine(normalize_lists(lists, normalization), w, explain=explain, limit=limit)


def normalize_lists(lists: Mapping[str, Ranked], normalization: str = "minmax") -> Normalized:
    """Input hygiene, then each list's scores through ``minmax``, ``zscore`` or ``dbsf``."""
    norm = _NORMALIZERS.get(normalization)
    if norm is None:
        raise ConfigError(
            f"unknown normalization {normalization!r}; known: {', '.join(NORMALIZATIONS)}"
        )
    clean = {name: _clean(ranked) for name, ranked in lists.items()}
    normalized = {name: norm([s for _, s in ranked]) for name, ranked in clean.items()}
    return Normalized(clean, normalized)


# ---------------------------------------------------------------------------------------------
# Dispatch by name

METHODS: dict[str, Callable[..., list[Fused]]] = {"rrf": rrf, "convex": convex}


@functools.cache
def _params(fn: Callable[..., list[Fused]]) -> tuple[str, ...]:
    return tuple(p for p in inspect.signature(fn).parameters if p != "lists")


def fuse(lists: Mapping[str, Ranked], method: str, **params: Any) -> list[Fused]:
    """Fuse with a method named in ``METHODS`` (``"rrf"``, ``"convex"``) and its keyword params."""
    fn = METHODS.get(method)
    if fn is None:
        raise ConfigError(f"unknown fusion method {method!r}; known: {', '.join(sorted(METHODS))}")
    allowed = _params(fn)
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ConfigError(
            f"fusion method {method!r} takes no parameter {unknown}; allowed: {', '.join(allowed)}"
        )
    return fn(lists, **params)
