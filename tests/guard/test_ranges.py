"""``ranges``: a number a person gives about themselves is held by the band it falls in."""

from __future__ import annotations

import pytest

from veracity.guard.ranges import in_range, units_of
from veracity.guard.strict import question_problems


def test_units_are_the_sign_before_or_the_word_after() -> None:
    got = units_of("My dog weighs 32 kg; rent is £54,000 a year; we register 25 tenancies.")
    assert got == {"32": "kg", "54000": "£", "25": "tenanc"}


@pytest.mark.parametrize(
    ("n", "unit", "text", "held"),
    [
        ("32", "kg", "Large (25.1–40 kg): £68", True),
        ("45", "kg", "Large (25.1–40 kg): £68", False),
        ("1.3", "bar", "the gauge should read between 1.0 and 1.5 bar", True),
        ("2.0", "bar", "the gauge should read between 1.0 and 1.5 bar", False),
        ("54000", "£", "six weeks' rent if the annual rent is £50,000 or more", True),
        ("40000", "£", "six weeks' rent if the annual rent is £50,000 or more", False),
        ("25", "tenanc", "£11.00 for members who register 20 or more tenancies", True),
        ("12", "tenanc", "£14.50 for members who register fewer than 20 tenancies a year", True),
        ("25", "tenanc", "£14.50 for members who register fewer than 20 tenancies a year", False),
        ("8", "kg", "Small: up to 10 kg", True),
        # a band in another unit holds nothing
        ("32", "kg", "Large dogs: 25 to 40 minutes", False),
        # small whole numbers and ages, with no unit
        ("10", "", "children aged 5 to 15", True),
        ("78", "", "patients aged 75 and over", True),
        ("14", "", "the under-16s", True),
        ("67", "", "Senior (65+)   £21.50", True),
        ("64", "", "Senior (65+)   £21.50", False),
        ("67", "", "*Concession fee: full-time students, people over 65, and jobseekers.", True),
        ("7", "", "Wi-Fi 6+ routers", False),
        # a year is no size, but a range of dates holds it
        ("1808", "", "between 1807 and 1809", False),
        ("2013", "", "| Under-12s | 1 Sep 2012 - 31 Aug 2014 | Tuesday |", True),
        ("2015", "", "| Under-12s | 1 Sep 2012 - 31 Aug 2014 | Tuesday |", False),
    ],
)
def test_a_band_holds_a_number(n: str, unit: str, text: str, held: bool) -> None:
    assert in_range(n, [text], unit) is held


def test_the_question_rule_holds_a_users_number_by_its_band() -> None:
    prices = ["| Full groom | Small (up to 10 kg) £42 | Large (25.1–40 kg) £68 |"]
    asked = "My labrador weighs about 32 kg and needs a full groom. What will it cost?"
    assert question_problems(asked, prices) == ()
    too_big = "My newfoundland weighs about 60 kg and needs a full groom. What will it cost?"
    assert question_problems(too_big, prices)[0] == (
        "number 60 from the question is not in the cited text"
    )


def test_a_measured_band_elsewhere_in_the_document_holds_it() -> None:
    table = ["| Service | Small | Large |\n|---|---|---|\n| Full groom | £42 | £77 |"]
    sizes = "Small: up to 10 kg. Large: 25.1–40 kg."
    asked = "My labrador weighs 32 kg. What does a full groom cost?"
    assert question_problems(asked, table) != ()
    assert question_problems(asked, table, elsewhere=sizes) == ()
    # a bare small number is held only by the cited text's own ranges
    assert question_problems("Is there a class for Sam? He is 7.", table, "ages 5 to 9") != ()
