"""A value for a band of time or distance the question's own falls outside of.

Rules and price lists give a value per band: "Up to 24 hours late: 10 points are deducted. More
than 5 working days late: a mark of zero", "| 15 to 29 minutes | 25% |", "Children under 3 swim
free", "| Up to 5 miles | £2.50 |". A question that says where it stands ("handed in 3 days
late", "about 70 minutes late", "I live about 7 miles away") is answered by its band, and a
reader that matches words takes the value of any band. ``band_problem`` refuses a span whose
sentence (or table row) bounds a time or a distance, when every band it states leaves the
question's out: "3 days late" is not "more than 5 working days late".

Times are read with their units and compared in minutes (a working day counts as a day),
distances in metres; a time never bounds a distance. A value question only: for a yes/no
question the sentence that leaves the user out is the answer ("Can I return it after 20 days?"
is answered by "within 14 days").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from veracity.guard.claims import SMALL_CARDINALS
from veracity.rag.structure import sentence_at

__all__ = ["band_problem"]

# each unit's dimension and size: minutes, metres
_SIZES = {"minute": ("time", 1), "min": ("time", 1), "hour": ("time", 60), "hr": ("time", 60),
          "day": ("time", 1440), "working day": ("time", 1440), "business day": ("time", 1440),
          "week": ("time", 10080), "month": ("time", 43200), "year": ("time", 525600),
          "mile": ("length", 1609.344), "km": ("length", 1000), "kilometre": ("length", 1000),
          "kilometer": ("length", 1000)}  # fmt: skip
_UNITS = (
    r"(?:working|business)\s+days?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?"
    r"|miles?|km|kilometres?|kilometers?"
)
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
    dimension: str  # "time" (minutes) or "length" (metres)
    low: float  # -inf when unbounded
    high: float  # inf when unbounded
    words: str

    def holds(self, value: tuple[str, float]) -> bool:
        return value[0] == self.dimension and self.low <= value[1] <= self.high


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


def _measure(n: str, unit: str) -> tuple[str, float] | None:
    """``(dimension, size)`` of a number and its unit ("3", "days" -> ("time", 4320.0))."""
    value = _number(n)
    size = _SIZES.get(re.sub(r"\s+", " ", unit.lower()).rstrip("s"))
    return None if value is None or size is None else (size[0], value * size[1])


def _times(question: str) -> list[tuple[str, float]]:
    """The times and distances ``question`` states ("3 days late" -> ("time", 4320.0))."""
    out = [_measure(m.group("n"), m.group("unit")) for m in _TIME.finditer(question)]
    return [t for t in out if t is not None]


def _bands(sentence: str) -> list[_Band]:
    """The bands of time or distance ``sentence`` states: "more than 5 working days", "up to 24
    hours", "15 to 29 minutes", "6 months to 2 years", "more than 24 hours and up to 5 working
    days", "up to 5 miles"."""
    out = []
    for m in _BAND.finditer(sentence):
        if m.group("low"):
            low = _measure(m.group("a"), m.group("unit_a"))
            high = _measure(m.group("b"), m.group("unit_b")) if m.group("b") else None
            high = high or (low and (low[0], float("inf")))
        elif m.group("high"):
            high = _measure(m.group("c"), m.group("unit_c"))
            low = high and (high[0], float("-inf"))
        elif m.group("g"):
            low = _measure(m.group("g"), m.group("unit_g"))
            high = _measure(m.group("h"), m.group("unit_h"))
        elif m.group("f"):
            bound = _measure(m.group("f"), m.group("unit_f"))
            unbounded = bound and (bound[0], float("inf") if m.group("more") else float("-inf"))
            low, high = (bound, unbounded) if m.group("more") else (unbounded, bound)
        else:
            low = _measure(m.group("d"), m.group("unit_e"))
            high = _measure(m.group("e"), m.group("unit_e"))
        if low and high and low[0] == high[0] and low[1] <= high[1]:
            out.append(_Band(low[0], low[1], high[1], m.group(0)))
    return out


def band_problem(question: str, text: str, start: int) -> str:
    """Why the span at ``text[start]`` is the value of a band of time or distance that the
    question's fall outside of, or "": its sentence (its line, in a table) states bands of the
    kind the question states, and none holds what the question states (module docstring)."""
    times = _times(question)
    if not times:
        return ""
    s, e = sentence_at(text, start)
    line_start = text.rfind("\n", 0, start) + 1
    if text.startswith("|", line_start):  # a table row: its line
        s, e = line_start, (text.find("\n", start) + 1 or len(text) + 1) - 1
    kinds = {kind for kind, _ in times}
    bands = [b for b in _bands(text[s:e]) if b.dimension in kinds]
    if not bands or any(b.holds(t) for b in bands for t in times):
        return ""
    asked = next(
        m.group(0)
        for m in _TIME.finditer(question)
        if (_measure(m.group("n"), m.group("unit")) or ("", 0.0))[0] == bands[0].dimension
    )
    return f"the question says '{asked}', and the answer's sentence is about '{bands[0].words}'"
