"""Scan chunks for prompt injection at ingest, so the flag is stored with each chunk.

The answer engine keeps flagged chunks out of the prompt unless the caller opts in; scanning once
at ingest (about 0.35 ms per 200-token chunk, under 3% of ingest CPU; docs/benchmarks.md) costs far
less than scanning every retrieved chunk per question.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from veracity.guard.injection import InjectionDetector
from veracity.guard.policy import quarantine_chunk
from veracity.records import CHUNK_FLAG_INJECTION


def injection_scanner(
    detector: InjectionDetector | None = None,
) -> Callable[[Sequence[str]], list[int]]:
    """A function from chunk texts to their flags (``CHUNK_FLAG_INJECTION`` or 0)."""
    det = detector or InjectionDetector()

    def scan(texts: Sequence[str]) -> list[int]:
        verdicts = det.scan_many(texts)
        return [CHUNK_FLAG_INJECTION if quarantine_chunk(v) else 0 for v in verdicts]

    return scan
