"""The extractive fallback: quote the source sentence that best answers the question.

When a small model's draft is not supported by its sources, a verbatim sentence of a relevant source
is a better answer than none: it is true to the source by construction, and its citation can point
at the exact sentence. Sentences are scored like the evaluation's context relevance: the share of
the question's analyzed terms they contain, averaged with their embedding cosine to the question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from veracity.embed.base import Embedder
from veracity.rag.prompt import Source
from veracity.records import Citation
from veracity.text.analyzer import get_analyzer
from veracity.text.entries import entries
from veracity.text.markup import TABLE_ROW, display_text
from veracity.text.sentences import split_sentences

_MIN_WORDS = 4
ENTRY_QUOTE_CHARS = 400  # the longest quote that is widened back to its entry's start
# A sentence that opens as an exception to the one before: "Beyond 5 miles we charge ...",
# "However, ...", "Unless ...", "This does not apply to ..."
_EXCEPTION = re.compile(
    r"(?:however|but|otherwise|unless|except|beyond|outside|above\s+(?:this|that)|over\s+(?:this|"
    r"that)|if\s+not|this\s+does\s+not\s+apply|exceptions?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Quote:
    """A sentence of one source: its text and its exact citation."""

    text: str
    citation: Citation
    score: float


def best_quote(question: str, sources: Sequence[Source], embedder: Embedder) -> Quote | None:
    """The most relevant sentence among ``sources`` (at least a few words long), or None."""
    analyzer = get_analyzer("english")
    terms = set(analyzer.tokens(question))
    candidates: list[tuple[Source, int, int, str]] = []
    for source in sources:
        text = source.hit.chunk.text
        for s, e in split_sentences(text):
            sentence = text[s:e]
            if len(sentence.split()) >= _MIN_WORDS and not sentence.lstrip().startswith("#"):
                candidates.append((source, s, e, sentence))
    if not candidates or not terms:
        return None
    coverage = np.array(
        [len(terms & set(analyzer.tokens(c[3]))) / len(terms) for c in candidates]
    )  # (n,)
    vectors = embedder.embed([question] + [c[3] for c in candidates])  # (n + 1, dim)
    cosine = vectors[1:] @ vectors[0]  # (n,)
    scores = (coverage + np.clip(cosine, 0.0, 1.0)) / 2
    i = int(np.argmax(scores))
    source, s, e, sentence = candidates[i]
    chunk = source.hit.chunk
    citation = Citation(
        n=source.n, document_id=chunk.document_id, uri=source.hit.uri, start=chunk.start + s,
        end=chunk.start + e, text=sentence, page=chunk.page, chunk_id=chunk.id,
    )  # fmt: skip
    shown = display_text(sentence)  # Markdown syntax dropped; the citation keeps it
    return Quote(shown, citation, float(scores[i]))


@dataclass(frozen=True, slots=True)
class SpanQuote:
    """The reader's answer as shown: the short answer and the sentence(s) holding it, both exact
    spans of one source (``short`` inside ``sentence``), and the sentence as displayed."""

    short: Citation
    sentence: Citation
    shown: str


def span_quote(source: Source, start: int, end: int, exception: bool = False) -> SpanQuote:
    """Cite ``chunk.text[start:end]`` (a reader span) and the sentence(s) it sits in.

    The sentence comes from ``text.sentences``, which already splits at Markdown headings, list
    items and blank lines, so no heading or list marker is glued into the quote; a span that
    crosses a sentence boundary takes every sentence it touches. In an entry of a list or of
    ``Key: value`` fields (``structure.entries``), the quote starts where the entry does, so it
    names what it is about ("mode {integer} Not supported on Windows. Default: 0o777", not
    "Default: 0o777"), unless that would make it longer than ``ENTRY_QUOTE_CHARS``; a table row
    is quoted whole, since a full stop inside a cell is not the end of its row. With
    ``exception``, for a quote that is the whole answer, the next sentence comes too when it
    opens as an exception to the quoted one ("We collect your car free within 5 miles. Beyond
    5 miles we charge £1.20 per mile."): a rule quoted without it says less than the text."""
    chunk = source.hit.chunk
    text = chunk.text
    spans = split_sentences(text) or [(0, len(text))]
    touched = [(s, e) for s, e in spans if s < end and e > start] or [(start, end)]
    s_start, s_end = min(s for s, _ in touched), max(e for _, e in touched)
    s_start, s_end = min(s_start, start), max(s_end, end)
    entry, entry_end = next(((a, b) for a, b in entries(text) if a <= start < b), (s_start, 0))
    if TABLE_ROW.fullmatch(text, entry, entry_end):
        s_end = max(s_end, entry_end)
    if s_end - entry <= ENTRY_QUOTE_CHARS:
        s_start = min(s_start, entry)
    after = [(s, e) for s, e in spans if s >= s_end]
    if (
        exception
        and after
        and _EXCEPTION.match(text, after[0][0])
        and "\n\n" not in text[s_end : after[0][0]]
    ):
        s_end = after[0][1]

    def cite(a: int, b: int) -> Citation:
        return Citation(
            n=source.n, document_id=chunk.document_id, uri=source.hit.uri, start=chunk.start + a,
            end=chunk.start + b, text=text[a:b], page=chunk.page, chunk_id=chunk.id,
        )  # fmt: skip

    shown = display_text(text[s_start:s_end])
    return SpanQuote(cite(start, end), cite(s_start, s_end), shown)
