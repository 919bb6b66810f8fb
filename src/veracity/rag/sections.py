"""A span under one section when the question names a sibling section of it.

Price pages, manuals and policies repeat one layout per section: "### Electricity" and "### Gas"
each hold a table with the same tariffs and a "Unit rate" column. Asked "What is the electricity
unit rate on Fix 24?", the reader finds a unit rate for Fix 24 in either table. The question
names "Electricity", the heading of a sibling section (the same parent, the same level) of the
span's own "Gas", and not "Gas": ``section_problem`` refuses the span.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

from veracity.rag.structure import content_terms
from veracity.text.chunker import Section, split_sections

__all__ = ["section_problem"]

# a sibling heading is named by the question when all its content words are; a long heading
# ("Changes to your tariff when you move home") is no name a question repeats
_MAX_NAME_TERMS = 3


def section_problem(
    question: str,
    text: str,
    headings: Sequence[str],
    document: Callable[[], str | None] | None,
) -> str:
    """Why a span of a passage under ``headings`` answers from another section than the one
    ``question`` names, or "": the question shares no word with the span's own heading (the
    last of ``headings``), and holds every content word of a sibling heading (one under the
    same parent headings, at the same depth) of at most three content words, the words it
    shares with the span's heading aside ("customers" of "Home customers" beside "Business
    customers"), none of which the passage ``text`` uses: the passage says nothing of the section the question names ("Use"
    and "Claims" are headings whose words any passage may use). ``document`` gives the whole
    document's text (Markdown headings), read only when the question shares no word with the
    span's heading."""
    if not headings or document is None:
        return ""
    here = headings[-1]
    asked = content_terms(question)
    if not asked or content_terms(here) & asked:
        return ""
    whole = document()
    if not whole:
        return ""
    said = content_terms(text)
    own = content_terms(here)
    for sibling in _siblings(_outline(whole), tuple(headings[:-1]), here):
        # the words that set the sibling apart: "home" of "Compensation - Home customers"
        # beside "Service credits - Business customers"
        terms = content_terms(sibling) - own
        if terms and len(terms) <= _MAX_NAME_TERMS and terms <= asked and not terms & said:
            return f"the answer stands under '{here}', and the question asks about '{sibling}'"
    return ""


@lru_cache(maxsize=16)
def _outline(text: str) -> tuple[Section, ...]:
    """The sections of a document (its text is one object per question: hashed once)."""
    return tuple(split_sections(text))


def _siblings(sections: Sequence[Section], parent: tuple[str, ...], here: str) -> list[str]:
    """The headings at the depth of ``here`` under ``parent``, ``here`` aside, in order."""
    depth = len(parent) + 1
    found = (
        s.headings[-1]
        for s in sections
        if len(s.headings) == depth and s.headings[:-1] == parent and s.headings[-1] != here
    )
    return list(dict.fromkeys(found))
