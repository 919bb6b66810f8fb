"""Percentile bootstrap CIs and the rank AUC."""

from __future__ import annotations

import numpy as np
import pytest

from veracity.errors import ConfigError
from veracity.evaluate.bootstrap import auc_of_pairs, bootstrap_ci, roc_auc


def test_mean_of_normal_has_textbook_width() -> None:
    n = 2000
    x = np.random.default_rng(42).normal(size=n)
    point, lo, hi = bootstrap_ci(x, n=2000)
    assert lo < point < hi
    assert point == pytest.approx(x.mean())
    assert hi - lo == pytest.approx(2 * 1.96 / np.sqrt(n), rel=0.1)
    assert abs(point) < 4 / np.sqrt(n)


def test_deterministic_for_a_seed_and_alpha_widens() -> None:
    x = np.arange(50.0)
    assert bootstrap_ci(x, seed=3) == bootstrap_ci(x, seed=3)
    _, lo90, hi90 = bootstrap_ci(x, alpha=0.1)
    _, lo99, hi99 = bootstrap_ci(x, alpha=0.01)
    assert hi99 - lo99 > hi90 - lo90


def test_constant_values_give_zero_width() -> None:
    assert bootstrap_ci([1.0] * 10) == (1.0, 1.0, 1.0)


def test_bad_arguments() -> None:
    with pytest.raises(ConfigError):
        bootstrap_ci([])
    with pytest.raises(ConfigError):
        bootstrap_ci([1.0], alpha=1.5)


def test_roc_auc_hand_computed() -> None:
    # positives 0.9, 0.4; negatives 0.5, 0.1: pairs won 1+1+0+1 = 3 of 4
    assert roc_auc([0.9, 0.4, 0.5, 0.1], [1, 1, 0, 0]) == 0.75
    assert roc_auc([0.5, 0.5], [1, 0]) == 0.5  # a tie counts half
    assert np.isnan(roc_auc([0.1, 0.2], [1, 1]))
    rows = np.array([[0.9, 1], [0.4, 1], [0.5, 0], [0.1, 0]])
    point, lo, hi = bootstrap_ci(rows, auc_of_pairs, n=200)
    assert point == 0.75 and lo <= point <= hi
