"""A text's lines with the offsets they start at (for the heading finders of PDF text and of
outlined plain text), and where its paragraphs start and end (a blank line ends one)."""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["BLANK_LINE", "lines_at", "opens_paragraph", "paragraph_at", "paragraph_start"]

# a blank line: the end of a paragraph
BLANK_LINE = re.compile(r"\n[ \t]*\n")


def lines_at(text: str) -> Iterator[tuple[int, str]]:
    """``(start, line)`` of each line of ``text`` (split at ``\\n``), in order."""
    at = 0
    for line in text.split("\n"):
        yield at, line
        at += len(line) + 1


def paragraph_start(text: str, at: int) -> int:
    """The offset where the paragraph holding offset ``at`` starts: just after the last blank
    line before ``at``, or 0."""
    start = 0
    for m in BLANK_LINE.finditer(text, 0, at):
        start = m.end()
    return start


def paragraph_at(text: str, at: int) -> tuple[int, int]:
    """``(start, end)`` of the paragraph of ``text`` that holds offset ``at``: from just after
    the last blank line before ``at`` to the next blank line (or the text's end)."""
    after = BLANK_LINE.search(text, at)
    return paragraph_start(text, at), after.start() if after else len(text)


def opens_paragraph(text: str, line: int) -> bool:
    """Whether the line starting at offset ``line`` opens a paragraph: it is the text's first,
    or a blank line comes before it."""
    if line == 0:
        return True
    previous = text.rfind("\n", 0, line - 1)
    return previous >= 0 and not text[previous + 1 : line - 1].strip(" \t")
