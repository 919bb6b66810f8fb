"""Multinomial logistic regression (a linear softmax head) on embeddings, in numpy and scipy.

The head behind ``classify`` when labelled examples exist, and behind the shipped sentiment model.
It is small enough to fit in milliseconds on a few thousand 384-d vectors, so it is fitted at run
time on the user's examples; no scikit-learn needed. Out-of-fold logits (``cross_val_logits``)
feed the calibration step (``veracity.tasks.calibration``) without touching test data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from veracity.errors import ConfigError


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of ``(n, k)`` logits, shifted by the row max for stability."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    out: np.ndarray = e / e.sum(axis=1, keepdims=True)
    return out


@dataclass(frozen=True, slots=True)
class LinearHead:
    """``logits = x @ weights + bias``: ``weights`` ``(d, k)``, ``bias`` ``(k,)``."""

    weights: np.ndarray
    bias: np.ndarray

    def logits(self, x: np.ndarray) -> np.ndarray:
        """``(n, k)`` logits for ``(n, d)`` inputs."""
        out: np.ndarray = np.asarray(x, dtype=np.float64) @ self.weights + self.bias
        return out


def fit_softmax(
    x: np.ndarray, y: np.ndarray, k: int, *, l2: float = 1.0, max_iter: int = 500
) -> LinearHead:
    """Fit a ``k``-class softmax head by L-BFGS on the class-balanced mean cross-entropy plus
    ``l2/2 * |W|^2 / n`` (a Gaussian prior; the bias is not penalized).

    Balanced weights (``n / (k * n_class)``) keep a rare label from being ignored; a label with no
    example is an error, since the head could never learn it.
    """
    import scipy.optimize  # imported here: loading scipy costs about a second

    x = np.asarray(x, dtype=np.float64)  # (n, d)
    y = np.asarray(y, dtype=np.int64)  # (n,)
    n, d = x.shape
    if n == 0 or y.shape != (n,):
        raise ConfigError(f"fit_softmax needs (n, d) inputs and n labels; got {x.shape}, {y.shape}")
    counts = np.bincount(y, minlength=k)
    if len(counts) > k or (counts == 0).any():
        raise ConfigError(
            f"every label needs at least one example; counts per label: {counts.tolist()}"
        )
    sw = (n / (k * counts))[y]  # (n,)
    onehot = np.eye(k)[y]  # (n, k)

    def loss_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[: d * k].reshape(d, k), theta[d * k :]
        z = x @ w + b  # (n, k)
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -float(np.sum(sw * np.sum(onehot * log_p, axis=1))) / n
        loss += 0.5 * l2 * float(np.sum(w * w)) / n
        r = sw[:, None] * (np.exp(log_p) - onehot) / n  # (n, k)
        grad_w = x.T @ r + l2 * w / n  # (d, k)
        return loss, np.concatenate([grad_w.ravel(), r.sum(axis=0)])

    res = scipy.optimize.minimize(
        loss_grad, np.zeros(d * k + k), jac=True, method="L-BFGS-B", options={"maxiter": max_iter}
    )
    theta = res.x
    return LinearHead(theta[: d * k].reshape(d, k).copy(), theta[d * k :].copy())


def stratified_folds(y: np.ndarray, folds: int, seed: int = 0) -> np.ndarray:
    """A fold number ``(n,)`` per row, each label spread round-robin over the folds."""
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    fold = np.empty(len(y), dtype=np.int64)
    for label in np.unique(y):
        rows = np.flatnonzero(y == label)
        rng.shuffle(rows)
        fold[rows] = np.arange(len(rows)) % folds
    return fold


def cross_val_logits(
    x: np.ndarray, y: np.ndarray, k: int, *, folds: int = 5, l2: float = 1.0, seed: int = 0
) -> np.ndarray:
    """Out-of-fold ``(n, k)`` logits: each row scored by a head fitted without its fold.

    ``folds`` is capped by the smallest label count, so every training split sees every label.
    """
    y = np.asarray(y, dtype=np.int64)
    folds = min(folds, int(np.bincount(y, minlength=k).min()))
    if folds < 2:
        raise ConfigError("cross-validation needs at least 2 examples of every label")
    fold = stratified_folds(y, folds, seed)
    out = np.zeros((len(y), k))
    for f in range(folds):
        test = fold == f
        head = fit_softmax(x[~test], y[~test], k, l2=l2)
        out[test] = head.logits(x[test])
    return out
