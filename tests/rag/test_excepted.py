"""A value said for everything but what the question asks about (``rag.excepted``)."""

from __future__ import annotations

from veracity.rag.excepted import excepted_problem

TEXT = (
    "Club Plus members pay supplements in full. Club Unlimited members receive 50% off all "
    "supplements except 4DX, which is charged in full."
)


def test_a_value_for_all_but_the_asked_thing_is_no_answer() -> None:
    at = TEXT.index("50% off")
    got = excepted_problem("How much extra do I pay to see a film in 4DX?", TEXT, at, at + 7)
    assert got == "the sentence gives '50% off' for all but '4DX', which the question asks about"
    # a span that runs on past the exception says no more of 4DX's price
    whole = TEXT.index("50% off all")
    end = TEXT.index(" which") - 1
    assert excepted_problem("How much extra do I pay for 4DX?", TEXT, whole, end) != ""
    # another supplement is what the value is for
    assert excepted_problem("How much off IMAX supplements?", TEXT, at, at + 7) == ""
    # a question about the exception itself may be answered by it
    assert excepted_problem("Which supplements are excluded from 50% off?", TEXT, at, at + 7) == ""


def test_an_opening_exception_leaves_out_what_follows() -> None:
    text = "Apart from Sundays, the café opens at 9am. On Sundays it opens at 10am."
    at = text.index("9am")
    assert "for all but 'Sundays'" in excepted_problem(
        "When does the café open on Sundays?", text, at, at + 3
    )
    assert excepted_problem("When does the café open on Mondays?", text, at, at + 3) == ""
    later = text.index("10am")
    assert excepted_problem("When does the café open on Sundays?", text, later, later + 4) == ""


def test_a_span_inside_the_exception_s_own_clause_is_not_judged() -> None:
    text = "Entry is £5 for everyone except children, who go free."
    at = text.index("free")
    assert excepted_problem("How much do children pay?", text, at, at + 4) == ""
    price = text.index("£5")
    assert "all but 'children'" in excepted_problem(
        "How much do children pay?", text, price, price + 2
    )
