"""Prompt-injection detection for user queries and retrieved text.

Three layers, cheapest first (see docs/benchmarks.md#guard for measured rates):

1. normalization (``normalize``): look-alikes, invisible characters, leetspeak and encoded
   payloads are undone, and every decoded payload is scanned too;
2. named patterns (``patterns``): the classic moves, each with a reason name, and the same moves
   in fourteen other languages (``patterns_i18n``; reasons like ``de:ignore_previous_instructions``);
3. logistic classifiers (``model``): one over hashed n-grams, run on every text, and one over the
   same n-grams plus a MiniLM sentence embedding, run on the texts the first one finds suspect.
   Trained on five attack families (Tensor Trust, in-the-wild jailbreaks, named templates,
   persona framings, injections planted in documents) against questions, requests, paragraph
   sentences, reviews and documentation, with thresholds picked for FPR <= 2% on held-out benign
   text (``benchmarks/train_injection.py``; held-out-family figures in docs/benchmarks.md).

A text is flagged when a pattern matches or the classifier's probability reaches the threshold.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from veracity.embed.base import Embedder
from veracity.errors import GuardError, MissingDependency
from veracity.guard.logistic import predict_proba
from veracity.guard.model import (
    MODEL_PATH,
    InjectionModel,
    JointHead,
    english_enough,
    load_model,
)
from veracity.guard.normalize import (
    canonical,
    canonical_with_rot13,
    names_rot13,
    obfuscation_signals,
    unglue,
    variants,
)
from veracity.guard.patterns import match_patterns
from veracity.guard.patterns_i18n import match_i18n

PATTERN_SCORE = 0.99  # the score reported when only a pattern fired


@dataclass(frozen=True, slots=True)
class GuardVerdict:
    """``flagged``: refuse or quarantine the text. ``score``: 0..1 attack likelihood.
    ``reasons``: pattern names (prefixed by the decoding that revealed them, e.g.
    ``base64:ignore_previous_instructions``), ``classifier``, and obfuscation signals."""

    flagged: bool
    score: float
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Reading:
    patterns: tuple[str, ...]
    texts_for_model: tuple[str, ...]  # canonical forms to classify
    kinds_for_model: tuple[str, ...]


def _read(text: str) -> _Reading:
    reasons: list[str] = []
    model_texts: list[str] = []
    kinds: list[str] = []
    plain, rotated = canonical_with_rot13(text)
    known = {"text": plain, "rot13": rotated}
    for v in variants(text):
        c = known[v.kind] if v.kind in known else canonical(v.text)
        prefix = "" if v.kind == "text" else f"{v.kind}:"
        # a decoded reading only adds what the plain text did not already show
        reasons += [prefix + n for n in match_patterns(c) if not prefix or n not in reasons]
        if v.kind != "rot13" or names_rot13(text):
            model_texts.append(c)
            kinds.append(v.kind)
    glued = unglue(text)
    if glued != text:  # patterns only: the classifier was trained on the text as written
        reasons += [n for n in match_patterns(canonical(glued)) if n not in reasons]
    reasons += match_i18n(text)  # the classifier reads English only
    return _Reading(tuple(dict.fromkeys(reasons)), tuple(model_texts), tuple(kinds))


class InjectionDetector:
    """Scans text for prompt injection. The shipped weights load on first use.

    ``threshold`` overrides the shipped thresholds (n-gram and joint); ``use_classifier=False``
    keeps patterns only (no model file needed); ``model`` injects an in-memory model (used by
    training and tests). ``embedder``: the sentence embedder for the joint model (default: the
    one it was trained on, loaded on first need); ``use_embeddings=False``, or a machine without
    the ``onnx`` or ``torch`` extra, keeps the n-gram model alone (see ``guard.model``).
    """

    def __init__(
        self,
        *,
        threshold: float | None = None,
        use_classifier: bool = True,
        model_path: Path = MODEL_PATH,
        model: InjectionModel | None = None,
        embedder: Embedder | None = None,
        use_embeddings: bool = True,
    ) -> None:
        self._threshold = threshold
        self._use_classifier = use_classifier
        self._model_path = model_path
        self._model = model
        self._embedder = embedder
        self._use_embeddings = use_embeddings
        self._lock = threading.Lock()

    @property
    def model(self) -> InjectionModel:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = load_model(self._model_path)
        return self._model

    @property
    def uses_classifier(self) -> bool:
        """Whether the n-gram model runs (False: patterns only)."""
        return self._use_classifier

    @property
    def threshold(self) -> float:
        """The probability at which the n-gram model flags a text."""
        if self._threshold is not None:
            return self._threshold
        return self.model.threshold if self._use_classifier else 1.0

    def _joint(self) -> tuple[JointHead, Embedder] | None:
        """The joint model and its embedder, or None where either is missing."""
        if not (self._use_classifier and self._use_embeddings) or self.model.joint is None:
            return None
        head = self.model.joint
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    try:
                        from veracity.embed.base import load_with_fallback

                        self._embedder = load_with_fallback(head.embedder, "minilm")
                    except MissingDependency:
                        self._use_embeddings = False  # the n-gram model alone, as documented
                        return None
        return head, self._embedder

    def scan(self, text: str) -> GuardVerdict:
        """The verdict for one text."""
        return self.scan_many([text])[0]

    def scan_many(self, texts: Sequence[str]) -> list[GuardVerdict]:
        """Verdicts for many texts; the classifier runs once over all of them."""
        readings = [_read(t) for t in texts]
        # per text: (probability, threshold, reading kind) of each classifier reading
        scored: list[list[tuple[float, float, str]]] = [[] for _ in texts]
        if self._use_classifier:
            flat = [(i, c, k) for i, r in enumerate(readings)
                    for c, k in zip(r.texts_for_model, r.kinds_for_model, strict=True)]  # fmt: skip
            model = self.model
            x = model.features([c for _, c, _ in flat], already_canonical=True)
            probs = predict_proba(x, model.weights, model.bias) if flat else np.zeros(0)
            joint = self._joint()
            rescored = self._rescore(texts, flat, x, probs, joint) if joint else {}
            for row, ((i, _, kind), p) in enumerate(zip(flat, probs, strict=True)):
                scored[i].append(rescored.get(row, (float(p), self.threshold, kind)))
        return [
            self._verdict(text, reading, s)
            for text, reading, s in zip(texts, readings, scored, strict=True)
        ]

    def _rescore(
        self,
        texts: Sequence[str],
        flat: list[tuple[int, str, str]],
        x: Any,
        probs: np.ndarray,
        joint: tuple[JointHead, Embedder],
    ) -> dict[int, tuple[float, float, str]]:
        """Joint-model scores for the plain readings that pass the n-gram screen."""
        head, embedder = joint
        rows = [
            r
            for r, (i, _, kind) in enumerate(flat)
            if kind == "text" and probs[r] >= head.screen and english_enough(texts[i])
        ]
        if not rows:
            return {}
        vectors = np.asarray(embedder.embed([texts[flat[r][0]] for r in rows]), dtype=np.float32)
        p = head.predict(x[rows], vectors)
        threshold = self._threshold if self._threshold is not None else head.threshold
        return {r: (float(v), threshold, "text") for r, v in zip(rows, p, strict=True)}

    def check(self, text: str) -> GuardVerdict:
        """The verdict, or ``GuardError`` when the text is flagged."""
        verdict = self.scan(text)
        if verdict.flagged:
            raise GuardError(
                "the text looks like a prompt-injection attempt "
                f"({', '.join(verdict.reasons)}; score {verdict.score:.2f}); rephrase it as a "
                "plain question, or lower the guard with InjectionDetector(threshold=...)"
            )
        return verdict

    @staticmethod
    def _verdict(
        text: str, reading: _Reading, scored: list[tuple[float, float, str]]
    ) -> GuardVerdict:
        reasons = list(reading.patterns)
        best = max((p for p, _, _ in scored), default=0.0)
        fired = [(p, kind) for p, t, kind in scored if p >= t]
        if fired:
            kind = max(fired)[1]
            reasons.append("classifier" if kind == "text" else f"{kind}:classifier")
        flagged = bool(reasons)
        score = max(best, PATTERN_SCORE) if reading.patterns else best
        if flagged:
            reasons += sorted(obfuscation_signals(text))
        return GuardVerdict(flagged, round(score, 6), tuple(reasons))
