"""Answers from the heading above a passage: an option's entry in a reference."""

from __future__ import annotations

from pathlib import Path

from engine_fakes import one_file_collection, table_engine

from veracity.rag.from_headings import heading_answer, option_of, wants_heading

OPTIONS = """# Memcheck options

## Command-line options

### --leak-check=<no|summary|full> [default: summary]

When enabled, search for memory leaks when the client program finishes.

### --track-origins=<yes|no> [default: no]

Controls whether Memcheck tracks the origin of uninitialised values.
"""


def test_the_option_an_entry_heading_names() -> None:
    assert option_of(("Command-line options", "--track-origins=<yes|no> [default: no]")) == (
        "--track-origins"
    )
    assert option_of(("Command-line options", "-v")) == "-v"
    assert option_of(("Command-line options",)) is None
    assert option_of(()) is None
    headings = ("Command-line options", "--track-origins=<yes|no> [default: no]")
    assert wants_heading("Which Memcheck option shows the origin?", headings, "uninitialised")
    assert not wants_heading("Which Memcheck option shows the origin?", headings, "--origins")
    assert not wants_heading("What does it track?", headings, "uninitialised")


def test_the_answer_is_cited_where_the_option_stands() -> None:
    headings = ("Command-line options", "--track-origins=<yes|no> [default: no]")
    at_entry = OPTIONS.index("Controls")
    at = heading_answer("Which option shows the origin?", headings, "", OPTIONS, at_entry)
    assert at is not None and OPTIONS[at[0] : at[1]] == "--track-origins"
    # a question that names the option asks something else about it
    asked = "Which option value of --track-origins turns it on?"
    assert heading_answer(asked, headings, "", OPTIONS, at_entry) is None
    # no such heading above: nothing
    assert heading_answer("Which option shows the origin?", headings, "", "x", 1) is None


def test_which_option_of_an_entry_is_answered_by_its_heading(tmp_path: Path) -> None:
    col = one_file_collection(tmp_path, "docs", "memcheck.md", OPTIONS)
    table = {"origin": "uninitialised"}
    answer = table_engine(col, table).ask(
        "Which Memcheck option tracks the origin of uninitialised values?"
    )
    assert not answer.abstained, answer.reason
    assert answer.text.startswith("--track-origins [1]")
    option, entry = answer.citations
    doc = col.document(option.document_id)
    assert doc.text[option.start : option.end] == "--track-origins"
    assert "tracks the origin" in entry.text and answer.short == option
    # an engine that cannot read whole documents gives the reader's span, as before
    plain = table_engine(col, table, documents=False).ask(
        "Which Memcheck option tracks the origin of uninitialised values?"
    )
    assert plain.text.startswith("uninitialised")
