"""``qualifier_problem``: a value qualified in the question (maximum, average, per year, default)
is not answered from a sentence that gives another value of the same quantity."""

from __future__ import annotations

from veracity.rag.qualifiers import (
    bound_problem,
    count_problem,
    day_problem,
    names_a_qualifier,
    per_problem,
    qualified_problem,
    qualifier_problem,
)

CACHE = (
    "Quillstack keeps reports in memory. The default cache size increased from 256 MB to 512 MB."
)
RENT = "The monthly rent is £1,150, payable in advance on the 1st day of each month."


def _at(text: str, span: str) -> int:
    return text.index(span)


def test_another_value_of_the_quantity_is_refused() -> None:
    got = qualifier_problem("What is the maximum cache size?", CACHE, _at(CACHE, "512"))
    assert "'maximum'" in got
    got = qualifier_problem("How much is the annual rent?", RENT, _at(RENT, "£1,150"), amount=True)
    assert "'annual'" in got


def test_the_same_qualifier_in_other_words_passes() -> None:
    assert qualifier_problem("What is the default cache size?", CACHE, _at(CACHE, "512")) == ""
    assert (
        qualifier_problem("How much is the rent per month?", RENT, _at(RENT, "£1"), amount=True)
        == ""
    )
    limits = "Upload limits\n\nFiles of up to 20 MB are accepted."
    got = qualifier_problem(
        "What is the max upload size?", limits, _at(limits, "20"), ("Maximum sizes",)
    )
    assert got == ""  # the heading holds it
    holiday = "Each child gets two weeks at half fees in each nursery year (September to August)."
    asked = "How much holiday can we take at half fees each year?"
    assert qualifier_problem(asked, holiday, _at(holiday, "two weeks"), amount=True) == ""
    # "a day" before a noun names a ticket, not a rate
    fares = "| Ticket | Single | Day return |\n|---|---|---|\n| Car | £38.00 | £61.00 |"
    asked = "What does a day return cost for a car?"
    assert qualifier_problem(asked, fares, _at(fares, "£61"), amount=True) == ""
    asked = "How much holiday can we take at half fees each month?"
    assert "'each month'" in qualifier_problem(asked, holiday, _at(holiday, "two"), amount=True)
    hire = "The studio can be hired by the hour for £45, or for £280 for the whole day."
    for question, value in [("How much is studio hire per hour?", "£45"),
                            ("How much is a day's hire?", "£280")]:  # fmt: skip
        assert qualifier_problem(question, hire, _at(hire, value), amount=True) == ""
    got = qualifier_problem("How much is a week's hire?", hire, _at(hire, "£280"), amount=True)
    assert "'a week'" in got  # "for the whole day" is no week


def test_only_questions_for_a_value() -> None:
    teach = "Teachers in Canada need a post-secondary degree."
    question = "What must a teacher have, at a minimum?"
    assert qualifier_problem(question, teach, _at(teach, "a post")) == ""
    assert "'minimum'" in qualifier_problem(question, teach, _at(teach, "a post"), amount=True)


def test_a_sentence_that_says_up_to_gives_the_maximum() -> None:
    body = "Request bodies are limited to 10 MB. Uploads must use the multipart endpoint."
    assert qualifier_problem("What is the maximum request body size?", body, 0) == ""
    hotel = "Employees may claim up to £140 per night for hotels in London."
    assert qualifier_problem("What is the maximum hotel rate?", hotel, _at(hotel, "£140")) == ""
    # "up to" in a question asks for no maximum
    teams = "Four teams have been to the game eight times."
    question = "How many teams up to Super Bowl 50 have been to the game eight times?"
    assert qualifier_problem(question, teams, 0, amount=True) == ""


DOSE = (
    "Adults and children over 12 years may take one or two tablets every four hours. "
    "Do not give the tablets to children under 12 unless a doctor tells you to."
)


def test_the_other_side_of_a_bound_is_refused() -> None:
    question = "What is the dose for children under 12?"
    got = bound_problem(question, DOSE, _at(DOSE, "one or two"))
    assert "'under 12'" in got and "'over 12'" in got
    assert bound_problem(question, DOSE, _at(DOSE, "unless")) == ""  # its own side
    asked = "What is the dose for children over 12?"
    assert bound_problem(asked, DOSE, _at(DOSE, "one or two")) == ""
    # another number, or no bound in the question, is not judged
    assert bound_problem("What is the dose for children under 6?", DOSE, 0) == ""
    assert bound_problem("What is the dose for children?", DOSE, 0) == ""
    # a sentence that bounds both ways holds the question's side
    both = "Children under 12 take one tablet and children over 12 take two."
    assert bound_problem(question, both, _at(both, "two")) == ""


def test_a_value_per_person_is_not_a_total() -> None:
    meals = "Client meals may cost up to £60 per head."
    cards = "Cards are issued to staff who travel. The monthly card limit is £2,500."
    asked = "What's the spending limit per person?"
    assert qualifier_problem(asked, meals, _at(meals, "£60"), amount=True) == ""
    assert "'per person'" in qualifier_problem(asked, cards, _at(cards, "£2,500"), amount=True)
    # "What's the X limit ...?" asks a value without "how much"
    assert "'per person'" in qualifier_problem(asked, cards, _at(cards, "£2,500"))


def test_a_terse_query_names_the_value_it_wants() -> None:
    cash = "Premier customers can request a temporary cash withdrawal limit of up to £1,500."
    asked = "daily cash withdrawal limit Premier account"
    assert "'daily'" in qualifier_problem(asked, cash, _at(cash, "£1,500"))
    assert qualifier_problem("Premier cash withdrawal limit", cash, _at(cash, "£1,500")) == ""


def test_the_line_that_leads_into_a_list_qualifies_its_entries() -> None:
    limits = (
        "8.2 Monthly card limits:\n"
        "   Grades 1-4 ..................... £2,500\n"
        "   Grades 5-6 (managers) .......... £6,000\n\n"
        "8.3 Yearly allowance for Grades 5-6: £500.\n"
    )
    asked = "What's the monthly card limit for a Grade 5 manager?"
    assert qualifier_problem(asked, limits, _at(limits, "£6,000"), amount=True) == ""
    # a list without the word, or a sentence outside the list, still lacks it
    yearly = limits.replace("Monthly", "Card")
    assert "'monthly'" in qualifier_problem(asked, yearly, _at(yearly, "£6,000"), amount=True)
    assert "'monthly'" in qualifier_problem(asked, limits, _at(limits, "£500"), amount=True)


def test_a_qualifier_inside_an_option_name_counts() -> None:
    text = "The --min-size option skips smaller files; the default is 1 KB."
    at = _at(text, "1 KB")
    assert qualifier_problem("What is the default minimum size?", text, at) == ""
    assert "'maximum'" in qualifier_problem("What is the maximum size?", text, at)
    glued = "Set maxRetries to 5."  # no separator: a word of its own, not "max"
    assert "'maximum'" in qualifier_problem("What is the maximum?", glued, _at(glued, "5"))


def test_a_bound_on_another_number_is_refused_when_the_passage_has_the_asked_one() -> None:
    rules = (
        "Children under 3 swim free. Children under 8 must be accompanied by an adult, with no "
        "more than two children per adult."
    )
    got = bound_problem("How many children under 8 can one adult take?", rules, 0)
    assert got == "the question asks about 'under 8', and the answer's sentence is about 'under 3'"
    assert bound_problem("How many children under 8 can one adult take?", rules, 40) == ""
    # no sentence of the passage has the asked bound: not judged here
    alone = "Children under 3 swim free."
    assert bound_problem("Do children under 8 pay?", alone, 0) == ""


def test_day_problem_the_sentence_is_about_other_days() -> None:
    text = (
        "The box office is open Monday to Saturday from 10 am. On Sundays it opens only when "
        "there is a performance, two hours before curtain up."
    )
    asked = "When is the box office open on Sundays?"
    got = day_problem(asked, text, text.index("10 am"))
    assert got == "the sentence is about Monday to Saturday, the question about Sunday"
    assert day_problem(asked, text, text.index("two hours")) == ""
    # the asked day inside the sentence's period, a sentence that names no day, a question
    # about a set of days, and no other sentence about the asked day: not refused
    assert day_problem("When is it open on Friday?", text, text.index("10 am")) == ""
    general = "Tickets cost £20. The box office is open Monday to Friday from 10 am."
    assert day_problem("How much is a ticket on Sunday?", general, 13) == ""
    assert day_problem("When is it open at weekends?", text, text.index("10 am")) == ""
    alone = "The box office is open Monday to Saturday from 10 am. Tickets cost £20."
    assert day_problem(asked, alone, alone.index("10 am")) == ""


def test_periods_name_the_days_and_months_they_cover() -> None:
    from veracity.guard.periods import in_period, named

    assert named("Open Monday to Wednesday and on Saturdays") == {
        "monday", "tuesday", "wednesday", "saturday"
    }  # fmt: skip
    assert named("closed at weekends") == {"saturday", "sunday"}
    assert named("Winter opening, November-February") == {
        "november", "december", "january", "february"
    }  # fmt: skip
    assert named("You may book online.") == set()  # "may", the verb
    assert named("Renewals are due on 3 May.") == {"may"}
    assert in_period("august", ["open from 1 April to 31 October"])
    assert not in_period("march", ["open from 1 April to 31 October"])


def test_count_problem_the_sentence_counts_another_number() -> None:
    text = (
        "An adult swim costs £5.20. A family swim for two adults and two children costs £14. "
        "Lessons for 3 children cost £30."
    )
    asked = "How much is a family swim for two adults and three children?"
    got = count_problem(asked, text, text.index("£14"))
    assert got == "the sentence counts two children, the question three children"
    assert count_problem(asked, text, text.index("£30")) == ""  # "3 children": the same count
    assert count_problem("How much is a family swim for two adults and two children?", text,
                         text.index("£14")) == ""  # fmt: skip
    # a sentence that does not count the noun, and numbers that are part of a name, are left
    assert count_problem(asked, text, text.index("£5.20")) == ""
    war = "The Seven Years War lasted six years, from 1756 to 1763."
    assert count_problem("How long did the Seven Years War last?", war, 30) == ""
    bowl = "Super Bowl 50 teams met in 2016; both teams had 15 wins."
    assert count_problem("Which Super Bowl 50 teams met?", bowl, 0) == ""


def test_per_problem_the_amount_is_counted_in_another_unit() -> None:
    cover = (
        "Full Value cover: maximum £2,000 per item, unless listed. The most we pay is £150,000 "
        "per move."
    )
    item = cover.index("£2,000")
    got = per_problem("full value cover maximum per move", cover, item, item + 6)
    assert got == "the amount is per item, the question asks per move"
    move = cover.index("£150,000")
    assert per_problem("full value cover maximum per move", cover, move, move + 8) == ""
    # no sentence about the asked unit: nothing to tell apart
    alone = "Maximum £2,000 per item."
    assert per_problem("maximum per move", alone, 8, 14) == ""
    # a span without digits is no amount
    assert per_problem("What is every ideal?", "An ideal per ring is prime.", 0, 8) == ""


def test_the_ways_a_question_names_a_qualifier() -> None:
    assert names_a_qualifier("maximum") and names_a_qualifier("daily")
    assert not names_a_qualifier("evening")


def test_or_over_says_a_minimum() -> None:
    text = "You must be aged 16 or over to join. Club Unlimited members must be 18 or over."
    at = text.index("18")
    assert qualifier_problem("What's the minimum age for Club Unlimited?", text, at) == ""
    bare = "Club Unlimited members must be 18."
    got = qualifier_problem("What's the minimum age for Club Unlimited?", bare, bare.index("18"))
    assert "qualified 'minimum'" in got


def test_a_sentence_that_qualifies_another_thing_the_same_way() -> None:
    text = "Upgrading to Club Unlimited starts a new 12-month minimum term."
    at = text.index("12-month")
    got = qualified_problem("What's the minimum age for Club Unlimited?", text, at)
    assert got == "the sentence's 'minimum' is of 'term', the question's of 'age'"
    assert qualified_problem("What's the minimum term for Club Unlimited?", text, at) == ""
    # a word of the question's phrase in the sentence: the same thing, named shorter
    table = "| Max speed | 40 mm/s |"
    assert qualified_problem("max print speed TPU", table, table.index("40")) == ""


def test_a_span_that_names_another_day() -> None:
    from veracity.rag.qualifiers import span_day_problem

    asked = "What time does the hire shop close on Saturdays?"
    assert (
        span_day_problem(asked, "14:00 Thursday")
        == "'14:00 Thursday' is for Thursday, the question about Saturday"
    )
    assert span_day_problem(asked, "13:00") == ""
    assert span_day_problem(asked, "13:00 on Saturdays") == ""
    # a run of days holds the ones inside it
    assert span_day_problem("Is it open on Wednesday?", "Monday to Saturday") == ""
    assert span_day_problem("When does it open in June?", "from 1 May") != ""


def test_a_band_counts_the_numbers_inside_it() -> None:
    row = "| 2 years to under 5 years | 8 weeks | 8 weeks |"
    asked = "How many weeks of sick pay do I get after 3 years' service?"
    assert count_problem(asked, row, row.index("8 weeks")) == ""
    other = "| 5 years or more | 13 weeks | 13 weeks |"
    assert count_problem(asked, other, other.index("13")) != ""
