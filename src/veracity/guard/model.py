"""The shipped injection classifier: weights in a small JSON file, loaded on first use."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from veracity.errors import ConfigError
from veracity.guard.features import featurize
from veracity.guard.logistic import predict_proba

MODEL_PATH = Path(__file__).with_name("injection_model.json")


@dataclass(frozen=True)
class InjectionModel:
    """Logistic regression over hashed n-grams; ``threshold`` keeps FPR <= the trained target."""

    weights: np.ndarray  # (dim,) float32
    bias: float
    threshold: float
    char_ngrams: tuple[int, int] = (3, 5)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def dim(self) -> int:
        return int(self.weights.shape[0])

    def predict(self, texts: Sequence[str], *, already_canonical: bool = False) -> np.ndarray:
        """Attack probability for each text, shape ``(n,)``."""
        if not texts:
            return np.zeros(0)
        x = featurize(texts, self.dim, self.char_ngrams, already_canonical=already_canonical)
        return predict_proba(x, self.weights, self.bias)

    def save(self, path: Path) -> None:
        """Write the model as JSON with float16 weights in base64 (about 0.7 MB for 2^18)."""
        blob = base64.b64encode(self.weights.astype("<f2").tobytes()).decode("ascii")
        doc = {
            "format": "veracity-injection-lr/1",
            "dim": self.dim,
            "bias": self.bias,
            "threshold": self.threshold,
            "char_ngrams": list(self.char_ngrams),
            "meta": self.meta,
            "weights_f16_b64": blob,
        }
        path.write_text(json.dumps(doc, indent=1, sort_keys=True))


def load_model(path: Path = MODEL_PATH) -> InjectionModel:
    """Load a model written by ``InjectionModel.save``."""
    if not path.exists():
        raise ConfigError(
            f"injection model file not found at {path}; rebuild it with "
            "'python benchmarks/train_injection.py' or pass a model path that exists"
        )
    doc = json.loads(path.read_text())
    if doc.get("format") != "veracity-injection-lr/1":
        raise ConfigError(
            f"{path} is not a veracity injection model (format {doc.get('format')!r})"
        )
    raw = base64.b64decode(doc["weights_f16_b64"])
    weights = np.frombuffer(raw, dtype="<f2").astype(np.float32)
    if weights.shape[0] != doc["dim"]:
        raise ConfigError(f"{path}: {weights.shape[0]} weights for dim {doc['dim']}; file damaged")
    lo, hi = doc["char_ngrams"]
    return InjectionModel(
        weights, float(doc["bias"]), float(doc["threshold"]), (lo, hi), doc["meta"]
    )
