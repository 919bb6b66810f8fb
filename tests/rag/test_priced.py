"""A price is an answer only for the thing the question prices (``rag.priced``)."""

from __future__ import annotations

import pytest

from veracity.rag.priced import priced_problem, priced_thing

CHOIR = (
    "The subscription is £75 a term. Students pay £40 a term.\n\n"
    "Music is lent to members for each term; lost copies are charged at £10 each."
)
DRIVING = (
    "A double lesson lasts two hours and costs £70. Our one-week intensive course gives 30 hours "
    "of lessons. It costs £1,150, including the car for the test."
)


@pytest.mark.parametrize(
    ("question", "head"),
    [
        ("How much are concert tickets?", "tickets"),
        ("How much is a medium unit per week?", "unit"),
        ("How much do automatic lessons cost extra?", "lessons"),
        ("What does the intensive course cost?", "course"),
        ("What is the price of a locker?", "locker"),
        ("How much is a year's subscription?", "subscription"),
        ("How much is a block of 10 hours?", "block"),
        # nothing priced by name: a pronoun, what someone paid, a participle, an infinitive
        ("How much does it cost to park for a whole day?", ""),
        ("How much did Tesla spend on the pigeon?", ""),
        ("How much is charged for lost music?", ""),
        ("How much was BSkyB going to pay for the rights?", ""),
        ("Who sells concert tickets?", ""),
    ],
)
def test_the_priced_thing_is_the_head_of_the_subject(question: str, head: str) -> None:
    assert priced_thing(question) == head


def test_a_price_of_something_else_is_refused() -> None:
    got = priced_problem("How much are concert tickets?", CHOIR, CHOIR.index("£10"))
    assert got == "the question prices 'tickets', and the answer's sentence names no 'tickets'"
    got = priced_problem("What does the intensive course cost?", DRIVING, DRIVING.index("£70"))
    assert "'course'" in got


def test_the_thing_named_nearby_or_in_another_form_passes() -> None:
    # the sentence before names it ("It costs £1,150" after "intensive course")
    at = DRIVING.index("£1,150")
    assert priced_problem("What does the intensive course cost?", DRIVING, at) == ""
    # a derived form, and a heading
    hire = "The studio can be hired by the hour for £45."
    assert priced_problem("How much is studio hire per hour?", hire, hire.index("£45")) == ""
    assert (
        priced_problem("How much are concert tickets?", "Adults £12.", 7, ("Concert tickets",))
        == ""
    )
