"""A text's entries: list items, "Label: value" fields, table rows, the rows of a dot leader's
list ("London ...... £160") and the items of a column of short lines, each with the indented
lines that continue it. The answer's checks ask which entry a span is in and which entry a
question names (``rag.structure``)."""

from __future__ import annotations

import re

from veracity.text.leaders import leader_rows
from veracity.text.markup import TABLE_ROW
from veracity.text.sentences import short_column

__all__ = ["entries", "lead_in"]

# A list item ("* x", "- x", "1. x", "a) x") or a field ("License: BSD", "Added in: v1.2"); a
# table row (``markup.TABLE_ROW``: "| Weight | 14.5 kg |") is an entry too.
_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,3}[.)]|[a-z][.)])[ \t]+\S")
_FIELD = re.compile(r"^[ \t]*[A-Za-z][\w .()/-]{0,40}:[ \t]+\S")
# a numbered line in capitals is a section's heading ("8. CORPORATE CARDS"), not an item
_NUMBERED_CAPITALS = re.compile(r"[ \t]*\d{1,3}[.)][ \t]+(?=[^a-z\n]*[A-Z]{3})[^a-z\n]*\n?")

# the rule under a Markdown table's header row: "|---|:---:|"
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")


def entries(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each entry of ``text``: a line that opens a list item or a field, a
    table row (not a header row) or a dot leader's row (``text.leaders``, with the lines its
    label wraps over), with the indented lines that continue it (a wrapped option,
    a folded header), or a line of a column of short lines (a menu: see ``_column_lines``). A
    blank line or an unindented line that opens no entry (a heading, a paragraph) ends it."""
    out: list[tuple[int, int]] = []
    open_at = -1
    pos = last_end = 0
    lines = text.splitlines(keepends=True)
    column = _column_lines(lines)
    rows = leader_rows([line.rstrip("\n") for line in lines])
    row_first = {first for first, _ in rows}
    row_rest = {i for first, last in rows for i in range(first + 1, last + 1)}
    for i, line in enumerate(lines):
        end = pos + len(line.rstrip("\n"))
        header = i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1]) is not None
        if header:  # a table's header row names columns, not an entry
            if open_at >= 0:
                out.append((open_at, last_end))
            open_at = -1
        elif (
            (_ITEM.match(line) and not _NUMBERED_CAPITALS.fullmatch(line))
            or _FIELD.match(line)
            or TABLE_ROW.match(line)
            or i in column
            or i in row_first
        ):
            if open_at >= 0:
                out.append((open_at, last_end))
            open_at = pos
        elif open_at >= 0 and i not in row_rest and (not line.strip() or not line[0].isspace()):
            out.append((open_at, last_end))
            open_at = -1
        last_end = end
        pos += len(line)
    if open_at >= 0:
        out.append((open_at, last_end))
    return out


# an item line of a column: opens with a capital or a digit, ends as no sentence does
_COLUMN_ITEM = re.compile(r"[A-Z0-9][^\n]*[^.!?:;\s]")


def _column_lines(lines: list[str]) -> set[int]:
    """The indexes of ``lines`` that are items of a column of short lines: a run between blank
    lines that is a ``short_column``, two or more of its lines items, opening with a capital or
    a digit and ending without a sentence's punctuation ("Tomato soup - 5.50 euros (vegan)"),
    but for a heading over it ("Mains")."""
    out: set[int] = set()
    run: list[int] = []
    for i, line in enumerate([*lines, ""]):
        if line.strip():
            run.append(i)
            continue
        items = {k for k in run if _COLUMN_ITEM.fullmatch(lines[k].strip())}
        if run and len(lines[run[0]].split()) <= 3 and not re.search(r"\d", lines[run[0]]):
            items.discard(run[0])  # the heading over the column ("Mains")
        if len(items) >= 2 and short_column([lines[k] for k in run]):
            out |= items
        run = []
    return out


def lead_in(text: str, at: int) -> str:
    """The line that leads into the list holding offset ``at`` ("Monthly card limits:" over
    "Grades 1-4 ...... £2,500"): the last non-blank line above the list's first entry, when it
    ends with a colon; "" when ``at`` is in no entry or the list has no such line. The entries
    of one list follow one another with nothing but blank lines between."""
    spans = entries(text)
    mine = next((i for i, (s, e) in enumerate(spans) if s <= at <= e), None)
    if mine is None:
        return ""
    while mine > 0 and not text[spans[mine - 1][1] : spans[mine][0]].strip():
        mine -= 1
    above = text[: spans[mine][0]].rstrip()
    line = above[above.rfind("\n") + 1 :].strip()
    return line if line.endswith(":") else ""
