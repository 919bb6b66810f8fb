"""How a guard verdict is acted on, for questions and for retrieved text.

The classifier was trained on Tensor Trust attacks, which are about passwords and access codes, so
ordinary documents about passwords or access control score high on it (a security policy that says
"Passwords need at least 14 characters" scored 0.41 against a threshold of 0.24). Acting on the
classifier alone would hide exactly the documents a security team asks about. So:

- retrieved text (chunks, flagged at ingest) is quarantined when an explicit injection pattern
  matches, or when the classifier is near-certain (``CHUNK_CLASSIFIER_FLOOR``);
- a question is refused when a pattern matches; when only the classifier fires, it is answered
  with a warning. That answer cannot follow instructions hidden in the question: the engine only
  keeps sentences supported by cited sources.
"""

from __future__ import annotations

from veracity.guard.injection import GuardVerdict
from veracity.guard.patterns import PATTERNS

CHUNK_CLASSIFIER_FLOOR = 0.97
_PATTERN_NAMES = frozenset(p.name for p in PATTERNS)


def pattern_reasons(verdict: GuardVerdict) -> list[str]:
    """The reasons that are explicit patterns (possibly found inside a decoded payload)."""
    return [r for r in verdict.reasons if r.rsplit(":", 1)[-1] in _PATTERN_NAMES]


def quarantine_chunk(verdict: GuardVerdict) -> bool:
    """Whether retrieved text should be kept out of prompts."""
    return bool(pattern_reasons(verdict)) or verdict.score >= CHUNK_CLASSIFIER_FLOOR


def refuse_question(verdict: GuardVerdict) -> bool:
    """Whether a question is refused outright (else, if flagged, answered with a warning)."""
    return verdict.flagged and bool(pattern_reasons(verdict))
