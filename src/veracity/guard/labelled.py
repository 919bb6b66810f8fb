"""Numbers that a label names: "Grade 7", "Stage 4", "ThermaCombi 24", "Under-18", "Room 12".

A question that names one asks about that grade, stage or model; the number alone in the cited
text ("7 days", "24 kW") does not hold it, nor does the label alone ("Grades 1-4"). The cited
text holds a labelled number when it writes the label with that number ("Grade 7", "grade 7"),
with a range of numbers that holds it ("Grades 5-6" holds "Grade 5"; "Stages 4–7" holds "Stage
6"; "Under-10s to Under-16s" holds "Under-14"), as a plural ("Under-18s") or in Roman numerals
("Grade II"). A capitalized name ("Click 7") is held by the name and a release of the number
("Click", "Upgrading to 7.0"). ``labelled_numbers`` finds them in a question and
``holds_labelled`` tests a text.

A label is a capitalized word that is no month, weekday or question word ("ThermaCombi 24"), or
one of a few lowercase words that number a thing in a series (``_SERIES``: "grade 7", "stage 4",
"level 3"), and the number follows it directly (a space or a hyphen between). A year (four
digits) or a number with a decimal point is no labelled number: "March 2013" is a date,
"Python 3.12" a version, checked elsewhere.
"""

from __future__ import annotations

import re

from veracity.guard.periods import MONTHS, WEEKDAYS

__all__ = ["holds_labelled", "labelled_numbers"]

# lowercase words that number a thing of a series: "grade 7", "stage 4", "zone 2"
_SERIES = (
    "grade", "stage", "level", "band", "zone", "tier", "step", "phase", "room", "gate",
    "platform", "plan", "group", "class", "category", "model", "size", "bay", "pitch", "court",
    "unit", "block", "floor", "ward", "terminal", "route", "line",
)  # fmt: skip
_NOT_LABELS = frozenset(
    (*MONTHS, *WEEKDAYS, "what", "which", "who", "when", "where", "how", "why", "is", "are",
     "do", "does", "can", "the", "a", "an", "i", "my", "our", "in", "on", "at", "for", "of",
     "and", "or", "to", "by", "from", "under", "over", "top", "first", "last", "after", "before",
     "about", "around", "up", "page", "chapter", "section", "version", "release", "year", "day",
     "week", "month", "hour", "minute", "pm", "am", "no", "number", "with", "without")
)  # fmt: skip
_LABELLED = re.compile(
    rf"(?<![\w-])(?P<label>[A-Z][A-Za-z]*[a-z][A-Za-z]*|Under|Over|{'|'.join(_SERIES)})"
    r"(?:[ \t]|-)(?P<number>\d{1,3})(?![\d.,]\d|\w)"
    # "the FernStore 3-to-4 migration" names a move between versions, no model 3
    r"(?![ \t-]*to[ \t-]*\d)",
)
_UNDER_OVER = frozenset(("under", "over"))


def labelled_numbers(question: str) -> list[tuple[str, str]]:
    """``(label, number)`` of each labelled number of ``question`` ("Grade 7": ``("Grade",
    "7")``), in order."""
    out = []
    for m in _LABELLED.finditer(question):
        label = m.group("label")
        if label.lower() in _NOT_LABELS - _UNDER_OVER:
            continue
        out.append((label, m.group("number")))
    return out


def holds_labelled(label: str, number: str, text: str) -> bool:
    """Whether ``text`` writes ``label`` with ``number``: "Grade 7", "grades 7", "Under-18s",
    or a range of numbers after the label that holds it ("Grades 5-6", "Stages 4–7", "levels 3
    to 5")."""
    value = int(number)
    word = re.escape(label.rstrip("s"))
    pattern = re.compile(
        rf"(?<![\w-]){word}(?:e?s)?['’]?[ \t]*-?[ \t]*({_NUMERAL})(?:s\b)?"
        rf"(?:[ \t]*(?:-|–|—|to|and)[ \t]*(?:{word}(?:e?s)?['’]?[ \t]*-?[ \t]*)?({_NUMERAL}))?"
        r"(?:s\b)?(?![\d.,]\d|\w)",
        re.IGNORECASE,
    )
    named = re.compile(rf"(?<![\w-]){word}(?![\w-])", re.IGNORECASE)
    release = re.compile(rf"(?<![\w.]){value}(?:\.\d+)+(?![\w.])|\bv{value}\b", re.IGNORECASE)
    if not label.islower() and named.search(text) and release.search(text):
        return True  # "Click 7.0", or "Click" and "Upgrading to 7.0": a release of it
    for m in pattern.finditer(text):
        low = _value(m.group(1))
        high = _value(m.group(2)) if m.group(2) else low
        if low <= value <= high:
            return True
    return False


# a number in digits or in Roman numerals up to 39 ("Grade II", "World War II")
_NUMERAL = r"\d{1,3}|(?=[IVXivx])X{0,3}(?:IX|IV|V?I{0,3})"
_ROMAN = {"I": 1, "V": 5, "X": 10}


def _value(numeral: str) -> int:
    if numeral.isdigit():
        return int(numeral)
    digits = [_ROMAN[c] for c in numeral.upper()]
    return sum(-d if d < nxt else d for d, nxt in zip(digits, [*digits[1:], 0], strict=True))
