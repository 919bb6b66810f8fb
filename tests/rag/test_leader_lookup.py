"""The value of a dot-leader row a question names (``rag.leader_lookup``)."""

from __future__ import annotations

import pytest

from veracity.rag.leader_lookup import named_leader

HOURS = (
    "1. OPENING HOURS\n"
    "------------------\n"
    "  Monday - Friday ........................ 06:30 - 22:00\n"
    "  Saturday ............................... 07:30 - 18:00\n"
    "  Sunday ................................. 08:00 - 17:00\n"
)
CONTEXT = ("1. OPENING HOURS", "Brackenfield Sports Centre")


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("sports centre sunday opening hours", "08:00 - 17:00"),
        ("saturday hours", "07:30 - 18:00"),
        # a word that nothing there names: not this list's row
        ("sunday opening hours for the pool", None),
        # no row named, or two named alike
        ("opening hours", None),
        ("monday saturday hours", None),
    ],
)
def test_the_row_a_question_names_gives_the_value(question: str, value: str | None) -> None:
    got = named_leader(question, HOURS, CONTEXT)
    assert (HOURS[slice(*got)] if got else None) == value


def test_a_rows_label_is_its_own_line_not_the_heading_above_the_list() -> None:
    # "OPENING HOURS" sits above the first row's label: it names no row, "Monday" does
    got = named_leader("opening hours monday", HOURS, CONTEXT)
    assert got is not None and HOURS[slice(*got)] == "06:30 - 22:00"
