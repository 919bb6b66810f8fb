"""Members of a closed set of kinds that exclude each other: colours, fuels, kinds of pet, who
a fare is for (adults, children, infants; "student" and "senior" are also school years).

"charger LED solid red meaning" is not answered from "The LED stays solid white while it
updates", nor "excess for my cat" from a sentence about dogs, nor "How much is an adult
DaySaver?" from "Children aged 5 to 15 pay ... £3.10": the question names one member of a
set, the answer's sentence names another member of it and not the one asked about.
``kind_problem`` finds that. Weekdays, months and seasons are judged elsewhere
(``qualifiers.day_problem``, ``guard.strict``). ``colour_problem`` refuses an answer with no colour
to a question that asks for one ("What colour tie ...?" is not "light").
"""

from __future__ import annotations

import re

from veracity.guard.sentences import words
from veracity.rag.structure import sentence_at

__all__ = ["colour_problem", "kind_problem"]

# Each set: its members, each with the word forms that name it.
_SETS: tuple[dict[str, tuple[str, ...]], ...] = (
    {
        "red": ("red",), "green": ("green",), "blue": ("blue",), "yellow": ("yellow",),
        "white": ("white",), "amber": ("amber",), "orange": ("orange",),
        "purple": ("purple", "violet"), "pink": ("pink",),
    },
    {
        "petrol": ("petrol", "gasoline"), "diesel": ("diesel",),
        "electric": ("electric", "ev", "evs"), "lpg": ("lpg",),
    },
    {
        "dog": ("dog", "dogs", "puppy", "puppies"), "cat": ("cat", "cats", "kitten", "kittens"),
        "rabbit": ("rabbit", "rabbits"), "horse": ("horse", "horses", "pony", "ponies"),
    },
    {  # parts of the day: "afternoon exams" do not start at the morning exams' time
        "morning": ("morning", "mornings"), "afternoon": ("afternoon", "afternoons"),
        "evening": ("evening", "evenings"),
    },
    {  # who a fare, a ticket or a fee is for
        "adult": ("adult", "adults"),
        "child": ("child", "children", "kid", "kids"),
        "infant": ("infant", "infants", "baby", "babies", "toddler", "toddlers"),
    },
)  # fmt: skip


def kind_problem(question: str, text: str, start: int) -> str:
    """Why the span at ``text[start]`` answers for another kind than the one ``question``
    names, or "": the question names a member of a set (a colour, a fuel, a kind of pet), and
    the span's sentence names another member of that set and not the asked one."""
    asked = set(words(question))
    lo, hi = sentence_at(text, start)
    said = set(words(text[lo:hi]))
    for members in _SETS:
        named = {m for m, forms in members.items() if asked.intersection(forms)}
        there = {m for m, forms in members.items() if said.intersection(forms)}
        if named and there and not named & there:
            return f"the sentence is about {_one(there)}, and the question about {_one(named)}"
    return ""


# "What colour tie do Year 10 students wear?" asks for a colour: the words that name one
_COLOUR_QUESTION = re.compile(r"\b(?:what|which)\s+colou?rs?\b", re.IGNORECASE)
_COLOURS = re.compile(
    r"\b(?:red|green|blue|yellow|white|amber|orange|purple|violet|pink|black|grey|gray|navy|"
    r"brown|maroon|gold|golden|silver|beige|cream|burgundy|teal|turquoise|cyan|magenta|indigo|"
    r"scarlet|crimson|khaki|ivory|tan|bronze|copper|lilac|lavender|olive|emerald|ruby|azure|"
    r"multicolou?r\w*|colou?rless|transparent|clear|striped|tartan|plaid|\w+-colou?red|"
    r"dark|light|pale|bright)\b",
    re.IGNORECASE,
)


def colour_problem(question: str, span: str) -> str:
    """Why ``span`` cannot answer a question that asks for a colour ("What colour tie ...?"),
    or "": it names none ("light" of "light, discreet make-up" is no colour by itself: a shade
    word needs a colour beside it)."""
    if not _COLOUR_QUESTION.search(question):
        return ""
    named = {m.group(0).lower() for m in _COLOURS.finditer(span)}
    if named - {"dark", "light", "pale", "bright"}:
        return ""
    return f"the question asks for a colour, and '{span}' names none"


def _one(members: set[str]) -> str:
    return " and ".join(sorted(members))
