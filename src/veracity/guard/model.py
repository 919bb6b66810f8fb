"""The shipped injection classifier: weights in a small JSON file, loaded on first use.

Two logistic models share the file:

- the n-gram model (hashed words, word bigrams, character n-grams): cheap, run on every text and
  on every decoded reading of it, and the whole classifier where no sentence embedder is
  installed;
- the joint model (``JointHead``): the same hashed n-grams plus the text's all-MiniLM-L6-v2
  embedding, which carries meaning across wordings (a role-play framing, a request for "the
  text you were given initially"). Embedding every text would double ingest time, so it runs
  only on texts whose n-gram probability reaches ``JointHead.screen`` (chosen to keep >= 99.5%
  of the training attacks); its verdict replaces the n-gram one for the plain text. The
  embedder reads English only (other languages land in arbitrary places of its space), so
  the joint model is used for English text only (``english_enough``); other text keeps the n-gram
  verdict and the non-English patterns.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from veracity.errors import ConfigError
from veracity.guard.features import featurize
from veracity.guard.logistic import predict_proba

MODEL_PATH = Path(__file__).with_name("injection_model.json")


_ENGLISH_FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "have",
        "how",
        "i",
        "if",
        "in",
        "is",
        "it",
        "me",
        "my",
        "not",
        "of",
        "on",
        "or",
        "so",
        "that",
        "the",
        "this",
        "to",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)


def english_enough(text: str) -> bool:
    """Whether ``text`` reads as English: at least 90% of its letters ASCII and, past four
    words, at least one word in ten an English function word."""
    letters = [c for c in text if c.isalpha()]
    if not letters or sum(c.isascii() for c in letters) < 0.9 * len(letters):
        return False
    words = re.findall(r"[a-z]+", text.lower())
    if len(words) <= 4:
        return True
    return sum(w in _ENGLISH_FUNCTION_WORDS for w in words) >= 0.1 * len(words)


@dataclass(frozen=True)
class JointHead:
    """Logistic regression over ``[hashed n-grams, scale * embedding]``. ``screen``: the n-gram
    probability a text needs before it is embedded; ``threshold``: the joint probability that
    flags it; ``embedder``: the registry name whose vectors it was trained on."""

    weights: np.ndarray  # (dim,) float32
    dense: np.ndarray  # (embedding dim,) float32
    bias: float
    threshold: float
    screen: float
    scale: float
    embedder: str = "minilm-onnx"

    def predict(self, x: Any, embeddings: np.ndarray) -> np.ndarray:
        """Joint probabilities for hashed features ``x`` (n, dim) and ``embeddings`` (n, d)."""
        z = np.asarray(x @ self.weights).ravel() + self.scale * (embeddings @ self.dense)
        return np.asarray(1.0 / (1.0 + np.exp(-(z + self.bias))))


@dataclass(frozen=True)
class InjectionModel:
    """Logistic regression over hashed n-grams; ``threshold`` keeps FPR <= the trained target."""

    weights: np.ndarray  # (dim,) float32
    bias: float
    threshold: float
    char_ngrams: tuple[int, int] = (3, 5)
    meta: dict[str, Any] = field(default_factory=dict)
    joint: JointHead | None = None

    @property
    def dim(self) -> int:
        return int(self.weights.shape[0])

    def features(self, texts: Sequence[str], *, already_canonical: bool = False) -> Any:
        """The hashed n-gram features of ``texts`` (a sparse ``(n, dim)`` matrix)."""
        return featurize(texts, self.dim, self.char_ngrams, already_canonical=already_canonical)

    def predict(self, texts: Sequence[str], *, already_canonical: bool = False) -> np.ndarray:
        """The n-gram model's attack probability for each text, shape ``(n,)``."""
        if not texts:
            return np.zeros(0)
        x = self.features(texts, already_canonical=already_canonical)
        return predict_proba(x, self.weights, self.bias)

    def save(self, path: Path) -> None:
        """Write the model as JSON with float16 weights in base64 (about 0.7 MB for 2^18)."""
        doc: dict[str, Any] = {
            "format": FORMAT,
            "dim": self.dim,
            "bias": self.bias,
            "threshold": self.threshold,
            "char_ngrams": list(self.char_ngrams),
            "meta": self.meta,
            "weights_f16_b64": _pack(self.weights, "<f2"),
        }
        if self.joint is not None:
            j = self.joint
            doc["joint"] = {
                "bias": j.bias,
                "threshold": j.threshold,
                "screen": j.screen,
                "scale": j.scale,
                "embedder": j.embedder,
                "weights_f16_b64": _pack(j.weights, "<f2"),
                "dense_f32_b64": _pack(j.dense, "<f4"),
            }
        path.write_text(json.dumps(doc, indent=1, sort_keys=True))


FORMAT = "veracity-injection-lr/2"
_READABLE = ("veracity-injection-lr/1", FORMAT)


def _pack(values: np.ndarray, dtype: str) -> str:
    return base64.b64encode(values.astype(dtype).tobytes()).decode("ascii")


def _unpack(blob: str, dtype: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(blob), dtype=dtype).astype(np.float32)


def load_model(path: Path = MODEL_PATH) -> InjectionModel:
    """Load a model written by ``InjectionModel.save``."""
    if not path.exists():
        raise ConfigError(
            f"injection model file not found at {path}; rebuild it with "
            "'python benchmarks/train_injection.py' or pass a model path that exists"
        )
    doc = json.loads(path.read_text())
    if doc.get("format") not in _READABLE:
        raise ConfigError(
            f"{path} is not a veracity injection model (format {doc.get('format')!r}); "
            "retrain it with 'python -m benchmarks.train_injection'"
        )
    weights = _unpack(doc["weights_f16_b64"], "<f2")
    if weights.shape[0] != doc["dim"]:
        raise ConfigError(f"{path}: {weights.shape[0]} weights for dim {doc['dim']}; file damaged")
    joint = None
    if "joint" in doc:
        j = doc["joint"]
        jw = _unpack(j["weights_f16_b64"], "<f2")
        if jw.shape[0] != doc["dim"]:
            raise ConfigError(f"{path}: joint model has {jw.shape[0]} weights; file damaged")
        joint = JointHead(
            jw, _unpack(j["dense_f32_b64"], "<f4"), float(j["bias"]), float(j["threshold"]),
            float(j["screen"]), float(j["scale"]), str(j["embedder"]),
        )  # fmt: skip
    lo, hi = doc["char_ngrams"]
    return InjectionModel(
        weights, float(doc["bias"]), float(doc["threshold"]), (lo, hi), doc["meta"], joint
    )
