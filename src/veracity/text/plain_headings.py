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

Text written at the margin marks its headings in one of two other ways, read when it has no
outline (``margin_heading_starts``):

- an underline: a title line (at most twelve words and eighty characters) that opens a block,
  over a line of one repeated mark (``=====``, ``-----``, ``~~~~``), as README files and notes
  in plain text are written; each mark is a level, in the order the text first uses them;
- capitals: a short line in capital letters that opens a block and is followed by text
  ("USING YOUR ALLOWANCE ABROAD"), one level below the underlined ones.
"""

from __future__ import annotations

import re
from collections import Counter

from veracity.text.lines import lines_at

__all__ = ["UNDERLINE", "margin_heading_starts", "plain_heading_starts"]

_MAX_WORDS = 8
_MAX_CHARS = 60
# An underline: one mark repeated three or more times, alone on its line.
UNDERLINE = re.compile(r"[ \t]*([=\-~^*#+])\1{2,}[ \t]*")
_UNDERLINED_MAX_WORDS = 12
_UNDERLINED_MAX_CHARS = 80


def _indent(line: str) -> int:
    expanded = line.expandtabs()
    return len(expanded) - len(expanded.lstrip())


def _is_title(stripped: str, max_chars: int = _MAX_CHARS, max_words: int = _MAX_WORDS) -> bool:
    return (
        len(stripped) <= max_chars
        and len(stripped.split()) <= max_words
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


def margin_heading_starts(text: str) -> list[tuple[int, int, str]]:
    """``(line start, level, title)`` of each underlined or capitalized heading of ``text``
    (module docstring), in order; empty when it has none."""
    lines = [line for _, line in lines_at(text)]
    starts = [start for start, _ in lines_at(text)]
    marks: list[str] = []  # the underline marks, in the order the text first uses them
    found: list[tuple[int, str | None, str]] = []  # (line start, mark or None: capitals, title)
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or UNDERLINE.fullmatch(line):
            continue
        above = lines[i - 1] if i > 0 else ""
        if above.strip() and not UNDERLINE.fullmatch(above):
            continue  # not the start of a block (an overline may stand over a title)
        below = lines[i + 1] if i + 1 < len(lines) else ""
        if (mark := UNDERLINE.fullmatch(below)) and _is_title(
            stripped, _UNDERLINED_MAX_CHARS, _UNDERLINED_MAX_WORDS
        ):
            if mark.group(1) not in marks:
                marks.append(mark.group(1))
            found.append((starts[i], mark.group(1), stripped))
        elif _in_capitals(stripped) and any(rest.strip() for rest in lines[i + 1 :]):
            found.append((starts[i], None, stripped))
    return [
        (start, marks.index(mark) + 1 if mark is not None else len(marks) + 1, title)
        for start, mark, title in found
    ]


def _in_capitals(stripped: str) -> bool:
    """A short title line whose letters are all capitals, with a word of two or more letters
    and no field's colon ("NOTE: back up first" is a sentence)."""
    return (
        _is_title(stripped)
        and ":" not in stripped
        and stripped.upper() == stripped
        and any(len(w) > 1 and w.isalpha() for w in re.findall(r"[^\W\d_]+", stripped))
    )
