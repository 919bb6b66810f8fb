"""A price for the concession group the asker names: refused when it is said for no group and
the document names the asker's group elsewhere."""

from __future__ import annotations

from veracity.rag.concessions import concession_problem
from veracity.rag.tables import column_name

# a document's opening names its audience: a group named there pays every price
INTRO = "# Premium\n\n" + "Premium gives you ad-free listening on every device. " * 8 + "\n\n"
PLANS = "| Plan | Monthly | Annual |\n|---|---|---|\n| Premium | £6.99 | £69.90 |\n"
FAQ = "Students: Premium costs £3.49 a month for verified students."
STUDENT = "I'm a student at a UK university. What will Premium cost me each month?"


def test_a_price_said_for_no_group_when_the_document_names_the_askers() -> None:
    at = PLANS.index("£6.99")
    got = concession_problem(STUDENT, PLANS, at, at + 5, (), lambda: INTRO + PLANS + "\n" + FAQ)
    assert got == "the question asks the price for students, and this price is not said for them"
    # the document never names students: its one price is everyone's
    assert concession_problem(STUDENT, PLANS, at, at + 5, (), lambda: PLANS) == ""
    # the price said for students, or asked by someone who names no group
    assert concession_problem(STUDENT, FAQ, FAQ.index("£3.49"), FAQ.index("£3.49") + 5) == ""
    plain = "What will Premium cost me each month?"
    assert concession_problem(plain, PLANS, at, at + 5, (), lambda: INTRO + PLANS + FAQ) == ""
    # a document written for students: every price is theirs
    for_students = "# Fees for all students\n\n" + INTRO + PLANS + "\n" + FAQ
    assert concession_problem(STUDENT, PLANS, at, at + 5, (), lambda: for_students) == ""
    # students named, but with no amount of their own
    no_amount = INTRO + PLANS + "\nStudents can pay by card."
    assert concession_problem(STUDENT, PLANS, at, at + 5, (), lambda: no_amount) == ""


def test_a_concession_column_or_heading_covers_every_group() -> None:
    fees = "| Visit | Standard | Concession* |\n|---|---|---|\n| Initial | £85 | £68 |\n"
    doc = INTRO + fees + "\n* Concession fees (20% off) apply to full-time students."
    asked = "I'm a full-time student. How much is the initial assessment?"
    at = fees.index("£68")
    assert concession_problem(asked, fees, at, at + 3, (), lambda: doc) == ""
    at = fees.index("£85")
    assert concession_problem(asked, fees, at, at + 3, (), lambda: doc) != ""
    assert concession_problem(asked, fees, at, at + 3, ("Reduced fees",), lambda: doc) == ""


def test_only_prices_and_groups_not_names() -> None:
    text = "The Student Union budget is $2 million. Students elect it."
    at = text.index("$2")
    assert concession_problem("How much is the Student Union's budget?", text, at, at + 10) == ""
    # a group's name that only qualifies another noun names no group of the asker's
    permits = "A second permit costs £140 a year. Residents may also buy visitor vouchers."
    at = permits.index("£140")
    assert concession_problem("How much is a second resident permit?", permits, at, at + 4) == ""
    when = "Term starts on 3 March. Students enrol online."
    at = when.index("3 March")
    assert concession_problem("I'm a student: when does term start?", when, at, at + 7) == ""


def test_column_name_of_a_cell() -> None:
    table = "| Visit | Standard | Concession* |\n|---|---|---|\n| Initial | £85 | £68 |\n"
    assert column_name(table, table.index("£68")) == "Concession"
    assert column_name(table, table.index("Initial")) == "Visit"
    assert column_name(table, table.index("Standard")) == ""  # the header row itself
    assert column_name("No table here.", 3) == ""
