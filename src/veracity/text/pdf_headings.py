"""Headings in a PDF's text layer: numbered section headings and Texinfo definitions.

A PDF's text carries no markup, so its structure is read from two kinds of line:

- **Numbered headings** alone on a line ("3.1 Invoking asn1Parser", "2.4. The glob files",
  "A.1 GNU Free Documentation License"). A table row or a list item can look the same ("4 CARD32
  N_ENTRIES", "2 CARD16 MAJOR_VERSION 1"), so a line counts only when its number continues the
  numbering so far: after 2.9 come 2.9.1, 2.10 or 3, never 4. The numbering starts again
  only at a heading seen before (the body after a table of contents that lists the same
  headings), and an appendix ("A.1") may start anywhere. A table of contents line with dot
  leaders ("2 ASN.1 structure handling . . . . 2") is no heading.
- **Texinfo definitions**: GNU manuals typeset an API entry as a line that opens with its
  category in brackets, ``[Function]int asn1_der_decoding_startEnd (asn1 node element, ...``
  (also ``[Macro]``, ``[Variable]``, ``[Command]``, ``[User Option]``, ...). The entry is a
  heading named by the defined name, one level under the numbered section it sits in; a line
  just above that repeats the name with spaces for underscores (a subheading: "asn1 der
  decoding startEnd") opens the entry with it.

``Numbering`` is shared by the PDF loader (which sets numbered headings apart by blank lines)
and the chunker (which cuts a PDF's text at the headings, so that a chunk holds one section or
one API entry and carries its heading path).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from veracity.text.lines import lines_at

__all__ = ["NUMBERED_HEADING", "Numbering", "numbered_heading", "pdf_heading_starts"]

# A numbered heading alone on its line: "3 Utilities", "2.3 Simple parsing", "A.1 Scope" (section
# numbers of one or two digits, so a wrapped line that starts with a year is not one).
NUMBERED_HEADING = re.compile(
    r"^(?P<number>\d{1,2}(?:\.\d{1,2})*\.?|[A-Z]\.\d{1,2}(?:\.\d{1,2})*)[ \t]+"
    r"(?P<title>[A-Z][^\n]{0,70})(?<![.,;:])$",
    re.MULTILINE,
)
_DOT_LEADERS = re.compile(r"(?:\.\s){3,}|\.{4,}")
_DEFINITION = re.compile(
    r"^\[(?P<category>[A-Z][a-z]+(?: [A-Za-z]+){0,2})\][ \t]*(?P<signature>\S[^\n]*)$",
    re.MULTILINE,
)
_IDENTIFIER = re.compile(r"[A-Za-z_][\w:.]*")


@dataclass
class Numbering:
    """The numbering of the headings accepted so far; ``accept`` takes a candidate's number."""

    path: list[int] = field(default_factory=list)
    seen: set[tuple[tuple[int, ...], str]] = field(default_factory=set)

    def accept(self, number: str, title: str) -> int:
        """The heading's level (1 for "3", 2 for "3.1") when ``number`` continues the numbering
        (and advances it), else 0."""
        parts = number.rstrip(".").split(".")
        if parts[0].isalpha():  # an appendix: "A.1" starts its own numbering anywhere
            self.path = [int(p) for p in parts[1:]]
            return len(parts)
        new = [int(p) for p in parts]
        key = (tuple(new), " ".join(title.split()).lower())
        if not self._continues(new) and key not in self.seen:
            return 0
        self.path = new
        self.seen.add(key)
        return len(new)

    def _continues(self, new: list[int]) -> bool:
        if not self.path:
            return new in ([0], [1])  # the first heading of a document
        for depth in range(len(self.path), 0, -1):  # a sibling here or at a level above
            if new == [*self.path[: depth - 1], self.path[depth - 1] + 1]:
                return True
        return new == [*self.path, 1]  # the first child


def numbered_heading(line: str, numbering: Numbering) -> int:
    """The level of ``line`` as a numbered heading that continues ``numbering`` (advanced),
    or 0."""
    m = NUMBERED_HEADING.fullmatch(line.strip())
    if m is None or _DOT_LEADERS.search(line):
        return 0
    return numbering.accept(m.group("number"), m.group("title"))


def pdf_heading_starts(text: str) -> list[tuple[int, int, str]]:
    """``(line start, level, title)`` of each heading in a PDF's ``text`` (module docstring),
    in order."""
    out: list[tuple[int, int, str]] = []
    numbering = Numbering()
    depth = 0  # the level of the last numbered heading
    for start, line in lines_at(text):
        if level := numbered_heading(line, numbering):
            out.append((start, level, line.strip()))
            depth = level
            continue
        m = _DEFINITION.match(line)
        if m is None or (name := _defined_name(m.group("signature"))) is None:
            continue
        at = _subheading_above(text, start, name)
        if out and out[-1][0] >= at:  # the line above is a heading already
            at = start
        out.append((at, depth + 1, name))
    return out


def _defined_name(signature: str) -> str | None:
    """The name a definition line defines: the identifier before its parameter list ("int
    asn1_create_element (" -> "asn1_create_element"), else its last identifier."""
    head = signature.split("(", 1)[0]
    names = _IDENTIFIER.findall(head)
    return names[-1] if names else None


def _subheading_above(text: str, start: int, name: str) -> int:
    """Where the line above ``start`` begins when it repeats ``name`` (underscores lost to
    spaces, as the PDF's heading font shows them), else ``start``."""
    if start == 0:
        return start
    above = text.rfind("\n", 0, start - 1) + 1
    if _squashed(text[above : start - 1]) == _squashed(name):
        return above
    return start


def _squashed(s: str) -> str:
    return re.sub(r"[\W_]+", "", s).lower()
