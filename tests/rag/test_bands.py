"""A value for a band of time or distance the question's own falls outside of (``rag.bands``)."""

from __future__ import annotations

import pytest

from veracity.rag.bands import band_problem

PENALTIES = (
    "Late submission penalties:\n"
    "  Up to 24 hours late: 10 percentage points are deducted.\n"
    "  More than 24 hours and up to 5 working days late: the mark is capped at 40%.\n"
    "  More than 5 working days late: a mark of zero is recorded.\n"
)
DELAYS = (
    "| Delay | Single | Return |\n|---|---|---|\n| 15 to 29 minutes | 25% | 12.5% |\n"
    "| 30 to 59 minutes | 50% | 25% |\n| 60 minutes or more | 100% | 50% |\n"
)

DELIVERY = (
    "| Distance | Charge |\n|---|---|\n| Up to 5 miles | £2.50 |\n"
    "| Over 5 and up to 10 miles | £4.50 |\n"
)
SERVICE = (
    "| Service | Full pay | Half pay |\n|---|---|---|\n| 6 months to 2 years | 4 weeks | 4 weeks |\n"
    "| 2 to 5 years | 8 weeks | 8 weeks |\n"
)


@pytest.mark.parametrize(
    ("question", "text", "span", "refused"),
    [
        ("Report handed in 3 days late - what happens to my mark?", PENALTIES, "zero", True),
        ("Report handed in 3 days late - what happens to my mark?", PENALTIES, "10 perc", True),
        ("Report handed in 3 days late - what happens to my mark?", PENALTIES, "capped", False),
        ("What's the penalty if I submit it 6 hours late?", PENALTIES, "10 perc", False),
        # a table row is its line; "or more" is a band too
        ("My train was 40 minutes late. How much can I claim?", DELAYS, "25% | 12.5%", True),
        ("My train was 40 minutes late. How much can I claim?", DELAYS, "50% | 25%", False),
        ("My train was two hours late. How much can I claim?", DELAYS, "100%", False),
        ("My train was about 70 minutes late. What do I get?", DELAYS, "50% | 25%", True),
        # a band whose ends have units of their own
        ("I've been here for 3 years. How many weeks at full pay?", SERVICE, "4 weeks", True),
        ("I've been here for 3 years. How many weeks at full pay?", SERVICE, "8 weeks", False),
        # distances, in miles or kilometres; a time bounds no distance
        ("I live about 7 miles away. How much is delivery?", DELIVERY, "£2.50", True),
        ("I live about 7 miles away. How much is delivery?", DELIVERY, "£4.50", False),
        ("I live 12 km away. How much is delivery?", DELIVERY, "£4.50", False),
        ("I live 20 km away. How much is delivery?", DELIVERY, "£4.50", True),
        ("It arrived 7 days late. How much is delivery?", DELIVERY, "£2.50", False),
        # a question that says no time, or a sentence that bounds none, is left alone
        ("What happens to a late report?", PENALTIES, "zero", False),
        ("It was 3 days late. Who decides?", "The module leader decides.", "module", False),
    ],
)  # fmt: skip
def test_a_band_that_leaves_the_questions_time_out_is_refused(
    question: str, text: str, span: str, refused: bool
) -> None:
    got = band_problem(question, text, text.index(span))
    assert bool(got) is refused, got
    if refused:
        assert "the question says" in got
