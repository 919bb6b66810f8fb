"""A value for an age group that leaves out the age the question states."""

from __future__ import annotations

import pytest

from veracity.rag.ages import age_problem, stated_age

LESSONS = (
    "Stages 1-3: 4 - 6 years; 30 minutes; £9.40; £11.80.\n"
    "Stages 4-7: 7 - 15 years; 45 minutes; £8.90; £11.20.\n"
)


@pytest.mark.parametrize(
    ("message", "age"),
    [
        ("My daughter is 5 and we're not members. How much is each lesson?", 5),
        ("I'm 67 and want to bowl on a Saturday.", 67),
        ("I'm 27, I've been here for two years.", 27),
        ("My son (12) wants to join.", 12),
        ("Can a 9-year-old come on her own?", 9),
        ("I'm 5 miles away.", None),  # a distance
        ("I am 30 minutes late.", None),
        ("My son is 12 and my daughter is 8. How much?", None),  # two ages: none judged
        ("What does a lesson cost?", None),
    ],
)
def test_stated_age(message: str, age: int | None) -> None:
    assert stated_age(message) == age


def test_a_group_that_leaves_the_age_out() -> None:
    asked = "My daughter is 5 and we're not members. How much is each lesson?"
    at = LESSONS.index("£8.90")
    assert age_problem(asked, LESSONS, at) == (
        "the question is about someone aged 5, and the answer is for '7 - 15 years'"
    )
    assert age_problem(asked, LESSONS, LESSONS.index("£9.40")) == ""
    # no age stated, or no age group in the sentence
    assert age_problem("How much is each lesson?", LESSONS, at) == ""
    plain = "Each lesson costs £8.90."
    assert age_problem(asked, plain, plain.index("£8.90")) == ""


@pytest.mark.parametrize(
    ("sentence", "age", "ok"),
    [
        ("Under 5s swim free.", 3, True),
        ("Under 5s swim free.", 67, False),
        ("Seniors (65+): £6.", 67, True),
        ("Seniors (65+): £6.", 40, False),
        ("Adults 18 and over: £10.", 17, False),
        ("Children aged 5 to 15: £3.10.", 15, True),
        ("Children under 5 go free.", 5, False),
        # a bound on a count is no age group
        ("Orders over 50 items: 10% off.", 67, True),
        ("Adults (18+): £12.", 67, True),
        ("Riders must be 16+ unless with an adult.", 12, False),
    ],
)
def test_age_groups(sentence: str, age: int, ok: bool) -> None:
    got = age_problem(f"I'm {age}. How much do I pay?", sentence, 0)
    assert (got == "") is ok
