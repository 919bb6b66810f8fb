"""Answerability: from the reader's raw scores to a calibrated probability and a threshold.

Two signals per passage: the answerability head's logit (read from ``[CLS]``) and the margin of the
best span over the null span (SQuAD 2.0's criterion). A logistic model over both (Platt scaling,
fitted by Newton's method) maps them to the probability that the passage answers the question.
The threshold maximizes balanced accuracy (the mean of the share of answerable questions answered
and the share of unanswerable ones declined) on held-out dev articles, so neither kind of error
is bought with the other just because one kind is commoner in the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from veracity.rag.reader.features import SpanGuess


@dataclass(frozen=True, slots=True)
class Calibration:
    """``p = sigmoid(w_has * has_logit + w_margin * margin + bias)``; answer when ``p >= threshold``."""

    w_has: float = 1.0
    w_margin: float = 0.0
    bias: float = 0.0
    threshold: float = 0.5

    @staticmethod
    def features_of(guess: SpanGuess) -> list[float]:
        return [guess.has_answer, guess.margin]

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """``x`` (n, 2) of ``features_of`` rows -> (n,) probabilities."""
        z = x @ np.array([self.w_has, self.w_margin]) + self.bias
        out: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))
        return out

    def probability(self, guess: SpanGuess) -> float:
        return float(self.probabilities(np.array([self.features_of(guess)]))[0])

    @staticmethod
    def from_dict(d: dict[str, Any]) -> Calibration:
        return Calibration(
            float(d["w_has"]), float(d["w_margin"]), float(d["bias"]), float(d["threshold"])
        )


def fit_calibration(x: np.ndarray, y: np.ndarray, ridge: float = 1e-3) -> Calibration:
    """Logistic regression of ``y`` (n,) in {0, 1} on ``x`` (n, 2), then the balanced-accuracy
    threshold. Falls back to the identity on the head's logit when one class is missing."""
    if len(np.unique(y)) < 2:
        return Calibration()
    design = np.hstack([x, np.ones((len(x), 1))])  # (n, 3)
    w = np.zeros(3)
    for _ in range(50):  # Newton-Raphson; converges in a handful of steps
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ w, -40, 40)))
        grad = design.T @ (p - y) + ridge * w
        hess = (design * (p * (1 - p))[:, None]).T @ design + ridge * np.eye(3)
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    cal = Calibration(float(w[0]), float(w[1]), float(w[2]))
    p = cal.probabilities(x)
    best_t, best_ba = 0.5, -1.0
    for t in np.unique(np.round(p, 4)):
        said = p >= t
        ba = (said[y == 1].mean() + (~said[y == 0]).mean()) / 2
        if ba > best_ba:
            best_t, best_ba = float(t), float(ba)
    return Calibration(cal.w_has, cal.w_margin, cal.bias, round(best_t, 4))
