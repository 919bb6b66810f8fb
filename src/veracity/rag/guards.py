"""The question-side guard of the answer engine (policy in ``veracity.guard.policy``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from veracity.guard.injection import InjectionDetector
from veracity.guard.policy import refuse_question


@dataclass(frozen=True, slots=True)
class QueryCheck:
    """``refuse``: why the question is refused; ``warn``: why it is answered with a warning."""

    refuse: str | None = None
    warn: str | None = None


def query_guard(detector: InjectionDetector | None = None) -> Callable[[str], QueryCheck]:
    det = detector or InjectionDetector()

    def check(question: str) -> QueryCheck:
        verdict = det.scan(question)
        if not verdict.flagged:
            return QueryCheck()
        why = "it looks like a prompt-injection attempt (" + ", ".join(verdict.reasons) + ")"
        if refuse_question(verdict):
            return QueryCheck(refuse=why)
        return QueryCheck(
            warn=f"the question was answered with care: {why}; only sentences supported by the "
            "cited sources are kept, so instructions inside a question are not followed"
        )

    return check
