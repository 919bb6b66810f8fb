"""A reader for tests: answers from a fixed table, no model.

``TableReader({"capital of France": "Paris"})`` reads a passage as answering a question when a
key of the table occurs in the question and its value occurs in the passage; that reading gets
``probability`` (default 0.9), every other passage ``miss`` (default 0.05) with an empty span.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from veracity.rag.reader.base import Reading


class TableReader:
    def __init__(
        self,
        table: Mapping[str, str],
        probability: float = 0.9,
        miss: float = 0.05,
        threshold: float = 0.5,
    ) -> None:
        self.table = dict(table)
        self.probability = probability
        self.miss = miss
        self.threshold = threshold
        self.calls: list[tuple[str, int]] = []

    def read(self, question: str, passages: Sequence[str]) -> list[Reading]:
        self.calls.append((question, len(passages)))
        wanted = [v for k, v in self.table.items() if k.lower() in question.lower()]
        out: list[Reading] = []
        for i, text in enumerate(passages):
            at = next(((text.find(v), v) for v in wanted if v in text), None)
            if at is not None:
                out.append(Reading(i, at[0], at[0] + len(at[1]), at[1], self.probability, 5.0))
            else:
                out.append(Reading(i, 0, 0, "", self.miss, -5.0))
        return out
