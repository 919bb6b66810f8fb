"""What an ingest run reports: progress while it runs, and a final tally with every failure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Failure:
    """A document (or a row of a JSONL/CSV file) that could not be ingested, and why."""

    uri: str
    reason: str


@dataclass(frozen=True, slots=True)
class Progress:
    added: int
    updated: int
    unchanged: int
    failed: int
    chunks: int
    seconds: float

    @property
    def done(self) -> int:
        return self.added + self.updated + self.unchanged + self.failed

    @property
    def rate(self) -> float:
        """Documents per second so far."""
        return self.done / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True, slots=True)
class IngestReport:
    added: int
    updated: int
    unchanged: int
    failed: tuple[Failure, ...]
    chunks_written: int
    seconds: float
    cpu_seconds: float
    resumed_after_interruption: bool = False
    # Files found in the given folders but not of a supported type: extension -> count.
    skipped: Mapping[str, int] = field(default_factory=dict)

    @property
    def n_skipped(self) -> int:
        return sum(self.skipped.values())

    @property
    def documents(self) -> int:
        return self.added + self.updated + self.unchanged + len(self.failed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": [{"uri": f.uri, "reason": f.reason} for f in self.failed],
            "chunks_written": self.chunks_written,
            "seconds": round(self.seconds, 3),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "resumed_after_interruption": self.resumed_after_interruption,
            "skipped": dict(self.skipped),
        }

    def summary(self) -> str:
        """One human line, e.g. ``3 added, 0 updated, 5 unchanged, 1 failed (12 chunks, 0.4 s)``."""
        line = (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.failed)} failed ({self.chunks_written} chunks written, {self.seconds:.1f} s)"
        )
        if self.added == self.updated == 0 and self.unchanged and not self.failed:
            line += "; nothing changed since the last ingest"
        if self.skipped:
            line += "; " + skipped_summary(self.skipped)
        return line


def skipped_summary(skipped: Mapping[str, int], top: int = 8) -> str:
    """``skipped 248 files of unsupported types (.png 120, .js 80, .css 48)``: the most
    frequent extensions first, the rest counted as ``others``."""
    n = sum(skipped.values())
    ranked = sorted(skipped.items(), key=lambda kv: (-kv[1], kv[0]))
    parts = [f"{ext} {count}" for ext, count in ranked[:top]]
    if len(ranked) > top:
        parts.append(f"others {sum(c for _, c in ranked[top:])}")
    noun = "file" if n == 1 else "files"
    return f"skipped {n} {noun} of unsupported types ({', '.join(parts)})"
