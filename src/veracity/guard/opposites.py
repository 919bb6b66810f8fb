"""Opposite words: a sentence that says "smallest" does not answer a question about the largest.

A question's key constraints include the extreme or the state it asks about: "What is the
*largest* city?", "When was the *first* game?", "Which port is *disabled*?". A passage that
holds every name of the question can still say the opposite ("Tallinn is the smallest city";
"the last game was in 1990"), and a reader that matches words picks the span all the same.
``opposed`` finds such a pair: the question (or a claim) uses a word of one side of a pair,
and the sentence uses a word of the other side and none of the first (synonyms count as the
same side: "biggest" is answered by a sentence that says "largest").

Only pairs that are not converse relations are listed. "X is larger than Y" says "Y is smaller
than X"; "X lies north of Y", "X beat Y", "X exports to Y" and "before"/"after" likewise state
their opposite about the other party, so a sentence with the opposite word may well answer the
question. Superlatives ("largest"), ends of a range ("first", "maximum") and states
("enabled", "public") are not relational: a sentence that says the opposite is about something
else. A compass word followed by "of" ("north of Paris") is relational and does not count.

Words capitalized inside a text are taken for names ("West Virginia", "Major League") and do not
count; idioms whose words are not the property ("last but not least", "How long did it
last?") are dropped before matching, and "the first X since Y" counts as saying "last" too (Y
was the last X before it).
"""

from __future__ import annotations

import re
from functools import cache

# Each pair: (one side, the other side); each side a set of interchangeable words or phrases.
_PAIRS: tuple[tuple[frozenset[str], frozenset[str]], ...] = tuple(
    (frozenset(a.split("|")), frozenset(b.split("|")))
    for a, b in [
        ("largest|biggest|greatest|most populous", "smallest|tiniest|least populous"),
        ("highest|tallest|all-time high|record high", "lowest|all-time low|record low"),
        ("tallest|longest", "shortest"),
        ("oldest|eldest", "youngest|newest"),
        ("first|earliest|initial|original", "last|latest|final|most recent"),
        ("best|finest", "worst"),
        ("fastest|quickest", "slowest"),
        ("heaviest", "lightest"),
        ("hottest|warmest", "coldest|coolest"),
        ("richest|wealthiest", "poorest"),
        ("strongest|most powerful", "weakest"),
        ("widest|broadest", "narrowest"),
        ("deepest", "shallowest"),
        ("thickest", "thinnest"),
        ("nearest|closest", "farthest|furthest|most distant|remotest"),
        ("easiest|simplest", "hardest|most difficult"),
        ("maximum|max|maximal|upper limit|at most", "minimum|min|minimal|lower limit|at least"),
        ("most", "least|fewest"),
        ("major|main|principal", "minor"),
        ("northern|northernmost|north|northward|northeast|northwest", "southern|southernmost|south|southward|southeast|southwest"),
        ("eastern|easternmost|east|eastward|northeast|southeast", "western|westernmost|west|westward|northwest|southwest"),
        ("upper", "lower"),
        ("inner|internal|interior", "outer|external|exterior"),
        ("public", "private"),
        ("full-time|full time", "part-time|part time"),
        ("open|opened|opens|opening", "closed|close|closes|closing|shut|shuts"),
        ("early", "late"),
        ("legal|lawful", "illegal|unlawful"),
        ("male|males|man|men|boys", "female|females|woman|women|girls"),
        ("positive", "negative"),
        ("ascending", "descending"),
        ("advantage|advantages|benefit|benefits|pros", "disadvantage|disadvantages|drawback|drawbacks|cons"),
        ("increase|increased|increases|increasing|rise|rose|risen", "decrease|decreased|decreases|decreasing|decline|declined|declining|reduced|reduction"),
        ("enable|enabled|enables|enabling", "disable|disabled|disables|disabling"),
        ("allow|allowed|allows|permitted|permit|permits|legal|lawful", "forbid|forbidden|forbids|prohibit|prohibited|prohibits|banned|illegal|unlawful"),
        ("born|birth", "died|death"),
        ("arrive|arrives|arrived|arriving|arrival|lands|landed", "depart|departs|departed|departing|departure|takes off|took off"),
    ]
)  # fmt: skip

# Idioms whose words are not the property they name ("at least" and "at most" are: they are
# listed as phrases above and matched before single words; "close to" is near, not shut).
_IDIOMS = re.compile(
    r"\b(?:at (?:first|last|best|worst)|not least|last but not least|most of|more or less|"
    r"in the first place|first of all|at the latest|at the earliest|for the most part|"
    r"close (?:to|by|with|together|enough|call|friends?|relatives?|attention|look))\b",
    re.IGNORECASE,
)
# "last" as a verb ("How long did the war last?", "it lasts") and compass words as relations.
_VERB_LAST = re.compile(r"\blast(?=\s*[?.!,]|\s+(?:for|until|through)\b)", re.IGNORECASE)
_RELATION = re.compile(r"\b(?:north|south|east|west)(?=\s+of\b)", re.IGNORECASE)
# Opening hours name both ends: "open from 10 am to 5 pm", "opens until 8 pm" say when it closes
# (not whether it is closed: "When is the office closed?" asks for days); "shut" is "close".
_CLOSING = frozenset({"close", "closes", "closing", "shut", "shuts"})
_HOURS = re.compile(
    r"\bopen(?:s|ed)?\b(?=[^.;]*?(?:\b(?:until|till|to)\s+\d|\d\s*(?:-|–)\s*\d))", re.IGNORECASE
)
_TOKEN = re.compile(r"[A-Za-z]+|[.!?]")
# "the first X since Y" says that Y was the last X before it
_FIRST_SINCE = re.compile(r"\bfirst\b[^.;]*\bsince\b", re.IGNORECASE)


def opposed(asked: str, sentence: str) -> tuple[str, str] | None:
    """``(word in asked, its opposite in sentence)`` when ``asked`` (a question or a claim) uses
    a word of one side of a pair, and not of the other, and ``sentence`` uses the other side and
    none of the first; None when no pair is opposed. A question that names both sides ("Is it
    increasing or declining?") asks which, so it is never opposed."""
    mine, theirs = _terms(asked), _terms(sentence)
    for a, b in _PAIRS:
        for side, other in ((a, b), (b, a)):
            said = mine & side
            if said and not mine & other and not theirs & side and (opposite := theirs & other):
                if said <= _CLOSING and _HOURS.search(sentence):
                    continue
                return min(said), min(opposite)
    return None


def _terms(text: str) -> frozenset[str]:
    """The lowercase words and phrases of ``text`` that a pair lists, without names (a word
    capitalized after the first of its sentence), idioms, verb "last" and compass relations.
    A phrase ("at least") is matched first and its words then count no more ("least")."""
    text = _RELATION.sub(" ", _VERB_LAST.sub(" ", _IDIOMS.sub(" ", text)))
    out: set[str] = set()
    for m in _phrases().finditer(text):
        out.add(re.sub(r"\s+", " ", m.group(0).lower()))
    text = _phrases().sub(" ", text)
    tokens = list(_TOKEN.finditer(text))
    for i, m in enumerate(tokens):
        word = m.group(0)
        if not word.isalpha():
            continue
        opens = i == 0 or tokens[i - 1].group(0) in ".!?"
        if word[0].isupper() and not opens:
            continue  # a name: "West Virginia", "Major League"
        if (low := word.lower()) in _vocabulary():
            out.add(low)
    if _FIRST_SINCE.search(text):
        out.add("last")
    return frozenset(out)


@cache
def _vocabulary() -> frozenset[str]:
    return frozenset(w for a, b in _PAIRS for w in a | b if " " not in w and "-" not in w)


@cache
def _phrases() -> re.Pattern[str]:
    """The pairs' phrases ("at least", "all-time high"), lowercase, any spacing; a phrase
    capitalized mid-sentence is still matched (phrases are not names)."""
    listed = sorted({w for a, b in _PAIRS for w in a | b if " " in w or "-" in w}, key=len)
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in reversed(listed))
    return re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)
