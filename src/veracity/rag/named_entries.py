"""The entry of a passage that a question names.

A list, a set of "Label: value" fields or a plain-text record holds several entries that a
reader, matching words, takes spans from at will: "What's the default for --jobs?" answered from
the entry of ``--min-size``, "How long is the cable?" from "Power: 2200 W". ``entry_problem``
refuses a span from another entry than the one the question names, ``named_field`` moves a span
to the value of the field the question names, and ``excluded_terms`` are the words of what a
question leaves out ("without a sidecar"), which name no entry but the one that says it has none
("with no sidecar").
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import cache

from veracity.guard.labelled import holds_labelled, labelled_numbers
from veracity.guard.sentences import NEGATIONS
from veracity.guard.sentences import words as _words
from veracity.rag.background import background_idf
from veracity.rag.focus import asks_yes_no
from veracity.rag.structure import content_terms, sentence_at, sentence_index, short_quote
from veracity.text.analyzer import Analyzer, get_analyzer
from veracity.text.entries import entries
from veracity.text.leaders import LEADER_FIELD
from veracity.text.lines import BLANK_LINE

__all__ = ["entry_problem", "excluded_terms", "named_field", "weight"]


# "without a sidecar", "excluding VAT", "other than cars", "I don't want to be tied into a
# minimum term": what a question leaves out
_PHRASE = r"([\w'-]+(?:[^\S\n]+(?!and\b|or\b)[\w'-]+)?)"
_EXCLUDED = re.compile(
    r"\b(?:(?:without|excluding|except(?:\s+for)?|other\s+than|not\s+including|apart\s+from|"
    r"with\s+no)\s+(?:(?:an?|the|any)\s+)?"
    r"|\b(?:i['’]m|i\s+am|we['’]re|we\s+are|(?:s?he|it)['’]s|(?:s?he|it)\s+is|they['’]re|they\s+are)"
    r"\s+not\s+(?:an?|one\s+of\s+the)\s+"
    # a group named by a word of its own: "I'm not housebound", "we aren't members" (not "I'm
    # not sure", "we're not going")
    r"|\b(?:i['’]m\s+not|i\s+am\s+not|we['’]re\s+not|we\s+are\s+not|we\s+aren['’]t)\s+"
    r"(?!(?:sure|certain|able|quite|really|very|yet|too|so|entirely|completely|happy|interested|"
    r"allowed|in|on|at|for|from|with|to|an?|the)\b)(?![\w'-]+ing\b)"
    r"|(?:do|does|did)(?:\s+not|n['’]t)\s+(?:want|need)\s+"
    r"(?:to\s+be\s+[\w-]+\s+(?:into|in|to|with|on)\s+)?(?:an?|the|any)\s+)" + _PHRASE,
    re.IGNORECASE,
)
# what an entry says it has none of: "with no minimum term", "without a sidecar"
_NEGATED = re.compile(r"\b(?:no|without|non)[\s-]+(?:(?:an?|any)\s+)?" + _PHRASE, re.IGNORECASE)


def excluded_terms(question: str) -> set[str]:
    """The content terms of what ``question`` leaves out ("sidecar" of "a motorbike without a
    sidecar"), or of a group the asker says they are not in ("friend" of "I'm not a Friend"):
    an entry that holds them is not the one it names, and they name none."""
    return set().union(*(content_terms(m.group(1)) for m in _EXCLUDED.finditer(question)))


def entry_problem(question: str, text: str, start: int, context: Sequence[str] = ()) -> str:
    """Why the span at ``text[start]`` answers from the wrong entry, or "": it lies in an entry,
    and another entry of ``text`` shares strictly more of the question's words (stemmed,
    stopwords and question words out; not those of what the question leaves out: "without a
    sidecar" names no entry with a sidecar), each weighed by how rare it is in English
    (``rag.background``): "plasterboard" names the entry "Plasterboard: £5.00 per sheet" more
    than "bring" and "visit" name the one about rubble; a number a label names ("Stages 1-3",
    ``guard.labelled``) weighs as a rare word. A span outside every entry is refused
    when a word of the question is in the passage only in one entry, and not in the span's
    sentence. A word of ``context`` (the passage's headings, its document's title) names what
    every entry under it is about ("tee" of "Booking tee times") more than one of them, so it
    weighs half. ``question`` may hold the sentences that state the asker's case: they name an
    entry as the question does ("I'm a blue-light card holder - what discount do I get?" is
    answered from "Blue-light card holders ...... 15% off labour")."""
    spans = entries(text)
    at = sentence_index(spans, start)
    if len(spans) < 2:
        return ""
    if at is None:
        return _outside_problem(question, text, start, spans)
    excluded = excluded_terms(question)
    asked = content_terms(question) - excluded
    # a word of the headings above names what every entry under it is about, and weighs less
    around = asked & content_terms(" ".join(context))
    labelled = labelled_numbers(question)
    # what the question asks about, and not as a negation of its own ("no claims discount"),
    # nor in a question that negates ("staff who never set it up") or asks yes or no ("Do I
    # need an earth rod?" is answered by "no earth rod is needed")
    negates = asks_yes_no(question) or bool(NEGATIONS & set(_words(question)))
    wanted = set() if negates else asked - _negated(question)
    shared = [
        weight(asked & content_terms(text[s:e]))
        - weight(around & content_terms(text[s:e])) / 2
        + weight(excluded & _negated(text[s:e]))
        - weight(wanted & _negated(text[s:e]))
        + _LABELLED_WEIGHT * sum(holds_labelled(lb, n, text[s:e]) for lb, n in labelled)
        for s, e in spans
    ]
    other = max(range(len(spans)), key=lambda i: -1 if i == at else shared[i])
    if shared[other] <= shared[at]:
        return ""
    mine, better = (short_quote(text[s:e]) for s, e in (spans[at], spans[other]))
    return (
        f"the answer's entry ('{mine}') is not the one the question names ('{better}' shares "
        "more of its words)"
    )


def _outside_problem(question: str, text: str, start: int, spans: Sequence[tuple[int, int]]) -> str:
    """Why a span outside every entry of ``text`` misses the entry the question names, or "":
    a word of the question is in the passage only in one entry (only in the label of a field:
    "London" of "London ...... £160", "Cable length" of "Cable length: 75 cm"), and the span's
    sentence does not hold it ("Book a hotel of up to 4 stars" does not answer "What's the
    hotel limit per night in London?"). A sentence in the entry's own paragraph, or in an
    indented paragraph right after it (more of a Markdown list item), goes on from it
    ("Currently the only affected platform is PowerPC." after a note's list item), so it is
    not judged, nor a sentence that names the kind of thing the question asks for, as the
    entry does ("which platform ...?": "the only affected platform is PowerPC" after "On
    some platforms, ...")."""
    asked = content_terms(question) - excluded_terms(question)
    lo, hi = sentence_at(text, start)
    for s, e in spans:
        field = _field_value(text, (s, e))
        named = field.group(1) if field is not None else text[s:e]
        only_here = asked & content_terms(named)
        only_here -= content_terms(text[:s] + " " + text[e:])
        sentence = content_terms(text[lo:hi])
        if not only_here or only_here & sentence:
            continue
        if _asked_kind(question) & sentence & content_terms(text[s:e]):
            continue  # "which platform": the sentence names the kind asked for, as the entry does
        if BLANK_LINE.search(text, min(e, lo), max(s, hi)) is None:
            continue  # the same paragraph: the sentence goes on from the entry
        if (
            e <= lo
            and not text[e:lo].strip()
            and _INDENTED.match(text, text.rfind("\n", 0, lo) + 1)
        ):
            continue  # an indented paragraph right after the entry is more of the item
        return (
            f"the question names the entry '{short_quote(text[s:e])}', and the answer is not in it"
        )
    return ""


# "which platform", "what colour": the kind of thing a question asks for
_WH_NOUN = re.compile(
    r"\b(?:which|what)\s+(?!(?:is|are|was|were|do|does|did|can|could|will|would|should|has|"
    r"have|had|must|may|might|time|kind|sort|type)\b)([a-z][a-z-]+)\b",
    re.IGNORECASE,
)


def _asked_kind(question: str) -> set[str]:
    """The content terms of the noun a "which"/"what" question asks for ("platform")."""
    return set().union(*(content_terms(m.group(1)) for m in _WH_NOUN.finditer(question)))


_INDENTED = re.compile(r"[ \t]{2,}\S")


# What a labelled number the entry holds ("Stages 1-3" of "Stages 1–3: 1:6") weighs: as much as
# a rare word, since it names one entry of a series
_LABELLED_WEIGHT = 10.0


def _negated(text: str) -> set[str]:
    """The content terms of what ``text`` says it has none of ("minimum term" of "with no
    minimum term"): an entry that says so names what a question leaves out."""
    return set().union(*(content_terms(m.group(1)) for m in _NEGATED.finditer(text)))


def weight(terms: set[str]) -> float:
    """How much ``terms`` (English analyzer terms) say: their idf in general English, or their
    count without the packaged vocabulary. Summed exactly (``math.fsum``): a plain sum over a
    set depends on the order Python's per-process string hashing iterates it in, and two
    entries that name as much could then compare unequal in one process and equal in the next."""
    background = background_idf(_english())
    if background is None:
        return float(len(terms))
    return math.fsum(background.idf(t) for t in terms)


def named_field(question: str, text: str, start: int, end: int) -> tuple[int, int] | None:
    """For a span read from the value of a "Label: value" field ("Power: 2200 W") or of a dot
    leader's row ("London ...... £160"), the ``(start, end)`` of the value of the field whose
    label the question names instead ("Cable length: 75 cm" for "How long is the cable?"): its
    label shares strictly more of the question's words than any other entry does; else None.
    The reader picks a value from a field list by its type as much as by its label."""
    spans = entries(text)
    at = sentence_index(spans, start)
    if at is None or len(spans) < 2:
        return None
    mine = _field_value(text, spans[at])
    if mine is None or start < mine.start(2):
        return None  # the span is no field's value
    asked = content_terms(question)
    shared = [len(asked & content_terms(text[s:e])) for s, e in spans]
    best = max(range(len(spans)), key=lambda i: shared[i])
    if best == at or shared[best] == 0 or shared.count(shared[best]) > 1:
        return None
    field = _field_value(text, spans[best])
    if field is None or len(asked & content_terms(field.group(1))) < shared[best]:
        return None  # the words are in its value, not its label
    return field.start(2), field.end(2)


# a field entry: its label and its value ("- Cable length: 75 cm"); a dot leader's row is one too
# (``text.leaders.LEADER_FIELD``)
_FIELD_VALUE = re.compile(
    r"[ \t]*(?:[-*+][ \t]+)?([A-Za-z][\w .()/-]{0,40}):[ \t]+(\S[^\n]*?)[ \t]*(?=\n|$)"
)


def _field_value(text: str, span: tuple[int, int]) -> re.Match[str] | None:
    """The label (group 1) and value (group 2) of the field entry at ``span`` of ``text``."""
    return _FIELD_VALUE.match(text, *span) or LEADER_FIELD.match(text, *span)


@cache
def _english() -> Analyzer:
    return get_analyzer("english")
