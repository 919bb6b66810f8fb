"""A value for a band of time the question's own time falls outside of.

Rules and price lists give a value per band: "Up to 24 hours late: 10 points are deducted. More
than 5 working days late: a mark of zero", "| 15 to 29 minutes | 25% |", "Children under 3 swim
free". A question that says where it stands ("handed in 3 days late", "about 70 minutes late")
is answered by its band, and a reader that matches words takes the value of any band.
``band_problem`` refuses a span whose sentence (or table row) bounds a time, when every band it
states leaves the question's times out: "3 days late" is not "more than 5 working days late".

Times are read with their units and compared in minutes (a working day counts as a day). A
value question only: for a yes/no question the sentence that leaves the user out is the answer
("Can I return it after 20 days?" is answered by "within 14 days").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from veracity.guard.claims import SMALL_CARDINALS
from veracity.rag.structure import sentence_at

__all__ = ["band_problem"]

_MINUTES = {"minute": 1, "min": 1, "hour": 60, "hr": 60, "day": 1440, "working day": 1440,
            "business day": 1440, "week": 10080, "month": 43200, "year": 525600}  # fmt: skip
_UNITS = r"(?:working|business)\s+days?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?"
_NUMBER = rf"(?:\d+(?:\.\d+)?|an?|{'|'.join(sorted(SMALL_CARDINALS, key=len, reverse=True))})"


def _amount(n: str, unit: str) -> str:
    """A time as a pattern: the number in group ``n``, its unit in group ``unit`` ("3 days",
    "two weeks", "a 3-minute change")."""
    return rf"(?P<{n}>{_NUMBER})[\s-]+(?P<{unit}>{_UNITS})"


_TIME = re.compile(rf"\b{_amount('n', 'unit')}\b", re.IGNORECASE)
_LOWER = r"more\s+than|over|above|longer\s+than|at\s+least|from|after"
_UPPER = r"up\s+to|under|less\s+than|within|no\s+more\s+than|at\s+most|shorter\s+than|before"
_BAND = re.compile(
    # "more than 24 hours", "more than 24 hours and up to 5 working days"
    rf"\b(?P<low>{_LOWER})\s+{_amount('a', 'unit_a')}"
    rf"(?:\s+and\s+(?:{_UPPER})\s+{_amount('b', 'unit_b')})?\b"
    # "up to 24 hours", "within 28 days"
    rf"|\b(?P<high>{_UPPER})\s+{_amount('c', 'unit_c')}\b"
    # "6 months to 2 years", "between 3 days and 2 weeks"
    rf"|\b(?:between\s+)?{_amount('g', 'unit_g')}\s*(?:to|-|–|and)\s*{_amount('h', 'unit_h')}\b"
    # "15 to 29 minutes", "between 2 and 3 hours"
    rf"|\b(?:between\s+)?(?P<d>{_NUMBER})\s*(?:to|-|–|and)\s*{_amount('e', 'unit_e')}\b"
    # "60 minutes or more", "2 hours or less"
    rf"|\b{_amount('f', 'unit_f')}\s+or\s+"
    r"(?:(?P<more>more|longer|over|above|later)|less|fewer|under|shorter|sooner)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Band:
    low: float  # minutes, -inf when unbounded
    high: float  # minutes, inf when unbounded
    words: str

    def holds(self, minutes: float) -> bool:
        return self.low <= minutes <= self.high


def _number(word: str) -> float | None:
    word = word.lower()
    if word in ("a", "an"):
        return 1.0
    if word in SMALL_CARDINALS:
        return float(SMALL_CARDINALS.index(word) + 1)
    try:
        return float(word)
    except ValueError:
        return None


def _minutes(n: str, unit: str) -> float | None:
    value = _number(n)
    base = _MINUTES.get(re.sub(r"\s+", " ", unit.lower()).rstrip("s"))
    return None if value is None or base is None else value * base


def _times(question: str) -> list[float]:
    """The times ``question`` states, in minutes ("3 days late" -> 4320)."""
    out = [_minutes(m.group("n"), m.group("unit")) for m in _TIME.finditer(question)]
    return [t for t in out if t is not None]


def _bands(sentence: str) -> list[_Band]:
    """The bands of time ``sentence`` states: "more than 5 working days", "up to 24 hours",
    "15 to 29 minutes", "6 months to 2 years", "more than 24 hours and up to 5 working
    days"."""
    out = []
    for m in _BAND.finditer(sentence):
        if m.group("low"):
            low = _minutes(m.group("a"), m.group("unit_a"))
            high = _minutes(m.group("b"), m.group("unit_b")) if m.group("b") else float("inf")
        elif m.group("high"):
            low, high = float("-inf"), _minutes(m.group("c"), m.group("unit_c"))
        elif m.group("g"):
            low = _minutes(m.group("g"), m.group("unit_g"))
            high = _minutes(m.group("h"), m.group("unit_h"))
        elif m.group("f"):
            bound = _minutes(m.group("f"), m.group("unit_f"))
            low, high = (bound, float("inf")) if m.group("more") else (float("-inf"), bound)
        else:
            low, high = (
                _minutes(m.group("d"), m.group("unit_e")),
                _minutes(m.group("e"), m.group("unit_e")),
            )
        if low is not None and high is not None and low <= high:
            out.append(_Band(low, high, m.group(0)))
    return out


def band_problem(question: str, text: str, start: int) -> str:
    """Why the span at ``text[start]`` is the value of a band of time the question's times fall
    outside of, or "": its sentence (its line, in a table) states bands of time, and none holds
    a time the question states (module docstring)."""
    times = _times(question)
    if not times:
        return ""
    s, e = sentence_at(text, start)
    line_start = text.rfind("\n", 0, start) + 1
    if text.startswith("|", line_start):  # a table row: its line
        s, e = line_start, (text.find("\n", start) + 1 or len(text) + 1) - 1
    bands = _bands(text[s:e])
    if not bands or any(b.holds(t) for b in bands for t in times):
        return ""
    asked = next(m.group(0) for m in _TIME.finditer(question))
    return f"the question says '{asked}', and the answer's sentence is about '{bands[0].words}'"
