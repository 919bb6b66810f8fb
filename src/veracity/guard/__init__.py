"""Guards: prompt-injection detection for queries and retrieved text, and groundedness judges."""

from veracity.guard.grounding import (
    CombinedJudge,
    EmbeddingJudge,
    FactJudge,
    LexicalJudge,
    SupportJudge,
    best_judge,
)
from veracity.guard.injection import GuardVerdict, InjectionDetector

__all__ = [
    "CombinedJudge",
    "EmbeddingJudge",
    "FactJudge",
    "GuardVerdict",
    "InjectionDetector",
    "LexicalJudge",
    "SupportJudge",
    "best_judge",
]
