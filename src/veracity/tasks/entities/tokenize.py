"""Words with exact character offsets, split the way CoNLL-2003 (Reuters) text was tokenized.

The tagger was trained on CoNLL-2003 tokens, so text is cut the same way: punctuation stands
alone (``(``, ``"``, ``,``), clitics are split off (``Germany 's``, ``do n't``), while dates,
scores and numbers (``1996-08-22``, ``6-4``, ``1,000``, ``3.5``), hyphenated words
(``German-made``), initialisms (``U.S.``), initials (``P. Simmons``) and common abbreviations (``Inc.``, ``vs.``) stay whole.

Every token is ``text[start:end]`` exactly: no normalization happens here, so an entity built from
tokens points at the very characters of the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Token", "tokenize"]

# Abbreviations that keep their period (compared lowercased, without it).
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "rev",
        "st",
        "mt",
        "gen",
        "col",
        "lt",
        "capt",
        "sgt",
        "gov",
        "sen",
        "rep",
        "jr",
        "sr",
        "inc",
        "ltd",
        "co",
        "corp",
        "bros",
        "vs",
        "no",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "dept",
        "est",
        "approx",
    ]
)
_TOKEN = re.compile(
    r"""
      (?:[A-Za-z]\.){2,}(?![A-Za-z])            # initialisms: U.S. U.N. e.g.
    | [A-Z]\.(?=\s+[A-Z])                       # an initial before a name: P. Simmons
    | \d+(?:[.,:/-]\d+)*(?!\w)                  # numbers, dates, scores: 1,000 3.5 1996-08-22 6-4
    | ['’](?:[sSmMdD]|re|RE|ll|LL|ve|VE)(?!\w)  # a clitic standing alone: Germany 's
    | \w+(?:[-'’]\w+)*                          # words, with inner hyphens and apostrophes
    | -{2,} | \.{2,} | …                        # dashes and ellipses
    | \S                                        # any other single character
    """,
    re.VERBOSE,
)
_CLITIC = re.compile(r"(?i)['’](?:s|re|m|ll|ve|d)$")
_NEGATION = re.compile(r"(?i)n['’]t$")


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a text: ``text == source[start:end]``."""

    text: str
    start: int
    end: int


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """The tokens of ``text[start:end]``, with offsets into ``text``, in order.

    Tokens never overlap, never contain whitespace, and cover every non-whitespace character.
    """
    stop = len(text) if end is None else end
    tokens: list[Token] = []
    covered = start  # an abbreviation's period was already taken by the word before it
    for m in _TOKEN.finditer(text, start, stop):
        s, e = m.span()
        if s < covered:
            continue
        for a, b in _split_word(m.group(), s, e, text, stop):
            tokens.append(Token(text[a:b], a, b))
            covered = b
    return tokens


def _split_word(word: str, s: int, e: int, text: str, stop: int) -> list[tuple[int, int]]:
    """Split clitics off a word and glue an abbreviation's period to it."""
    # the period must stand alone ("Inc." but not "Inc..."), and the tokenizer then skips it
    period = text[e:stop][:2]
    if period[:1] == "." and period != ".." and word.lower() in _ABBREVIATIONS:
        return [(s, e + 1)]
    if word[0].isalpha() or word[0] == "_":
        neg = _NEGATION.search(word)
        if neg and neg.start() > 0:  # "don't" -> "do" "n't"; a bare "n't" stays whole
            return [(s, s + neg.start()), (s + neg.start(), e)]
        clitic = _CLITIC.search(word)
        if clitic and clitic.start() > 0:  # "Germany's" -> "Germany" "'s"
            return [(s, s + clitic.start()), (s + clitic.start(), e)]
    return [(s, e)]
