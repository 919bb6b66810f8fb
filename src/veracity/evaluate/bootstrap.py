"""Percentile bootstrap confidence intervals (Efron & Tibshirani 1993, ch. 13).

``values`` is resampled with replacement along its first axis, so a statistic over pairs (AUC over
``(score, label)`` rows, say) resamples whole rows and keeps each pair together.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from veracity.errors import ConfigError


def bootstrap_ci(
    values: Any,
    stat: Callable[[np.ndarray], Any] = np.mean,
    n: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
) -> tuple[float, float, float]:
    """``(point, lo, hi)``: ``stat(values)`` and the ``alpha/2`` and ``1 - alpha/2`` percentiles
    of ``stat`` over ``n`` bootstrap resamples of the rows of ``values``. Resamples where ``stat``
    is NaN are skipped."""
    arr = np.asarray(values)
    if arr.ndim == 0 or arr.shape[0] == 0:
        raise ConfigError("bootstrap_ci needs at least one value; got an empty array")
    if n < 1:
        raise ConfigError(f"bootstrap_ci needs n >= 1 resamples, got {n}")
    if not 0 < alpha < 1:
        raise ConfigError(f"alpha must be in (0, 1), got {alpha}; 0.05 gives a 95% interval")
    rng = np.random.default_rng(seed)
    m = arr.shape[0]
    stats = np.empty(n)
    for i in range(n):
        stats[i] = float(stat(arr[rng.integers(0, m, size=m)]))
    if np.isnan(stats).all():
        return float(stat(arr)), float("nan"), float("nan")
    # resamples where the statistic is undefined (an AUC with one class) are left out
    lo, hi = np.nanquantile(stats, [alpha / 2, 1 - alpha / 2])
    return float(stat(arr)), float(lo), float(hi)


def roc_auc(scores: Any, labels: Any) -> float:
    """Area under the ROC curve: P(score of a positive > score of a negative), ties count half
    (the Mann-Whitney U statistic divided by ``n_pos * n_neg``). NaN when a class is absent."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels).astype(bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    sorted_s = s[order]
    # average ranks over ties
    _, first, counts = np.unique(sorted_s, return_index=True, return_counts=True)
    avg = first + (counts - 1) / 2.0 + 1.0
    ranks[order] = np.repeat(avg, counts)
    u = ranks[y].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def auc_of_pairs(rows: np.ndarray) -> float:
    """``roc_auc`` over an ``(n, 2)`` array of ``(score, label)`` rows, for ``bootstrap_ci``."""
    return roc_auc(rows[:, 0], rows[:, 1])
