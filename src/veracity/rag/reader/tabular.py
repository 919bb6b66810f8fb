"""Reading passages with tables: the reader reads each table row as a sentence naming its columns.

The reader learned from prose, and a Markdown table's row says which column a value is in only
through the header row above it. ``read_tables`` hands the reader each passage with its tables
written as sentences (``text.table_sentences``, rewritten once by the caller: "Space: Studio;
Off-peak: £22.00; Peak: £28.00.") and maps every span it finds back to the original characters, so the checks and the
citations after it see the passage as stored. A span of a column's name alone maps to that name
in the header row (which the table checks refuse as an answer); a span of only what the rewrite
added between cells ("; ") is no answer, and its next-best span that maps back takes its place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from veracity.rag.reader.base import Reading, SpanReader
from veracity.text.table_sentences import Rewritten

__all__ = ["read_tables"]


def read_tables(reader: SpanReader, question: str, passages: Sequence[Rewritten]) -> list[Reading]:
    """``reader.read(question, ...)`` over each passage's rewritten text
    (``text.table_sentences``); every reading's offsets are into the passage as stored
    (``Rewritten.original``). Rewrite the passages once for all the questions read over them."""
    readings = reader.read(question, [p.text for p in passages])
    return [m for r in readings if (m := _mapped(r, passages[r.passage])) is not None]


def _mapped(r: Reading, passage: Rewritten) -> Reading | None:
    alternatives = [a for a in (_span_mapped(x, passage) for x in r.alternatives) if a]
    own = _span_mapped(r, passage)
    if own is not None:
        return replace(own, alternatives=tuple(alternatives))
    if alternatives:  # the best span was the rewrite's own words: the next that maps back
        return replace(alternatives[0], alternatives=tuple(alternatives[1:]))
    return None


def _span_mapped(r: Reading, passage: Rewritten) -> Reading | None:
    if r.end <= r.start:
        return replace(r, alternatives=())  # no span: only its probability says anything
    span = passage.original_span(r.start, r.end)
    if span is None:
        return None
    start, end = span
    text = passage.original[start:end]
    return replace(r, start=start, end=end, text=text, alternatives=())
