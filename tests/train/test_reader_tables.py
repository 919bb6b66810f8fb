"""Generated table examples for the reader (``train.reader_tables``)."""

from __future__ import annotations

import re
from collections import Counter

from veracity.text.table_sentences import table_sentences
from veracity.train.reader_tables import table_examples


def test_answerable_examples_point_at_the_cell_where_row_and_column_cross() -> None:
    examples = [e for e in table_examples(300, seed=1) if e.answerable]
    assert len(examples) > 100
    for e in examples:
        assert e.context[e.start : e.end] == e.answers[0]
        line = e.context[e.context.rfind("\n", 0, e.start) + 1 : e.context.find("\n", e.end)]
        # the cell sits in a row sentence, after its column's name when the table has one
        assert line.endswith((".", "!", "?")) and "|" not in line


def test_the_passage_is_what_the_runtime_reader_reads() -> None:
    for e in table_examples(50, seed=2):
        assert "|" not in e.context  # already rewritten: rows as sentences
        assert table_sentences(e.context).text == e.context  # nothing left to rewrite


def test_near_misses_name_a_row_or_a_column_the_table_does_not_have() -> None:
    examples = table_examples(400, seed=3)
    kinds = Counter(e.kind for e in examples)
    assert kinds["table"] > 150 and kinds["table-row"] > 50 and kinds["table-column"] > 40
    for e in examples:
        if e.kind == "table-row":
            assert e.start == e.end == -1 and not e.answers


def test_the_same_seed_gives_the_same_examples() -> None:
    assert table_examples(40, seed=7) == table_examples(40, seed=7)
    assert table_examples(40, seed=7) != table_examples(40, seed=8)
    assert all(re.fullmatch(r"table:7:\d+", e.id) for e in table_examples(40, seed=7))
