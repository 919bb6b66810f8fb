"""Headings of plain text laid out as an outline (``text.plain_headings``), and the chunks the
chunker cuts at them."""

from __future__ import annotations

from veracity.records import Document, content_id
from veracity.text.chunker import ChunkOptions, chunk_document
from veracity.text.plain_headings import margin_heading_starts, plain_heading_starts

MAN_PAGE = """\
lseek(2)                   System Calls Manual                   lseek(2)

NAME
       lseek - reposition read/write file offset

DESCRIPTION
       lseek() repositions the file offset of the open file description.

   Seeking file data and holes
       Since Linux 3.1, Linux supports the following values for whence:

       SEEK_DATA
              Adjust the file offset to the next location containing data.

       SEEK_HOLE
              Adjust the file offset to the next hole in the file.

RETURN VALUE
       Upon successful completion, lseek() returns the resulting offset.
"""


def _titles(text: str) -> list[tuple[int, str]]:
    return [(level, title) for _, level, title in plain_heading_starts(text)]


def test_a_man_page_s_sections_and_subsections_are_headings() -> None:
    assert _titles(MAN_PAGE) == [
        (1, "NAME"),
        (1, "DESCRIPTION"),
        (2, "Seeking file data and holes"),
        (1, "RETURN VALUE"),
    ]  # the terms of the SEEK_ list stand at the body's indentation: body, not headings


def test_text_at_the_margin_or_prose_lines_have_no_headings() -> None:
    assert _titles("Title\n\nBody text at the margin.\nMore of it.\n") == []
    # a line left of the body that ends a sentence, or does not open a block, is no heading
    text = "    Body one.\n\nIt ends here.\n    Body two.\nNot a block\n    Body three.\n"
    assert _titles(text) == []


def _chunks(text: str) -> dict[tuple[str, ...], str]:
    doc = Document(
        id="d", uri="lseek.2.txt", title="lseek.2", text=text, mime="text/plain",
        content_hash=content_id(text), metadata={},
    )  # fmt: skip
    chunks = chunk_document(doc, ChunkOptions(max_tokens=200, overlap_tokens=0))
    assert all(text[c.start : c.end] == c.text for c in chunks)
    return {c.headings: c.text for c in chunks}


def test_the_chunker_cuts_outlined_plain_text_at_its_headings() -> None:
    body = "       The offset is kept per open file description, not per descriptor.\n" * 6
    text = MAN_PAGE
    for line in (
        "lseek() repositions the file offset of the open file description.\n",
        "Adjust the file offset to the next hole in the file.\n",
        "lseek() returns the resulting offset.\n",
    ):
        text = text.replace(line, line + body)  # fmt: skip
    by_heading = _chunks(text)
    assert list(by_heading) == [
        ("DESCRIPTION",),  # with the title line and NAME, too short alone
        ("DESCRIPTION", "Seeking file data and holes"),
        ("RETURN VALUE",),
    ]
    seeking = by_heading[("DESCRIPTION", "Seeking file data and holes")]
    assert "SEEK_HOLE" in seeking and "RETURN VALUE" not in seeking
    assert by_heading[("RETURN VALUE",)].startswith("RETURN VALUE")


def test_short_sections_join_the_next() -> None:
    # the title line, NAME and a one-line DESCRIPTION are too short to stand alone: they join
    # the subsection after them, under its heading path (it is the longest part)
    by_heading = _chunks(MAN_PAGE)
    opening = by_heading[("DESCRIPTION", "Seeking file data and holes")]
    assert opening.startswith("lseek(2)") and "lseek() repositions" in opening


NOTES = """\
ACME WIDGETS LTD
Staff guide, version 2
======================

1. YOUR FIRST DAY
-----------------

Collect your laptop from room 3.14.

Support hours
~~~~~~~~~~~~~
Monday to Friday: 08:00 to 18:00.

2. PASSWORDS
------------

NOTE: never share them.
They expire after 90 days.

USING YOUR ALLOWANCE ABROAD
Roaming is covered in 41 countries.
"""


def test_text_at_the_margin_has_underlined_and_capitalized_headings() -> None:
    assert plain_heading_starts(NOTES) == []  # no outline by indentation
    titles = [(level, title) for _, level, title in margin_heading_starts(NOTES)]
    assert titles == [
        (3, "ACME WIDGETS LTD"),  # in capitals; the version line is no block's first line
        (1, "1. YOUR FIRST DAY"),  # "-" is the first underline mark, "~" the second
        (2, "Support hours"),
        (1, "2. PASSWORDS"),  # "NOTE: never share them." is a field, not a heading
        (3, "USING YOUR ALLOWANCE ABROAD"),
    ]
    # prose at the margin, or a line in capitals that ends a text, is none
    assert margin_heading_starts("Title\n\nBody text.\nMore of it.\n\nTHE END\n") == []


def test_the_chunker_cuts_text_at_the_margin_at_its_headings_and_keeps_short_sections() -> None:
    by_heading = _chunks(NOTES)
    assert list(by_heading) == [
        ("ACME WIDGETS LTD",),
        ("1. YOUR FIRST DAY",),
        ("1. YOUR FIRST DAY", "Support hours"),
        ("2. PASSWORDS",),
        ("2. PASSWORDS", "USING YOUR ALLOWANCE ABROAD"),
    ]
    assert "41 countries" in by_heading[("2. PASSWORDS", "USING YOUR ALLOWANCE ABROAD")]
