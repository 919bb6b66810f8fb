"""Classify texts into the user's labels: zero-shot, few-shot, or a trained linear head.

All three are linear maps over L2-normalized embeddings, ``logits = (x @ W + b) / T``:

- **zero-shot**: ``W`` holds the embedded label descriptions (or names); the score is the cosine
  between text and label. No data, so the temperature is a fixed default and the probabilities are
  *not* calibrated (``Classifier.calibration`` is None).
- **few-shot** (a handful of examples per label): ``W`` holds the normalized centroid of each
  label's examples (a nearest-centroid classifier, Rocchio / prototypical networks, Snell et al.
  2017). ``T`` is fitted on leave-one-out scores: each example against centroids computed without it.
- **head** (enough examples, ``HEAD_MIN_PER_LABEL`` per label): a class-balanced softmax
  regression (``veracity.tasks.linear``); ``T`` is fitted on out-of-fold logits.

``T`` is temperature scaling (``veracity.tasks.calibration``); the calibration report states the
expected calibration error before and after on those held-out scores. The one fitted parameter is
chosen on the same held-out scores it is scored on, so the after figure is slightly optimistic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from veracity.embed.base import Embedder, normalize
from veracity.errors import ConfigError
from veracity.tasks.calibration import expected_calibration_error, fit_temperature
from veracity.tasks.linear import cross_val_logits, fit_softmax, softmax

Mode = Literal["auto", "zero-shot", "few-shot", "head"]
MODES: tuple[str, ...] = ("auto", "zero-shot", "few-shot", "head")
HEAD_MIN_PER_LABEL = 8  # below this many examples of some label, ``auto`` uses centroids
ZERO_SHOT_TEMPERATURE = 0.05  # cosine gaps of ~0.1 become logit gaps of ~2


@dataclass(frozen=True, slots=True)
class Label:
    """A label name and an optional description that zero-shot matching embeds instead."""

    name: str
    description: str = ""

    @property
    def prompt(self) -> str:
        return self.description or self.name


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled example text."""

    text: str
    label: str


@dataclass(frozen=True, slots=True)
class Calibration:
    """How the probabilities were calibrated, measured on ``held_out`` held-out scores."""

    method: str
    temperature: float
    ece_before: float
    ece_after: float
    held_out: int


@dataclass(frozen=True, slots=True)
class Classification:
    """The winning label, its probability, and every label's probability (label order)."""

    text: str
    label: str
    probability: float
    probabilities: tuple[tuple[str, float], ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "label": self.label,
            "probability": self.probability,
            "probabilities": dict(self.probabilities),
        }


@dataclass(frozen=True, slots=True)
class Classifier:
    """A fitted classifier: ``weights`` ``(d, k)``, ``bias`` ``(k,)`` over the embedder's vectors."""

    labels: tuple[Label, ...]
    mode: str
    embedder: Embedder
    weights: np.ndarray
    bias: np.ndarray
    temperature: float
    calibration: Calibration | None = None

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """``(n, k)`` probabilities, columns in ``labels`` order."""
        if not texts:
            return np.zeros((0, len(self.labels)))
        x = self.embedder.embed(list(texts))  # (n, d)
        return softmax((x @ self.weights + self.bias) / self.temperature)

    def classify(self, texts: Sequence[str]) -> list[Classification]:
        names = [label.name for label in self.labels]
        out = []
        for text, row in zip(texts, self.probabilities(texts), strict=True):
            best = int(row.argmax())
            pairs = tuple((n, round(float(p), 6)) for n, p in zip(names, row, strict=True))
            out.append(Classification(text, names[best], float(row[best]), pairs))
        return out


def parse_label_spec(spec: str) -> tuple[Label, ...]:
    """``"a,b=a description,c"`` -> labels; ``name=description`` sets a zero-shot description."""
    labels = []
    for part in spec.split(","):
        name, _, description = part.partition("=")
        if name.strip():
            labels.append(Label(name.strip(), description.strip()))
    return tuple(labels)


def _check_labels(labels: Sequence[Label]) -> None:
    names = [label.name for label in labels]
    if len(names) < 2:
        raise ConfigError(f"classification needs at least 2 labels, got {names}; e.g. a,b,c")
    if len(set(names)) != len(names):
        raise ConfigError(f"label names must be unique, got {names}")


def _as_labels(labels: Sequence[str | Label], examples: Sequence[Example]) -> tuple[Label, ...]:
    if not labels:
        labels = list(dict.fromkeys(e.label for e in examples))
    out = tuple(x if isinstance(x, Label) else Label(str(x)) for x in labels)
    _check_labels(out)
    return out


def _label_ids(labels: Sequence[Label], examples: Sequence[Example]) -> np.ndarray:
    index = {label.name: i for i, label in enumerate(labels)}
    unknown = sorted({e.label for e in examples} - set(index))
    if unknown:
        raise ConfigError(
            f"examples use labels {unknown} that are not among {list(index)}; "
            "add them to the labels or fix the examples"
        )
    y = np.array([index[e.label] for e in examples], dtype=np.int64)
    missing = [label.name for label, c in zip(labels, np.bincount(y, minlength=len(labels)), strict=True) if c == 0]  # fmt: skip
    if missing:
        raise ConfigError(
            f"labels {missing} have no examples; give at least one example of every label, "
            "or classify zero-shot (no examples)"
        )
    return y


def _choose_mode(mode: str, y: np.ndarray | None, k: int) -> str:
    if mode not in MODES:
        raise ConfigError(f"unknown classification mode {mode!r}; known: {', '.join(MODES)}")
    if y is None:
        if mode in ("few-shot", "head"):
            raise ConfigError(f"mode {mode!r} needs labelled examples; give examples")
        return "zero-shot"
    if mode != "auto":
        return mode
    return "head" if np.bincount(y, minlength=k).min() >= HEAD_MIN_PER_LABEL else "few-shot"


def _calibrate(method: str, logits: np.ndarray, y: np.ndarray, t0: float) -> Calibration:
    t = fit_temperature(logits, y)
    before = expected_calibration_error(softmax(logits / t0), y)
    after = expected_calibration_error(softmax(logits / t), y)
    return Calibration(method, t, before, after, len(y))


def _few_shot(x: np.ndarray, y: np.ndarray, k: int) -> tuple[np.ndarray, Calibration | None]:
    """Normalized centroids ``(d, k)`` and a temperature fitted on leave-one-out cosines."""
    sums = np.zeros((k, x.shape[1]))
    np.add.at(sums, y, x)
    counts = np.bincount(y, minlength=k)
    centroids = normalize(sums / counts[:, None]).T.astype(np.float64)  # (d, k)
    keep = counts[y] >= 2  # an example alone in its label has no leave-one-out centroid
    if len(np.unique(y[keep])) < 2:
        return centroids, None
    logits = x[keep] @ centroids  # (m, k)
    own = normalize(sums[y[keep]] - x[keep])  # own centroid without the example
    logits[np.arange(keep.sum()), y[keep]] = np.sum(own * x[keep], axis=1)
    cal = _calibrate("temperature, leave-one-out centroids", logits, y[keep], ZERO_SHOT_TEMPERATURE)
    return centroids, cal


def build_classifier(
    labels: Sequence[str | Label],
    examples: Sequence[Example] = (),
    *,
    embedder: Embedder,
    mode: Mode | str = "auto",
    l2: float = 1.0,
) -> Classifier:
    """A classifier for ``labels`` (names or ``Label``; taken from the examples when empty).

    ``mode="auto"``: zero-shot without examples, few-shot below ``HEAD_MIN_PER_LABEL`` examples
    of some label, else the trained head."""
    labels_ = _as_labels(labels, examples)
    k = len(labels_)
    y = _label_ids(labels_, examples) if examples else None
    chosen = _choose_mode(mode, y, k)
    if chosen == "zero-shot" or y is None:
        w = embedder.embed([label.prompt for label in labels_]).T.astype(np.float64)  # (d, k)
        return Classifier(labels_, "zero-shot", embedder, w, np.zeros(k), ZERO_SHOT_TEMPERATURE)
    x = embedder.embed([e.text for e in examples]).astype(np.float64)  # (n, d)
    if chosen == "few-shot":
        w, cal = _few_shot(x, y, k)
        t = cal.temperature if cal else ZERO_SHOT_TEMPERATURE
        return Classifier(labels_, "few-shot", embedder, w, np.zeros(k), t, cal)
    head = fit_softmax(x, y, k, l2=l2)
    cal = None
    if np.bincount(y, minlength=k).min() >= 2:
        cal = _calibrate(
            "temperature, out-of-fold logits", cross_val_logits(x, y, k, l2=l2), y, 1.0
        )
    t = cal.temperature if cal else 1.0
    return Classifier(labels_, "head", embedder, head.weights, head.bias, t, cal)


def classify(
    texts: Sequence[str],
    labels: Sequence[str | Label],
    examples: Sequence[Example] = (),
    *,
    embedder: Embedder | None = None,
    mode: Mode | str = "auto",
) -> list[Classification]:
    """Classify ``texts`` into ``labels`` (see ``build_classifier``); the default embedder is
    all-MiniLM-L6-v2 (ONNX, else PyTorch)."""
    from veracity.tasks.embedder import default_embedder

    model = build_classifier(labels, examples, embedder=embedder or default_embedder(), mode=mode)
    return model.classify(texts)
