"""Reading passages with tables: the reader reads each table row as a sentence naming its columns.

The reader learned from prose, and a Markdown table's row says which column a value is in only
through the header row above it. ``read_tables`` hands the reader each passage with its tables
written as sentences (``text.table_sentences``: "Space: Studio; Off-peak: £22.00; Peak:
£28.00.") and maps every span it finds back to the original characters, so the checks and the
citations after it see the passage as stored. A span of a column's name alone maps to that name
in the header row (which the table checks refuse as an answer); a span of only what the rewrite
added between cells ("; ") is no answer, and its next-best span that maps back takes its place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from veracity.rag.reader.base import Reading, SpanReader
from veracity.text.table_sentences import Rewritten, table_sentences

__all__ = ["read_tables"]


def read_tables(reader: SpanReader, question: str, passages: Sequence[str]) -> list[Reading]:
    """``reader.read(question, passages)`` with each passage's tables read as sentences; every
    reading's offsets are into ``passages`` as given."""
    rewritten = [table_sentences(p) for p in passages]
    readings = reader.read(question, [r.text for r in rewritten])
    out = []
    for r in readings:
        mapped = _mapped(r, rewritten[r.passage], passages[r.passage])
        if mapped is not None:
            out.append(mapped)
    return out


def _mapped(r: Reading, rewritten: Rewritten, passage: str) -> Reading | None:
    alternatives = [a for a in (_span_mapped(x, rewritten, passage) for x in r.alternatives) if a]
    own = _span_mapped(r, rewritten, passage)
    if own is not None:
        return replace(own, alternatives=tuple(alternatives))
    if alternatives:  # the best span was the rewrite's own words: the next that maps back
        return replace(alternatives[0], alternatives=tuple(alternatives[1:]))
    return None


def _span_mapped(r: Reading, rewritten: Rewritten, passage: str) -> Reading | None:
    if r.end <= r.start:
        return replace(r, alternatives=())  # no span: only its probability says anything
    span = rewritten.original_span(r.start, r.end)
    if span is None:
        return None
    start, end = span
    return replace(r, start=start, end=end, text=passage[start:end], alternatives=())
