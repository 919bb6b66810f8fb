"""The answer engine's guards: questions (``query_guard``) and retrieved passages
(``passage_guard``); the policy lives in ``veracity.guard.policy``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from veracity.guard.injection import InjectionDetector
from veracity.guard.policy import refuse_question
from veracity.guard.quarantine import (
    document_detector,
    passage_confirmer,
    quarantine_many,
    sentence_encoder,
)
from veracity.records import CHUNK_FLAG_INJECTION, Hit


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


@dataclass(frozen=True, slots=True)
class PassageCheck:
    """Retrieved passages after quarantine: ``hits`` keep their order; injected sentences are
    blanked (same length, so offsets and citations hold). ``sentences_removed`` counts the
    blanked sentences, ``passages_dropped`` the passages kept out whole."""

    hits: tuple[Hit, ...]
    sentences_removed: int = 0
    passages_dropped: int = 0

    def note(self) -> str | None:
        """A warning for the answer, or None when nothing was quarantined."""
        parts = []
        if self.sentences_removed:
            parts.append(
                f"{self.sentences_removed} sentence(s) that look like prompt-injection attempts "
                "were blanked out of the retrieved passages"
            )
        if self.passages_dropped:
            parts.append(
                f"{self.passages_dropped} retrieved passage(s) were left out because they look "
                "like prompt-injection attempts"
            )
        if not parts:
            return None
        return (
            "; ".join(parts) + " (if you trust these documents, ask again allowing flagged "
            "passages: --allow-flagged on the command line, allow_flagged=True in Python)"
        )


def passage_guard(
    detector: InjectionDetector | None = None,
) -> Callable[[Sequence[Hit]], PassageCheck]:
    """Quarantine the passages flagged at ingest, sentence by sentence (``guard.quarantine``),
    by default with the detector ingest flags with (``document_detector``)."""
    det = detector or document_detector()
    confirm = passage_confirmer() if detector is None else None  # as ingest flagged them

    def check(hits: Sequence[Hit]) -> PassageCheck:
        flagged = [i for i, h in enumerate(hits) if h.flags & CHUNK_FLAG_INJECTION]
        if not flagged:
            return PassageCheck(tuple(hits))
        # loaded on the first flagged passage, not with the engine: most questions have none
        encoder = sentence_encoder() if detector is None else None
        verdicts = dict(
            zip(
                flagged,
                quarantine_many([hits[i].chunk.text for i in flagged], det, confirm, encoder),
                strict=True,
            )
        )
        kept: list[Hit] = []
        removed = dropped = 0
        for i, hit in enumerate(hits):
            q = verdicts.get(i)
            if q is None:
                kept.append(hit)
            elif q.whole:
                dropped += 1
            else:
                removed += len(q.removed)
                kept.append(replace(hit, chunk=replace(hit.chunk, text=q.text)))
        return PassageCheck(tuple(kept), removed, dropped)

    return check
