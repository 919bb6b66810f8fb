"""A text's lines with the offsets they start at, for the heading finders of PDF text and of
outlined plain text."""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["lines_at"]


def lines_at(text: str) -> Iterator[tuple[int, str]]:
    """``(start, line)`` of each line of ``text`` (split at ``\\n``), in order."""
    at = 0
    for line in text.split("\n"):
        yield at, line
        at += len(line) + 1
