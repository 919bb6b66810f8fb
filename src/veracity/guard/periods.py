"""Weekdays and months, and the periods a text names with them.

"Is the campsite open in August?" is answered by "open from 1 April to 31 October", and "When is
the box office open on Sundays?" is not answered by "open Monday to Saturday". Both need to know
which days or months a text's periods ("Monday to Saturday", "October-March", "weekdays") cover;
a period may wrap round the week or the year.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# a month's name, whole or cut short ("March", "Mar", "Sept."), as a regular expression
MONTH_WORD = rf"(?:{'|'.join(MONTHS)}|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?(?![a-z])"
_CYCLES = (MONTHS, WEEKDAYS)
_NAME = f"(?:{'|'.join(MONTHS + WEEKDAYS)})"
# "1 April to 31 October", "Monday to Saturday", "October-March"
_PERIOD = re.compile(
    rf"\b({_NAME})s?\s*(?:-|–|—|to|until|till|through)\s*(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?"
    rf"({_NAME})s?\b",
    re.IGNORECASE,
)
# "May" is mostly a verb: a month only beside a day number or a year ("3 May", "May 2027")
_NAMED = re.compile(rf"\b({_NAME})s?\b", re.IGNORECASE)
_MAY = re.compile(r"\d\s*may\b|\bmay\s*\d", re.IGNORECASE)
# "weekdays", "at weekends": a set of days, named by one word
WEEK_PART = re.compile(r"\bweek(?:day|end)s?\b", re.IGNORECASE)
_SETS = {
    "weekday": WEEKDAYS[:5],
    "weekdays": WEEKDAYS[:5],
    "weekend": WEEKDAYS[5:],
    "weekends": WEEKDAYS[5:],
}


def in_period(name: str, texts: Sequence[str]) -> bool:
    """Whether the month or weekday ``name`` (lowercase) lies inside a period of ``texts`` ("august"
    in "open from 1 April to 31 October", "wednesday" in "Monday to Saturday")."""
    cycle = _cycle(name)
    if cycle is None:
        return False
    at = cycle.index(name)
    for text in texts:
        for m in _PERIOD.finditer(text):
            first, last = m.group(1).lower(), m.group(2).lower()
            if first in cycle and last in cycle:
                low, high = cycle.index(first), cycle.index(last)
                if (at - low) % len(cycle) <= (high - low) % len(cycle):
                    return True
    return False


def named(text: str) -> set[str]:
    """The weekdays and months ``text`` names, one by one or in a period ("Monday to Friday" names
    five; "weekends", two), lowercase."""
    out = {m.group(1).lower() for m in _NAMED.finditer(text)}
    if "may" in out and not _MAY.search(text):
        out.discard("may")
    for m in _PERIOD.finditer(text):
        first, last = m.group(1).lower(), m.group(2).lower()
        cycle = _cycle(first)
        if cycle is not None and last in cycle:
            low, high = cycle.index(first), cycle.index(last)
            out |= {cycle[(low + k) % len(cycle)] for k in range((high - low) % len(cycle) + 1)}
    for word in WEEK_PART.findall(text):
        out |= set(_SETS[word.lower()])
    return out


def _cycle(name: str) -> tuple[str, ...] | None:
    return next((c for c in _CYCLES if name in c), None)
