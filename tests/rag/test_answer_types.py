"""Spans of the wrong kind for the question (``rag.answer_types``, ``rag.measures``)."""

from __future__ import annotations

import pytest

from veracity.rag.answer_types import answer_type_problem, repeat_problem
from veracity.rag.clock_side import clock_side_problem
from veracity.rag.measures import asks_price


@pytest.mark.parametrize(
    ("question", "span", "ok"),
    [
        # "how much for" and "how much per" ask a price; "how much of" does not
        ("how much for a tubeless puncture repair", "£18.00", True),
        ("how much for a tubeless puncture repair", "2 days", False),
        ("How much per night is a pitch?", "£24", True),
        # a subscription named as "my" or "the" one is a price
        ("what's my yearly subscription at Harrowmere?", "£1,120", True),
        ("what's my yearly subscription at Harrowmere?", "golf club", False),
        # "how much are tickets", "what will the rent be", "the sum insured" ask for a price
        ("How much are tickets for the pantomime?", "29 November 2024 – 5 January 2025", False),
        ("How much are tickets for the pantomime?", "£18", True),
        ("What will the rent be in the second year?", "12 August 2025", False),
        ("What's the buildings sum insured under Home Standard?", "£385,000", True),
        ("What's the buildings sum insured under Home Standard?", "2.1", False),
        ("How much are refunds reduced by?", "10%", True),
        # "how quickly", "how late" and "how early" ask for a time or an amount, as "how soon"
        ("How quickly must my webhook endpoint respond?", "rate limits", False),
        ("How quickly must my webhook endpoint respond?", "10 seconds", True),
        ("how early do I have to check in with my car", "30 minutes", True),
        ("how late is the pool open on Fridays", "the main pool", False),
        # a clock time counts nothing, unless the question counts hours
        ("How many nights can an overnight guest stay?", "9:00pm", False),
        ("How many nights can an overnight guest stay?", "3 nights", True),
        ("How many hours is the pool open?", "9am to 5pm", True),
        # nor does a date, unless the question counts dates
        ("How many nights can an overnight guest stay?", "11 May to 5 June 2026", False),
        ("How many nights can an overnight guest stay?", "two nights from 5 June", True),
        ("How many deadlines are there?", "5 June and 3 July", True),
        # a terse query for a price is no count or rating ("16A" of "16A hook-up"); a
        # price table's cell may be a bare amount
        ("hardstanding with electric hook-up high season price per night", "16A", False),
        ("hardstanding with electric hook-up high season price per night", "39.50", True),
        ("hardstanding with electric hook-up high season price per night", "£39.50", True),
        ("default pension fund annual management charge", "0.32%", True),
        ("non member firing full shelf stoneware glaze price", "1260°C (cone 8)", False),
        # a span that names what is counted counts it; "how many" in a terse query asks no price
        ("ebike battery warranty how many charge cycles", "2 years or 500 charge cycles", True),
        ("How many tablets are in a pack?", "25°C", False),
        # a data size counts no keys and prices nothing
        ("How many API keys can I create on the Free plan?", "10 MB", False),
        ("How many GB of storage do I get?", "10 GB", True),
        ("How much is the Lite plan?", "5GB", False),
        ("How much data comes with Lite?", "5GB", True),
        # a count written with a thousands separator is no time
        ("When will events be accepted again?", "25,000", False),
        ("When will events be accepted again?", "on 1 March", True),
        ("When was the abbey founded?", "1132", True),
        ("When did the last glacial end?", "11,600 BP", True),
        ("How many men did Duquesne send?", "500 men south on April 5, 1754", True),
        # a discount is a size: a percentage, an amount, or "free"
        ("Club Unlimited food and drink discount", "Northlight-run kiosks and bars", False),
        ("Club Unlimited food and drink discount", "25%", True),
        ("Club Unlimited food and drink discount", "4DX", False),
        ("What discount do members get on parking?", "£2 off", True),
        ("What discount do students get?", "half price", True),
        ("What discount card do I need?", "a Railcard", True),
        # a rate is never a bare length of time
        ("At what bounce rate does Sendloft pause sending?", "72 hours", False),
        ("At what bounce rate does Sendloft pause sending?", "8%", True),
        ("What is the hourly rate?", "£48 per hour", True),
        # a telephone number has digits; "what hours" wants times
        ("What's the telephone number for lost property?", "LEFT LUGGAGE", False),
        ("What's the telephone number for lost property?", "0161 496 0000", True),
        ("What hours is the breakdown line open?", "Annual service + boiler breakdown", False),
        ("What hours is the breakdown line open?", "7:00am to 10:00pm", True),
        # "how long" is no day of a month, unless the span bounds a period
        ("how long for web refund to reach my card", "14 July 2025", False),
        ("how long for web refund to reach my card", "10 working days", True),
        ("How long does the offer last?", "until 31 March", True),
        ("How long is the spring term?", "5 January to 27 March 2026", True),
        # nor is a data size or a volume
        ("How long are artifacts kept on the Team plan?", "10 GB", False),
        ("How long are artifacts kept on the Team plan?", "30 days", True),
        ("How long is the charging cable?", "75 cm", True),
        # the heaviest or largest thing a service takes is a limit: a quantity
        ("What's the heaviest item left luggage will accept?", "rucksacks", False),
        ("What's the heaviest item left luggage will accept?", "32 kg", True),
        ("What is the largest city that the river flows through?", "Basel", True),
        # a terse query that ends in "timeout" wants a length of time
        ("webhook endpoint timeout", "HTTP POST", False),
        ("webhook endpoint timeout", "10 seconds", True),
        # a setting's value is no place
        ("Where does Bramble write the built site by default?", "false", False),
        ("Where does Bramble write the built site by default?", "public", True),
    ],
)
def test_the_kind_of_answer_a_question_asks_for(question: str, span: str, ok: bool) -> None:
    assert (answer_type_problem(question, span) == "") is ok


def test_how_much_for_asks_a_price() -> None:
    assert asks_price("how much for a tubeless puncture repair")
    assert asks_price("What's the monthly subscription?")
    assert not asks_price("How much of the budget went on staff?")


def test_a_number_a_word_makes_a_name_counts_nothing() -> None:
    from veracity.rag.measures import label_number_problem

    text = "Questions about this policy: people@example.com or extension 2250."
    at = text.index("2250")
    asked = "How many weeks of paid paternity leave do I get?"
    assert (
        label_number_problem(asked, text, at, at + 4)
        == "'2250' is a name ('extension 2250'), not a count"
    )
    counted = "Paternity leave is 2 weeks at full pay."
    at = counted.index("2")
    assert label_number_problem(asked, counted, at, at + 1) == ""
    # not a "how many" question: "Which extension?" asks for the name
    assert (
        label_number_problem(
            "Which extension do I call?", text, text.index("2250"), text.index("2250") + 4
        )
        == ""
    )


def test_how_often_wants_a_frequency() -> None:
    from veracity.rag.measures import frequency_problem

    seat = "On Studio, an admin can move a seat from one person to another, once every 30 days."
    asked = "how often can an admin reassign a Studio seat"
    at = seat.index("one person")
    assert frequency_problem(asked, seat, at, at + 10) != ""
    at = seat.index("once every")
    assert frequency_problem(asked, seat, at, at + 18) == ""
    # the reader leaves "every" out: the words before the span count
    dump = "This is commonly done every 100 million instructions."
    at = dump.index("100 million")
    assert frequency_problem("How often is the vector dumped?", dump, at, at + 11) == ""
    bins = "Blue bins are collected every two weeks."
    at = bins.index("two weeks")
    assert frequency_problem("How often are blue bins collected?", bins, at, at + 9) == ""
    assert answer_type_problem("How often is the festival held?", "biennial") == ""


def test_a_span_that_repeats_the_question_answers_nothing() -> None:
    asked = "What is the default syslog.level in lanternlog?"
    assert repeat_problem(asked, "lanternlog")
    assert repeat_problem(asked, "defaults")  # its plural too
    assert repeat_problem(asked, "WARNING") == ""
    assert repeat_problem("Which variable holds the home folder?", "HOME") == ""
    # a list of names offers a choice, in the plural too
    listed = "In Form, Command, and Model Validation terms, what is Pydantic the right tool for?"
    assert repeat_problem(listed, "Commands") == ""


def test_a_closing_time_is_not_answered_by_when_something_starts() -> None:
    terms = "Weekend: collect from 12:00 Saturday; return by 09:00 Monday. We close at 13:00."
    close = "What time does the hire shop close on Saturdays?"

    def problem(question: str, time: str) -> str:
        at = terms.index(time)
        return clock_side_problem(question, terms, at, at + len(time))

    assert "starts" in problem(close, "12:00")
    assert problem(close, "13:00") == ""
    assert "ends" in problem("What time does the shop open on Mondays?", "09:00")
    # a range holds both ends
    hours = "Saturday: open from 9am to 1pm."
    at = hours.index("9am to 1pm")
    assert clock_side_problem(close, hours, at, at + len("9am to 1pm")) == ""
