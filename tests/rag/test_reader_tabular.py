"""The reader reads tables as sentences, and its spans map back to the stored text."""

from __future__ import annotations

from collections.abc import Sequence

from veracity.rag.reader.base import Reading
from veracity.rag.reader.tabular import read_tables
from veracity.text.table_sentences import table_sentences

TABLE = "| Plan | Minutes |\n|---|---|\n| Team | 3,000 |\n| Pro | 10,000 |\n"


class _Finds:
    """Answers with the first occurrence of ``wanted`` in the text it is given, and records
    that text; the alternative is ``other``."""

    threshold = 0.5

    def __init__(self, wanted: str, other: str = "") -> None:
        self.wanted, self.other = wanted, other
        self.seen: list[str] = []

    def read(self, question: str, passages: Sequence[str]) -> list[Reading]:
        self.seen.extend(passages)
        out = []
        for i, text in enumerate(passages):
            a = text.index(self.wanted)
            alt = ()
            if self.other:
                b = text.index(self.other)
                alt = (Reading(i, b, b + len(self.other), self.other, 0.6, 1.0),)
            out.append(Reading(i, a, a + len(self.wanted), self.wanted, 0.9, 2.0, alt))
        return out


def test_the_reader_sees_rows_as_sentences_and_answers_in_the_stored_text() -> None:
    reader = _Finds("Minutes: 10,000")
    (got,) = read_tables(reader, "How many minutes on Pro?", [table_sentences(TABLE)])
    assert "Plan: Pro; Minutes: 10,000." in reader.seen[0]
    assert TABLE[got.start : got.end] == got.text == "10,000"


def test_a_span_of_only_a_column_name_is_that_name_in_the_header() -> None:
    reader = _Finds("Minutes", other="3,000")
    (got,) = read_tables(reader, "Minutes on Team?", [table_sentences(TABLE)])
    assert (got.start, got.text) == (TABLE.index("Minutes"), "Minutes")
    assert [a.text for a in got.alternatives] == ["3,000"]


def test_a_span_of_only_the_rewrites_own_words_gives_way_to_the_next_best() -> None:
    reader = _Finds("; ", other="3,000")
    (got,) = read_tables(reader, "Minutes on Team?", [table_sentences(TABLE)])
    assert got.text == "3,000" and got.probability == 0.6
    assert got.alternatives == ()


def test_a_passage_without_tables_is_read_as_it_is() -> None:
    reader = _Finds("Paris")
    (got,) = read_tables(reader, "Capital?", [table_sentences("The capital is Paris.")])
    assert reader.seen == ["The capital is Paris."]
    assert (got.start, got.end) == (15, 20)
