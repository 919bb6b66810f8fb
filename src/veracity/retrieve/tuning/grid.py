"""Auto-tuning of hybrid fusion: evaluate a grid of fusion settings on labelled queries, pick one.

Pure selection logic: the caller runs BM25 and dense retrieval once per query and passes the
ranked lists; nothing here touches an index. The grid (Bruch, Gai, Ingber 2023, ACM TOIS, tune
the same two families):

- ``convex``: alpha in 0.0, 0.1, ..., 1.0 for each normalization (minmax, zscore, dbsf);
- ``rrf``: k in {10, 30, 60, 100} (Cormack et al. 2009 use 60).

The winner has the best mean nDCG@10 (``k`` is a parameter). Among candidates within
``tolerance`` of the best, the simplest wins, in this order: rrf k=60 (the untuned, scale-free
default), other rrf k (closest to 60 first), then convex with minmax, zscore, dbsf (alpha closest
to 0.5 first: the centre of a plateau rather than its edge, and keeps both signals), then any
custom grid entry in grid order. A tie thus never moves us off the default without evidence.

The metric comes in as an argument (``ir_metrics.ndcg_at_k``) because ``retrieve`` sits below
``evaluate`` in the layer map and must not import it.

Labelled queries come from the caller, or from a collection's own text (``tuning.queries``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from veracity.errors import ConfigError, EvaluationError
from veracity.retrieve.fusion import (
    NORMALIZATIONS,
    Normalized,
    Ranked,
    combine,
    convex_weights,
    fuse,
    normalize_lists,
    rank_lists,
)

Qrels = Mapping[str, Mapping[str, int]]
Run = Mapping[str, Sequence[str]]
RunMetric = Callable[[Qrels, Run, int], float]  # (qrels, run, k) -> mean over queries

ALPHAS: tuple[float, ...] = tuple(round(i / 10, 1) for i in range(11))
RRF_KS: tuple[int, ...] = (10, 30, 60, 100)
DEFAULT_RRF_K = 60
MIN_WORDS, MAX_WORDS = 6, 30


@dataclass(frozen=True, slots=True)
class Candidate:
    """One fusion setting of the grid and its mean nDCG@k."""

    method: str
    params: Mapping[str, Any]
    ndcg: float

    @property
    def label(self) -> str:
        """``rrf(k=60)``, ``convex(minmax, alpha=0.3)``, or ``method(param=value, ...)``."""
        p = self.params
        if _is_rrf_k(self.method, p):
            return f"rrf(k={p['k']})"
        if _is_convex_alpha(self.method, p):
            return f"convex({p['normalization']}, alpha={p['alpha']})"
        return f"{self.method}({', '.join(f'{k}={v!r}' for k, v in sorted(p.items()))})"


@dataclass(frozen=True, slots=True)
class TuneResult:
    """The chosen fusion (``fuse(lists, method, **params)``), its nDCG@k, every candidate, why."""

    method: str
    params: Mapping[str, Any]
    ndcg: float
    table: tuple[Candidate, ...]
    reason: str
    k: int = 10


def fusion_grid(
    alphas: Sequence[float] = ALPHAS,
    normalizations: Sequence[str] = NORMALIZATIONS,
    rrf_ks: Sequence[int] = RRF_KS,
) -> list[tuple[str, dict[str, Any]]]:
    """The ``(method, params)`` to try: rrf per k, then convex per normalization and alpha."""
    grid: list[tuple[str, dict[str, Any]]] = [("rrf", {"k": k}) for k in rrf_ks]
    grid += [
        ("convex", {"alpha": a, "normalization": norm}) for norm in normalizations for a in alphas
    ]
    return grid


def _is_rrf_k(method: str, params: Mapping[str, Any]) -> bool:
    return method == "rrf" and set(params) == {"k"}


def _is_convex_alpha(method: str, params: Mapping[str, Any]) -> bool:
    return (
        method == "convex"
        and set(params) == {"alpha", "normalization"}
        and params["normalization"] in NORMALIZATIONS
    )


def simplicity(c: Candidate) -> tuple[float, ...]:
    """Sort key, simplest first: rrf k=60, other rrf by |k-60|, convex by normalization, |a-.5|,
    then any other setting (``min`` keeps grid order among those)."""
    if _is_rrf_k(c.method, c.params):
        k = float(c.params["k"])
        return (0.0, abs(k - DEFAULT_RRF_K), k)
    if _is_convex_alpha(c.method, c.params):
        norm_rank = float(NORMALIZATIONS.index(c.params["normalization"]))
        alpha = float(c.params["alpha"])
        return (1.0, norm_rank, round(abs(alpha - 0.5), 9), alpha)
    return (2.0,)


def _fused_run(
    runs: Mapping[str, Mapping[str, Ranked]], method: str, params: Any, depth: int
) -> Run:
    return {
        qid: [str(f.id) for f in fuse(lists, method, explain=False, limit=depth, **params)]
        for qid, lists in runs.items()
    }


def _unit_weights(names: Sequence[str]) -> dict[str, float]:
    return dict.fromkeys(names, 1.0)


def _grid_runs(
    runs: Mapping[str, Mapping[str, Ranked]],
    settings: Sequence[tuple[str, Mapping[str, Any]]],
    depth: int,
) -> Iterator[Run]:
    """The fused run of each setting, normalizing each query's lists once per normalization
    (or rrf k) rather than once per setting; the arithmetic is ``fuse``'s (same functions)."""
    cache: dict[tuple[str, Any], dict[str, Normalized]] = {}
    for method, params in settings:
        if _is_rrf_k(method, params):
            key: tuple[str, Any] = ("rrf", params["k"])
            weigh: Callable[[Sequence[str]], dict[str, float]] = _unit_weights
        elif _is_convex_alpha(method, params):
            key = ("convex", params["normalization"])
            weigh = functools.partial(convex_weights, alpha=params["alpha"])
        else:  # any other setting: plain fuse
            yield _fused_run(runs, method, params, depth)
            continue
        if key not in cache:
            prep = rank_lists if method == "rrf" else normalize_lists
            cache[key] = {qid: prep(lists, key[1]) for qid, lists in runs.items()}
        yield {
            qid: [str(f.id) for f in combine(p, weigh(list(p.lists)), explain=False, limit=depth)]
            for qid, p in cache[key].items()
        }


def _reason(best: Candidate, table: Sequence[Candidate], tied: int, n: int, k: int) -> str:
    by_label = {c.label: c.ndcg for c in table}
    refs = [("rrf(k=60)", "rrf k=60"), ("convex(minmax, alpha=0.0)", "bm25 only")]
    refs.append(("convex(minmax, alpha=1.0)", "dense only"))
    parts = [f"{name} {by_label[lab]:.4f}" for lab, name in refs if lab in by_label]
    text = (
        f"{best.label} has the best mean nDCG@{k}, {best.ndcg:.4f}, of {len(table)} candidates "
        f"over {n} queries"
    )
    if parts:
        text += f" (for reference: {', '.join(parts)})"
    if tied:
        text += (
            f"; {tied} other candidate(s) tie with it within the tolerance, so the simplest was "
            "chosen (rrf k=60, then rrf by |k-60|, then convex minmax/zscore/dbsf by |alpha-0.5|)"
        )
    if n < 30:
        text += f"; only {n} queries: the choice is noisy, prefer rrf k=60 unless the gap is large"
    return text


def _check(runs: Mapping[str, Any], qrels: Qrels, k: int, tolerance: float) -> None:
    if not qrels:
        raise EvaluationError("qrels are empty: nothing to tune on; label some queries first")
    if not set(qrels) & set(runs):
        raise EvaluationError(
            "no query of the qrels has retrieval results in runs; run bm25 and dense per query"
        )
    if k < 1:
        raise ConfigError(f"k must be >= 1, got {k}")
    if not tolerance >= 0:
        raise ConfigError(f"tolerance must be >= 0, got {tolerance}")


def tune_fusion(
    runs: Mapping[str, Mapping[str, Ranked]],
    qrels: Qrels,
    ndcg_at_k: RunMetric,
    *,
    k: int = 10,
    grid: Sequence[tuple[str, Mapping[str, Any]]] | None = None,
    tolerance: float = 1e-9,
) -> TuneResult:
    """Pick the fusion setting with the best mean nDCG@k over the queries of ``qrels``.

    ``runs``: ``{qid: {"bm25": [(id, score), ...], "dense": [...]}}``; fused ids are compared to
    the qrels' doc ids as ``str(id)``. ``ndcg_at_k``: ``veracity.evaluate.ir_metrics.ndcg_at_k``,
    called as ``ndcg_at_k(qrels, run, k)`` on fused runs cut at ``k``. ``grid`` defaults to
    ``fusion_grid()``. Ties within ``tolerance`` go to the simplest candidate (see ``simplicity``).
    """
    _check(runs, qrels, k, tolerance)
    settings = fusion_grid() if grid is None else grid
    if not settings:
        raise ConfigError("the fusion grid is empty; give at least one (method, params)")
    judged = {qid: lists for qid, lists in runs.items() if qid in qrels}
    fused_runs = _grid_runs(judged, settings, depth=k)
    table = tuple(
        Candidate(method, dict(params), ndcg_at_k(qrels, run, k))
        for (method, params), run in zip(settings, fused_runs, strict=True)
    )
    top = max(c.ndcg for c in table)
    near = [c for c in table if c.ndcg >= top - tolerance]
    best = min(near, key=simplicity)
    reason = _reason(best, table, len(near) - 1, len(qrels), k)
    return TuneResult(best.method, best.params, best.ndcg, table, reason, k)
