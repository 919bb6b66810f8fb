"""A value said for another group than the question's (``rag.groups``)."""

from __future__ import annotations

from veracity.rag.groups import group_problem


def test_group_problem_the_value_for_another_group() -> None:
    text = "Breakfast is extra: it costs £16 for adults and £8 for children aged 4 to 12."
    adults, children = text.index("£16"), text.index("£8")
    got = group_problem("How much do children aged 10 pay?", text, adults, adults + 3)
    assert got == "'£16' is for adults, the question about children aged 4 to 12"
    assert group_problem("How much do children aged 10 pay?", text, children, children + 2) == ""
    assert group_problem("How much do adults pay?", text, adults, adults + 3) == ""
    # one group only, a name, or a year: nothing to tell apart
    one = "It costs £16 for adults."
    assert group_problem("How much do children pay?", one, 9, 12) == ""
    year = "He patented a pump in 1606 for mines and a mill for grain."
    at = year.index("1606")
    assert group_problem("When did he patent a mill for grain?", year, at, at + 4) == ""


def test_group_problem_the_question_asks_for_a_group_the_sentence_does_not_name() -> None:
    text = (
        "The board approved the budget of 120,000 euros for the new warehouse. "
        "The proposal to open a Madrid branch was postponed."
    )
    at = text.index("120,000")
    asked = "What budget was approved for the Madrid branch?"
    expected = "the sentence is for the new warehouse, the question about the Madrid branch"
    assert group_problem(asked, text, at, at + 13) == expected
    place = text.index("new warehouse")
    assert group_problem(asked, text, place, place + 13) == expected
    assert group_problem("What budget was approved for the warehouse?", text, at, at + 13) == ""
    # a group the passage never names is a paraphrase, not another group
    assert group_problem("What budget was approved for the depot?", text, at, at + 13) == ""
    # a later member of the list the sentence is for is no answer either
    mfa = (
        "MFA is required for email, the VPN and all cloud applications.\n\n"
        "* Administrator accounts must use a hardware security key."
    )
    asked = "What MFA method is required for administrator accounts?"
    for member in ("email", "the VPN", "all cloud applications"):
        at = mfa.index(member)
        assert "is for email" in group_problem(asked, mfa, at, at + len(member)), member
    # "per cent" is no group
    share = "It takes 55 per cent of the members, or 260 of the 352 votes, for a majority."
    at = share.index("260")
    assert group_problem("How many votes are needed for a majority?", share, at, at + 3) == ""


def test_group_problem_a_value_for_everyone_is_every_group_s() -> None:
    text = (
        "Club Unlimited members receive 50% off all supplements.\n\n"
        "Tickets for Kids Club screenings cost £2.50 for everyone."
    )
    at = text.index("£2.50")
    assert group_problem("How much are Kids Club tickets for members?", text, at, at + 5) == ""
    # a value for one named group is still not another group's
    own = text.replace("for everyone", "for adults")
    at = own.index("£2.50")
    got = group_problem("How much are Kids Club tickets for members?", own, at, at + 5)
    assert got == "the sentence is for adults, the question about members"
