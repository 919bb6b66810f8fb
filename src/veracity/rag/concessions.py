"""A price for a concession group that the answer's price is not said for.

"I'm a student at a UK university. What will Premium cost me each month?" is not answered
"£6.99" from the plans table when an FAQ entry further down says "Students: Premium costs £3.49
a month": the asker names a group that pays its own price (students, pensioners, residents,
NHS staff), the answer's price is said for no such group, and the document says something of
the asker's group elsewhere. ``concession_problem`` refuses the price then. A price said for the
group, or for concessions in general (a "Concession" column, "reduced" fares), passes, and so
does any price when the document gives the group no amount of its own (its one price is
everyone's) or is written for the group (a university's fees page, "for all students").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from veracity.guard.sentences import STOPWORDS, words
from veracity.rag.structure import sentence_at
from veracity.rag.tables import column_name
from veracity.text.sentences import split_sentences

__all__ = ["concession_problem"]

# Each concession group and the word forms that name it (words of ``guard.sentences.words``).
_GROUPS: dict[str, tuple[str, ...]] = {
    "students": ("student", "students"),
    "pensioners": ("pensioner", "pensioners", "senior", "seniors", "oap", "oaps", "retired"),
    "residents": ("resident", "residents"),
    "NHS staff": ("nhs",),
    "the armed forces": ("veteran", "veterans", "forces", "military"),
    "jobseekers": ("unemployed", "jobseeker", "jobseekers"),
    "disabled people and carers": ("disabled", "disability", "carer", "carers"),
}
# Words that say a price is a concession, whichever group it is for.
_CONCESSION = frozenset(
    {"concession", "concessions", "concessionary", "concessionaries", "reduced", "discount",
     "discounted", "discounts"}
)  # fmt: skip
# A price: a currency sign or word beside a number; an amount: a price or a percentage.
_PRICE = re.compile(r"[£$€]\s?\d|\d\s?(?:p|pence|euros?|dollars?)\b", re.IGNORECASE)
_AMOUNT = re.compile(rf"{_PRICE.pattern}|\d\s?%", re.IGNORECASE)
# A document's opening (its title, who it is for: "Applies to: all students enrolling ..."):
# a group named there is its audience, whom every price is for.
_OPENING = 400


def concession_problem(
    message: str,
    text: str,
    start: int,
    end: int,
    context: Sequence[str] = (),
    document: Callable[[], str | None] | None = None,
) -> str:
    """Why the price ``text[start:end]`` is not the one for the concession group ``message``
    names, or "": the message names a group of ``_GROUPS``, and neither the span's sentence
    (its table row), its column's name nor ``context`` (headings, title) names that group or a
    concession in general, while another sentence of the document (``document()``, else
    ``text``) gives the group a price of its own (an amount, or a concession), and its opening
    (title, audience) does not."""
    if not _PRICE.search(text[max(0, start - 2) : end + 6]):
        return ""
    asked = _group_words(message)
    groups = [(name, forms) for name, forms in _GROUPS.items() if asked.intersection(forms)]
    if not groups:
        return ""
    lo, hi = sentence_at(text, start)
    said = set(words(" ".join((text[lo:hi], column_name(text, start), *context))))
    if said & _CONCESSION:
        return ""
    whole = document() if document is not None else None
    rest = whole if whole is not None else text
    audience = set(words(rest[:_OPENING]))
    priced = _priced_sentences(rest)
    for name, forms in groups:
        if said.intersection(forms) or audience.intersection(forms):
            continue  # a price for the group, or a document written for it ("all students")
        if any(sentence.intersection(forms) for sentence in priced):
            return f"the question asks the price for {name}, and this price is not said for them"
    return ""


def _priced_sentences(text: str) -> list[set[str]]:
    """The words of each sentence of ``text`` that gives a price: an amount, or a concession
    ("Concession fees apply to full-time students")."""
    out = []
    for a, b in split_sentences(text):
        terms = set(words(text[a:b]))
        if _AMOUNT.search(text, a, b) or terms & _CONCESSION:
            out.append(terms)
    return out


def _group_words(message: str) -> set[str]:
    """The words of ``message`` that may name the asker's group, lowercased: not a capitalized
    word inside a sentence (a name: "the Student Government's budget"), nor one that only
    qualifies the noun after it ("a second resident permit", "my student visa"), unless that
    noun is a price ("the student rate")."""
    out = set()
    for m in _WORD.finditer(message):
        word = m.group()
        if word[0].isupper() and _INSIDE.search(message, 0, m.start()):
            continue
        after = _NEXT_WORD.match(message, m.end())
        if (
            after
            and after.group(1).lower() not in _NOT_A_NOUN
            and not after.group(1).endswith("ing")
        ):
            continue
        out.add(word.lower())
    return out


_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
# text before a word that leaves it inside a sentence (not at its start)
_INSIDE = re.compile(r"[A-Za-z0-9,;:'\)]\s*$")
# the word right after another, in the same phrase
_NEXT_WORD = re.compile(r"[ \t]+([a-z][a-z'-]*)")
# words after a group's name that leave it naming the group: function words, and prices
_NOT_A_NOUN = STOPWORDS | frozenset(
    {"price", "prices", "rate", "rates", "fee", "fees", "fare", "fares", "ticket", "tickets",
     "discount", "discounts", "concession", "concessions", "membership", "pass", "card"}
)  # fmt: skip
