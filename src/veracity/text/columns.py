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
or more runs of rule characters, under a header line, over two or more rows, is rewritten; or
one whose rule is a single run across the table under a header line of three or more cells
(the header's cells then set the columns). A line above the header may name groups of columns
("Route A" over "Single   Return": "Route A Single", "Route A Return"), or hold the first line
of names two lines high ("Charge per" over "day overdue"). A grid with no rule is one too: a
header line that leaves the labels' column blank ("Mon-Fri   Saturday   Sunday"), over rows
that each hold a label and one value under each name. A heading's underline (one run, under a
line of one cell) and everything else is left as it is. A row whose first cell is empty goes on
from the row above when it holds one cell (a wrapped description); with two or more, it is a
row of its own under the label above ("Monday" of a timetable, written once over the day's
classes), which it repeats. A blank line goes on to the next group of rows when the row after
it holds a value in every column.
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
# a rule across the whole table, one run of dashes, equals signs or underscores ("-----------")
_FULL_RULE = re.compile(r"^[ \t]*(?:-{10,}|={10,}|_{10,})[ \t]*$")
_MIN_FULL_COLUMNS = 3  # a heading's underline has one; a table under one rule, three or more
_SLACK = 2  # how far a group's name (or a grid's value) may start from its column
_MIN_LABEL_WIDTH = 8  # the blank over a grid's row labels
# what may stand above a grid's header: a blank line or a heading's underline
_OPENS_BLOCK = re.compile(r"^[ \t]*(?:[-=~_]{3,}[ \t]*)?$")


def aligned_tables(text: str) -> str:
    """``text`` with each table laid out in aligned columns under a rule line rewritten as a
    Markdown table; the rest unchanged."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        table = _table_at(lines, i)
        if table is None:
            grid = _grid_at(lines, i)
            if grid is None:
                out.append(lines[i])
                i += 1
                continue
            rows, i = grid
            out.extend(_markdown(rows))
            continue
        rows, end, above = table
        out.pop()  # the header line, now the table's first row
        if above:
            out.pop()  # the line above it, now in the header's names
        out.extend(_markdown(rows))
        i = end
    return "\n".join(out)


def _table_at(lines: list[str], i: int) -> tuple[list[list[str]], int, bool] | None:
    """The rows (header first) of the table whose rule line is ``lines[i]``, the index of the
    first line after it, and whether the line above the header was read into the header's
    names (group names, or names two lines high); None when ``lines[i]`` is no such rule."""
    if i == 0 or not lines[i - 1].strip():
        return None
    above = False
    if _RULE.match(lines[i]):
        starts = [m.start() for m in _RUN.finditer(lines[i])]
        header = _cells(lines[i - 1], starts)
    elif _FULL_RULE.match(lines[i]):  # one rule across: the header line's cells are the columns
        starts = [m.start() for m in ALIGNED_CELL.finditer(lines[i - 1])]
        header = _cells(lines[i - 1], starts) if len(starts) >= _MIN_FULL_COLUMNS else None
    else:
        return None
    if header is not None and i >= 2 and lines[i - 2].strip():
        names = _stacked(lines[i - 2], starts, header) or _grouped(lines[i - 2], starts, header)
        above, header = names != header, names
    if header is None or sum(1 for c in header if c) < 2:
        return None
    rows: list[list[str]] = []
    end = i + 1
    while end < len(lines) and not _RULE.match(lines[end]):
        if not lines[end].strip():
            if not (rows and _full_row(lines, end + 1, starts)):
                break
            end += 1  # a blank line between groups of rows ("Monday", "Tuesday")
        cells = _cells(lines[end], starts)
        if cells is None:
            return None  # text that does not keep to the columns: no table
        if not cells[0] and rows and sum(1 for c in cells if c) >= 2:
            rows.append([rows[-1][0], *cells[1:]])  # a row of the group the label above names
        elif not cells[0] and rows:
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
        else:
            rows.append(cells)
        end += 1
    if len(rows) < _MIN_ROWS:
        return None
    return [header, *rows], end, above


def _full_row(lines: list[str], at: int, starts: list[int]) -> bool:
    """Whether ``lines[at]`` is a row with a value in every one of the columns at ``starts``."""
    if at >= len(lines) or not lines[at].strip() or _RULE.match(lines[at]):
        return False
    cells = _cells(lines[at], starts)
    return cells is not None and all(cells)


def _grid_at(lines: list[str], i: int) -> tuple[list[list[str]], int] | None:
    """The rows (header first) of a grid with no rule whose header is ``lines[i]``, and the
    index of the first line after it; None when there is none. The header names two or more
    columns and leaves the first (the rows' labels) blank; each row below it, to the first
    blank line (two at least), holds a label left of the header and one value under each of its
    names ("Mon-Fri   Saturday   Sunday" over "First from Kinlossie   06:50   07:40   09:15")."""
    heads = list(ALIGNED_CELL.finditer(lines[i]))
    above = lines[i - 1] if i else ""
    if len(heads) < 2 or heads[0].start() < _MIN_LABEL_WIDTH or not _OPENS_BLOCK.match(above):
        return None
    starts = [m.start() for m in heads]
    rows: list[list[str]] = []
    end = i + 1
    while end < len(lines) and lines[end].strip():
        pieces = list(ALIGNED_CELL.finditer(lines[end]))
        if len(pieces) != len(heads) + 1 or pieces[0].end() > starts[0]:
            return None
        if any(abs(p.start() - s) > _SLACK for p, s in zip(pieces[1:], starts, strict=True)):
            return None
        rows.append([p.group(0) for p in pieces])
        end += 1
    if len(rows) < _MIN_ROWS:
        return None
    return [["", *(m.group(0) for m in heads)], *rows], end


def _stacked(line: str, starts: list[int], header: list[str]) -> list[str] | None:
    """``header``'s names with the first lines of their words in ``line`` above it, when the
    header's names are two lines high ("Charge per" over "day overdue": "Charge per day
    overdue"): two or more of ``line``'s cells, each starting where a column does; else None."""
    pieces = list(ALIGNED_CELL.finditer(line))
    if len(pieces) < 2 or any(min(abs(m.start() - s) for s in starts) > 1 for m in pieces):
        return None
    above = _cells(line, starts)
    if above is None:
        return None
    return [f"{a} {b}".strip() for a, b in zip(above, header, strict=True)]


def _grouped(line: str, starts: list[int], header: list[str]) -> list[str]:
    """``header``'s names under the group names of ``line`` above it, when that line names
    groups of its columns (two or more names, none over the first column): "Single" under
    "Route A" becomes "Route A Single". Each column goes to the group name whose middle is
    nearest its own; ``header`` unchanged when ``line`` is no such line."""
    groups = [(m.start(), m.group(0)) for m in ALIGNED_CELL.finditer(line)]
    if len(groups) < 2 or len(starts) < 3 or groups[0][0] <= starts[1] - _SLACK:
        return header
    ends = [*starts[1:], max(len(line), starts[-1] + len(header[-1]))]
    named = [header[0]]
    for at, end, name in zip(starts[1:], ends[1:], header[1:], strict=True):
        middle = (at + end) / 2
        _, group = min(groups, key=lambda g: abs(g[0] + len(g[1]) / 2 - middle))
        named.append(f"{group} {name}".strip())
    return named


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
