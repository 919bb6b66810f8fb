"""What the answer engine needs from a reader: one method, and the threshold it answers above."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Reading:
    """A reader's best answer in one passage: ``passages[passage][start:end] == text``;
    ``probability`` that this passage answers the question (calibrated); ``score`` the raw span
    score, for ties."""

    passage: int
    start: int
    end: int
    text: str
    probability: float
    score: float


class SpanReader(Protocol):
    """Finds the answer span in each passage; answers are trusted from ``threshold`` up."""

    threshold: float

    def read(self, question: str, passages: Sequence[str]) -> list[Reading]: ...
