"""Probability calibration and its measurement.

- Temperature scaling (Guo et al. 2017, "On Calibration of Modern Neural Networks"): one scalar
  ``T`` divides the logits, fitted by minimizing the negative log-likelihood on held-out logits.
  It never changes which label wins, only how sure the head claims to be.
- Platt scaling (Platt 1999): ``p = sigmoid(a * z + b)`` on a binary score ``z``; the bias also
  absorbs a shift of the base rate between training and use.
- Expected calibration error (Naeini et al. 2015; top-label form as in Guo et al. 2017): the
  confidence-weighted gap between how sure the model was and how often it was right, over equal
  width confidence bins.
"""

from __future__ import annotations

import numpy as np

from veracity.errors import ConfigError
from veracity.tasks.linear import softmax


def nll(probs: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log-likelihood of labels ``y (n,)`` under ``probs (n, k)``."""
    p = np.clip(np.asarray(probs)[np.arange(len(y)), np.asarray(y, dtype=np.int64)], 1e-12, 1.0)
    return float(-np.mean(np.log(p)))


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The ``T > 0`` minimizing the NLL of ``softmax(logits / T)`` (searched over ``log T``)."""
    import scipy.optimize  # imported here: loading scipy costs about a second

    z = np.asarray(logits, dtype=np.float64)  # (n, k)
    y = np.asarray(y, dtype=np.int64)
    if len(y) == 0:
        raise ConfigError("temperature scaling needs at least one held-out example")
    res = scipy.optimize.minimize_scalar(
        lambda log_t: nll(softmax(z / np.exp(log_t)), y), bounds=(-6.0, 6.0), method="bounded"
    )
    return float(np.exp(res.x))


def fit_platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """``(a, b)`` minimizing the log-loss of ``sigmoid(a * scores + b)`` against 0/1 ``y``."""
    import scipy.optimize  # imported here: loading scipy costs about a second

    s = np.asarray(scores, dtype=np.float64)
    t = np.asarray(y, dtype=np.float64)
    if len(s) == 0:
        raise ConfigError("Platt scaling needs at least one held-out example")

    def loss_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = theta[0] * s + theta[1]
        loss = float(np.mean(np.logaddexp(0.0, z) - t * z))
        r = (1.0 / (1.0 + np.exp(-z)) - t) / len(s)
        return loss, np.array([float(r @ s), float(r.sum())])

    res = scipy.optimize.minimize(loss_grad, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B")
    return float(res.x[0]), float(res.x[1])


def expected_calibration_error(probs: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """Top-label ECE: ``sum_b |B|/n * |accuracy(B) - confidence(B)|`` over ``bins`` equal-width
    bins of the winning probability. 0 is perfectly calibrated."""
    p = np.asarray(probs, dtype=np.float64)  # (n, k)
    y = np.asarray(y, dtype=np.int64)
    if len(y) == 0:
        return float("nan")
    conf = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(np.float64)
    # the right edge is closed, so confidence 1.0 falls in the last bin
    which = np.minimum((conf * bins).astype(np.int64), bins - 1)
    ece = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - conf[mask].mean())
    return float(ece)
