"""Scan chunks for prompt injection at ingest, so the flag is stored with each chunk.

A chunk is flagged when the chunk as a whole, or any one of its sentences, looks like injection
(``guard.quarantine``). The answer engine blanks the injected sentences of flagged chunks (or keeps
the chunk out whole) unless the caller opts in; scanning at ingest (the chunk and its sentences,
well under a millisecond per 200-token chunk; docs/benchmarks.md) costs far less than scanning
every retrieved chunk per question.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from veracity.guard.injection import InjectionDetector
from veracity.guard.quarantine import document_detector, quarantine_many
from veracity.records import CHUNK_FLAG_INJECTION


def injection_scanner(
    detector: InjectionDetector | None = None,
) -> Callable[[Sequence[str]], list[int]]:
    """A function from chunk texts to their flags (``CHUNK_FLAG_INJECTION`` or 0); the default
    detector is ``guard.quarantine.document_detector``."""
    det = detector or document_detector()

    def scan(texts: Sequence[str]) -> list[int]:
        verdicts = quarantine_many(list(texts), det)
        return [CHUNK_FLAG_INJECTION if v.flagged else 0 for v in verdicts]

    return scan
