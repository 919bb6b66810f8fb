"""Sentence splitting by rules: fast (a few regex scans, linear time), no model, exact offsets.

``split_sentences`` returns character spans into the text it was given, so callers cite the very
characters they show. Two passes:

1. Line structure ends sentences: a blank line (paragraph break), a Markdown heading line, a
   horizontal rule or setext underline, and the start of a list item or table row.
2. Inside each block, a run of ``.``, ``!``, ``?`` or ``…`` (with closing quotes and brackets)
   followed by whitespace ends a sentence, unless it is a known abbreviation (``e.g.``, ``Dr.``,
   ``U.S.``, ``et al.``) or the next word starts in lowercase (``... and then``). CJK full stops
   (``。！？``) always end one. Decimals (``3.14``) never match: no whitespace follows the dot.

Splitting errs toward too few sentences rather than too many: a merged pair of sentences costs a
chunker nothing, a sentence cut after ``Dr.`` makes a bad citation.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from veracity.errors import ConfigError
from veracity.text.leaders import LEADER_DOTS, leader_rows
from veracity.text.lines import lines_at
from veracity.text.pdf_headings import NUMBERED_HEADING

__all__ = ["short_column", "split_sentences"]

# Forced breaks from line structure. Every alternative starts at a newline, so the scan jumps from
# newline to newline (a literal prefix); the first line of a range is matched separately. The
# possessive quantifiers keep each alternative linear on pathological lines (50 MB of dashes).
# Blank lines (a paragraph break), all of a run at once, leaving the last newline for a heading.
_BLANK = r"(?P<blank>[^\S\n]*+(?:\n[^\S\n]*+)*(?=\n))"
_LINE = r"""(?P<line>[^\S\n]{0,3}+(?:
      \#{1,6}(?=[^\S\n]|$)[^\n]*+             # ATX heading: its own sentence
    | (?=(?:[ \t]*+[-=*_]){3})[-=*_ \t\r\f\v]*+$  # rule or setext underline
))"""
_ITEM = r"""(?P<item>[^\S\n]*+(?:               # list item or table row: starts a sentence
      [-*+•▪‣◦](?=[^\S\n]) | \d{1,9}[.)](?=[^\S\n]) | \|
))"""
_LINE_BREAK = re.compile(rf"\n(?:{_BLANK}|{_LINE}|{_ITEM})", re.MULTILINE | re.VERBOSE)
_FIRST_LINE_BREAK = re.compile(rf"{_LINE}|{_ITEM}", re.MULTILINE | re.VERBOSE)

# A sentence-final run of terminators and closing quotes/brackets. It starts with a character
# class (a fast prefix scan) and refuses to start inside a run, so a 50 MB run of dots is read once.
_TERMINATOR = re.compile(
    r"""[.!?…。！？](?<![.!?…。！？][.!?…。！？])[.!?…。！？]*+["'”’»)\]}」』）】]*+"""
)
_CJK_STOP = re.compile("[。！？]")
_NEXT_CHAR = re.compile(r"\s*+(\S?)")
_WORD_BEFORE = re.compile(r"""[("'“‘\[]*+(\S*)$""")
_INITIALISM = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]|[A-Z]")  # U.S, e.g, i.e, J (of "J. Smith")
_NON_SPACE = re.compile(r"\S")
_ITEM_NUMBER = re.compile(r"\d{1,3}(?:\.\d{1,3}){0,3}")

# Abbreviations after which a period never ends a sentence (compared lowercased, without the dot).
_NEVER_FINAL_WORDS = """mr mrs ms mx dr prof rev hon st mt ft gen col lt capt sgt cmdr adm gov sen
    rep pres fig figs eq eqs vol vols pp ch chap sec sect cf v vs viz approx dept est ca resp incl
    jan feb mar apr jun jul aug sep sept oct nov dec"""
_NEVER_FINAL = frozenset(_NEVER_FINAL_WORDS.split())
# Abbreviations that end a sentence only when the next word is capitalized ("et al. (2019)").
_FINAL_IF_CAPITAL_WORDS = "al etc inc ltd co corp jr sr bros"
_FINAL_IF_CAPITAL = frozenset(_FINAL_IF_CAPITAL_WORDS.split())
# Abbreviations that never end a sentence before a number ("No. 5", "p. 12").
_BEFORE_NUMBER_WORDS = "no nos p art ref refs"
_BEFORE_NUMBER = frozenset(_BEFORE_NUMBER_WORDS.split())

_LOOKBACK = 40  # characters searched backwards for the word before a period


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans ``(s, e)`` of the sentences in ``text[start:end]``, as offsets into ``text``.

    Each span is trimmed of surrounding whitespace and non-empty; together the spans cover every
    non-whitespace character of the range, in order, without overlapping.
    """
    stop = len(text) if end is None else end
    if not 0 <= start <= stop <= len(text):
        raise ConfigError(
            f"sentence range [{start}, {end}) is outside the text of length {len(text)}; "
            "pass 0 <= start <= end <= len(text)"
        )
    spans: list[tuple[int, int]] = []
    for block_start, block_end in _blocks(text, start, stop):
        for a, b in _field_lines(text, block_start, block_end):
            _split_block(text, a, b, spans)
    return spans


# A "Label: value" line of a form or a plain-text record ("Address: Tuuleveski tee 5").
_FIELD = re.compile(r"[^\S\n]*+[A-Z][\w'/-]*+(?:[^\S\n][\w'/-]++){0,3}:[^\S\n]+\S")
# A block of at least this many lines, none longer than this, is a column of items, not prose
# (prose is wrapped at 60-80 characters).
_COLUMN_LINES, _COLUMN_WIDTH = 3, 48
# a line of code, which a column of items holds none of: an indented line, or code punctuation
_CODE_LINE = re.compile(r"^[ \t]+\S|[{};=<>`]|\w\(")
_LINE_END = re.compile(r"[.!?…:;,。！？-][\"'”’»)\]}]*$")


def short_column(lines: Sequence[str]) -> bool:
    """Whether ``lines`` (a block between blank lines) are a column of short lines: at least
    ``_COLUMN_LINES`` of them, none longer than ``_COLUMN_WIDTH`` characters or a line of code.
    Items of a menu or a list of specifications are laid out so; prose is wrapped wider."""
    return len(lines) >= _COLUMN_LINES and all(
        len(x.strip()) <= _COLUMN_WIDTH and not _CODE_LINE.search(x) for x in lines
    )


def _field_lines(text: str, start: int, stop: int) -> list[tuple[int, int]]:
    """Cut a block after a line with no closing punctuation when that line or the next is a
    "Label: value" field, or when it is a short title line opening the block, and the next line
    starts with a capital or a digit: plain-text records ("Tallinn / Address: ... / About 35
    desks.") are not one run-on sentence. Wrapped prose never matches (its next line goes on in
    lowercase, or neither line is a field), and nor does a line that opens a quotation and
    leaves it open ('ASN1_ERROR_TYPE_ANY if some "ANY' / 'DEFINED BY" element ...'). A column
    of short lines (a menu, a list of specifications, an address: three lines or more, none
    longer than ``_COLUMN_WIDTH``, none indented or holding code punctuation) is cut at every
    line that the next opens with a capital. A numbered title line ("2.3 Late submission") is
    a title too. A dot leader's row ("London ........ £160", ``text.leaders``) is a piece of
    its own."""
    cuts = [start]
    line_start = start
    lines = text[start:stop].strip().splitlines()
    column = short_column(lines)
    while (nl := text.find("\n", line_start, stop)) != -1:
        line = text[line_start:nl].strip()
        nxt = _NON_SPACE.search(text, nl, stop)
        if nxt is None:
            break
        opening = not text[cuts[-1] : line_start].strip()  # the piece's first line
        words = len(line.split())
        title = opening and (
            (0 < words <= 4 and line[:1].isupper())
            or (
                words <= 9 and NUMBERED_HEADING.fullmatch(line) is not None
            )  # "2.3 Late submission"
        )
        fields = _FIELD.match(line) is not None or _FIELD.match(text, nxt.start(), stop)
        opens = text[nxt.start()].isupper() or text[nxt.start()].isdigit()
        quoting = line.count('"') % 2 == 1  # a quotation opened on the line goes on
        if (
            line
            and not _LINE_END.search(line)
            and opens
            and (title or fields or column)
            and not quoting
        ):
            cuts.append(nl + 1)
        line_start = nl + 1
    cuts += _leader_cuts(text, start, stop)
    cuts.append(stop)
    cuts.sort()
    return [(a, b) for a, b in itertools.pairwise(cuts) if a < b]


def _leader_cuts(text: str, start: int, stop: int) -> list[int]:
    """Where the leader rows of ``text[start:stop]`` start and end ("London ...... £160": each
    its own sentence, apart from the line that leads into them)."""
    starts, lines = zip(*lines_at(text[start:stop]), strict=True)
    cuts = []
    for first, last in leader_rows(lines):
        cuts += [start + starts[first], min(stop, start + starts[last] + len(lines[last]) + 1)]
    return [c for c in cuts if start < c < stop]


def _blocks(text: str, start: int, stop: int) -> list[tuple[int, int]]:
    """Cut ``[start, stop)`` at the forced breaks of the line structure."""
    cuts = [start]
    matches = list(_LINE_BREAK.finditer(text, start, stop))
    if start == 0 or text[start - 1] == "\n":
        first = _FIRST_LINE_BREAK.match(text, start, stop)
        if first is not None:
            matches.insert(0, first)
    for m in matches:
        line_start = m.start(m.lastgroup or 0)
        if m.lastgroup == "line":
            if m.group("line").lstrip()[:1] in ("=", "-") and line_start > start:
                # A setext underline: the line above is a heading, its own sentence.
                cuts.append(max(start, text.rfind("\n", start, line_start - 1) + 1))
            cuts += [line_start, m.end()]
        else:
            cuts.append(line_start)
    cuts.append(stop)
    cuts.sort()  # a setext cut may precede the previous match's cut
    return [(a, b) for a, b in itertools.pairwise(cuts) if a < b]


def _split_block(text: str, start: int, stop: int, spans: list[tuple[int, int]]) -> None:
    """Append the sentences of one block (no forced breaks inside) to ``spans``."""
    first = _NON_SPACE.search(text, start, stop)
    if first is None:
        return
    sentence_start = first.start()
    for m in _TERMINATOR.finditer(text, sentence_start, stop):
        nxt = _NEXT_CHAR.match(text, m.end(), stop)
        assert nxt is not None  # the pattern matches the empty string
        following = nxt.group(1)
        if _CJK_STOP.search(m.group()) is None:
            if following and nxt.start(1) == m.end():
                continue  # no space after it: "3.14", "example.com", "e.g.,"
            if _leader(text, m, nxt.start(1)):
                continue  # "London ........ £160": a row's dot leader
            if not _ends_sentence(text, m, following, sentence_start):
                continue
        spans.append((sentence_start, m.end()))
        if not following:
            return
        sentence_start = nxt.start(1)
    spans.append((sentence_start, sentence_start + len(text[sentence_start:stop].rstrip())))


def _leader(text: str, m: re.Match[str], following_at: int) -> bool:
    """Whether the run of terminators ``m`` is a dot leader: four dots or more, and the value
    they lead to on the same line."""
    run = m.group()
    return (
        run.count(".") >= LEADER_DOTS
        and not run.strip(".")
        and "\n" not in text[m.end() : following_at]
    )


def _ends_sentence(text: str, m: re.Match[str], following: str, sentence_start: int) -> bool:
    """Whether the Western terminator ``m`` ends a sentence, given the next non-space char."""
    if not following:
        return True
    if following.islower():
        return False  # "e.g. the", "... and then", "approx. ten"
    if following in ".!?…":
        return False  # dot leaders of a table of contents: ". . . . 12"
    if m.group().rstrip("\"'”’»)]}") != ".":
        return True
    if _ITEM_NUMBER.fullmatch(text, sentence_start, m.start()):
        return False  # an item's or a section's number: "7. GETTING HELP", "2.1. Install"
    word_m = _WORD_BEFORE.search(text, max(sentence_start, m.start() - _LOOKBACK), m.start())
    word = word_m.group(1) if word_m else ""
    if not word:
        return True
    if _INITIALISM.fullmatch(word):
        return False
    key = word.lower()
    if key in _NEVER_FINAL:
        return False
    if key in _FINAL_IF_CAPITAL:
        return following.isupper()
    if key in _BEFORE_NUMBER and word[0].isupper():
        return not following.isdigit()
    return True
