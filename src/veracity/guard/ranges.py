"""Ranges and bounds that hold a number a person gives about themselves.

"My labrador weighs 32 kg" is held by "Large (25.1–40 kg)", "we register 25 tenancies a year" by
"20 or more tenancies", "the gauge reads 1.3 bar" by "between 1.0 and 1.5 bar", "I'm 78" by
"patients aged 75 and over": the text does not write the number, it writes the band it falls in.
``in_range`` tells whether a text holds a number so.

Two kinds of band count:

- a range of small whole numbers (ages, sizes, counts: "5 to 15", "5-15", "between 5 and 15"),
  which holds a number strictly inside it, and an age bound ("aged 75 and over", "under-16s");
- a range or a bound of any numbers ("25.1–40 kg", "£50,000 or more", "fewer than 20
  tenancies", "up to 10 kg") measured in the unit the question gives the number in (a currency
  sign before it, or the word after it: "kg", "bar", "tenancies"), written at the band.

A year is held only by a range of dates ("born in March 2013" by "1 Sep 2012 - 31 Aug 2014"), not
by a range of years ("1807-1809" does not hold 1808: a changed year is a different question).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from veracity.guard.claims import stems
from veracity.guard.periods import MONTH_WORD

__all__ = ["in_range", "units_of"]

# "5 to 15", "5-15", "between 5 and 15": a range of small whole numbers
_RANGE = re.compile(
    r"(?<![\d.,])(?:between\s+(\d{1,3})\s+and|(\d{1,3})\s*(?:-|–|—|to))\s*(\d{1,3})(?![\d.,]\d)",
    re.IGNORECASE,
)
# An age bound: "aged 75 and over", "16 or over", "over-75s", "Senior (65+)", "people over 65",
# "children under 12", "under-18s".
_AGE_FROM = re.compile(
    r"\b(?:aged?\s+)?(\d{1,3})(?:\s*years?(?:\s+old)?)?\s+(?:and|or)\s+(?:over|above|older)\b"
    r"|\bover-(\d{1,3})s\b"
    r"|\((\d{2})\s?\+\s?\)"
    r"|\b(?:aged|people|anyone|those|adults|customers|members|passengers|patients|guests)\s+"
    r"(?:over|above)\s+(\d{1,3})\b",
    re.IGNORECASE,
)
_AGE_BELOW = re.compile(
    r"\b(?:aged|children|people|anyone|those)\s+(?:under|below)\s+(\d{1,3})\b|\bunder-(\d{1,3})s\b"
    r"|\b(?:aged?\s+)?(\d{1,3})(?:\s*years?(?:\s+old)?)?\s+(?:and|or)\s+(?:under|younger)\b",
    re.IGNORECASE,
)

# a range of dates with their months: "1 Sep 2012 - 31 Aug 2014", "March 2019 to June 2021"
_DATE_RANGE = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?{MONTH_WORD}\s+(\d{{4}})\s*(?:-|–|—|to|until)\s*"
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?{MONTH_WORD}\s+(\d{{4}})\b",
    re.IGNORECASE,
)
# a number as written, with a currency sign before it and the word after it
_NUMBER = r"\d[\d,]*(?:\.\d+)?"
_MEASURED = re.compile(rf"([£$€¥])?\s?({_NUMBER})(?:\s*-?\s*([A-Za-z%]+))?")
# a measured range ("25.1–40 kg", "between 1.0 and 1.5 bar", "£10 to £20") and bounds
_BAND = re.compile(
    rf"(?:between\s+)?([£$€¥])?\s?({_NUMBER})\s*(?:[A-Za-z%]+\s*)?(?:-|–|—|to|and)\s*"
    rf"[£$€¥]?\s?({_NUMBER})(?:\s*([A-Za-z%]+))?",
    re.IGNORECASE,
)
_ABOVE_WORDS = r"over|above|more\s+than|greater\s+than|at\s+least|exceeding|from"
_BELOW_WORDS = r"under|below|less\s+than|fewer\s+than|up\s+to|at\s+most|no\s+more\s+than|within"
_AMOUNT = rf"(?P<sign>[£$€¥])?\s?(?P<number>{_NUMBER})"
# "over 25 kg", "fewer than 20 tenancies"; "£50,000 or more", "20 or fewer"
_BOUNDS = (
    re.compile(
        rf"\b(?:(?P<above>{_ABOVE_WORDS})|(?P<below>{_BELOW_WORDS}))\s+{_AMOUNT}"
        r"(?:\s*(?P<word>[A-Za-z%]+))?",
        re.IGNORECASE,
    ),
    re.compile(
        rf"{_AMOUNT}(?:\s*(?P<word>[A-Za-z%]+))?\s+or\s+(?:(?P<above>more|over|above|greater)"
        r"|(?P<below>less|fewer|under|below))\b",
        re.IGNORECASE,
    ),
)
# units of measure, which set a range of small numbers apart from a number in another unit
_MEASURE_WORD = re.compile(
    r"\s*(kg|g|lbs?|pounds|stone|bar|psi|mm|cm|m|km|miles?|metres?|meters?|litres?|liters?|ml|"
    r"seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|°C|%)(?![A-Za-z])",
    re.IGNORECASE,
)
_NOT_UNITS = frozenset(("a", "an", "the", "and", "or", "to", "of", "in", "on", "per", "each", "s"))


def units_of(question: str) -> dict[str, str]:
    """The unit each number of ``question`` is given in, by the number as ``claims.numbers``
    writes it ("54000" for "£54,000"): its currency sign, or the word after it ("kg",
    "tenancies"); numbers with neither are left out."""
    out: dict[str, str] = {}
    for m in _MEASURED.finditer(question):
        unit = _unit(m.group(1), m.group(3))
        if unit:
            out.setdefault(m.group(2).replace(",", ""), unit)
    return out


def in_range(n: str, texts: Sequence[str], unit: str = "") -> bool:
    """Whether a band of ``texts`` holds the number ``n`` (as ``claims.numbers`` writes it): a
    range of small whole numbers strictly around it, an age bound, or, when ``unit`` is given
    (``units_of``), a range or a bound in that unit ("25.1–40 kg" holds 32 in "kg")."""
    if _year(n):
        return any(_in_dates(int(n), text) for text in texts)
    try:
        value = float(n)
    except ValueError:
        return False
    for text in texts:
        if n.isdigit() and len(n) <= 3 and _small_range(int(n), text, unit):
            return True
        if unit and _measured_band(value, unit, text):
            return True
    return False


def _in_dates(year: int, text: str) -> bool:
    """Whether a range of dates of ``text`` ("1 Sep 2012 - 31 Aug 2014") spans ``year``: a
    year is held by dates only, not by a range of bare years ("1807-1809" does not hold 1808)."""
    return any(int(m.group(1)) <= year <= int(m.group(2)) for m in _DATE_RANGE.finditer(text))


def _small_range(value: int, text: str, unit: str) -> bool:
    for m in _RANGE.finditer(text):
        low, high = int(m.group(1) or m.group(2)), int(m.group(3))
        said = _MEASURE_WORD.match(text, m.end())
        if said and unit and _unit(None, said.group(1)) != unit:
            continue  # "25 to 40 minutes" holds no 32 kg
        if low < value < high:
            return True
    if any(value >= int(next(g for g in m.groups() if g)) for m in _AGE_FROM.finditer(text)):
        return True
    return any(value < int(next(g for g in m.groups() if g)) for m in _AGE_BELOW.finditer(text))


def _measured_band(value: float, unit: str, text: str) -> bool:
    """Whether a range or bound of ``text`` in ``unit`` holds ``value``."""
    for m in _BAND.finditer(text):
        if _unit(m.group(1), m.group(4)) != unit and not _unit_near(unit, text, m):
            continue
        low, high = _float(m.group(2)), _float(m.group(3))
        if low <= value <= high:
            return True
    for pattern in _BOUNDS:
        for m in pattern.finditer(text):
            if _unit(m.group("sign"), m.group("word")) != unit and not _unit_near(unit, text, m):
                continue
            bound = _float(m.group("number"))
            if (m.group("above") and value >= bound) or (m.group("below") and value <= bound):
                return True
    return False


def _unit_near(unit: str, text: str, m: re.Match[str]) -> bool:
    """Whether the unit word is said right around the band ("register 20 or more tenancies",
    "fewer than 20 tenancies a year"): within a few words after it."""
    after = text[m.end() : m.end() + 30]
    return unit in stems([w.lower() for w in re.findall(r"[A-Za-z]+", after)[:3]])


def _unit(sign: str | None, word: str | None) -> str:
    if sign:
        return sign
    if word and word.lower() not in _NOT_UNITS:
        return stems([word.lower()])[0]
    return ""


def _float(number: str) -> float:
    return float(number.replace(",", ""))


def _year(n: str) -> bool:
    return n.isdigit() and len(n) == 4 and 1000 <= int(n) <= 2100
