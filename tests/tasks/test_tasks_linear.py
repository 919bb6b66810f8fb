"""The softmax head and the calibration functions, against scikit-learn and hand computations."""

from __future__ import annotations

import numpy as np
import pytest

from veracity.errors import ConfigError
from veracity.tasks.calibration import (
    expected_calibration_error,
    fit_platt,
    fit_temperature,
    nll,
)
from veracity.tasks.linear import cross_val_logits, fit_softmax, softmax, stratified_folds


def blobs(n: int = 300, k: int = 3, d: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 2, size=(k, d))
    y = rng.integers(0, k, size=n)
    return centers[y] + rng.normal(size=(n, d)), y


def test_softmax_head_matches_scikit_learn() -> None:
    sklearn = pytest.importorskip("sklearn.linear_model")
    x, y = blobs()
    y[:10] = 2  # uneven counts, so the balanced weights matter
    l2 = 2.0
    head = fit_softmax(x, y, 3, l2=l2)
    # mean balanced loss + l2/2 |W|^2 / n  ==  (sum balanced loss + l2/2 |W|^2) / n  ->  C = 1 / l2
    ref = sklearn.LogisticRegression(C=1 / l2, class_weight="balanced", max_iter=5000, tol=1e-10)
    ref.fit(x, y)
    np.testing.assert_allclose(softmax(head.logits(x)), ref.predict_proba(x), atol=2e-4)


def test_softmax_head_needs_every_label() -> None:
    x, y = blobs()
    with pytest.raises(ConfigError, match="at least one example"):
        fit_softmax(x[y != 1], y[y != 1], 3)


def test_folds_are_stratified_and_out_of_fold_logits_never_see_their_row() -> None:
    x, y = blobs(n=60)
    fold = stratified_folds(y, 5)
    for label in range(3):
        counts = np.bincount(fold[y == label], minlength=5)
        assert counts.max() - counts.min() <= 1
    # a row duplicated nowhere else: its out-of-fold logit differs from the in-sample one
    oof = cross_val_logits(x, y, 3, folds=5)
    full = fit_softmax(x, y, 3).logits(x)
    assert oof.shape == (60, 3)
    assert np.abs(oof - full).max() > 1e-3
    acc = float(np.mean(oof.argmax(1) == y))
    assert acc > 0.8


def test_temperature_recovers_an_overconfident_scale() -> None:
    rng = np.random.default_rng(1)
    logits = rng.normal(0, 2, size=(4000, 4))
    y = np.array([rng.choice(4, p=p) for p in softmax(logits)])  # labels drawn from the model
    t = fit_temperature(3.0 * logits, y)  # logits three times too confident
    assert t == pytest.approx(3.0, rel=0.1)
    assert nll(softmax(3.0 * logits / t), y) < nll(softmax(3.0 * logits), y)


def test_platt_matches_unregularized_logistic_regression() -> None:
    sklearn = pytest.importorskip("sklearn.linear_model")
    rng = np.random.default_rng(2)
    s = rng.normal(size=500)
    y = (rng.random(500) < 1 / (1 + np.exp(-(2.0 * s - 0.5)))).astype(int)
    a, b = fit_platt(s, y)
    ref = sklearn.LogisticRegression(C=1e8, max_iter=1000).fit(s[:, None], y)
    assert a == pytest.approx(float(ref.coef_[0, 0]), rel=1e-3)
    assert b == pytest.approx(float(ref.intercept_[0]), abs=1e-3)


def test_expected_calibration_error_by_hand() -> None:
    # bin 0.9-1.0: two predictions at 0.95, one right -> gap 0.45, weight 2/4
    # bin 0.6-0.7: two predictions at 0.65, both right -> gap 0.35, weight 2/4
    probs = np.array([[0.95, 0.05], [0.95, 0.05], [0.35, 0.65], [0.35, 0.65]])
    y = np.array([0, 1, 1, 1])
    assert expected_calibration_error(probs, y) == pytest.approx(0.5 * 0.45 + 0.5 * 0.35)
    perfect = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert expected_calibration_error(perfect, np.array([0, 1])) == 0.0
