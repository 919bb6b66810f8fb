"""L2-regularized logistic regression: a small numpy/scipy fit and a pure prediction function.

Used to train the injection classifier (hashed sparse features) and the combined groundedness
judge (a handful of dense features). Training happens in ``benchmarks/``; at run time only
``predict_proba`` runs, so the guard needs numpy and scipy only.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function."""
    out = np.empty_like(z, dtype=np.float64)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def predict_proba(x: Any, weights: np.ndarray, bias: float) -> np.ndarray:
    """P(y=1) for rows of ``x`` (dense ``(n, d)`` array or scipy sparse matrix)."""
    return sigmoid(np.asarray(x @ weights, dtype=np.float64).ravel() + bias)


def fit_logistic(
    x: Any,
    y: np.ndarray,
    *,
    l2: float = 1.0,
    balanced: bool = True,
    max_iter: int = 500,
) -> tuple[np.ndarray, float]:
    """Fit weights ``(d,)`` and a bias by L-BFGS on the mean log-loss plus ``l2/2 * |w|^2 / n``.

    ``balanced`` weighs each class by ``n / (2 * n_class)`` so a rare class (attacks) counts as
    much as a common one. The bias is not regularized.
    """
    y = np.asarray(y, dtype=np.float64)
    n, d = x.shape
    if balanced:
        n_pos = max(float(y.sum()), 1.0)
        n_neg = max(float(n - y.sum()), 1.0)
        sw = np.where(y > 0.5, n / (2 * n_pos), n / (2 * n_neg))
    else:
        sw = np.ones(n)
    import scipy.optimize  # imported here: only training needs it, and it costs 0.4 s to load
    import scipy.sparse

    xt = x.T.tocsr() if scipy.sparse.issparse(x) else np.asarray(x).T

    def loss_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:d], theta[d]
        z = np.asarray(x @ w).ravel() + b  # (n,)
        # log(1 + e^z) - y z, computed stably
        loss = float(np.sum(sw * (np.logaddexp(0.0, z) - y * z))) / n
        loss += 0.5 * l2 * float(w @ w) / n
        r = sw * (sigmoid(z) - y) / n  # (n,)
        grad = np.empty(d + 1)
        grad[:d] = np.asarray(xt @ r).ravel() + l2 * w / n
        grad[d] = r.sum()
        return loss, grad

    res = scipy.optimize.minimize(
        loss_grad, np.zeros(d + 1), jac=True, method="L-BFGS-B", options={"maxiter": max_iter}
    )
    theta = res.x
    return theta[:d].astype(np.float64), float(theta[d])
