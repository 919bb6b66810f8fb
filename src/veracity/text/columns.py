"""Tables of plain text laid out in aligned columns, read as Markdown tables.

Manuals, handbooks and policies saved as text set their tables out in columns, with a rule of
dashes, dots or equals signs under the header::

      Mode        Suction     Typical use
      ----------  ----------  ------------------------
      Quiet       1200 Pa     Night-time, hard floors
      Standard    2200 Pa     Everyday cleaning

Read as prose, "Mode Suction Typical use" is a sentence and "Standard 2200 Pa Everyday
cleaning" another, and no check can tell which column a value is in. ``aligned_tables``
rewrites each such block as a Markdown table (the form HTML data tables are loaded in), so the
table checks of the answer step read it by row and column. Only a block whose rule line has two
or more runs of rule characters, under a header line, over two or more rows, is rewritten; a
heading's underline (one run) and everything else is left as it is. A row whose first cell is
empty goes on from the row above (a wrapped description).
"""

from __future__ import annotations

import re

__all__ = ["ALIGNED_CELL", "aligned_tables"]

# a rule under a header: two or more runs of one rule character, apart by spaces
_RULE = re.compile(r"^[ \t]*(?:[-=.~_]{3,}[ \t]+)+[-=.~_]{3,}[ \t]*$")
_RUN = re.compile(r"[-=.~_]{3,}")
# a cell's text: words apart by single spaces (two or more end the cell)
ALIGNED_CELL = re.compile(r"\S+(?: \S+)*")
_MIN_ROWS = 2


def aligned_tables(text: str) -> str:
    """``text`` with each table laid out in aligned columns under a rule line rewritten as a
    Markdown table; the rest unchanged."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        table = _table_at(lines, i)
        if table is None:
            out.append(lines[i])
            i += 1
            continue
        rows, end = table
        out.pop()  # the header line, now the table's first row
        out.extend(_markdown(rows))
        i = end
    return "\n".join(out)


def _table_at(lines: list[str], i: int) -> tuple[list[list[str]], int] | None:
    """The rows (header first) of the table whose rule line is ``lines[i]``, and the index of
    the first line after it; None when ``lines[i]`` is no such rule."""
    if i == 0 or not _RULE.match(lines[i]) or not lines[i - 1].strip():
        return None
    starts = [m.start() for m in _RUN.finditer(lines[i])]
    header = _cells(lines[i - 1], starts)
    if header is None or sum(1 for c in header if c) < 2:
        return None
    rows: list[list[str]] = []
    end = i + 1
    while end < len(lines) and lines[end].strip() and not _RULE.match(lines[end]):
        cells = _cells(lines[end], starts)
        if cells is None:
            return None  # text that does not keep to the columns: no table
        if not cells[0] and rows:
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
        else:
            rows.append(cells)
        end += 1
    if len(rows) < _MIN_ROWS:
        return None
    return [header, *rows], end


def _cells(line: str, starts: list[int]) -> list[str] | None:
    """The cells of ``line`` by the columns that begin at ``starts``: each piece of text (apart
    from the next by two spaces or more) goes to the column it starts in, give or take a space;
    None when a piece runs across the start of the next column."""
    cells = [""] * len(starts)
    for m in ALIGNED_CELL.finditer(line):
        column = max((k for k, s in enumerate(starts) if s <= m.start() + 1), default=0)
        if column + 1 < len(starts) and m.end() > starts[column + 1] + 1:
            return None
        cells[column] = f"{cells[column]} {m.group(0)}".strip()
    return cells


def _markdown(rows: list[list[str]]) -> list[str]:
    """Markdown table lines of ``rows`` (the first is the header)."""

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "/") for c in cells) + " |"

    return [line(rows[0]), "|" + "---|" * len(rows[0]), *(line(r) for r in rows[1:])]
