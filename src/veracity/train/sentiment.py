"""Train the shipped sentiment head: a logistic regression on sentence embeddings, Platt-scaled.

The data are the UCI labelled sentences (Kotzias et al. 2015, CC BY 4.0): 1,000 sentences each
from Amazon product reviews, Yelp restaurant reviews and IMDb film reviews, half positive, half
negative. ``python -m benchmarks.train_sentiment`` embeds them and writes the result to
``veracity/tasks/sentiment_model.json``; ``veracity.tasks.sentiment`` runs it.

Recipe: fit a class-balanced softmax head (``veracity.tasks.linear``, two classes, so one logit
difference), compute out-of-fold logits by stratified k-fold, fit Platt scaling on those (never on
the rows a fold's head saw), and keep the head fitted on all rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from veracity.errors import EvaluationError
from veracity.tasks.calibration import expected_calibration_error, fit_platt
from veracity.tasks.linear import cross_val_logits, fit_softmax
from veracity.tasks.sentiment import SentimentModel

SOURCES = ("amazon", "yelp", "imdb")
FILES = {
    "amazon": "amazon_cells_labelled.txt",
    "yelp": "yelp_labelled.txt",
    "imdb": "imdb_labelled.txt",
}


@dataclass(frozen=True, slots=True)
class LabelledSentence:
    """One sentence with its 0/1 label (1: positive) and its source (``SOURCES``)."""

    text: str
    label: int
    source: str


def load_uci_sentiment(folder: Path, sources: Sequence[str] = SOURCES) -> list[LabelledSentence]:
    """The sentences of ``sources`` from the UCI folder (``sentence<TAB>0|1`` per line).

    Lines are split on ``\\n`` only: the IMDb file holds U+0085 (NEL) inside sentences, which
    ``str.splitlines`` would take for a line break."""
    out = []
    for source in sources:
        if source not in FILES:
            raise EvaluationError(f"unknown sentiment source {source!r}; known: {list(FILES)}")
        path = Path(folder) / FILES[source]
        if not path.is_file():
            raise EvaluationError(
                f"no {FILES[source]} in {folder}; point at the UCI 'sentiment labelled "
                "sentences' folder (../shared/datasets/sentiment)"
            )
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
            if not line.strip():
                continue
            text, tab, label = line.rpartition("\t")
            if not tab or label.strip() not in ("0", "1"):
                raise EvaluationError(f"{path}:{number}: expected 'sentence<TAB>0 or 1'")
            out.append(LabelledSentence(text.strip(), int(label), source))
    return out


def _sigmoid(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 0.5 * (1.0 + np.tanh(0.5 * z))
    return out


def _binary(p: np.ndarray) -> np.ndarray:
    return np.stack([1.0 - p, p], axis=1)  # (n, 2)


def train_sentiment_head(
    x: np.ndarray,
    y: np.ndarray,
    *,
    l2: float = 1.0,
    folds: int = 5,
    seed: int = 0,
    band: tuple[float, float] = (0.3, 0.7),
    source: str = "",
) -> tuple[SentimentModel, dict[str, Any]]:
    """Fit the head on ``x (n, d)`` and 0/1 ``y (n,)``; return it and out-of-fold figures.

    The report's ``oof_*`` figures score each row with a head that never saw it (accuracy, ECE
    before and after Platt scaling, the share of rows in the neutral band and the accuracy of the
    rest)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    head = fit_softmax(x, y, 2, l2=l2)
    w = head.weights[:, 1] - head.weights[:, 0]  # (d,)
    b = float(head.bias[1] - head.bias[0])
    oof = cross_val_logits(x, y, 2, folds=folds, l2=l2, seed=seed)
    z = oof[:, 1] - oof[:, 0]  # (n,)
    a, c = fit_platt(z, y)
    p_raw, p_cal = _sigmoid(z), _sigmoid(a * z + c)
    decided = (p_cal < band[0]) | (p_cal > band[1])
    model = SentimentModel(w, b, a, c, band[0], band[1], source)
    report = {
        "n": len(y),
        "l2": l2,
        "folds": folds,
        "oof_accuracy": float(np.mean((z > 0) == (y == 1))),
        "oof_ece_raw": expected_calibration_error(_binary(p_raw), y),
        "oof_ece_platt": expected_calibration_error(_binary(p_cal), y),
        "oof_neutral_share": float(1.0 - decided.mean()),
        "oof_accuracy_decided": float(np.mean((p_cal[decided] > 0.5) == (y[decided] == 1)))
        if decided.any()
        else float("nan"),
    }
    return model, report
