"""Chunker: exact offsets, coverage, budgets, overlap, heading paths, and pathological inputs."""

from __future__ import annotations

import itertools
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veracity.errors import ConfigError
from veracity.records import Chunk, Document, content_id
from veracity.text.chunker import ChunkOptions, Section, chunk_document, split_sections
from veracity.text.tokens import ApproxWordPieceCounter


class WordCounter:
    """One token per whitespace-separated word: easy to reason about in tests."""

    def count(self, text: str) -> int:
        return len(text.split())


WORDS = WordCounter()

HANDBOOK = """\
---
title: Handbook
---
Welcome text before any heading.

# Handbook
The handbook for staff.

## Vacation
You get 25 days. Ask Dr. Smith first.

```python
# not a heading
x = 1
```

### Carry-over ###
Up to 5 days carry over.

## Benefits
Health plan.

Pension
-------
A pension plan.
"""


def check_invariants(doc: Document, chunks: list[Chunk], max_tokens: int) -> None:
    """What every chunking must satisfy."""
    covered = bytearray(len(doc.text))
    for i, c in enumerate(chunks):
        assert c.ordinal == i
        assert c.document_id == doc.id
        assert doc.text[c.start : c.end] == c.text
        assert c.text.strip(), "never whitespace-only"
        assert c.id == content_id(doc.content_hash, str(c.start), str(c.end))
        assert c.page == doc.page_at(c.start)
        assert c.n_tokens <= max_tokens or c.end - c.start == 1  # only a lone char may exceed
        covered[c.start : c.end] = b"\x01" * (c.end - c.start)
    missing = [i for i, ch in enumerate(doc.text) if not ch.isspace() and not covered[i]]
    assert not missing, f"uncovered characters at {missing[:10]}"


def md(text: str) -> Document:
    return Document.make("file:///handbook.md", text, mime="text/markdown")


def test_heading_paths_and_heading_lines() -> None:
    doc = md(HANDBOOK)
    chunks = chunk_document(doc)
    check_invariants(doc, chunks, 200)
    by_path = {c.headings: c.text for c in chunks}
    assert list(by_path) == [
        (),
        ("Handbook",),
        ("Handbook", "Vacation"),
        ("Handbook", "Vacation", "Carry-over"),
        ("Handbook", "Benefits"),
        ("Handbook", "Pension"),  # a setext "---" heading is level 2: a sibling of Benefits
    ]
    assert by_path[()].startswith("---\ntitle: Handbook")  # front matter is not a setext heading
    assert by_path[("Handbook", "Vacation")].startswith("## Vacation\nYou get 25 days.")
    assert "# not a heading" in by_path[("Handbook", "Vacation")]  # fenced code stays put
    assert by_path[("Handbook", "Vacation", "Carry-over")].startswith("### Carry-over ###")
    assert by_path[("Handbook", "Pension")] == "Pension\n-------\nA pension plan."


def test_chunks_never_span_sections() -> None:
    doc = md(HANDBOOK)
    sections = split_sections(doc.text)
    for c in chunk_document(doc, ChunkOptions(max_tokens=8, overlap_tokens=3), WORDS):
        assert any(s.start <= c.start and c.end <= s.end for s in sections)


def test_split_sections_tilde_fence_and_unclosed_fence() -> None:
    text = "# A\n~~~\n# inside\n~~~\n## B\n```\n# still code\n"
    assert [s.headings for s in split_sections(text)] == [("A",), ("A", "B")]
    assert split_sections("no headings") == [Section(0, 11, ())]
    assert split_sections("") == []


def test_a_heading_repeated_under_itself_appears_once_in_the_path() -> None:
    text = "# Lifetimes\n## Lifetimes\nIntro.\n### Elision\nRules.\n## Other\nMore."
    sections = split_sections(text)
    assert [s.headings for s in sections] == [
        ("Lifetimes",), ("Lifetimes", "Elision"), ("Lifetimes", "Other"),
    ]  # fmt: skip
    assert text[sections[0].start : sections[0].end] == "# Lifetimes\n## Lifetimes\nIntro.\n"


@pytest.mark.parametrize(
    ("text", "paths", "first"),
    [
        # a heading alone over its subsections opens the first of them, however deep
        (
            "# A\n\n## B\n### C\nText.\n## D\nMore.",
            [("A", "B", "C"), ("A", "D")],
            "# A\n\n## B\n### C\nText.\n",
        ),
        ("Title\n=====\n\nSub\n---\nText.", [("Title", "Sub")], "Title\n=====\n\nSub\n---\nText."),
        # not over a sibling or a parent: that heading's title would join another section
        ("# A\n# B\nText.", [("A",), ("B",)], "# A\n"),
        ("## A\n# B\nText.", [("A",), ("B",)], "## A\n"),
        # a section with text under its heading stays itself
        ("# A\nIntro.\n## B\nText.", [("A",), ("A", "B")], "# A\nIntro.\n"),
    ],
)
def test_a_heading_with_nothing_under_it_opens_its_subsection(
    text: str, paths: list[tuple[str, ...]], first: str
) -> None:
    sections = split_sections(text)
    assert [s.headings for s in sections] == paths
    assert text[sections[0].start : sections[0].end] == first
    doc = md(text)
    check_invariants(doc, chunk_document(doc), 200)


def test_dashes_under_a_long_paragraph_are_a_rule_not_a_heading() -> None:
    text = "line one\nline two\n---\nafter"
    assert [s.headings for s in split_sections(text)] == [()]


def test_plain_text_and_headings_off_ignore_markdown() -> None:
    plain = Document.make("u", "# Not a heading\nText.")
    assert chunk_document(plain)[0].headings == ()
    no_headings = chunk_document(md(HANDBOOK), ChunkOptions(headings=False))
    assert {c.headings for c in no_headings} == {()}


def test_html_mime_with_parameters_is_sectioned() -> None:
    doc = Document.make("u", "# T\nx\n## S\ny", mime="text/html; charset=utf-8")
    assert [c.headings for c in chunk_document(doc)] == [("T",), ("T", "S")]


def test_overlap_repeats_trailing_whole_sentences() -> None:
    text = " ".join(f"Sentence number {i} here." for i in range(12))  # 4 words each
    doc = Document.make("u", text)
    chunks = chunk_document(doc, ChunkOptions(max_tokens=12, overlap_tokens=4), WORDS)
    check_invariants(doc, chunks, 12)
    assert len(chunks) > 2
    for prev, nxt in itertools.pairwise(chunks):
        assert nxt.start < prev.end  # overlapping spans
        assert nxt.text.startswith(prev.text.rsplit(". ", 1)[-1])  # the last sentence repeats
        assert nxt.n_tokens <= 12


def test_no_overlap_when_zero() -> None:
    text = " ".join(f"Sentence number {i} here." for i in range(12))
    chunks = chunk_document(Document.make("u", text), ChunkOptions(12, 0), WORDS)
    assert all(a.end <= b.start for a, b in itertools.pairwise(chunks))
    assert [c.n_tokens for c in chunks] == [12, 12, 12, 12]


def test_long_sentence_is_split_at_word_boundaries() -> None:
    text = " ".join(f"w{i}" for i in range(1000))  # one sentence, 1000 words
    doc = Document.make("u", text)
    chunks = chunk_document(doc, ChunkOptions(max_tokens=50, overlap_tokens=10), WORDS)
    check_invariants(doc, chunks, 50)
    for c in chunks:
        assert c.start == 0 or text[c.start - 1] == " "
        assert c.end == len(text) or text[c.end] == " "
    assert sum(c.n_tokens for c in chunks) == 1000  # pieces are not repeated as overlap


def test_huge_word_is_split_by_characters_within_budget() -> None:
    text = "start " + "x" * 200_000 + " end."
    doc = Document.make("u", text)
    counter = ApproxWordPieceCounter()
    chunks = chunk_document(doc, counter=counter)
    check_invariants(doc, chunks, 200)
    assert all(counter.count(c.text) <= 200 for c in chunks)
    assert len(chunks) > 100


def test_one_megabyte_single_line() -> None:
    text = ("lorem ipsum dolor sit amet " * 40_000) + "y" * 1_000_000
    doc = Document.make("u", text)
    chunks = chunk_document(doc)
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    assert all(c.n_tokens <= 200 and len(c.text) <= 2400 for c in chunks)


@pytest.mark.slow
def test_fifty_megabyte_single_line_without_spaces() -> None:
    text = "abcdefghij" * 5_000_000  # 50 MB, one line, one "word"
    doc = Document.make("u", text, mime="text/markdown")
    chunks = chunk_document(doc)
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    assert all(a.end == b.start for a, b in itertools.pairwise(chunks))
    assert all(c.n_tokens <= 200 for c in chunks)


def test_words_scattered_over_whitespace_do_not_make_one_huge_chunk() -> None:
    text = "a" + " " * 100_000 + "b" + "\n" * 50_000 + "c"
    chunks = chunk_document(Document.make("u", text))
    assert [c.text for c in chunks] == ["a", "b", "c"]
    text = "A." + " " * 100_000 + "B."  # whole sentences: not carried over as overlap either
    chunks = chunk_document(Document.make("u", text))
    assert [c.text for c in chunks] == ["A.", "B."]


@pytest.mark.parametrize("text", ["", "   \n\n\t  ", "\n" * 1000])
def test_empty_or_whitespace_documents_have_no_chunks(text: str) -> None:
    assert chunk_document(md(text)) == []


def test_ids_pages_and_identical_content() -> None:
    text = "Page one text. More on page one.\fPage two text here."
    doc = Document.make("a.pdf", text, page_starts=(0, text.index("Page two")))
    chunks = chunk_document(doc, ChunkOptions(max_tokens=4, overlap_tokens=0), WORDS)
    check_invariants(doc, chunks, 4)
    assert [c.page for c in chunks] == [1, 1, 2]
    again = chunk_document(doc, ChunkOptions(max_tokens=4, overlap_tokens=0), WORDS)
    assert [c.id for c in again] == [c.id for c in chunks]
    assert len({c.id for c in chunks}) == len(chunks)


def test_unicode_cjk_emoji_and_combining_marks() -> None:
    cjk = "这是一个句子。" * 200 + "没有句号的很长的一段文字" * 100
    doc = Document.make("u", cjk)
    check_invariants(doc, chunk_document(doc, ChunkOptions(max_tokens=50, overlap_tokens=10)), 50)
    combining = "e\u0301" * 3000  # one "word" of base letters and combining accents
    doc = Document.make("u", combining)
    chunks = chunk_document(doc, ChunkOptions(max_tokens=20, overlap_tokens=0))
    check_invariants(doc, chunks, 20)
    assert all(not unicodedata.combining(c.text[0]) for c in chunks)
    emoji = "😀👍🏽 " * 2000
    doc = Document.make("u", emoji)
    check_invariants(doc, chunk_document(doc, ChunkOptions(max_tokens=30, overlap_tokens=5)), 30)


@pytest.mark.parametrize(("max_tokens", "overlap"), [(0, 0), (10, 10), (10, -1)])
def test_bad_options_say_what_is_allowed(max_tokens: int, overlap: int) -> None:
    with pytest.raises(ConfigError, match="must be"):
        ChunkOptions(max_tokens=max_tokens, overlap_tokens=overlap)


_PIECES = st.sampled_from(
    [
        "a",
        "word",
        "Dr.",
        "e.g.",
        "3.14",
        "End.",
        "Why?",
        " ",
        "  ",
        "\n",
        "\n\n",
        "# ",
        "## H",
        "\n# Head\n",
        "\n## Sub\n",
        "\n```\n",
        "\n---\n",
        "\n===\n",
        "- ",
        "|",
        "x" * 40,
        "。",
        "你好",
        "😀",
        "e\u0301",
        "\t",
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    pieces=st.lists(_PIECES, max_size=80),
    max_tokens=st.integers(1, 30),
    overlap_share=st.floats(0, 0.99),
    mime=st.sampled_from(["text/plain", "text/markdown"]),
    words=st.booleans(),
)
def test_invariants_on_generated_documents(
    pieces: list[str], max_tokens: int, overlap_share: float, mime: str, words: bool
) -> None:
    doc = Document.make("u", "".join(pieces), mime=mime)
    options = ChunkOptions(max_tokens, int(max_tokens * overlap_share))
    counter = WORDS if words else ApproxWordPieceCounter()
    chunks = chunk_document(doc, options, counter)
    check_invariants(doc, chunks, max_tokens)
    if words:  # summed per part: never less than the count of the whole text
        assert all(c.n_tokens >= counter.count(c.text) for c in chunks)
    starts = [c.start for c in chunks]
    assert starts == sorted(starts)
