"""Headings of plain text laid out as an outline: man pages saved as text, RFCs, indented notes.

Such text sets its headings apart by indentation alone. Its body is indented (a man page's by
seven columns, an RFC's by three) and a heading stands to the left of it: "RETURN VALUE" at the
margin, "   Seeking file data and holes" at three columns. A line is a heading when

- it stands left of the body: indented less than the indentation most of the text's lines have
  (so text written at the margin has no headings: nothing stands left of it);
- it opens a block (the text's first line, or a line after a blank one) and the next non-blank
  line is indented more than it;
- it is short (at most eight words and sixty characters), starts with a letter or a digit, and
  ends without a sentence's punctuation.

Its level is the rank of its indentation among the headings' (the margin is level 1). Terms of a
definition list ("       EACCES" over its indented meaning) stand at the body's indentation, so
they are body, not headings: an error list stays one section.
"""

from __future__ import annotations

from collections import Counter

from veracity.text.lines import lines_at

__all__ = ["plain_heading_starts"]

_MAX_WORDS = 8
_MAX_CHARS = 60


def _indent(line: str) -> int:
    expanded = line.expandtabs()
    return len(expanded) - len(expanded.lstrip())


def _is_title(stripped: str) -> bool:
    return (
        len(stripped) <= _MAX_CHARS
        and len(stripped.split()) <= _MAX_WORDS
        and stripped[0].isalnum()
        and stripped[-1] not in ".,;:!?"
    )


def plain_heading_starts(text: str) -> list[tuple[int, int, str]]:
    """``(line start, level, title)`` of each heading of plain ``text`` (module docstring), in
    order; empty when the text is not laid out as an outline."""
    lines = list(lines_at(text))
    indents = Counter(_indent(line) for _, line in lines if line.strip())
    if not indents:
        return []
    body = indents.most_common(1)[0][0]
    if body == 0:
        return []
    found: list[tuple[int, int, str]] = []
    for i, (start, line) in enumerate(lines):
        stripped = line.strip()
        if not stripped or _indent(line) >= body or not _is_title(stripped):
            continue
        if i > 0 and lines[i - 1][1].strip():
            continue  # not the start of a block
        following = next((nxt for _, nxt in lines[i + 1 :] if nxt.strip()), None)
        if following is None or _indent(following) <= _indent(line):
            continue
        found.append((start, _indent(line), stripped))
    levels = sorted({indent for _, indent, _ in found})
    return [(start, levels.index(indent) + 1, title) for start, indent, title in found]
