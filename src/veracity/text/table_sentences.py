"""Tables written as sentences, for a reader that learned from prose.

A reader trained on paragraphs reads a table's rows as one run of words: the column a value sits
in is named only in the header row, lines above it, so "| Studio | £22.00 | £28.00 |" says
nothing of which price is the peak one. ``table_sentences`` writes each row as a sentence that
names its columns, the header's words beside each cell::

    | Space  | Off-peak | Peak   |
    |--------|----------|--------|        Space: Studio; Off-peak: £22.00; Peak: £28.00.
    | Studio | £22.00   | £28.00 |

the header and separator rows themselves left out. A plain-text price list's dot leaders
("Towel hire ........ 2.00 per stay") cost the reader a token per dot and run its rows together;
each such row becomes "Towel hire: 2.00 per stay.", and a grid of them under a header line of
three or more columns ("ROOM TYPE   SUN-THU   FRI-SAT") names each value by its column.
Everything else is kept as it is.
The cells are copied character for character and the result keeps, for each of its characters,
where it came from (``Rewritten.source``), so a span found in the rewritten text maps back to
exact characters of the original (``Rewritten.original_span``): a citation points at the cell,
never at words the rewrite put there. A table without a separator row (a chunk that starts in
the middle of a table) has no header to name columns by; its rows are still one sentence each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from veracity.text.columns import ALIGNED_CELL
from veracity.text.leaders import LEADER_RUN
from veracity.text.markup import TABLE_ROW, TABLE_RULE

__all__ = ["Rewritten", "table_sentences"]

_NAME_PAD = " \t*_`"


@dataclass(frozen=True, slots=True)
class Rewritten:
    """``text``, rewritten from ``original``, and for each of its characters the offset of the
    original character it copies (``source``), or -1 for a character the rewrite added;
    ``repeats`` holds, for each character of a column's name written beside a cell, the offset
    of the header cell's character it repeats (-1 for every other character)."""

    original: str
    text: str
    source: tuple[int, ...]
    repeats: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int] | None:
        """The original characters of ``text[start:end]``: from the first copied character in
        it to the last; for a span of a column's name alone, that name in the header row; None
        when it holds neither (a separator)."""
        for offsets in (self.source, self.repeats):
            inside = [offsets[i] for i in range(max(start, 0), min(end, len(offsets)))
                      if offsets[i] >= 0]  # fmt: skip
            if inside:
                return inside[0], inside[-1] + 1
        return None


def table_sentences(text: str) -> Rewritten:
    """``text`` with every Markdown table's rows and every dot-leader row written as sentences
    naming their columns; identical to ``text`` (and mapped one to one) when it has neither."""
    parts: list[tuple[str, int, int]] = []  # (piece, its first char's offset or -1, repeated)
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    i = 0
    grid: list[tuple[str, int]] = []  # the column names of a price grid's header line
    while i < len(lines):
        if not _is_row(lines[i]):
            runs = list(LEADER_RUN.finditer(lines[i]))
            if runs:
                names = grid if len(grid) == len(runs) + 1 else []
                parts.extend(_leader_line(lines[i], starts[i], runs, names))
            else:
                parts.append((lines[i], starts[i], -1))
                grid = _grid_header(lines[i], starts[i])
            i += 1
            continue
        j = i
        while j < len(lines) and _is_row(lines[j]):
            j += 1
        parts.extend(_table(lines[i:j], starts[i:j]))
        i = j
    out: list[str] = []
    source: list[int] = []
    repeats: list[int] = []
    for piece, at, named in parts:
        out.append(piece)
        source.extend(range(at, at + len(piece)) if at >= 0 else [-1] * len(piece))
        repeats.extend(range(named, named + len(piece)) if named >= 0 else [-1] * len(piece))
    return Rewritten(text, "".join(out), tuple(source), tuple(repeats))


def _leader_line(
    line: str, at: int, runs: list[re.Match[str]], names: list[tuple[str, int]]
) -> list[tuple[str, int, int]]:
    """A line of dot leaders ("Towel hire ........ 2.00 per stay") as a sentence: the first
    run of dots becomes ": ", a later one "; ", and the line ends with a full stop; under a
    grid's header line ("ROOM TYPE   SUN-THU   FRI-SAT") each value is named by its column."""
    body = line.rstrip("\r\n")
    parts: list[tuple[str, int, int]] = []
    pos = 0
    for k, run in enumerate(runs):
        if names and k == 0:
            parts.extend(((names[0][0], -1, names[0][1]), (": ", -1, -1)))
        parts.append((body[pos : run.start()], at + pos, -1))
        parts.append(("; " if k or names else ": ", -1, -1))
        if names:
            parts.extend(((names[k + 1][0], -1, names[k + 1][1]), (": ", -1, -1)))
        pos = run.end()
    parts.append((body[pos:], at + pos, -1))
    if body.rstrip()[-1:] not in (".", "!", "?", ":", ",", ";"):
        parts.append((".", -1, -1))
    parts.append((line[len(body) :], at + len(body), -1))
    return parts


def _grid_header(line: str, at: int) -> list[tuple[str, int]]:
    """The column names of a line that heads a grid of dot-leader rows: three or more cells
    apart by two or more spaces ("ROOM TYPE      SUN-THU      FRI-SAT"); [] for any other."""
    cells = [(m.group(), at + m.start()) for m in ALIGNED_CELL.finditer(line.rstrip("\r\n"))]
    return cells if len(cells) >= 3 else []


def _is_row(line: str) -> bool:
    return TABLE_ROW.fullmatch(line.rstrip("\r\n")) is not None


def _table(lines: list[str], starts: list[int]) -> list[tuple[str, int, int]]:
    """The rows of one table (``lines``, each starting at ``starts``) as sentence pieces."""
    names: list[tuple[str, int]] = []  # each column's name and its offset in the header row
    body = list(zip(lines, starts, strict=True))
    if len(lines) > 1 and TABLE_RULE.fullmatch(lines[1].rstrip("\r\n")):
        names = [_name(c, o) for c, o in zip(*_cells(lines[0], starts[0]), strict=True)]
        body = body[2:]
    parts: list[tuple[str, int, int]] = []
    for line, at in body:
        if TABLE_RULE.fullmatch(line.rstrip("\r\n")):
            continue
        cells, offsets = _cells(line, at)
        said = [(k, c, o) for k, (c, o) in enumerate(zip(cells, offsets, strict=True)) if c]
        for n, (k, cell, offset) in enumerate(said):
            name, named = names[k] if k < len(names) else ("", -1)
            if n:
                parts.append(("; ", -1, -1))
            if name:
                parts.extend(((name, -1, named), (": ", -1, -1)))
            parts.append((cell, offset, -1))
        if said:
            parts.append(("" if said[-1][1][-1] in ".!?" else ".", -1, -1))
        parts.append(("\n", -1, -1))
    return parts


def _name(cell: str, at: int) -> tuple[str, int]:
    """A header cell's name without emphasis or code marks, and where that name starts."""
    lead = len(cell) - len(cell.lstrip(_NAME_PAD))
    return cell.strip(_NAME_PAD), at + lead


def _cells(line: str, at: int) -> tuple[list[str], list[int]]:
    """The cells of the table row ``line`` (which starts at offset ``at``), each without the
    spaces around it, and the offset of each."""
    row = line.rstrip("\r\n")
    inner_start = row.index("|") + 1
    inner_end = row.rindex("|")
    cells: list[str] = []
    offsets: list[int] = []
    pos = inner_start
    for raw in row[inner_start:inner_end].split("|"):
        lead = len(raw) - len(raw.lstrip())
        cells.append(raw.strip())
        offsets.append(at + pos + lead)
        pos += len(raw) + 1
    return cells, offsets
