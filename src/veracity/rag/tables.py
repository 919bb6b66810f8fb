"""Markdown tables in a passage: which row a span is in, and what its cells hold.

A specification or an option list is often a table ("| Weight | 14.5 kg |"), and a reader
trained on prose treats its rows as one run of words: it takes a span from the wrong row, a span
across cells ("max_connections` | `1024"), or the description cell of a row when its "Default"
column holds the answer. These checks and fixes know the layout: ``row_problem`` refuses a span
from a row the question does not name, ``outside_row_problem`` a span outside the table when the
question names one of its rows, ``row_cell`` keeps a span's value cell, ``column_cell``
answers from the column the question names (a "default" question from a Default column), and
``named_cell`` from the cell whose row and column the question both names. A table longer than
a chunk is split, and ``table_above`` gives a later chunk the rows above it, header first.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from veracity.guard.claims import ORDINALS, numbers
from veracity.guard.labelled import holds_labelled, labelled_numbers
from veracity.rag.focus import HOW_KINDS
from veracity.rag.named_entries import excluded_terms
from veracity.rag.reader.base import Reading
from veracity.rag.structure import ASKS_DEFAULT, content_terms, short_quote
from veracity.records import Hit
from veracity.text.markup import TABLE_ROW

# a table column of defaults, and what pads a cell's value
_COLUMN_DEFAULT = re.compile(r"[*_]*default(?:\s+value)?[*_]*$", re.IGNORECASE)
_CELL_PAD = " \t`*"
_SEPARATOR = re.compile(r"[\s|:-]*-[\s|:-]*")


def row_problem(question: str, text: str, start: int, context: Sequence[str] = ()) -> str:
    """Why the span at ``text[start]`` answers from the wrong row of a table, or "": of the
    question's content words that name rows of the span's table (its first cells), the span's
    row lacks one. "What is the minimum temperature?" is not answered from "| Minimum water
    pressure | 0.1 MPa |" when another row says "Maximum temperature": no row is about it.
    Stricter than ``entry_problem``'s majority, since a row label is a few words that a question
    about it repeats. A word that ``text`` outside the table or the ``context`` (the chunk's
    headings, its document's title) also uses names the table's subject, not a row: "water" in
    "What is the capacity of the water heater?" of a water heater's specifications. A row whose
    label has what the question leaves out ("a motorbike without a sidecar") is not its row, and
    the header row, its cells the names of columns, is no row to answer from; a word of a
    column's name names that column ("unit rate" of "| Tariff | Unit rate |"), whichever row
    repeats it ("Variable, two-rate"), while the first header cell names what the rows are
    ("| Room |" over "| Oak Room |")."""
    rows = _table_rows(text, start)
    if not rows:
        return ""
    header = _under_rule(text, rows[0][1])  # the first row names the columns
    labels = set().union(*(content_terms(label) for _, _, label in rows[header:]))
    left_out = excluded_terms(question)
    asked = (content_terms(question) - left_out) & labels - _subject_terms(text, rows, context)
    if header:  # a word of a column's name ("rate" of "Unit rate") names no row
        asked -= content_terms(
            " ".join(text[rows[0][0] : rows[0][1]].strip().strip("|").split("|")[1:])
        )
    row = next((((s, e), label) for s, e, label in rows if s <= start <= e), None)
    if row is None:
        return ""  # a separator row ("|---|") is no row of the table's
    mine, label = row
    if header and mine == rows[0][:2]:
        return f"the answer is in the table's header row ('{short_quote(text[mine[0] : mine[1]])}')"
    if named := _labelled_row(question, rows[header:], text, mine):
        return (
            f"the answer's row ('{short_quote(text[mine[0] : mine[1]])}') is not the one the "
            f"question names ('{named}')"
        )
    if held := left_out & content_terms(label):
        return (
            f"the answer's row ('{short_quote(text[mine[0] : mine[1]])}') has what the question "
            f"leaves out ('{_word_of(question, sorted(held)[0])}')"
        )
    # a row is named by its label: "Everything in Glow, plus ..." in the Ceramic Max row's
    # description does not make it the Glow row
    missing = asked - content_terms(label)
    if not missing:
        return _narrower_row(question, text, rows[header:], mine)
    return (
        f"the answer's row ('{short_quote(text[mine[0] : mine[1]])}') is not the one the question "
        f"names (it lacks '{_word_of(question, sorted(missing)[0])}', which names another row)"
    )


def _narrower_row(
    question: str,
    text: str,
    rows: Sequence[tuple[int, int, str]],
    mine: tuple[int, int],
) -> str:
    """Why the span's row is narrower than the one the question names, or "": its first cell's
    head (the words before any bracket) has a word the question does not use, while another
    row's head is those words less the extra ones, all named by the question: "How much is an
    adult DaySaver?" is answered from the "DaySaver" row, not "Group DaySaver*", whatever the
    text around the table says of group tickets; nor "upper circle matinee" from "Restricted
    View (Upper Circle side)" when a row is "Upper Circle"."""
    asked = content_terms(question)
    own = content_terms(_row_head(text, mine))
    extra = own - asked
    if not extra:
        return ""
    words = _row_head(text, mine).split()
    word = next((w for w in words if content_terms(w) & extra), sorted(extra)[0])
    whole = content_terms(_first_cell(text, mine))  # with its brackets
    for s, e, _ in rows:
        other = content_terms(_row_head(text, (s, e)))
        if (s, e) != mine and other and other <= asked and other < whole:
            return (
                f"the answer's row ('{short_quote(text[mine[0] : mine[1]])}') is narrower than "
                f"the question: it names '{word.strip(_CELL_PAD)}', and the row "
                f"'{short_quote(text[s:e])}' is the one the question names"
            )
    return ""


def outside_row_problem(question: str, text: str, start: int, context: Sequence[str] = ()) -> str:
    """Why a span outside a table answers a question that names a row of it, or "": "How much
    is a night for a cat?" is not answered from "Stays of 14 nights or more get a 10% discount"
    below a price table with a row "| Cat | £14 |". A row is named as ``row_problem`` names one:
    by a content word of the question that its first cell has and that the text outside the
    table, the headings and the title do not use (those name the table's subject)."""
    if _table_rows(text, start):
        return ""  # a span in a table: row_problem judges its row
    asked = content_terms(question) - excluded_terms(question)
    for first in _table_starts(text):
        rows = _table_rows(text, first)
        body = rows[1:]  # the header row names columns
        free = asked - _subject_terms(text, rows, context)
        named = next((label for _, _, label in body if free & content_terms(label)), None)
        if named is not None:
            return (
                f"the question names the row '{short_quote(named.strip())}' of a table, and the "
                "answer is not in it"
            )
    return ""


def named_cell(question: str, text: str) -> tuple[int, int] | None:
    """The ``(start, end)`` of the cell a question names by its row and its column, or None:
    "How many users does the Premium plan allow?" over "| plan | monthly price | users |" and
    "| Premium | £45 | 10 |" is the cell "10". The row is named by the content words of its
    first cell (the one row that holds the most of them), the column by a content word of its
    header cell (exactly one column, the first excluded: it labels the rows). A reader trained
    on prose takes a span from a table's header ("monthly price | users") or from the sentence
    below it; when the question names both, the table says which cell answers. Only for a
    table whose rows all have the header's number of cells. What the question leaves out names
    nothing. An ordinal names a numbered row: "the second instalment" is the row "| 2 | ...",
    and a labelled number the row whose first cell holds it: "an Under-14" is the row
    "| Under-10s to Under-16s | ...". Among columns a word names alike ("1 day" ... "6 days"),
    the question's number names one ("4 days"). Rows that share a label (a timetable's "Friday"
    on each of the day's rows) are told apart by the rest of their cells ("friday zumba time").
    """
    asked = content_terms(question) - excluded_terms(question)
    numbered = {str(n) for n, w in enumerate(ORDINALS, 1) if re.search(rf"\b{w}\b", question, re.I)}
    labelled = labelled_numbers(question)
    for first in _table_starts(text):
        rows = _table_rows(text, first)
        if len(rows) < 2:
            continue
        header = _cells(text, rows[0][0], rows[0][1])
        held = [
            len(asked & content_terms(label))
            + (label.strip(" *`") in numbered)
            + sum(holds_labelled(lb, n, label) for lb, n in labelled)
            for _, _, label in rows[1:]
        ]
        named = [(s, e) for (s, e, _), k in zip(rows[1:], held, strict=True) if k == max(held)]
        if len(named) > 1 and max(held):  # a label written on each row of its group ("Friday")
            whole = [len(asked & content_terms(text[s:e])) for s, e in named]
            named = [row for row, k in zip(named, whole, strict=True) if k == max(whole)]
        columns = _named_columns(asked - _subject_terms(text, rows, ()), text, header) or (
            _named_columns(asked, text, header)
        )
        if len(columns) > 1:  # "4 days" names the "4 days" column among "1 day" ... "6 days"
            wanted = numbers(question)
            by_number = [i for i in columns if numbers(text[slice(*header[i])]) & wanted]
            columns = by_number if len(by_number) == 1 else columns
        if not max(held) or len(named) != 1 or len(columns) != 1:
            continue
        cells = _cells(text, *named[0])
        a, b = cells[columns[0]] if len(cells) == len(header) else (0, 0)
        if a == b:
            continue
        return a, b
    return None


def cell_words_missing(
    question: str, text: str, cell: tuple[int, int], context: Sequence[str] = ()
) -> set[str]:
    """The content words of ``question`` that neither the row of ``cell`` nor its table's header
    row, the line that leads into the table, nor ``context`` (the passage's headings and title)
    holds: with none missing, the table itself names everything the question asks for ("Grade 4
    ballet exam fee" over an exam fee table under "Ballet" whose row is "Grade 4"). "Tap Grade 2
    exam fee" over a ballet table misses "tap". The word after "how" asks ("how much"), and
    names nothing the table must hold."""
    rows = _table_rows(text, cell[0])
    if not rows:
        return content_terms(question)
    row = next((r for r in rows if r[0] <= cell[0] <= r[1]), rows[0])
    lead = text[: rows[0][0]].rstrip().rsplit("\n", 1)[-1]
    said = content_terms(
        " ".join((text[row[0] : row[1]], text[rows[0][0] : rows[0][1]], lead, *context))
    )
    return content_terms(question) - excluded_terms(question) - asking_terms(question) - said


def row_head_named(question: str, text: str, cell: tuple[int, int]) -> bool:
    """Whether ``question`` names the row of ``cell`` by its head: a word of its first cell
    before any bracket. "How much is a 7-day Sport ski package for an adult?" does not name the
    row "Heated boot upgrade (added to an adult ski package)", whatever its brackets share."""
    row = next((r for r in _table_rows(text, cell[0]) if r[0] <= cell[0] <= r[1]), None)
    if row is None:
        return False
    return bool(content_terms(_row_head(text, row[:2])) & content_terms(question))


def _row_head(text: str, row: tuple[int, int]) -> str:
    """The head of the row ``text[row[0]:row[1]]``: its first cell's words before any bracket."""
    return _first_cell(text, row).split("(", 1)[0]


def _first_cell(text: str, row: tuple[int, int]) -> str:
    first = _cells(text, *row)[0]
    return text[first[0] : first[1]]


def asking_terms(question: str) -> set[str]:
    """The terms of the words that ask, not name: "much" of "how much", "long" of "how long"."""
    return content_terms(" ".join(m.group(1) for m in _HOW_KIND.finditer(question)))


_HOW_KIND = re.compile(rf"\bhow\s+({'|'.join(sorted(HOW_KINDS))})\b", re.IGNORECASE)


def _named_columns(asked: set[str], text: str, header: list[tuple[int, int]]) -> list[int]:
    """The columns (the first, which labels the rows, aside) whose header cell holds the most
    words of ``asked`` (one at least): "first year" names "First year", not "Later years"."""
    shared = [len(asked & content_terms(text[a:b])) if i else 0 for i, (a, b) in enumerate(header)]
    best = max(shared, default=0)
    return [i for i, k in enumerate(shared) if k and k == best]


def _subject_terms(
    text: str, rows: Sequence[tuple[int, int, str]], context: Sequence[str]
) -> set[str]:
    """The content words of ``text`` outside the table of ``rows`` and of ``context`` (the
    headings, the title): they name the table's subject, not one of its rows ("water" of a
    water heater's specifications)."""
    outside = text[: rows[0][0]] + " " + text[rows[-1][1] :] + " " + " ".join(context)
    return content_terms(outside)


def _table_starts(text: str) -> list[int]:
    """Where each Markdown table of ``text`` starts (its first row's first character)."""
    starts, pos, before = [], 0, False
    for line in text.splitlines(keepends=True):
        row = TABLE_ROW.match(text, pos, pos + len(line.rstrip("\n"))) is not None
        if row and not before:
            starts.append(pos)
        before, pos = row, pos + len(line)
    return starts


def row_cell(text: str, start: int, end: int) -> tuple[int, int] | None:
    """For a span ``text[start:end]`` that crosses cells of a table row ("max_connections` |
    `1024"), the ``(start, end)`` of its part in the last cell it touches (the value, right of
    its label), stripped of spaces and backticks; None when the span is within one cell or not
    in a row."""
    if "|" not in text[start:end] or not _table_rows(text, start):
        return None
    a, b = _strip(text, text.rindex("|", start, end) + 1, end)
    return (a, b) if b > a else None


def cells_problem(span: str) -> str:
    """Why ``span`` is no answer, or "": it is several cells of a table row ("€53 | €67 | €79 |
    €89"), the values of several columns, which ``row_cell`` did not cut to one (a row of an
    HTML table read as text). Three or more parts, two of them with digits: a shell pipeline
    ("ps aux | grep x") is left alone. Or two or more short values with digits, three spaces or
    more apart: the columns of a plain-text grid ("07:45      08:35      10:05")."""
    parts = [p.strip() for p in span.split("|")]
    aligned = [p for p in _ALIGNED_GAP.split(span.strip()) if p]
    if len(aligned) >= 2 and all(re.search(r"\d", p) and len(p.split()) <= 3 for p in aligned):
        # "07:45           08:35           10:05": values of aligned columns
        return f"'{' '.join(span.split())}' is several cells of a table row, not one value"
    if len(parts) < 3 or any(len(p.split()) > 5 for p in parts):
        return ""
    if sum(bool(re.search(r"\d", p)) for p in parts) < 2:
        return ""
    return f"'{span}' is several cells of a table row, not one value"


# the gap between two cells of a row laid out in aligned columns: three spaces or more on a line
_ALIGNED_GAP = re.compile(r"[ \t]{3,}")


def column_cell(
    question: str, text: str, start: int, end: int, message: str = ""
) -> tuple[int, int] | None:
    """For a span ``text[start:end]`` in a table's row, the ``(start, end)`` of the row's cell in
    the column the question names (stripped of spaces and Markdown): the "Default" column, for
    a question that asks for a default; else the one column whose header holds a content word
    of the question (the first column, which labels the rows, aside): "a motorbike, single?"
    is answered from the "Single" cell of the span's row, not its "Day return". None when the
    span is already within that cell (a span that runs on from it into the next, "2` | Number
    of", is cut back to it), or is in the header row, or no one column is named. A question
    that asks which of the rows' kind ("Which exit code means the folder can't be written?"
    over "| Exit code | Meaning |") is answered from the first column, the row's label, unless
    it names the row by that label already ("what option replaces `rss_limit`?"), in it or in
    the ``message`` around it ("I still have rss_limit in my config - what option replaces
    it?")."""
    rows = _table_rows(text, start)
    if len(rows) < 2:
        return None
    header = _cells(text, rows[0][0], rows[0][1])
    names = [text[a:b] for a, b in header]
    mine = next(((s, e) for s, e, _ in rows[1:] if s <= start <= e), None)
    cells = [] if mine is None else _cells(text, *mine)
    label = text[slice(*cells[0])] if cells else ""
    if (
        names
        and _asks_for_column(question, names[0], names[1:])
        and not content_terms(label) & content_terms(f"{question} {message}")
    ):
        column = [0]  # "Which exit code means ...?" asks for the row's label
    elif ASKS_DEFAULT.search(question):
        column = [i for i, (a, b) in enumerate(header) if _COLUMN_DEFAULT.match(text, a, b)]
    else:
        asked = content_terms(question) - excluded_terms(question)
        column = [i for i, (a, b) in enumerate(header) if i and asked & content_terms(text[a:b])]
    if len(column) != 1 or mine is None:
        return None
    if column[0] >= len(cells):
        return None
    a, b = cells[column[0]]
    return None if (a <= start and end <= b) or a == b else (a, b)


# "which exit code", "what plan": the words a question asks for a kind of thing with
_ASKS_WHICH = re.compile(
    r"\b(?:which|what)\s+(?!(?:is|are|was|were|do|does|did|can|could|should|would|will|has|"
    r"have|happens|if|about|kind|type|sort)\b)([\w-]+(?:\s+[\w-]+)?)",
    re.IGNORECASE,
)


def _asks_for_column(question: str, name: str, others: Sequence[str]) -> bool:
    """Whether ``question`` asks which thing of the kind ``name`` (a first column's header)
    names: "Which exit code ..." of "Exit code", "what plan ..." of "Plan"; a word the
    ``others`` (the other columns' names) share names no one column ("what option" of "Old
    option" beside "New option")."""
    named = content_terms(name) - content_terms(" ".join(others))
    return bool(named) and any(
        content_terms(m.group(1)) & named for m in _ASKS_WHICH.finditer(question)
    )


def _cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The ``(start, end)`` of each cell of the row ``text[start:end]``, stripped of spaces,
    backticks and emphasis."""
    bars = [i for i in range(start, end) if text[i] == "|"]
    return [_strip(text, a + 1, b) for a, b in itertools.pairwise(bars)]


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    """``(a, b)`` narrowed past the spaces, backticks and emphasis that pad a cell's value."""
    while a < b and text[a] in _CELL_PAD:
        a += 1
    while b > a and text[b - 1] in _CELL_PAD:
        b -= 1
    return a, b


def table_above(document: str, start: int) -> str:
    """The lines of the Markdown table above ``document[start]`` (its header row, separator and
    earlier rows), when a passage that starts there opens inside the table: a table longer than
    a chunk is split, and the later chunks lack the header row that names their columns. ""
    when the passage does not open with a table row."""
    end = document.find("\n", start)
    if not TABLE_ROW.match(document, start, end if end >= 0 else len(document)):
        return ""
    first = start
    while first > 0:
        line = document.rfind("\n", 0, first - 1) + 1
        if not TABLE_ROW.match(document, line, first - 1):
            break
        first = line
    return document[first:start]


def with_table_above(
    hit: Hit, readings: list[Reading], documents: Callable[[str], str | None] | None
) -> tuple[Hit, list[Reading]]:
    """``hit`` and its ``readings`` opened onto the rows of the table the passage starts
    inside of, when it does: a table longer than a chunk is split, and a later chunk lacks the
    header row that names its columns ("| Car over 5 m | £52.50 | £84.00 |" says no "day
    return"). The passage then starts at the table's first row in its document
    (``table_above``), so its checks, its cells and its citations see the header; the
    reader has read the chunk alone, and its spans shift with it."""
    chunk = hit.chunk
    if documents is None or not chunk.text.lstrip(" \t").startswith("|"):
        return hit, readings
    text = documents(chunk.document_id)
    above = "" if text is None else table_above(text, chunk.start)
    if not above:
        return hit, readings
    n = len(above)
    opened = replace(chunk, text=above + chunk.text, start=chunk.start - n)
    return replace(hit, chunk=opened), [_shifted(r, n) for r in readings]


def _shifted(r: Reading, n: int) -> Reading:
    moved = tuple(_shifted(a, n) for a in r.alternatives)
    return replace(r, start=r.start + n, end=r.end + n, alternatives=moved)


def table_header(text: str, at: int) -> str:
    """The first row of the Markdown table holding ``text[at]`` (its column names); "" when
    ``at`` is not in a table row."""
    rows = _table_rows(text, at)
    return text[rows[0][0] : rows[0][1]] if rows else ""


def column_name(text: str, at: int) -> str:
    """The name of the column of the Markdown table cell holding ``text[at]`` (its header row's
    cell in the same place); "" when ``at`` is in no table row, in the header row itself, or in
    a row with more cells than the header."""
    rows = _table_rows(text, at)
    row = next(((s, e) for s, e, _ in rows if s <= at <= e), None)
    if row is None or row[0] == rows[0][0]:
        return ""
    cells = _cells(text, *row)
    k = next((i for i, (a, b) in enumerate(cells) if a <= at <= b), None)
    names = _cells(text, rows[0][0], rows[0][1])
    if k is None or k >= len(names):
        return ""
    return text[slice(*names[k])]


def _table_rows(text: str, at: int) -> list[tuple[int, int, str]]:
    """``(start, end, label)`` of each row of the Markdown table holding ``text[at]`` (the label:
    the cells that name the row, ``_row_label``); empty when ``at`` is not in a table row.
    Separator rows (``|---|``) are left out."""
    lines: list[tuple[int, int]] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        lines.append((pos, pos + len(line.rstrip("\n"))))
        pos += len(line)
    here = next((i for i, (s, e) in enumerate(lines) if s <= at <= e), None)
    if here is None or not TABLE_ROW.match(text, *lines[here]):
        return []
    lo = hi = here
    while lo > 0 and TABLE_ROW.match(text, *lines[lo - 1]):
        lo -= 1
    while hi + 1 < len(lines) and TABLE_ROW.match(text, *lines[hi + 1]):
        hi += 1
    out = []
    for s, e in lines[lo : hi + 1]:
        m = TABLE_ROW.match(text, s, e)
        assert m is not None
        if _SEPARATOR.fullmatch(m.group(1)):
            continue  # "|---|:---:|"; a header row may leave its first cell empty
        out.append((s, e, _row_label(m.group(1).split("|"))))
    return out


def _row_label(cells: Sequence[str]) -> str:
    """The cells that name a row: its first, and the second too when it is words with no
    digit ("| Any size | Petrol hybrid | £159 |": the fuel names the row as the size does),
    unless those words are a value ("| Sunday | Closed | - |": "closed" names no row)."""
    second = cells[1].strip(" *_`") if len(cells) > 2 else ""
    if second and not re.search(r"\d", second) and second.lower() not in _VALUE_WORDS:
        return f"{cells[0]} {cells[1]}"
    return cells[0]


# a cell's words that are its value, not a name: "Closed", "Free", "n/a"
_VALUE_WORDS = frozenset((
    "closed", "open", "free", "none", "nil", "n/a", "na", "-", "yes", "no", "included",
    "unlimited", "not available", "not included", "varies", "on request", "tbc",
))  # fmt: skip


def _labelled_row(
    question: str, rows: Sequence[tuple[int, int, str]], text: str, mine: tuple[int, int]
) -> str:
    """A labelled number of ``question`` ("Stages 4-7") that another row's first cell holds
    and the row ``mine`` does not ("| Stages 1–3 | 4 – 7 years |" holds no stage 4), as the
    question writes it; "" when there is none."""
    label_of = {(s, e): first for s, e, first in rows}
    for label, number in labelled_numbers(question):
        if holds_labelled(label, number, label_of.get(mine, "")):
            continue
        if any(holds_labelled(label, number, first) for first in label_of.values()):
            return f"{label} {number}"
    return ""


def _under_rule(text: str, end: int) -> bool:
    """Whether the line after the row ending at ``end`` is a separator row ("|---|"): the row
    is a table's header, its cells the names of columns."""
    if not text.startswith("\n", end):
        return False
    stop = text.find("\n", end + 1)
    m = TABLE_ROW.match(text, end + 1, len(text) if stop < 0 else stop)
    return m is not None and _SEPARATOR.fullmatch(m.group(1)) is not None


def _word_of(question: str, term: str) -> str:
    """The word of ``question`` that indexes as ``term`` ("temperature" for "temperatur")."""
    return next((w for w in re.findall(r"[\w'-]+", question) if content_terms(w) == {term}), term)
