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

``release_question_fits`` keeps the answer to questions about the document's own releases:
"Which Mypy version first shipped the plugin?" asked of attrs's changelog is about Mypy's
versions, which the headings are not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

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


def without_owner(question: str) -> str:
    """``question`` without the word naming whose release it asks about ("Which Click release
    dropped Python 3.6?" -> "Which release dropped Python 3.6?"): an entry of Click's changelog
    does not repeat "Click"."""
    m = _ASKED_FOR.search(question)
    if not m or m.group("whose") is None:
        return question
    return question[: m.start("whose")] + question[m.end("whose") :].lstrip()


def release_span(text: str, before: int, version: str) -> tuple[int, int] | None:
    """Where ``version`` stands in the last Markdown heading line of ``text`` that starts before
    offset ``before`` and names it as a release, or None."""
    found = None
    for m in _HEADING_LINE.finditer(text, 0, before):
        group = "title" if m.group("title") is not None else "setext"
        r = _RELEASE.match(m.group(group).strip())
        if r and r.group("version") == version:
            at = text.find(version, m.start(group), m.end(group))
            found = (at, at + len(version)) if at >= 0 else found
    return found
