"""Answers from the heading above a passage: an option's entry in a reference, a plain-text
changelog's release."""

from __future__ import annotations

from pathlib import Path

from engine_fakes import one_file_collection, table_engine

from veracity.rag.from_headings import (
    function_of,
    heading_answer,
    option_of,
    other_option_problem,
    unnumbered_release_problem,
    wants_heading,
)

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
    # an engine that cannot read whole documents has only the reader's span, which repeats
    # the question: it declines
    plain = table_engine(col, table, documents=False).ask(
        "Which Memcheck option tracks the origin of uninitialised values?"
    )
    assert plain.abstained and "only repeats 'uninitialised'" in (plain.reason or "")


NEWS = """Release 2.4.9 Tue September 20 2022
        Security fixes:
          #616 CVE-2022-40674 -- Heap use after free in function doContent
        Special thanks to:
            Google Project Zero

Release 2.2.2 Wed July 12 2017
        Other changes:
          #73 Start requiring a C99 compiler
          #49 Fix "==" Bashism in configure script
"""


def test_a_changelog_that_numbers_its_releases_is_answered_by_a_number() -> None:
    asked = "In which Expat release was CVE-2022-40674 fixed?"
    at = NEWS.index("Project Zero")
    assert "'Zero' is none" in unnumbered_release_problem(asked, (), NEWS, at, "Zero")
    assert unnumbered_release_problem(asked, (), NEWS, at, "2.4.9") == ""
    assert unnumbered_release_problem("Who found it?", (), NEWS, at, "Zero") == ""
    # a page with one release line or none is no changelog: a named version may answer there
    page = "Windows Vista added it.\nRelease 6.0 notes follow.\n"
    assert unnumbered_release_problem(asked, (), page, len(page) - 1, "Vista") == ""
    # the heading is wanted when the span holds no numbered version
    assert wants_heading(asked, (), "49") and wants_heading(asked, (), "Zero")
    assert not wants_heading(asked, (), "2.4.9")


def test_which_release_of_a_plain_text_changelog_is_its_release_line(tmp_path: Path) -> None:
    col = one_file_collection(tmp_path, "expat", "NEWS.txt", NEWS)
    engine = table_engine(col, {"C99": "49", "CVE": "Zero"})
    answer = engine.ask("Starting with which Expat release was a C99 compiler required?")
    assert not answer.abstained, answer.reason
    assert answer.text.startswith("2.2.2 [1]")
    # "Zero" (of "Google Project Zero") is no version; the release line above the entry is
    fixed = engine.ask("In which Expat release was CVE-2022-40674 fixed?")
    assert fixed.text.startswith("2.4.9 [1]"), fixed.text


def test_a_sections_number_does_not_answer_which_version(tmp_path: Path) -> None:
    manual = "# Bash manual\n\n## 6.10 The Restricted Shell\n\nA restricted shell limits cd.\n"
    col = one_file_collection(tmp_path, "bash", "manual.md", manual)
    answer = table_engine(col, {"restricted": "6.10"}).ask(
        "In which version of Bash was the restricted shell introduced?"
    )
    assert answer.abstained and "6.10" not in answer.text.split("(")[0]


def test_a_question_about_one_option_is_not_answered_from_anothers_entry() -> None:
    text = OPTIONS + "\nThe kinds shown are set by --show-leak-kinds.\n"
    asked = "Which leak kinds are shown by default (the default of --show-leak-kinds)?"
    at = text.index("search for memory leaks")
    assert "--leak-check" in other_option_problem(asked, (), text, at)
    # the passage may start inside the entry: its heading path names the option then
    at_track = OPTIONS.index("Controls")
    headings = ("Command-line options", "--track-origins=<yes|no> [default: no]")
    passage = OPTIONS[at_track:]
    assert other_option_problem(asked, headings, passage, 0) != ""
    # the option's own entry, a question that names no option, or one that asks which option
    assert other_option_problem("What does --leak-check=full do?", (), text, at) == ""
    assert other_option_problem("What is searched for?", (), text, at) == ""
    assert other_option_problem("Which option replaces --leak-checker?", (), text, at) == ""


def test_the_default_an_entrys_heading_states_answers_what_the_default_is(
    tmp_path: Path,
) -> None:
    # a long entry: the chunk that holds the reader's span starts below the heading
    filler = " ".join(f"Leak detail number {i} is described in this sentence." for i in range(60))
    long_entry = OPTIONS.replace(
        "finishes.\n", f"finishes.\n\n{filler}\n\nIt searches for leaks at exit.\n"
    )
    col = one_file_collection(tmp_path, "docs", "memcheck.md", long_entry)
    engine = table_engine(col, {"default": "leaks at exit"})
    answer = engine.ask("What is the default setting of --leak-check?")
    assert not answer.abstained, answer.reason
    assert answer.text.startswith("summary [1]")
    value = answer.citations[0]
    assert col.document(value.document_id).text[value.start : value.end] == "summary"
    # asked of another option, the entry does not answer at all
    other = engine.ask("What is the default setting of --track-fds?")
    assert "summary" not in other.text.split("(")[0]


API = """# Expat reference

## Miscellaneous functions

#### XML_SetReturnNSTriplet

```
void XML_SetReturnNSTriplet(XML_Parser parser, int do_nst);
```

This function only has an effect when namespace processing is in effect. If this function is
called with do_nst non-zero, then namespace qualified names are returned as a triplet.
"""


def test_the_function_an_entry_heading_names() -> None:
    assert function_of(("Miscellaneous functions", "XML_SetReturnNSTriplet")) == (
        "XML_SetReturnNSTriplet"
    )
    assert function_of(("Reference", "ffi_prep_cif()")) == "ffi_prep_cif"
    assert function_of(("Reference", "Miscellaneous functions")) is None
    assert function_of(("Reference", "FAQ")) is None and function_of(("API",)) is None
    assert function_of(("fs", "readFileSync")) == "readFileSync"
    assert function_of(("Reference", "PERROR()")) == "PERROR"
    assert function_of(()) is None
    headings = ("Miscellaneous functions", "XML_SetReturnNSTriplet")
    asked = "Which Expat function returns names as triplets?"
    # an argument the entry's signature declares is no function; another name may be one
    assert wants_heading(asked, headings, "do_nst", API)
    assert not wants_heading(asked, headings, "XML_ParserCreateNS", API)
    assert not wants_heading("What is do_nst?", headings, "do_nst", API)


def test_which_function_of_an_entry_is_answered_by_its_heading(tmp_path: Path) -> None:
    col = one_file_collection(tmp_path, "expat", "reference.md", API)
    engine = table_engine(col, {"triplet": "do_nst non-zero"})
    answer = engine.ask("Which Expat function returns qualified names as a triplet?")
    assert not answer.abstained, answer.reason
    assert answer.text.startswith("XML_SetReturnNSTriplet [1]")
    # a question that names the function asks something else about it
    other = engine.ask("Which value of XML_SetReturnNSTriplet's argument returns a triplet?")
    assert not other.text.startswith("XML_SetReturnNSTriplet")
