"""Headings read from a PDF's text layer: numbered sections that continue the numbering, and
Texinfo API definitions; and the chunks cut at them."""

from __future__ import annotations

from veracity.records import Document
from veracity.text.chunker import chunk_document
from veracity.text.pdf_headings import Numbering, numbered_heading, pdf_heading_starts

MANUAL = """GNU Libtasn1
1 Introduction . . . . . . . . . . . . . . 1
1 Introduction
The library parses ASN.1.
2 Function reference
2.1 Schema functions
asn1 parser2tree
[Function]int asn1_parser2tree (const char * file, asn1 node * definitions,
char * error_desc)
Returns: ASN1_SUCCESS if the syntax is correct.
[Macro]ASN1_VERSION
The version of the library.
2 CARD16 MAJOR_VERSION 1
4 CARD32 N_ENTRIES
2.2 DER functions
The DER coders."""


def titles(text: str) -> list[tuple[int, str]]:
    return [(level, title) for _, level, title in pdf_heading_starts(text)]


def test_numbered_headings_continue_the_numbering_and_definitions_sit_under_them() -> None:
    assert titles(MANUAL) == [
        (1, "1 Introduction"),  # the contents line with dot leaders is none
        (1, "2 Function reference"),
        (2, "2.1 Schema functions"),
        (3, "asn1_parser2tree"),
        (3, "ASN1_VERSION"),
        # table rows that look numbered do not continue 2.1: "2 CARD16 ..." and "4 CARD32 ..."
        (2, "2.2 DER functions"),
    ]


def test_a_definition_opens_at_the_subheading_that_repeats_its_name() -> None:
    starts = {title: at for at, _, title in pdf_heading_starts(MANUAL)}
    assert MANUAL[starts["asn1_parser2tree"] :].startswith("asn1 parser2tree\n[Function]")
    assert MANUAL[starts["ASN1_VERSION"] :].startswith("[Macro]ASN1_VERSION")


def test_numbering_accepts_children_siblings_parents_appendices_and_a_repeated_contents() -> None:
    n = Numbering()
    assert [n.accept(x, "T") for x in ("2", "1", "1.1", "1.1.1", "1.2", "2", "4")] == [
        0, 1, 2, 3, 2, 1, 0
    ]  # fmt: skip
    assert n.accept("A.1", "Licence") == 2  # an appendix starts anywhere
    toc = Numbering()
    for number, title in (("1.", "Intro"), ("1.1.", "Scope"), ("2.", "Use")):
        assert toc.accept(number, title)
    assert toc.accept("1.", "Intro") == 1  # the body after the contents: seen before
    assert toc.accept("1.", "Another list") == 0
    assert numbered_heading("3 The end . . . . . 9", Numbering(path=[2])) == 0
    assert numbered_heading("In 2008 the council decided.", Numbering()) == 0


def test_a_pdfs_chunks_carry_their_section_and_entry() -> None:
    doc = Document.make("m", MANUAL, mime="application/pdf")
    by_text = {c.text.split("\n", 1)[0]: c.headings for c in chunk_document(doc)}
    assert by_text["asn1 parser2tree"] == (
        "2 Function reference", "2.1 Schema functions", "asn1_parser2tree"
    )  # fmt: skip
    assert by_text["2.2 DER functions"] == ("2 Function reference", "2.2 DER functions")
    plain = Document.make("t", MANUAL, mime="text/plain")
    assert {c.headings for c in chunk_document(plain)} == {()}
