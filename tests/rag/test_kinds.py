"""``kind_problem``: a colour, a fuel or a kind of pet named in a question is not answered from a
sentence about another member of its set."""

from __future__ import annotations

from veracity.rag.kinds import colour_problem, kind_problem

LIGHTS = "Solid white: updating, do not switch off. Solid red: earth fault, call an installer."


def test_another_member_of_the_set_does_not_answer() -> None:
    got = kind_problem("charger LED solid red meaning", LIGHTS, LIGHTS.index("updating"))
    assert got == "the sentence is about white, and the question about red"
    assert kind_problem("charger LED solid red meaning", LIGHTS, LIGHTS.index("earth")) == ""


def test_plural_and_other_forms_name_the_member() -> None:
    excess = "Dogs under 8: £99 excess. Cats and kittens: £75 excess."
    asked = "My cat is 9. What's the excess?"
    assert "about dog" in kind_problem(asked, excess, excess.index("£99"))
    assert kind_problem(asked, excess, excess.index("£75")) == ""


def test_a_sentence_naming_no_member_or_both_passes() -> None:
    both = "Dogs and cats are covered for accidents from day one."
    assert kind_problem("Is my cat covered?", both, 0) == ""
    assert kind_problem("Is my cat covered?", "Accidents are covered from day one.", 0) == ""
    assert kind_problem("What does the light mean?", LIGHTS, 0) == ""  # names no colour


def test_a_colour_question_is_answered_by_a_colour() -> None:
    asked = "What colour tie do Year 10 and 11 students wear?"
    assert (
        colour_problem(asked, "light") == "the question asks for a colour, and 'light' names none"
    )
    assert colour_problem(asked, "navy with a gold stripe") == ""
    assert colour_problem(asked, "light blue") == ""
    assert colour_problem("What tie do students wear?", "light") == ""  # no colour asked


def test_a_fare_for_children_is_no_adult_fare() -> None:
    text = "Children aged 5 to 15 pay a child fare: DaySaver £2.40 (Zone A) or £3.10 (Zone AB)."
    at = text.index("£3.10")
    got = kind_problem("How much is an adult Zone AB DaySaver?", text, at)
    assert got == "the sentence is about child, and the question about adult"
    both = "Children travel free with a paying adult; an adult DaySaver is £6.20."
    assert kind_problem("How much is an adult DaySaver?", both, both.index("£6.20")) == ""


def test_kind_problem_parts_of_the_day() -> None:
    exams = "Morning examinations start at 9.30am. Candidates arrive 20 minutes early."
    got = kind_problem("What time do afternoon exams start?", exams, exams.index("9.30am"))
    assert got == "the sentence is about morning, and the question about afternoon"
    assert kind_problem("What time do morning exams start?", exams, exams.index("9.30am")) == ""
