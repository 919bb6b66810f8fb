"""Dot leaders: the rows of a plain-text price list, a table of limits or a table of contents,
written as a label, a run of dots and a value ("London (inside the M25) ........ £160").

A leader row is one entry and one sentence, however its dots read: four dots or more are never
a sentence's end. A row's label may wrap over lines before the one with the dots ("Other UK
cities (Birmingham, Bristol,\\n   Leeds) ...... £120"); the row then starts at the label's first
line. ``leader_rows`` finds the rows of a text's lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["LEADER_DOTS", "LEADER_FIELD", "LEADER_RUN", "leader_rows"]

# at least four dots (three are an ellipsis), with the spaces around them, then a value on the
# same line; the dots are consumed possessively from the run's first, so a long run is read once,
# and a match starts only where its run of spaces starts, so a line of 100,000 spaces is too
LEADER_DOTS = 4
LEADER_RUN = re.compile(r"(?<![^\S\n])[^\S\n]*+(?<!\.)\.{4,}+[^\S\n]*+(?=[^\s.])")
# a leader row as a field: its label (group 1, perhaps wrapped over lines) and its value (group 2)
LEADER_FIELD = re.compile(r"[ \t]*([^\s.][^.]*?)[ \t]*\.{4,}+[ \t]*([^\s.][^\n]*?)[ \t]*(?=\n|$)")
# a label's line that goes on in the next: it ends with a comma, an opening bracket or a word
# joined to the next ("and", "or"), or it opens a bracket the next line closes
_WRAPS = re.compile(r"(?:[,(/&-]|\band|\bor)\s*$")


def leader_rows(lines: Sequence[str]) -> list[tuple[int, int]]:
    """``(first, last)`` line indexes (inclusive) of each leader row of ``lines``: a line with a
    run of four or more dots followed by a value, with the lines above it that its label wraps
    from (each ends with a comma, a bracket or a joining word, or opens a bracket that is
    still open; none is a leader row or blank)."""
    rows: list[tuple[int, int]] = []
    taken = -1  # the last line index that belongs to a row already
    for i, line in enumerate(lines):
        if not LEADER_RUN.search(line):
            continue
        first = i
        opened = line.count("(") - line.count(")")  # brackets the label below leaves open
        while first - 1 > taken:
            above = lines[first - 1]
            if not above.strip() or LEADER_RUN.search(above):
                break
            opens = above.count("(") - above.count(")")
            # a bracket opened above and closed below, or a line that says it goes on
            if not (opens > 0 and opens + opened == 0) and not _WRAPS.search(above):
                break
            opened += opens
            first -= 1
        rows.append((first, i))
        taken = i
    return rows
