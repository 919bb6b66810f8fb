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
from veracity.guard.quarantine import (
    document_detector,
    passage_confirmer,
    quarantine_many,
    sentence_encoder,
)
from veracity.records import CHUNK_FLAG_INJECTION


class InjectionScanner:
    """A function from chunk texts to their flags (``CHUNK_FLAG_INJECTION`` or 0).

    Picklable, so a distributed ingest can scan on its workers: with the default detector
    (``detector`` None) only that choice travels, and each process builds the detector on its
    first call; a given detector travels pickled."""

    def __init__(self, detector: InjectionDetector | None = None) -> None:
        self.detector = detector
        self._default: InjectionDetector | None = None

    def __call__(self, texts: Sequence[str]) -> list[int]:
        det = self.detector or self._default
        if det is None:
            det = self._default = document_detector()
        # the default rule confirms a passage kept out on the n-gram classifier alone and reads
        # the sentences it let through with the injection encoder; a detector the caller chose
        # decides alone
        default = self.detector is None
        confirm = passage_confirmer() if default else None
        encoder = sentence_encoder() if default else None
        verdicts = quarantine_many(list(texts), det, confirm, encoder)
        return [CHUNK_FLAG_INJECTION if v.flagged else 0 for v in verdicts]

    def __getstate__(self) -> dict[str, InjectionDetector | None]:
        return {"detector": self.detector}

    def __setstate__(self, state: dict[str, InjectionDetector | None]) -> None:
        self.detector, self._default = state["detector"], None


def injection_scanner(
    detector: InjectionDetector | None = None,
) -> Callable[[Sequence[str]], list[int]]:
    """A function from chunk texts to their flags (``CHUNK_FLAG_INJECTION`` or 0); the default
    detector is ``guard.quarantine.document_detector``."""
    scanner = InjectionScanner(detector)
    if detector is None:
        scanner._default = document_detector()  # built now (as before), not in the first batch
    return scanner
