"""The release a changelog entry belongs to: its version is the heading above it.

"Which release dropped Python 3.7?" is answered by a changelog entry ("- Python 3.7 has been
dropped.") whose version is its section's heading ("## [24.3.0](...) - 2024-12-16"), not a word
of the entry. The reader finds the entry; ``release_of`` reads the nearest heading of its passage
that names a release, and ``release_span`` finds that heading in the document text above the
passage, so the answer cites where the version stands.

A release heading starts with its version, after an optional project name and "version",
"release" or "v" ("24.3.0 - 2024-12-16", "[1.2.0](url)", "Version 2.0.0", "attrs 24.1.0",
"Git v2.0 Release Notes"), and ends there or with a date, a link or a dash. A heading that only
holds a number ("Python 3.7 support", "Step 2.1 Install") names no release.

"When was X added?" asked of an entry under a release heading is answered the same way, and a
span of the entry that is no date, year or version (an issue number) does not answer it.

A changelog in plain text (a ``NEWS`` file, Valgrind's release notes as HTML renders them) has no
Markdown headings: its releases are lines underlined by a row of ``=``, ``-``, ``~`` or ``*``
("Release 3.19.0 (11 Apr 2022)" over "~~~~~~~~"), or lines that open with the word and the
version ("Release 2.5.0 Tue October 25 2022", "* Noteworthy changes in release 1.2").
``release_line_above`` finds the nearest one above an entry, for a passage under no release
heading.

``release_question_fits`` keeps the answer to questions about the document's own releases:
"Which Mypy version first shipped the plugin?" asked of attrs's changelog is about Mypy's
versions, which the headings are not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

_RELEASE = re.compile(
    r"^\W*(?:[A-Za-z][\w.-]*\s+)??(?:(?:version|release|v\.?)\s*)?"
    r"(?P<version>\d+(?:\.\d+){1,3}(?:[-.]?(?:a|b|rc|dev|post)\d*)?)\]?"
    r"(?:\s+release(?:\s+notes)?)?(?=\s*(?:$|[-–—:(\[,]|\d{4}-))",
    re.IGNORECASE,
)
# "Which attrs release ...", "In what pip version ...": the word naming whose release it is.
_ASKED_FOR = re.compile(
    r"\b(?:what|which)\s+(?:(?P<whose>[\w.+-]+)\s+)?(?:version|release)s?\b", re.IGNORECASE
)
# A Markdown heading line: ATX ("## 24.3.0") or setext ("24.3.0" over "------").
_HEADING_LINE = re.compile(
    r"^ {0,3}#{1,6}[ \t]+(?P<title>.+?)[ \t#]*$|^(?P<setext>[^\n]+)\n {0,3}(?:=+|-+)[ \t]*$",
    re.MULTILINE,
)


def release_of(headings: Sequence[str]) -> str | None:
    """The version of the nearest heading in ``headings`` (outermost first) that names a
    release, or None."""
    for heading in reversed(headings):
        if m := _RELEASE.match(heading.strip()):
            return m.group("version")
    return None


def release_question_fits(question: str, where: str) -> bool:
    """Whether ``question`` asks about the release of what ``where`` (the document's title and
    uri) documents: the word before "version" or "release" is absent, a generic word, or named
    in ``where``."""
    m = _ASKED_FOR.search(question)
    whose = (m.group("whose") or "").lower() if m else ""
    if not whose or whose in ("the", "a", "its", "this", "that", "first", "next", "last"):
        return True
    return whose in where.lower()


# "When was FloatRange added?": asked of a changelog, its time is the release the entry is under.
_RELEASE_WHEN = re.compile(
    r"^\W*when\b[^?]*\b(?:added|introduced|deprecated|removed|dropped|changed|fixed|renamed"
    r"|released|implemented|supported)\b",
    re.IGNORECASE,
)
# What a release's time may be said as in an entry: a date, a year, a version.
_RELEASE_TIME = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|(?<!#)\b(?:1\d{3}|20\d{2})\b|\d+\.\d+|\b(?:January|February|March|April|May"
    r"|June|July|August|September|October|November|December)\b",
)


def asks_release_time(question: str) -> bool:
    """Whether ``question`` asks when something was added, removed, changed ...: of a
    changelog entry, the answer is its release."""
    return _RELEASE_WHEN.search(question) is not None


def is_release_time(span: str) -> bool:
    """Whether ``span`` can say when a release was: a date, a year or a version ("553", an
    issue number at the end of an entry, cannot)."""
    return _RELEASE_TIME.search(span) is not None


# A numbered section's heading: "6.10 The Restricted Shell", "5.6. cg_diff Command-line Options".
_SECTION_NUMBER = re.compile(r"[ \t]{0,3}#{1,6}[ \t]+(?P<number>\d+(?:\.\d+)*\.?)[ \t]+[A-Za-z]")


def section_number_at(text: str, start: int) -> bool:
    """Whether ``text[start]`` lies in the number that opens a numbered section's Markdown
    heading ("## 6.10 The Restricted Shell"), which is no release: a release heading's version
    is followed by its date, a dash or nothing ("## 2.4.9 - 2022-09-20")."""
    line = text.rfind("\n", 0, start) + 1
    m = _SECTION_NUMBER.match(text, line)
    if m is None or not m.start("number") <= start < m.end("number"):
        return False
    end = text.find("\n", line)
    return _RELEASE.match(text[m.start("number") : end if end >= 0 else None]) is None


# "3.3 Ground coffee: use the bypass chute", "12.3 Governing law.": a plain-text clause number that
# opens a line (two or more parts, so that "2 kg of flour" and "15 Mar" are no clause numbers);
# or one part with its full stop or bracket, before a capital: "8. AFFORDABILITY SCHEMES", "2)
# Remove the filter" (an item's number: "15. Mar" is not written)
_CLAUSE_NUMBER = re.compile(
    r"[ \t]{0,3}(?P<number>\d{1,3}(?:\.\d{1,3})+\.?|\d{1,3}[.)](?=[ \t]))[ \t]+[A-Z]"
)


def clause_number_at(text: str, start: int) -> bool:
    """Whether ``text[start]`` lies in a number that opens a numbered section: a Markdown
    heading's ("## 6.10 The Restricted Shell", ``section_number_at``) or a plain-text clause's
    ("3.3 Ground coffee: ...")."""
    if section_number_at(text, start):
        return True
    line = text.rfind("\n", 0, start) + 1
    m = _CLAUSE_NUMBER.match(text, line)
    return m is not None and m.start("number") <= start < m.end("number")


def release_span(text: str, before: int, version: str) -> tuple[int, int] | None:
    """Where ``version`` stands in the last Markdown heading line of ``text`` that starts before
    offset ``before`` and names it as a release, or None."""

    def names_it(title: str) -> int | None:
        r = _RELEASE.match(title)
        return r.start("version") if r and r.group("version") == version else None

    return heading_span(text, before, names_it, len(version))


def last_heading(text: str, before: int) -> str | None:
    """The title of the last Markdown heading line (ATX or setext) of ``text`` that starts
    before offset ``before``, stripped; None when there is none."""
    titles = [
        (m.group("title") if m.group("title") is not None else m.group("setext")).strip()
        for m in _HEADING_LINE.finditer(text, 0, before)
    ]
    return titles[-1] if titles else None


def heading_span(
    text: str, before: int, locate: Callable[[str], int | None], length: int
) -> tuple[int, int] | None:
    """The ``(start, end)`` in ``text`` of what ``locate`` finds (its offset in a heading's
    title, stripped) in the last Markdown heading line (ATX or setext) that starts before offset
    ``before``, ``length`` characters long; None when no heading there holds it."""
    found = None
    for m in _HEADING_LINE.finditer(text, 0, before):
        group = "title" if m.group("title") is not None else "setext"
        raw = m.group(group)
        title = raw.strip()
        if (at := locate(title)) is not None:
            start = m.start(group) + (len(raw) - len(raw.lstrip())) + at
            found = (start, start + length)
    return found


# A release line of a plain-text changelog: a line that ``_RELEASE`` matches over an underline
# of one repeated character, or one that opens with "Release", "Version" or GNU's "Noteworthy
# changes in release" and its version ("Release 2.5.0 Tue October 25 2022").
_UNDERLINED = re.compile(r"^(?P<title>[^\n]+)\n[ \t]*(?P<rule>([=~*-])\3{2,})[ \t]*$", re.MULTILINE)
_RELEASE_LINE = re.compile(
    r"^(?:\*[ \t]+)?(?:(?:noteworthy[ \t]+)?changes[ \t]+in[ \t]+)?(?:release|version)[ \t]+v?"
    r"(?P<version>\d+(?:\.\d+){1,3}(?:[-.]?(?:a|b|rc|dev|post)\d*)?)\b",
    re.IGNORECASE | re.MULTILINE,
)


def release_line_above(text: str, before: int) -> tuple[str, int, int] | None:
    """``(version, start, end)`` of the version in the last release line of ``text`` (a
    plain-text changelog's release heading: underlined, or opening with "Release" and its
    version) that ends before offset ``before``, or None. Only in a changelog, which lists two
    releases or more: a manual's title line ("MyTool 1.0" over "====") is no release its
    sections belong to."""
    lines: dict[int, tuple[str, int, int, int]] = {}
    for m in _UNDERLINED.finditer(text):
        r = _RELEASE.match(m.group("title").strip())
        if r:
            at = text.find(r.group("version"), m.start("title"), m.end("title"))
            lines[m.start()] = (r.group("version"), at, at + len(r.group("version")), m.end())
    for m in _RELEASE_LINE.finditer(text):
        end = text.find("\n", m.end())
        line_end = len(text) if end < 0 else end
        lines.setdefault(m.start(), (m.group("version"), *m.span("version"), line_end))
    above = [line[:3] for _, line in sorted(lines.items()) if line[3] <= before]
    return above[-1] if len(lines) >= 2 and above else None
