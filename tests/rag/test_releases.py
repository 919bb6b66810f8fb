"""A changelog entry's version comes from the release heading above it (``rag.releases``),
cited where it stands in the document."""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_fakes import one_file_collection, table_engine

from veracity.collection import Collection
from veracity.rag.releases import (
    asks_release_time,
    clause_number_at,
    is_release_time,
    release_line_above,
    release_of,
    release_question_fits,
    release_span,
    section_number_at,
)

CHANGELOG = """# Changelog

## [24.3.0](https://example.org/24.3.0) - 2024-12-16

### Backwards-incompatible Changes

- Python 3.7 has been dropped.

### Changes

- Added `attrs.validators.not_()` to invert a validator. #553

## 24.1.0 - 2024-08-03

- Python 3.6 has been dropped.
"""


@pytest.mark.parametrize(
    ("heading", "version"),
    [
        ("[24.3.0](https://example.org/24.3.0) - 2024-12-16", "24.3.0"),
        ("Version 2.0.0", "2.0.0"),
        ("attrs 24.1.0", "24.1.0"),
        ("Git v2.0 Release Notes", "2.0"),
        ("1.0.0rc1 (2023-01-02)", "1.0.0rc1"),
        ("Python 3.7 support", None),  # a number in a heading is no release
        ("Step 2.1 Install", None),
        ("Changes", None),
    ],
)
def test_a_release_heading_starts_with_its_version(heading: str, version: str | None) -> None:
    assert release_of(["Changelog", heading, "Changes"]) == version or (
        version is None and release_of(["Changelog", heading]) is None
    )


def test_the_nearest_release_heading_wins() -> None:
    assert release_of(["Changelog", "24.3.0", "Changes"]) == "24.3.0"
    assert release_of(["Changelog", "Changes"]) is None


def test_a_question_about_another_projects_versions_does_not_fit() -> None:
    where = "Changelog /docs/attrs/CHANGELOG.md"
    assert release_question_fits("Which attrs release dropped Python 3.7?", where)
    assert release_question_fits("In which version was not_ added?", where)
    assert not release_question_fits("Which Mypy version first shipped the plugin?", where)


def test_when_something_was_added_asks_for_a_release_time() -> None:
    assert asks_release_time("When was the FloatRange type added to Click?")
    assert not asks_release_time("When does the canteen open?")
    assert not is_release_time("553") and not is_release_time("#1538")
    assert is_release_time("2024-12-16") and is_release_time("7.0") and is_release_time("2019")


def test_the_release_span_is_the_last_heading_above() -> None:
    at = release_span(CHANGELOG, CHANGELOG.index("Python 3.6"), "24.1.0")
    assert at is not None and CHANGELOG[at[0] : at[1]] == "24.1.0"
    at = release_span(CHANGELOG, CHANGELOG.index("Python 3.7"), "24.3.0")
    assert at is not None and CHANGELOG[at[0] : at[1]] == "24.3.0"
    assert release_span(CHANGELOG, CHANGELOG.index("Python 3.7"), "24.1.0") is None
    setext = "Changelog\n=========\n\n24.3.0\n------\n\n- x\n"
    at = release_span(setext, setext.index("- x"), "24.3.0")
    assert at is not None and setext[at[0] : at[1]] == "24.3.0"


@pytest.fixture
def col(tmp_path: Path) -> Collection:
    return one_file_collection(tmp_path, "attrs", "CHANGELOG.md", CHANGELOG)


def test_a_version_question_is_answered_by_the_heading_above_the_entry(col: Collection) -> None:
    # the reader finds the entry; its span is no version, so the heading above answers
    engine = table_engine(col, {"python 3.7": "Python 3.7 has been dropped"})
    answer = engine.ask("Which attrs release dropped support for Python 3.7?")
    assert not answer.abstained, answer.reason
    assert answer.text.startswith("24.3.0 [1]")
    assert "\u201cPython 3.7 has been dropped.\u201d [2]" in answer.text
    heading, entry = answer.citations
    doc = col.document(heading.document_id)
    assert doc.text[heading.start : heading.end] == heading.text == "24.3.0"
    assert doc.text[entry.start : entry.end] == entry.text == "- Python 3.7 has been dropped."
    assert answer.short == heading and answer.sentences[0].citations == (2,)


def test_when_an_entry_was_made_is_its_release_not_its_issue_number(col: Collection) -> None:
    engine = table_engine(col, {"not_": "553"})
    answer = engine.ask("When was attrs.validators.not_() added?")
    assert not answer.abstained, answer.reason
    assert answer.text.startswith("24.3.0 [1]")
    assert "not_()" in answer.citations[1].text


def test_no_release_answer_without_the_entry_or_the_document(col: Collection) -> None:
    # the entry must name what the question names: not_ is no or_
    engine = table_engine(col, {"or_": "to invert a validator"})
    answer = engine.ask("In which version was attrs.validators.or_() added?")
    assert answer.abstained
    # another project's version is not this changelog's release
    engine = table_engine(col, {"mypy": "Python 3.7 has been dropped"})
    assert engine.ask("Which Mypy version dropped Python 3.7?").abstained
    # an engine that cannot read whole documents declines as before
    engine = table_engine(col, {"python 3.7": "Python 3.7 has been dropped"}, documents=False)
    answer = engine.ask("Which attrs release dropped support for Python 3.7?")
    assert answer.abstained and "names 3.7 itself" in answer.reason


NEWS = """Valgrind NEWS

Release 3.19.0 (11 Apr 2022)
~~~~~~~~~~~~~~~~~~~~~~~~~~~~

* Fix Rust v0 name demangling.

Release 3.18.0 (15 Oct 2021)
~~~~~~~~~~~~~~~~~~~~~~~~~~~~

* Support for X86/FreeBSD and AMD64/FreeBSD has been added.
"""


def test_a_plain_text_changelogs_releases_are_its_release_line_above_lines() -> None:
    found = release_line_above(NEWS, NEWS.index("Support for"))
    assert found is not None and found[0] == "3.18.0"
    assert NEWS[found[1] : found[2]] == "3.18.0"
    found = release_line_above(NEWS, NEWS.index("Fix Rust"))
    assert found is not None and found[0] == "3.19.0"
    assert release_line_above(NEWS, NEWS.index("Release 3.19.0")) is None  # nothing above
    # one underlined version line is a title, not a changelog's release
    manual = "MyTool 1.0\n==========\n\nThe --foo flag lets you go.\n"
    assert release_line_above(manual, manual.index("The --foo")) is None


def test_a_version_question_of_a_plain_text_changelog(tmp_path: Path) -> None:
    c = one_file_collection(tmp_path, "valgrind", "NEWS", NEWS)
    engine = table_engine(c, {"freebsd": "Support for X86/FreeBSD"})
    answer = engine.ask("Which Valgrind release added support for X86/FreeBSD?")
    assert not answer.abstained, answer.reason
    assert answer.text.startswith("3.18.0 [1]")
    heading = answer.citations[0]
    assert c.document(heading.document_id).text[heading.start : heading.end] == "3.18.0"


def test_release_lines_that_open_with_the_word() -> None:
    news = (
        "NOTE: help wanted.\n\nRelease 2.5.0 Tue October 25 2022\n        Bug fixes:\n"
        "       #612  Fix a leak.\n\nRelease 2.4.9 Tue September 20 2022\n"
        "       #629  CVE-2022-40674 -- Heap use-after-free in doContent\n"
        "\n* Noteworthy changes in release 2.4.8 (2022-04-01) [stable]\n  Other.\n"
    )
    found = release_line_above(news, news.index("CVE-2022"))
    assert found is not None and found[0] == "2.4.9" and news[found[1] : found[2]] == "2.4.9"
    found = release_line_above(news, news.index("Other."))
    assert found is not None and found[0] == "2.4.8"
    # prose that mentions a release opens no release line
    prose = "This release 2.0 fixes bugs.\nOur release 3.0 is next.\nRelease notes follow."
    assert release_line_above(prose, len(prose)) is None


def test_a_numbered_sections_number_is_no_release() -> None:
    manual = "Intro.\n## 6.10 The Restricted Shell\nA restricted shell limits ...\n"
    assert section_number_at(manual, manual.index("6.10"))
    assert not section_number_at(manual, manual.index("Restricted"))
    assert not section_number_at(manual, manual.index("limits"))
    numbered = "## 5.6. cg_diff Command-line Options\n"
    assert section_number_at(numbered, numbered.index("5.6"))
    for release in ("## 2.4.9 - 2022-09-20\n", "## 1.2.0\n", "## 3.1 (2021-04-01)\n"):
        assert not section_number_at(release, 3), release


def test_a_plain_text_clauses_number_is_a_section_number_too() -> None:
    manual = "3 USING THE MACHINE\n3.3 Ground coffee: use the bypass chute.\n2.5 kg of beans fit.\n"
    assert clause_number_at(manual, manual.index("3.3"))
    assert not clause_number_at(manual, manual.index("Ground"))
    assert not clause_number_at(manual, manual.index("2.5"))  # a value, not a clause
    heading = "## 6.10 The Restricted Shell\n"
    assert clause_number_at(heading, heading.index("6.10"))
    # one part with its full stop or bracket: a section's or an item's number
    schemes = "8. AFFORDABILITY SCHEMES\n\n2) Remove the filter.\n2 kg of flour.\n15 Mar 2025\n"
    assert clause_number_at(schemes, 0)
    assert clause_number_at(schemes, schemes.index("2)"))
    assert not clause_number_at(schemes, schemes.index("2 kg"))
    assert not clause_number_at(schemes, schemes.index("15 Mar"))
