"""Sentiment: negative, neutral or positive with a score, from a small head on sentence embeddings.

The head is a logistic regression on the embedder's vectors, trained on the UCI labelled sentences
(Amazon, Yelp, IMDb; Kotzias et al. 2015) by ``python -m benchmarks.train_sentiment`` and shipped in
``sentiment_model.json`` (one entry per embedder name). Its logit is Platt-scaled on out-of-fold
scores, so ``p_positive`` is a calibrated probability that the text is positive.

The data holds only positive and negative sentences, so **neutral** is defined by the model's own
uncertainty: a text is neutral when its calibrated ``p_positive`` lies inside the model's neutral
band (``[0.3, 0.7]`` as shipped: neither polarity is more than 70% likely). That catches mixed and
weakly-worded texts ("okay I guess, nothing special"). Plain statements of fact were never in the
training data and are *not* reliably neutral ("The package arrived on Tuesday." scores positive):
the band is the model's doubt, not a learned third class.
``score = 2 * p_positive - 1`` runs from -1 (surely negative) to +1 (surely positive).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from veracity.embed.base import Embedder, calibration_name
from veracity.errors import ConfigError

MODEL_PATH = Path(__file__).with_name("sentiment_model.json")
FORMAT = "veracity-sentiment/1"
LABELS = ("negative", "neutral", "positive")


@dataclass(frozen=True, slots=True)
class Sentiment:
    """``label`` in ``LABELS``; ``score`` in [-1, 1]; ``p_positive`` the calibrated probability."""

    text: str
    label: str
    score: float
    p_positive: float

    @property
    def negativity(self) -> float:
        """The calibrated probability that the text is negative, ``1 - p_positive``."""
        return 1.0 - self.p_positive

    def as_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "label": self.label,
            "score": self.score,
            "p_positive": self.p_positive,
        }


@dataclass(frozen=True, slots=True)
class SentimentModel:
    """``p_positive = sigmoid(a * (x @ weights + bias) + b)``; neutral inside ``[low, high]``."""

    weights: np.ndarray
    bias: float
    platt_a: float
    platt_b: float
    low: float = 0.3
    high: float = 0.7
    source: str = ""

    def p_positive(self, x: np.ndarray) -> np.ndarray:
        """Calibrated ``(n,)`` probabilities for ``(n, d)`` embeddings."""
        z = self.platt_a * (np.asarray(x, dtype=np.float64) @ self.weights + self.bias)
        z = z + self.platt_b
        out: np.ndarray = 0.5 * (1.0 + np.tanh(0.5 * z))  # the logistic function, overflow-free
        return out

    def label_of(self, p: float) -> str:
        if p < self.low:
            return "negative"
        return "positive" if p > self.high else "neutral"

    def to_json(self) -> dict[str, Any]:
        return {
            "weights": [round(float(w), 6) for w in self.weights],
            "bias": round(self.bias, 6),
            "platt": [round(self.platt_a, 6), round(self.platt_b, 6)],
            "neutral_band": [self.low, self.high],
            "source": self.source,
        }

    @staticmethod
    def from_json(entry: dict[str, Any]) -> SentimentModel:
        a, b = (float(v) for v in entry["platt"])
        low, high = (float(v) for v in entry.get("neutral_band", (0.3, 0.7)))
        w = np.asarray(entry["weights"], dtype=np.float64)
        source = str(entry.get("source", ""))
        return SentimentModel(w, float(entry["bias"]), a, b, low, high, source)

    @staticmethod
    def load(embedder_name: str, path: Path = MODEL_PATH) -> SentimentModel:
        """The head trained for ``embedder_name`` (``Embedder.name``)."""
        try:
            models: dict[str, Any] = json.loads(path.read_text())["models"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                f"cannot read the sentiment model {path}: {exc!r}; regenerate it with "
                "`python -m benchmarks.train_sentiment`"
            ) from exc
        entry = models.get(embedder_name) or models.get(calibration_name(embedder_name))
        if entry is None:
            raise ConfigError(
                f"no sentiment head for embedder {embedder_name!r}; heads ship for "
                f"{', '.join(sorted(models))}. Use one of those embedders, or train one: "
                f"`python -m benchmarks.train_sentiment --embedder {embedder_name}`"
            )
        try:
            return SentimentModel.from_json(entry)
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(
                f"sentiment head {embedder_name!r} in {path} is malformed ({exc!r}); regenerate "
                "it with `python -m benchmarks.train_sentiment`"
            ) from exc


class SentimentAnalyzer:
    """An embedder and the sentiment head trained on its vectors."""

    def __init__(self, embedder: Embedder, model: SentimentModel | None = None) -> None:
        self.embedder = embedder
        self.model = model or SentimentModel.load(embedder.name)
        if self.model.weights.shape != (embedder.dim,):
            raise ConfigError(
                f"the sentiment head has {self.model.weights.shape[0]} weights but embedder "
                f"{embedder.name!r} makes {embedder.dim}-d vectors; use the head's embedder"
            )

    def analyze(self, texts: Sequence[str]) -> list[Sentiment]:
        if not texts:
            return []
        p = self.model.p_positive(self.embedder.embed(list(texts)))  # (n,)
        return [
            Sentiment(t, self.model.label_of(float(q)), round(2 * float(q) - 1, 6), float(q))
            for t, q in zip(texts, p, strict=True)
        ]


def analyze_sentiment(texts: Sequence[str], *, embedder: Embedder | None = None) -> list[Sentiment]:
    """Sentiment of each text with the shipped head for ``embedder`` (default all-MiniLM-L6-v2)."""
    from veracity.tasks.embedder import default_embedder

    return SentimentAnalyzer(embedder or default_embedder()).analyze(texts)
