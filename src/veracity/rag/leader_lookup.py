"""The value of a dot-leader row that a question names, for when the reader is unsure.

A plain-text price list or a list of opening hours gives one value per row, after a run of dots
("Sunday ........ 08:00 - 17:00"). A terse query names the row and lets the heading name the
rest ("sports centre sunday opening hours" under "1. OPENING HOURS" of the sports centre's
page), and a reader trained on questions in prose is often unsure of it. ``named_leader`` finds
the one row whose label the question names, when the row, the line above the list, the
passage's headings and its title hold every content word the question asks with: the list then
says which value answers, as ``tables.named_cell`` does for a Markdown table's cell.
"""

from __future__ import annotations

from collections.abc import Sequence

from veracity.rag.named_entries import excluded_terms
from veracity.rag.structure import content_terms
from veracity.rag.tables import asking_terms
from veracity.text.leaders import LEADER_FIELD

__all__ = ["named_leader"]


def named_leader(
    question: str, text: str, context: Sequence[str | None] = ()
) -> tuple[int, int] | None:
    """The ``(start, end)`` of the value of the leader row of ``text`` that ``question`` names,
    or None: the one row whose label's head (its words before a bracket) shares the most words
    with the question (one at least), where the question asks nothing that the row, the line
    above the row's list, or ``context`` (the passage's headings and title) does not name.
    "Sunday" of "sports centre sunday opening hours" under "OPENING HOURS"; not "Sunday" of
    "sunday opening hours for the pool" when nothing there names the pool."""
    asked = content_terms(question) - excluded_terms(question) - asking_terms(question)
    rows = []
    for m in LEADER_FIELD.finditer(text):
        label = m.group(1).rsplit("\n", 1)[-1]  # the row's own line, not a heading above
        head = content_terms(label.split("(", 1)[0])
        if shared := len(head & asked):
            rows.append((shared, m))
    if not rows:
        return None
    best = max(shared for shared, _ in rows)
    named = [m for shared, m in rows if shared == best]
    if len(named) != 1:
        return None
    row = named[0]
    start = row.start(1) + row.group(1).rfind("\n") + 1
    lead = text[:start].rstrip("\n").rsplit("\n\n", 1)[-1].split("\n", 1)[0]  # the list's lead
    said = content_terms(" ".join((text[start : row.end(2)], lead, *(c for c in context if c))))
    if asked - said:
        return None
    return row.start(2), row.end(2)
