"""The answer's sentence is about another member of a numbered series than the question.

"When will v3 be switched off?" is not answered from "Version v2 will be switched off on 30 June
2027", nor "floor area of bedroom 4" from the row of "Bedroom 6", nor "Thermaline 25C ...
maximum length" from a sentence about the 30C: a passage often says the same thing of several
members of a series, named by a number or a letter ("v3", "version 3.0", "R5", "Day 2", "Zone
C"), or by a capitalized name and a short code ("Bedroom 6", "Thermaline 30C", "Studio 2").
``numbered_problem`` refuses a span whose sentence names another member and not the asked one.
It fires on one of SQuAD v1.1 dev's 10,570 gold answer sentences ("Super Bowl 51" against a
sentence about Super Bowl 50).
"""

from __future__ import annotations

import re

from veracity.guard.periods import MONTHS, WEEKDAYS
from veracity.guard.sentences import STOPWORDS
from veracity.rag.structure import sentence_with_antecedent
from veracity.text.lines import paragraph_start
from veracity.text.sentences import split_sentences

__all__ = ["numbered_problem"]


def numbered_problem(question: str, text: str, start: int) -> str:
    """Why the span at ``text[start]`` answers about another member of a numbered series, or "":
    the question names one ("v3", "version 3.0", "R5", "COVID-19"), the span's sentence (read
    with the one before when it points back) does not, and it names another of the same series
    ("Version v2 will be switched off on 30 June 2027" does not say when v3 will be)."""
    asked = _numbered(question) | _named_series(question, asked=True)
    window = sentence_with_antecedent(text, start)
    if not asked or window is None:
        return ""
    said = _numbered(text[slice(*window)]) | _named_series(text[slice(*window)])
    for (series, number), words in sorted(asked.items()):
        if (series, number) in said:
            continue
        others = sorted(w for (kind, _), w in said.items() if kind == series)
        if not any(kind == series for kind, _ in said):
            # "Day 2 (4 June): a walking tour. Dinner at Casa Guedes at 20:30.": the sentence
            # names no day; the nearest one before it in its paragraph that does, decides
            topic = _paragraph_numbered(text, window[0], series)
            if (series, number) in topic:
                continue
            others = sorted(w for (kind, _), w in topic.items() if kind == series)
        if others:
            return f"the sentence is about {others[0]}, the question about {words}"
    return ""


def _paragraph_numbered(text: str, before: int, series: str) -> dict[tuple[str, str], str]:
    """The numbered names of the nearest sentence before offset ``before``, in its paragraph,
    that names a member of ``series``; empty when none does."""
    paragraph = paragraph_start(text, before)
    for s, e in reversed(split_sentences(text[paragraph:before])):
        sentence = text[paragraph + s : paragraph + e]
        found = _numbered(sentence) | _named_series(sentence)
        if any(kind == series for kind, _ in found):
            return found
    return {}


def _numbered(text: str) -> dict[tuple[str, str], str]:
    """Each numbered name in ``text`` by ``(series, number)``, with its words: ``("v", "3")`` to
    "v3" and to "version 3" alike, ``("r", "5")`` to "R5"."""
    out = {}
    for m in _NUMBERED.finditer(text):
        series = (m.group("series") or m.group("prefix") or m.group("lettered")).lower()
        number = m.group("number") or m.group("letter")
        out[("v" if series in ("version", "release") else series, number)] = m.group(0)
    return out


def _named_series(text: str, asked: bool = False) -> dict[tuple[str, str], str]:
    """Members of a series that a document names with a capitalized word and a short code:
    "Bedroom 6", "Thermaline 30C", "Studio 2" (a table's row label, a model name). In a question
    (``asked``) the word may be lower case ("floor area of bedroom 4"); in a document it must be
    capitalized, so that a quantity ("aged 5", "up to 4") is no name, and outside brackets: an
    aside names what the sentence contrasts itself with ("PostgreSQL 13 is now the oldest
    supported (Quill 2 worked with PostgreSQL 11)" is about Quill 3)."""
    out = {}
    if not asked:
        text = _ASIDE.sub(lambda m: " " * len(m.group()), text)
    for m in (_ASKED_SERIES if asked else _SAID_SERIES).finditer(text):
        word = m.group(1).lower()
        if word in STOPWORDS or word in _NOT_SERIES or word in _SERIES_WORDS or word in _DATE_WORDS:
            continue  # quantities, dates, and the series that ``_NUMBERED`` reads itself
        out[(word, m.group(2).lower())] = m.group(0)
    return out


# a word and a code of at most three digits and a letter, not followed by a decimal, a unit
# or the rest of a range ("Children 5 to 15", "Ages 3 years and up")
_SERIES_CODE = (
    r"\s+(\d{1,3}[A-Za-z]?)\b(?![.,/:-]?\d)(?!\s*(?:%|[-–+]|(?:to|or|and|x|per|years?|yrs?|"
    r"months?|weeks?|days?|nights?|hours?|hrs?|minutes?|mins?|seconds?|secs?|kg|g|mm|cm|m|km|"
    r"miles?|ft|feet|inch(?:es)?|litres?|liters?|l|ml|people|persons?|adults?|children|kids|"
    r"pieces?|items?|times|percent|pence|p)\b))"
)
_ASKED_SERIES = re.compile(r"\b([A-Za-z][a-z]{2,})" + _SERIES_CODE)
_SAID_SERIES = re.compile(r"\b([A-Z][a-z]{2,})" + _SERIES_CODE)
_DATE_WORDS = frozenset(MONTHS) | frozenset(WEEKDAYS) | frozenset(m[:3] for m in MONTHS) | {"sept"}
_ASIDE = re.compile(r"\([^()]*\)")
# words that count or bound rather than name: "Under 5", "Over 65", "Top 10", "Aged 18"
_NOT_SERIES = frozenset((
    "under", "over", "aged", "age", "ages", "top", "first", "last", "next", "every", "per",
    "than", "about", "around", "least", "most", "only", "just", "plus", "minus", "up", "upto",
    "from", "till", "until", "within", "after", "before", "since", "each", "all", "any", "pay",
    "costs", "cost", "price", "total", "max", "maximum", "min", "minimum", "limit", "approx",
    "approximately", "nearly", "almost",
))  # fmt: skip


# "v3", "R5", "COVID-19", "version 3.0", "release 4.2.0", "Day 2", "step 4", and lettered ones:
# "Wave B", "Zone C" (a capital letter; a bare number is a quantity, not a name)
_NUMBER_SERIES = (
    "version", "release", "day", "week", "chapter", "room", "phase", "step", "stage", "level",
    "gate", "platform", "floor", "lesson", "session", "module", "unit", "part", "round", "grade",
    "track", "lane", "zone", "building", "block", "terminal", "hall",
)  # fmt: skip
_LETTER_SERIES = (
    "wave", "zone", "gate", "block", "terminal", "platform", "group", "team", "level", "phase",
    "stage", "lane", "pen", "area", "room", "building", "hall", "coach", "court", "pitch",
    "plan", "option", "category", "class", "section",
)  # fmt: skip
_NUMBERED = re.compile(
    rf"\b(?:(?P<series>{'|'.join(_NUMBER_SERIES)})\s+v?|(?P<prefix>[A-Za-z]{{1,8}})-?)"
    r"(?P<number>\d+(?:\.\d+)*)(?![\w.]*\d)\b"
    rf"|\b(?P<lettered>{'|'.join(_LETTER_SERIES)})\s+"
    r"(?P<letter>(?-i:[A-Z]))\b(?![-'’.]\w)",
    re.IGNORECASE,
)
# the series that ``_NUMBERED`` reads, whose members ``_named_series`` leaves to it
_SERIES_WORDS = frozenset(_NUMBER_SERIES) | frozenset(_LETTER_SERIES)
