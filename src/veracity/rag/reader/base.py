"""What the answer engine needs from a reader: one method, and the threshold it answers above."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Reading:
    """A reader's best answer in one passage: ``passages[passage][start:end] == text``;
    ``probability`` that this passage answers the question with this span (calibrated);
    ``score`` the raw span score, for ties. ``alternatives``: the passage's next-best distinct
    spans, best first, each a ``Reading`` with its own probability (lower: a weaker span beats
    the no-answer choice by less), for when a check refuses this one."""

    passage: int
    start: int
    end: int
    text: str
    probability: float
    score: float
    alternatives: tuple[Reading, ...] = ()


class SpanReader(Protocol):
    """Finds the answer span in each passage; answers are trusted from ``threshold`` up."""

    threshold: float

    def read(self, question: str, passages: Sequence[str]) -> list[Reading]: ...
