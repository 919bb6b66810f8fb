"""Prompt-injection detection for user queries and retrieved text.

Three layers, cheapest first (see docs/benchmarks.md#guard for measured rates):

1. normalization (``normalize``): look-alikes, invisible characters, leetspeak and encoded
   payloads are undone, and every decoded payload is scanned too;
2. named patterns (``patterns``): the classic moves, each with a reason name;
3. a logistic classifier over hashed n-grams (``model``), trained on Tensor Trust attacks against
   SQuAD questions and paragraph sentences, with a threshold picked for FPR <= 2% on held-out
   benign text.

A text is flagged when a pattern matches or the classifier's probability reaches the threshold.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from veracity.errors import GuardError
from veracity.guard.model import MODEL_PATH, InjectionModel, load_model
from veracity.guard.normalize import (
    canonical,
    canonical_with_rot13,
    names_rot13,
    obfuscation_signals,
    variants,
)
from veracity.guard.patterns import match_patterns

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
    return _Reading(tuple(dict.fromkeys(reasons)), tuple(model_texts), tuple(kinds))


class InjectionDetector:
    """Scans text for prompt injection. The shipped weights load on first use.

    ``threshold`` overrides the shipped one; ``use_classifier=False`` keeps patterns only (no
    model file needed); ``model`` injects an in-memory model (used by training and tests).
    """

    def __init__(
        self,
        *,
        threshold: float | None = None,
        use_classifier: bool = True,
        model_path: Path = MODEL_PATH,
        model: InjectionModel | None = None,
    ) -> None:
        self._threshold = threshold
        self._use_classifier = use_classifier
        self._model_path = model_path
        self._model = model
        self._lock = threading.Lock()

    @property
    def model(self) -> InjectionModel:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = load_model(self._model_path)
        return self._model

    @property
    def threshold(self) -> float:
        if self._threshold is not None:
            return self._threshold
        return self.model.threshold if self._use_classifier else 1.0

    def scan(self, text: str) -> GuardVerdict:
        """The verdict for one text."""
        return self.scan_many([text])[0]

    def scan_many(self, texts: Sequence[str]) -> list[GuardVerdict]:
        """Verdicts for many texts; the classifier runs once over all of them."""
        readings = [_read(t) for t in texts]
        probs: list[list[float]] = [[] for _ in texts]
        if self._use_classifier:
            flat = [(i, c) for i, r in enumerate(readings) for c in r.texts_for_model]
            scores = self.model.predict([c for _, c in flat], already_canonical=True)
            for (i, _), s in zip(flat, scores, strict=True):
                probs[i].append(float(s))
        threshold = self.threshold
        out = []
        for text, reading, p in zip(texts, readings, probs, strict=True):
            out.append(self._verdict(text, reading, p, threshold))
        return out

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
        text: str, reading: _Reading, probs: list[float], threshold: float
    ) -> GuardVerdict:
        reasons = list(reading.patterns)
        best = max(probs, default=0.0)
        if best >= threshold:
            kind = reading.kinds_for_model[probs.index(best)]
            reasons.append("classifier" if kind == "text" else f"{kind}:classifier")
        flagged = bool(reasons)
        score = max(best, PATTERN_SCORE) if reading.patterns else best
        if flagged:
            reasons += sorted(obfuscation_signals(text))
        return GuardVerdict(flagged, round(score, 6), tuple(reasons))
