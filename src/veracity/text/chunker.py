"""Split a document into chunks that fit the embedder: sentence-aware, heading-aware, exact offsets.

The pipeline is three pure steps over offsets into ``doc.text`` (no text is ever rewritten, so
``doc.text[chunk.start:chunk.end] == chunk.text`` holds by construction):

1. ``split_sections``: Markdown (and HTML rendered as Markdown) is cut at ATX (``## Title``) and
   setext (``Title`` over ``====``) headings outside fenced code; each section knows its heading
   path. A PDF's text is cut at its numbered headings and API definitions
   (``text.pdf_headings``), plain text laid out as an outline (a man page saved as text) at the
   lines that stand left of its body, and plain text written at the margin at its underlined
   or capitalized headings (``text.plain_headings``). Other documents are one section. A chunk
   never spans two sections.
2. Units: the sentences of a section (``split_sentences``), each counted once. A sentence over the
   budget is cut at word boundaries, and a word over the budget (a 50 MB line without spaces) by
   characters, into budget-sized pieces.
3. Packing: whole units are packed greedily up to ``max_tokens``; each new chunk starts with the
   previous chunk's trailing whole sentences worth up to ``overlap_tokens``.

Every step is linear in the text (regex scans and a bounded window per piece), so a 50 MB
single-line document chunks in seconds without quadratic memory.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from veracity.errors import ConfigError
from veracity.records import Chunk, Document, content_id
from veracity.text.pdf_headings import pdf_heading_starts
from veracity.text.plain_headings import margin_heading_starts, plain_heading_starts
from veracity.text.sentences import split_sentences
from veracity.text.tokens import TokenCounter, default_counter

__all__ = ["ChunkOptions", "Section", "chunk_document", "split_sections"]

SECTIONED_MIMES = frozenset({"text/markdown", "text/x-markdown", "text/html"})
PDF_MIME = "application/pdf"
PLAIN_MIME = "text/plain"

# A sentence longer than max_tokens * this many characters is cut without counting it whole: no
# real text averages more characters per token, and it bounds the text one count() call sees.
_MAX_CHARS_PER_TOKEN = 12
_SHRINK = 0.9  # aim a little under the budget when shrinking an over-budget piece
_GROW = 0.97  # the next piece's window: the last piece's characters per token, a little under
_MAX_HEADING_CHARS = 200  # headings are stored on every chunk of a section: keep them short
# An outlined plain-text section shorter than this joins the next: a man page's NAME, LIBRARY and
# SYNOPSIS are a line or two each, and alone they make chunks that match the page's name best.
_MIN_PLAIN_SECTION_CHARS = 400
_WHITESPACE_CUTS = (" ", "\n", "\t", "\r", "\u3000", "\xa0")


@dataclass(frozen=True, slots=True)
class ChunkOptions:
    """How to chunk. Budgets are in the counter's tokens: the ingest pipeline passes the
    embedder's exact counter when it offers one (MiniLM: its WordPiece tokenizer, and a budget
    cut to fit the model's 256 with [CLS]/[SEP]), else the model-free WordPiece estimate, which
    over-counts by about a fifth (so the same budget gives smaller chunks)."""

    max_tokens: int = 200  # budget per chunk (leave room under the embedder's 256)
    overlap_tokens: int = 32  # trailing whole sentences repeated at the start of the next chunk
    headings: bool = True  # heading-aware for Markdown, HTML, PDF and outlined plain text

    def __post_init__(self) -> None:
        if self.max_tokens < 1:
            raise ConfigError(f"max_tokens must be >= 1, got {self.max_tokens}; the default is 200")
        if not 0 <= self.overlap_tokens < self.max_tokens:
            raise ConfigError(
                f"overlap_tokens must be in [0, max_tokens={self.max_tokens}), got "
                f"{self.overlap_tokens}; use 0 for no overlap"
            )


@dataclass(frozen=True, slots=True)
class Section:
    """A span of a document under one heading path; ``start`` is the heading line's start."""

    start: int
    end: int
    headings: tuple[str, ...] = ()


class _Unit(NamedTuple):
    """A sentence or a piece of one: the atom the packer moves (internal, hence a tuple)."""

    start: int
    end: int
    n_tokens: int
    whole: bool  # a whole sentence (only those are repeated as overlap)


def chunk_document(
    doc: Document, options: ChunkOptions = ChunkOptions(), counter: TokenCounter | None = None
) -> list[Chunk]:
    """Chunks of ``doc`` in document order, with exact offsets, heading paths and token counts."""
    count = counter if counter is not None else default_counter()
    text = doc.text
    mime = doc.mime.split(";", 1)[0].strip().lower()
    if options.headings and mime in SECTIONED_MIMES:
        sections = split_sections(text)
    elif options.headings and mime == PDF_MIME:
        sections = _sections_from_starts(text, pdf_heading_starts(text))
    elif options.headings and mime == PLAIN_MIME and (starts := plain_heading_starts(text)):
        sections = _joined_small(_sections_from_starts(text, starts), _MIN_PLAIN_SECTION_CHARS)
    elif options.headings and mime == PLAIN_MIME and (starts := margin_heading_starts(text)):
        # headings the author marked (underlined, in capitals): a short section is still one
        sections = _sections_from_starts(text, starts)
    else:
        sections = [Section(0, len(text))]
    chunks: list[Chunk] = []
    for section in sections:
        units = _units(text, section, options.max_tokens, count)
        for start, end, n_tokens in _pack(units, options):
            chunks.append(
                Chunk(
                    id=content_id(doc.content_hash, str(start), str(end)),
                    document_id=doc.id,
                    ordinal=len(chunks),
                    text=text[start:end],
                    start=start,
                    end=end,
                    page=doc.page_at(start),
                    headings=section.headings,
                    n_tokens=n_tokens,
                )
            )
    return chunks


# ---- step 1: sections -------------------------------------------------------------------------

# Every alternative starts at a newline, so the scan jumps from newline to newline (a literal
# prefix: 50 MB in tens of milliseconds); the first line is matched separately.
_MD_BODY = r"""[ ]{0,3}+(?:
      (?P<fence>`{3,}+|~{3,}+)(?P<info>[^\n]*+)                     # fenced code: open or close
    | (?P<atx>\#{1,6})(?P<title>(?:[ \t][^\n]*+)?)$                 # ATX heading
    | (?P<setext>=++|-{2,}+)[ \t\r]*+$                              # setext underline
)"""
_MD_LINE = re.compile(r"\n" + _MD_BODY, re.MULTILINE | re.VERBOSE)
_MD_FIRST_LINE = re.compile(_MD_BODY, re.MULTILINE | re.VERBOSE)
_FRONT_MATTER_CLOSE = re.compile(r"\n(?:---|\.\.\.)[ \t\r]*+(?:\n|\Z)")
_LIST_OR_QUOTE = re.compile(r"[ \t]*+(?:[-*+>]|\d{1,9}[.)])(?:[ \t]|$)")


def split_sections(text: str) -> list[Section]:
    """Cut Markdown ``text`` at its headings (outside fenced code) into sections with heading paths.

    The text before the first heading is a section with no headings. A YAML front matter block
    (``---`` ... ``---`` at the very start) is never read as a setext heading.
    """
    starts: list[tuple[int, int, str]] = []  # (line start, level, title)
    fence = ""  # the opening fence while inside fenced code
    skip_until = _front_matter_end(text)
    matches = list(_MD_LINE.finditer(text))
    first = _MD_FIRST_LINE.match(text)
    if first is not None:
        matches.insert(0, first)
    for m in matches:
        line_start = m.start() + 1 if text[m.start()] == "\n" else m.start()
        if line_start < skip_until:
            continue
        if m.group("fence"):
            fence = _next_fence_state(fence, m.group("fence"), m.group("info"))
        elif fence:
            continue
        elif m.group("atx"):
            starts.append((line_start, len(m.group("atx")), _atx_title(m.group("title"))))
        elif m.group("setext"):
            heading = _setext_heading(text, line_start, skip_until, starts)
            if heading is not None:
                level = 1 if m.group("setext")[0] == "=" else 2
                starts.append((heading[0], level, heading[1]))
    return _sections_from_starts(text, starts)


def _next_fence_state(fence: str, marker: str, info: str) -> str:
    """The open fence after a fence line: open one, close the open one, or stay inside."""
    if not fence:
        return marker
    closes = marker[0] == fence[0] and len(marker) >= len(fence) and not info.strip()
    return "" if closes else fence


def _atx_title(raw: str) -> str:
    title = raw.strip()
    unhashed = title.rstrip("#")
    if not unhashed:
        title = ""
    elif unhashed != title and unhashed[-1] in " \t":
        title = unhashed.rstrip()  # a closing sequence: "## Title ##"
    return title[:_MAX_HEADING_CHARS]


def _setext_heading(
    text: str, underline_start: int, floor: int, starts: list[tuple[int, int, str]]
) -> tuple[int, str] | None:
    """(start, title) of the one-line paragraph above a setext underline, or None if there is none.

    Only a single-line paragraph counts (a blank line, a heading or the start above it), which
    keeps ``---`` under a longer paragraph a thematic break, as most readers expect.
    """
    if underline_start == 0:
        return None
    title_start = text.rfind("\n", 0, underline_start - 1) + 1
    title = text[title_start : underline_start - 1].strip()
    if title_start < floor or not title or title.startswith(("#", "|", "```", "~~~")):
        return None
    if _LIST_OR_QUOTE.match(title) or (starts and starts[-1][0] == title_start):
        return None
    if title_start > 0:
        above_start = text.rfind("\n", 0, title_start - 1) + 1
        above = text[above_start : title_start - 1]
        is_heading_above = bool(starts) and starts[-1][0] == above_start
        is_rule_above = set(above.strip()) <= {"=", "-"}
        if above.strip() and not (is_heading_above or is_rule_above):
            return None
    return title_start, title[:_MAX_HEADING_CHARS]


def _front_matter_end(text: str) -> int:
    """End of a leading YAML front matter block (``---`` lines), or 0 when there is none."""
    if not text.startswith("---") or text[3:4] not in ("\n", "\r"):
        return 0
    close = _FRONT_MATTER_CLOSE.search(text, 3)
    return 0 if close is None else close.end()


def _sections_from_starts(text: str, starts: list[tuple[int, int, str]]) -> list[Section]:
    sections: list[Section] = []
    first = starts[0][0] if starts else len(text)
    if first > 0:
        sections.append(Section(0, first))
    path: list[tuple[int, str]] = []  # (level, title) from the outermost heading in
    above = 0  # the level of the heading that opens the last section (0: none)
    for i, (start, level, title) in enumerate(starts):
        while path and path[-1][0] >= level:
            path.pop()
        path.append((level, title))
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        section = Section(start, end, _distinct(t for _, t in path))
        if above and level > above and _heading_only(text, sections[-1]):
            # "# Lifetimes" straight over "## Lifetimes": a chunk of the heading alone would
            # hold nothing to find (and match a title query best); it opens its subsection.
            sections[-1] = Section(sections[-1].start, end, section.headings)
        else:
            sections.append(section)
        above = level
    return sections


def _joined_small(sections: list[Section], min_chars: int) -> list[Section]:
    """``sections`` with each run of short ones (under ``min_chars``) joined to the section
    after it, under the heading path of the run's longest part: most of its text is under it."""
    out: list[Section] = []
    longest: list[int] = []  # the length of each joined section's longest part
    for section in sections:
        size = section.end - section.start
        if out and out[-1].end - out[-1].start < min_chars:
            last, most = out.pop(), longest.pop()
            headings = section.headings if size > most else last.headings
            section, size = Section(last.start, section.end, headings), max(size, most)
        out.append(section)
        longest.append(size)
    return out


_HEADING_LINE = re.compile(r" {0,3}#{1,6}(?:[ \t].*)?")
_UNDERLINE = re.compile(r" {0,3}(?:=+|-+)[ \t]*")


def _heading_only(text: str, section: Section) -> bool:
    """Whether ``section`` holds nothing but heading lines (ATX, or a setext title and its
    underline)."""
    lines = [line for line in text[section.start : section.end].splitlines() if line.strip()]
    return all(
        _HEADING_LINE.fullmatch(line)
        or _UNDERLINE.fullmatch(line)
        or (i + 1 < len(lines) and _UNDERLINE.fullmatch(lines[i + 1]))
        for i, line in enumerate(lines)
    )


def _distinct(titles: Iterable[str]) -> tuple[str, ...]:
    """A heading path without a title repeated under itself: a page whose ``<h1>`` and first
    ``<h2>`` say the same (as each chapter of a book's one-page print version does) would read
    "Lifetimes > Lifetimes > Elision"."""
    out: list[str] = []
    for title in titles:
        if not out or out[-1] != title:
            out.append(title)
    return tuple(out)


# ---- step 2: units ----------------------------------------------------------------------------


def _units(text: str, section: Section, budget: int, counter: TokenCounter) -> Iterator[_Unit]:
    """The sentences of a section, counted once; over-budget ones cut into pieces."""
    max_chars = budget * _MAX_CHARS_PER_TOKEN
    for start, end in split_sentences(text, section.start, section.end):
        if end - start <= max_chars:
            n = counter.count(text[start:end])
            if n <= budget:
                yield _Unit(start, end, n, True)
                continue
        yield from _split_long(text, start, end, budget, counter)


_NON_SPACE = re.compile(r"\S")


def _split_long(
    text: str, start: int, end: int, budget: int, counter: TokenCounter
) -> Iterator[_Unit]:
    """Cut ``text[start:end]`` (starting at a non-space) into pieces of at most ``budget`` tokens.

    Each piece is first a window of ``budget * _MAX_CHARS_PER_TOKEN`` characters cut back to a word
    boundary, then shrunk in proportion to its count until it fits: a few counts of a bounded
    window per piece, so linear overall. A piece is a single character only when that character
    alone is over the budget (unavoidable).
    """
    max_chars = budget * _MAX_CHARS_PER_TOKEN
    window = max_chars  # the first guess; then sized by the last piece's characters per token
    pos = start
    while pos < end:
        cut = end if end - pos <= window else _cut_before(text, pos, pos + window)
        n = counter.count(text[pos:cut])
        while n > budget and cut - pos > 1:
            target = pos + max(1, int((cut - pos) * budget / n * _SHRINK))
            cut = min(cut - 1, _cut_before(text, pos, target))
            n = counter.count(text[pos:cut])
        if text[cut - 1].isspace():  # a character cut after a rare kind of space
            cut = pos + len(text[pos:cut].rstrip())
            n = counter.count(text[pos:cut])
        yield _Unit(pos, cut, n, False)
        if n > 0:
            window = max(1, min(max_chars, int((cut - pos) * budget / n * _GROW)))
        following = _NON_SPACE.search(text, cut, end)
        pos = end if following is None else following.start()


def _cut_before(text: str, pos: int, target: int) -> int:
    """The end of the last word that ends by ``target`` (> pos), else a character cut at ``target``.

    The result ``cut`` has ``pos < cut <= target`` and ``text[cut - 1]`` is not whitespace.
    """
    space = max(text.rfind(c, pos + 1, target + 1) for c in _WHITESPACE_CUTS)
    if space > pos:
        while text[space - 1].isspace():
            space -= 1
        return space
    cut = target
    # Never separate a base character from its combining marks ("e" + U+0301).
    while cut > pos + 1 and unicodedata.combining(text[cut]):
        cut -= 1
    return cut


# ---- step 3: packing --------------------------------------------------------------------------


def _pack(units: Iterator[_Unit], options: ChunkOptions) -> Iterator[tuple[int, int, int]]:
    """Greedy packing of units into (start, end, n_tokens) chunks with whole-sentence overlap.

    A chunk also ends before it would span more than ``max_tokens * _MAX_CHARS_PER_TOKEN``
    characters, so a few words scattered over megabytes of whitespace do not make one huge chunk.
    """
    budget = options.max_tokens
    max_chars = budget * _MAX_CHARS_PER_TOKEN
    current: list[_Unit] = []
    total = 0
    for unit in units:
        too_long = bool(current) and unit.end - current[0].start > max_chars
        if current and (total + unit.n_tokens > budget or too_long):
            yield current[0].start, current[-1].end, total
            room = min(options.overlap_tokens, budget - unit.n_tokens)
            current = _overlap(current, room, unit.end - max_chars)
            total = sum(u.n_tokens for u in current)
        current.append(unit)
        total += unit.n_tokens
    if current:
        yield current[0].start, current[-1].end, total


def _overlap(previous: list[_Unit], room: int, earliest: int) -> list[_Unit]:
    """The trailing whole sentences of ``previous`` that fit in ``room`` tokens, from ``earliest`` on."""
    kept = 0
    used = 0
    for unit in reversed(previous):
        if not unit.whole or used + unit.n_tokens > room or unit.start < earliest:
            break
        used += unit.n_tokens
        kept += 1
    return previous[len(previous) - kept :] if kept else []
