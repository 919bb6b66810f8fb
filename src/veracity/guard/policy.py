"""How a guard verdict is acted on, for questions and for retrieved text.

Much of the attack data is about passwords and access codes (Tensor Trust, system-prompt
extraction), so ordinary documents about passwords or access control score higher than other text:
a classifier trained on Tensor Trust alone flagged 23% of Django's security documentation. The
classifiers now also learn from password-hashing documentation and flag 1-2% of it (see
docs/benchmarks.md), but acting on the classifier alone would still hide some of exactly the
documents a security team asks about. So:

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
