"""A value for an age group that the asker's stated age falls outside of.

Price lists and rules give a value per age group: "Stages 4-7: 7 - 15 years; £8.90", "Under
5s swim free", "Seniors (65+): £6". A question that says how old someone is ("My daughter is 5
and we're not members. How much is each lesson?", "I'm 67", "my son (12)") is answered by the
group that holds that age, and a reader that matches words takes the value of any group.
``age_problem`` refuses a span whose sentence (a table's row) states age groups and none of
them holds the age the question states. A value question only: for a yes/no question the
sentence that leaves the asker out is the answer ("Can my son (12) swim alone?" is answered by
"Children under 14 must be accompanied").
"""

from __future__ import annotations

import re

from veracity.rag.structure import sentence_at

__all__ = ["age_problem", "stated_age"]

_OLDEST = 150
# whose age a question states: the asker, or a person of theirs
_PERSON = (
    r"(?:son|daughter|child|kid|boy|girl|baby|toddler|grandson|granddaughter|grandchild|"
    r"husband|wife|partner|mum|mom|mother|dad|father|gran|nan|grandma|grandmother|grandad|"
    r"grandpa|grandfather|brother|sister|nephew|niece|friend)"
)
# a number that no unit follows: an age ("I'm 67 and ..."), not "I'm 5 miles away"
_NO_UNIT = (
    r"(?!\d|[.,]\d|\s*(?:%|[£$€]|(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?|miles?|km|"
    r"kilomet(?:re|er)s?|met(?:re|er)s?|m|cm|mm|kg|g|lbs?|stone|feet|ft|inch(?:es)?|percent|"
    r"pence|p|times|x|people|persons|of|am|pm|o'clock)\b))"
)
_AGE_STATED = re.compile(
    # "I'm 67", "I am 67", "my daughter is 5", "our son will be 12", "my wife turns 60"
    rf"\b(?:i'?m|i\s+am|(?:my|our)\s+(?:\w+\s+)?{_PERSON}\s+(?:is|'s|will\s+be|turns|turned))"
    rf"\s+(?:now\s+|just\s+|only\s+)?(\d{{1,3}}){_NO_UNIT}"
    # "a 9-year-old", "9 years old", "aged 9", "my son (12)", "my son, 9,"
    rf"|\b(\d{{1,3}})[-\s]years?[-\s]old\b|\baged\s+(\d{{1,3}}){_NO_UNIT}"
    rf"|\b{_PERSON}\s*(?:\(\s*(\d{{1,2}})\s*\)|,\s*(\d{{1,2}})\s*,)",
    re.IGNORECASE,
)
# Age groups a sentence states, each giving (first, last) of the ages it holds.
_RANGE = re.compile(
    r"\b(?:aged|ages?)\s+(\d{1,3})\s*(?:-|–|—|to)\s*(\d{1,3})\b"
    r"|\b(\d{1,3})\s*(?:-|–|—|to)\s*(\d{1,3})\s*(?:years?|yrs?|year-olds)\b",
    re.IGNORECASE,
)
# "under 5s", "over-60s", "children under 5", "under 18 years", "65+", "18 and over": a bare
# "under 5" or "over 50" is an age only beside a word for people or years ("orders over 50
# items" bound a count)
_PEOPLE = (
    r"(?:children|child|kids|juniors|adults|seniors|people|persons|those|anyone|ages?|aged|"
    r"babies|infants|toddlers|students|visitors|guests|members|pupils)"
)
_YEARS = r"(?=\s*(?:years?|yrs?|year-olds)\b)"
_UNDER = re.compile(
    rf"\b(?:under|below|younger\s+than)[-\s](\d{{1,3}})(?:s\b|{_YEARS})"
    rf"|\b{_PEOPLE}\s+(?:under|below|younger\s+than)\s+(\d{{1,3}})\b"
    r"|\b(\d{1,3})\s*(?:and|or)\s+(?:under|younger)\b",
    re.IGNORECASE,
)
_OVER = re.compile(
    rf"\b(?:over|older\s+than)[-\s](\d{{1,3}})(?:s\b|{_YEARS})"
    rf"|\b{_PEOPLE}\s+(?:over|older\s+than)\s+(\d{{1,3}})\b"
    r"|\b(\d{1,3})\s*(?:\+|(?:and|or)\s+(?:over|older|above))(?!\s*(?:%|[£$€]|\d))",
    re.IGNORECASE,
)


def stated_age(message: str) -> int | None:
    """The one age ``message`` states ("I'm 67", "my daughter is 5", "my son (12)"); None when
    it states none, or several different ones."""
    ages = {int(next(g for g in m.groups() if g)) for m in _AGE_STATED.finditer(message)}
    ages = {a for a in ages if a <= _OLDEST}
    return ages.pop() if len(ages) == 1 else None


def age_problem(message: str, text: str, start: int) -> str:
    """Why the span at ``text[start]`` is for an age group that leaves out the age ``message``
    states, or "": the span's sentence states age groups ("7 - 15 years", "under 5s", "65+")
    and none holds it."""
    age = stated_age(message)
    if age is None:
        return ""
    lo, hi = sentence_at(text, start)
    groups = _groups(text[lo:hi])
    if not groups or any(first <= age <= last for first, last, _ in groups):
        return ""
    return f"the question is about someone aged {age}, and the answer is for '{groups[0][2]}'"


def _groups(sentence: str) -> list[tuple[int, int, str]]:
    """The age groups ``sentence`` states: ``(first age, last age, its words)``."""
    out = []
    for m in _RANGE.finditer(sentence):
        a, b = (int(g) for g in m.groups() if g)
        out.append((a, b, m.group()))
    for m in _UNDER.finditer(sentence):
        n = int(next(g for g in m.groups() if g))
        out.append((0, n if m.group(3) else n - 1, m.group()))  # "5 and under" holds 5
    for m in _OVER.finditer(sentence):
        n = int(next(g for g in m.groups() if g))
        out.append((n, _OLDEST, m.group()))
    return [g for g in out if g[0] <= g[1] <= _OLDEST]
