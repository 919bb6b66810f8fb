"""Where a span sits in a passage's layout: the entry of a list or a field, or markup only."""

from __future__ import annotations

import pytest

from veracity.rag.named_entries import entry_problem, excluded_terms
from veracity.rag.structure import (
    bare_quote_problem,
    changed_value,
    converse_problem,
    heading_problem,
    labelled_default,
    markup_problem,
    named_sentence,
    negation_problem,
    opposite_problem,
    part_problem,
    sentence_problem,
    stated_sentence,
    title_problem,
)
from veracity.text.entries import entries

OPTIONS = """### `fs.mkdir(path[, options], callback)`

Asynchronously creates a directory.

* `path` {string|Buffer|URL}
* `options` {Object|integer}
  * `recursive` {boolean} **Default:** `false`
  * `mode` {string|integer} Not supported on Windows.
    **Default:** `0o777`.
* `callback` {Function}

The callback is given a possible exception.
"""


def _at(text: str, needle: str) -> int:
    return text.index(needle)


def test_entries_are_items_and_fields_with_their_continuation_lines() -> None:
    got = [OPTIONS[s:e] for s, e in entries(OPTIONS)]
    assert got == [
        "* `path` {string|Buffer|URL}",
        "* `options` {Object|integer}",
        "  * `recursive` {boolean} **Default:** `false`",
        "  * `mode` {string|integer} Not supported on Windows.\n    **Default:** `0o777`.",
        "* `callback` {Function}",
    ]
    fields = "Name: numba\nVersion: 0.60\nSummary: compiling Python code\n  using LLVM\n\nProse."
    assert [fields[s:e] for s, e in entries(fields)] == [
        "Name: numba", "Version: 0.60", "Summary: compiling Python code\n  using LLVM"
    ]  # fmt: skip
    ended = "* `a` first\n## Next section\nA paragraph.\n* `b` second"
    assert [ended[s:e] for s, e in entries(ended)] == ["* `a` first", "* `b` second"]


def test_a_span_from_another_entry_than_the_one_asked_about_is_refused() -> None:
    question = "What is the default value of the recursive option of fs.mkdir?"
    wrong = entry_problem(question, OPTIONS, _at(OPTIONS, "0o777"))
    assert "not the one the question names" in wrong and "recursive" in wrong
    assert entry_problem(question, OPTIONS, _at(OPTIONS, "false")) == ""


def test_a_rare_word_of_the_question_names_its_entry_more_than_common_ones() -> None:
    charges = (
        "- Rubble and soil: £3.50 per bag. You can bring a maximum of 10 bags per visit.\n"
        "- Plasterboard: £5.00 per sheet or bag.\n"
    )
    asked = "Is there a limit on how many sheets of plasterboard I can bring in one visit?"
    assert "Plasterboard: £5.00" in entry_problem(asked, charges, _at(charges, "maximum"))
    assert entry_problem(asked, charges, _at(charges, "£5.00")) == ""


def test_a_heading_s_words_name_no_entry_under_it() -> None:
    booking = (
        "- Five-Day and Flexi 500 members may book up to 10 days in advance.\n"
        "- Country members may book up to 7 days in advance.\n"
        "- On competition days the 1st tee is reserved from 7.30am to 10.30am.\n"
        "- Members who fail to cancel a booking at least 24 hours before their tee time on two "
        "occasions in a month will have online booking suspended for 28 days.\n"
    )
    asked = "How far in advance can Five-Day members book a tee time?"
    at = _at(booking, "10 days")
    assert "shares more of its words" in entry_problem(asked, booking, at)
    assert entry_problem(asked, booking, at, ["Harrowmere", "Booking tee times"]) == ""
    # the other entries stay wrong under the heading
    assert entry_problem(asked, booking, _at(booking, "7 days"), ["Booking tee times"]) != ""


def test_the_asker_s_case_names_an_entry() -> None:
    discounts = (
        "- Service Club members ......... 10% off labour\n"
        "- Students (valid NUS card) ......... 10% off labour\n"
        "- Blue-light card holders ......... 15% off labour\n"
    )
    asked, case = "what discount do I get?", "I'm a blue-light card holder - "
    first = _at(discounts, "10% off")
    assert entry_problem(asked, discounts, first) == ""
    assert "Blue-light card holders" in entry_problem(case + asked, discounts, first)
    assert entry_problem(case + asked, discounts, _at(discounts, "15% off")) == ""


def test_what_a_question_leaves_out_names_the_entry_that_says_it_has_none() -> None:
    prices = (
        "- Unlimited monthly membership with a 3-month minimum term: £89 per month\n"
        "- Unlimited monthly membership with no minimum term: £105 per month\n"
    )
    asked = "How much is unlimited monthly if I don't want to be tied into a minimum term?"
    assert "no minimum term" in entry_problem(asked, prices, _at(prices, "£89"))
    assert entry_problem(asked, prices, _at(prices, "£105")) == ""
    # asked with the qualifier, the entry that has it is no worse than the one without
    with_term = "How much is unlimited monthly with a minimum term?"
    assert entry_problem(with_term, prices, _at(prices, "£89")) == ""
    # "don't want to pay" leaves nothing out: no article, no thing
    assert (
        entry_problem("I don't want to pay monthly. Unlimited?", prices, _at(prices, "£89")) == ""
    )


def test_an_entry_that_says_it_has_none_of_what_the_question_asks_is_not_its_entry() -> None:
    tips = (
        "- Car or van tyre (without wheel rim) ........ £4.50\n"
        "- Car or van tyre (on wheel rim) ........ £6.50\n"
    )
    asked = "car tyre on rim tip charge"
    assert "on wheel rim" in entry_problem(asked, tips, _at(tips, "£4.50"))
    assert entry_problem(asked, tips, _at(tips, "£6.50")) == ""
    # a negation the question shares is a name, not a lack: "no claims discount"
    ncd = (
        "- No claims discount: 30% after 4 years\n- Multi-policy discount: 10% with a car policy\n"
    )
    assert entry_problem("what's the no claims discount?", ncd, _at(ncd, "30%")) == ""
    # a yes/no question, or one that negates, is answered by the entry that says "no"
    boxes = (
        "- HC-5: needs an earth rod on a PME supply\n"
        "- HC-7: has fault protection, so no earth rod is needed on a PME supply\n"
    )
    at = _at(boxes, "no earth rod")
    assert entry_problem("Does the HC-7 need an earth rod on a PME supply?", boxes, at) == ""
    assert entry_problem("Which unit never needs an earth rod?", boxes, at) == ""


def test_a_group_the_asker_says_they_are_not_in_names_no_entry() -> None:
    exchanges = (
        "- Friends of the Playhouse: exchange free of charge up to 24 hours before\n"
        "- Everyone else: exchange up to 48 hours before, for a fee of £2 per ticket\n"
    )
    asked = "I'm not a Friend. How close to the performance can I still exchange my tickets?"
    assert excluded_terms(asked) == {"friend"}
    assert "Friends" in entry_problem(asked, exchanges, _at(exchanges, "24 hours"))
    assert entry_problem(asked, exchanges, _at(exchanges, "48 hours")) == ""
    # "I'm not sure" is no group, nor "I'm not going"; "I'm not housebound" is one
    assert excluded_terms("I'm not sure what the fee is for Friends") == set()
    assert excluded_terms("I'm not going until May. Is there a fee?") == set()
    assert excluded_terms("We aren't members. What do we pay?") == {"member"}
    asked = "I'm not housebound and live 7 miles away. How much is a home delivery?"
    assert excluded_terms(asked) == {"housebound"}


def test_a_span_outside_the_entry_the_question_names_is_refused() -> None:
    hotels = (
        "Book a standard room in a hotel of up to 4 stars.\n\n"
        "The maximum nightly rate is:\n"
        "   London (inside the M25) ............ £160\n"
        "   Elsewhere in the UK ................ £95\n"
    )
    asked = "What's the hotel limit per night in London?"
    assert "'London (inside the M25)" in entry_problem(asked, hotels, _at(hotels, "up to 4"))
    # a sentence in the entry's own paragraph goes on from it
    notes = "- Switched templating to f-strings.\nClass creation is about 5% faster.\n- Docs.\n"
    asked = "How much faster did class creation get with f-strings?"
    assert entry_problem(asked, notes, _at(notes, "about 5%")) == ""
    item = (
        "- Switched templating to f-strings.\n\n  Class creation is about 5% faster.\n\n- Docs.\n"
    )
    assert entry_problem(asked, item, _at(item, "about 5%")) == ""
    apart = item.replace("\n  Class", "\nClass")  # at the margin: a paragraph of its own
    assert "'Switched templating" in entry_problem(asked, apart, _at(apart, "about 5%"))
    notes = (
        "- On some platforms, ffi_prep_cif may modify the size of some types.\n\n"
        "Currently the only affected platform is PowerPC.\n"
    )
    asked = "Which platform is the only one where ffi_prep_cif may change the size of a type?"
    assert entry_problem(asked, notes, _at(notes, "PowerPC")) == ""
    steps = "1. Bake for 45 minutes.\n2. Cool in the tin for 10 minutes.\n\nIt keeps for 4 days."
    asked = "How long should the cake cool in the tin?"
    assert "'Cool in the tin" in entry_problem(asked, steps, _at(steps, "4 days"))
    # a word outside the entries too ("hotel") names no entry
    assert entry_problem("What star rating can a hotel have?", hotels, _at(hotels, "up")) == ""


def test_a_labelled_number_names_its_entry() -> None:
    ratios = "- Ducklings: 1 teacher to 8 parent-and-child pairs\n- Stages 1–3: 1:6\n"
    asked = "How many children per teacher in Stages 1-3?"
    assert "'Stages 1–3: 1:6'" in entry_problem(asked, ratios, _at(ratios, "8 parent"))
    assert entry_problem(asked, ratios, _at(ratios, "1:6")) == ""


def test_ties_and_prose_are_not_judged() -> None:
    fields = "Summary: a compiler that uses LLVM\nLicense: BSD\n"
    # "use" is shared with the summary, "license" with the licence line: the rarer word names
    # the entry; the same word in both is a tie, let through
    assert "License: BSD" in entry_problem(
        "What license does numba use?", fields, _at(fields, "LLVM")
    )
    both = "Summary: uses LLVM\nBuild: uses CMake\n"
    assert entry_problem("What does numba use?", both, _at(both, "LLVM")) == ""
    prose = "Employees get 25 days. The canteen opens at 8 am on weekdays."
    assert entry_problem("When does the canteen open?", prose, _at(prose, "25")) == ""
    one = "* `mode` {integer} **Default:** `0o777`\n"  # a single entry has no sibling to prefer
    assert entry_problem("What is the default of recursive?", one, _at(one, "0o777")) == ""


def test_a_sentence_of_markup_only_cannot_be_quoted() -> None:
    text = "Some prose here.\n\n```\n\n<!-- -->\n"
    assert markup_problem(text, _at(text, "```")) == "the sentence is markup only"
    assert markup_problem(text, _at(text, "prose")) == ""


def _value(question: str, text: str, span: str) -> str | None:
    at = text.index(span)
    found = labelled_default(question, text, at, at + len(span))
    return None if found is None else text[found[0] : found[1]]


def test_a_default_question_is_answered_by_the_value_its_entry_labels_as_default() -> None:
    question = "What is the default value of the recursive option of fs.mkdir?"
    assert _value(question, OPTIONS, "boolean") == "`false`"  # the type beside it
    assert _value(question, OPTIONS, "Not supported") == "`0o777`"  # a continuation line
    assert _value(question, OPTIONS, "false") is None  # already the value
    prose = "The timeout in milliseconds (default: 5000), and the retry count; see below."
    assert _value("What is the default timeout?", prose, "milliseconds") == "5000"
    assert (
        _value("What does the ratio default to?", "The ratio defaults to 0.5. Next.", "ratio")
        == "0.5"
    )


def test_no_value_is_chosen_without_a_default_question_or_a_single_label() -> None:
    assert _value("What is the type of the recursive option?", OPTIONS, "boolean") is None
    two = "Default: 1 for reads. Default: 2 for writes."
    assert _value("What is the default?", two.replace(". ", "; "), "reads") is None
    unlabelled = "By default, a maximum of 10 listeners can be registered."
    assert _value("How many listeners by default?", unlabelled, "maximum") is None


def test_a_quote_of_fewer_than_two_content_words_asserts_nothing() -> None:
    assert "asserts nothing checkable" in bare_quote_problem("{Object}")
    assert "asserts nothing checkable" in bare_quote_problem("`Object`.")
    assert bare_quote_problem("1951 is when it was signed.") == ""
    assert bare_quote_problem("Allocates a new Buffer of size bytes.") == ""  # a whole sentence
    assert bare_quote_problem("callback {Function}") == ""


PHISHING = (
    "Phishing emails often say urgent. Ignore any message that asks you to bypass the previous "
    "approval steps. Never follow instructions in an email that asks you to transfer money; call "
    "the sender on a known number instead."
)


def test_a_span_from_a_sentence_when_another_holds_every_word_of_the_question_is_refused() -> None:
    asked = "What should I do with an email that asks me to transfer money?"
    wrong = PHISHING.index("bypass")
    assert "holds all its words" in sentence_problem(asked, PHISHING, wrong)
    access = (
        "Managers grant access to shared drives through the portal. Access granted this way "
        "expires after 90 days. Contractors get access without restrictions to the guest "
        "network only."
    )
    asked = "How long do contractors keep guest network access?"
    assert "holds all its words" in sentence_problem(asked, access, access.index("90"))
    assert sentence_problem(asked, PHISHING, PHISHING.index("call the sender")) == ""


def test_a_paraphrasing_sentence_or_a_partial_sibling_is_not_judged() -> None:
    text = (
        "The University of Chicago is a private research university. It was founded in 1890 by "
        "John D. Rockefeller."
    )
    # the answer's sentence says "It": one word short of the sibling, not two
    assert sentence_problem("When was the university founded?", text, text.index("1890")) == ""
    # no sibling holds every word of the question
    asked = "Who founded the private university in Chicago?"
    assert sentence_problem(asked, text, text.index("John")) == ""


def test_the_sentence_before_counts_only_when_the_answers_sentence_points_back() -> None:
    text = (
        "Writing errors to standard error. At the moment, all output goes to the terminal with "
        "the println! macro. The standard library's eprintln! macro prints to standard error."
    )
    asked = "Which macro prints to standard error?"
    # no "it" or "this": the heading before it does not lend its words
    assert "holds all its words" in sentence_problem(asked, text, text.index("println!"))
    pointing = text.replace("At the moment, all output", "At the moment, this output")
    assert sentence_problem(asked, pointing, pointing.index("println!")) == ""


def test_a_span_in_a_prohibition_is_no_answer_to_what_to_use() -> None:
    text = "Fill it with water and white vinegar, then rinse it. Never use bleach."
    asked = "What should I use to descale the kettle?"
    assert "forbids it" in negation_problem(asked, text, text.index("bleach"))
    assert negation_problem(asked, text, text.index("white vinegar")) == ""
    passive = "Rinse it three times. Bleach must not be used."
    assert "forbids it" in negation_problem(asked, passive, passive.index("Bleach"))
    # a question about what is not, and descriptive negation, are left to the reader
    assert negation_problem("What must you never use?", text, text.index("bleach")) == ""
    told = "The treaty was not signed until 1951, in Paris."
    assert negation_problem("When was the treaty signed?", told, told.index("1951")) == ""
    # what to do may be answered by a prohibition
    advice = "Never follow instructions in an email that asks you to transfer money."
    asked = "What should I do with an email that asks me to transfer money?"
    assert negation_problem(asked, advice, advice.index("follow")) == ""
    assert "forbids" in negation_problem("Which cleaner can I use?", text, text.index("bleach"))


def test_opposite_problem_refuses_a_span_whose_sentence_says_the_opposite() -> None:
    text = "Tartu is the second city. Tallinn is the largest city. Elva is the smallest town."
    assert "says 'largest'" in opposite_problem(
        "What is the smallest city?", text, text.index("Tallinn")
    )
    assert opposite_problem("What is the smallest town?", text, text.index("Elva")) == ""
    # read with the sentence before when it points back
    back = "Tallinn is the largest city. It was founded in 1248."
    assert "says 'largest'" in opposite_problem(
        "When was the smallest city founded?", back, back.index("1248")
    )
    assert opposite_problem("When was the largest city founded?", back, back.index("1248")) == ""
    # a part of the sentence between semicolons about the other side
    tiers = "Full-time employees get 25 days of holiday; part-time employees get a pro-rata share."
    asked = "How many holiday days do part-time employees get?"
    assert "says 'full-time'" in opposite_problem(asked, tiers, tiers.index("25"))
    assert opposite_problem(asked, tiers, tiers.index("pro-rata")) == ""


def test_heading_problem_a_span_in_a_heading_line() -> None:
    text = "# AquaHeat 300 Water Heater\n\n## Safety\n\nThe heater weighs 14.5 kg."
    assert "heading ('AquaHeat 300" in heading_problem(text, text.index("300"))
    assert heading_problem(text, text.index("14.5")) == ""
    # a '#' inside a line is no heading
    code = "Use C# 12 for the heater firmware."
    assert heading_problem(code, code.index("C#")) == ""
    # a reference entry's heading states the default it labels
    entry = "### --y=<4..1000> [default: 20]\n\nHeight of the graph."
    assert heading_problem(entry, entry.index("20]")) == ""
    assert "heading" in heading_problem(entry, entry.index("1000"))  # before the label
    # a plain-text heading is known by the passage's heading path
    plain = "3. ACCOUNTS AND PASSWORDS\n-------\n\nPasswords are changed every 90 days."
    headings = ("3. ACCOUNTS AND PASSWORDS",)
    assert "heading ('ACCOUNTS AND PASSWORDS')" in heading_problem(plain, 0, headings)
    assert heading_problem(plain, 0) == ""  # without it, a line like any other
    assert heading_problem(plain, plain.index("90"), headings) == ""


def test_part_problem_refuses_the_other_partys_clause() -> None:
    text = (
        "After the fixed term, the Tenant must give one month's written notice and the Landlord "
        "must give two months' written notice."
    )
    tenant, landlord = text.index("one month"), text.index("two months")
    asked = "How much notice must the tenant give?"
    assert "the Landlord must give" in part_problem(asked, text, landlord)
    assert part_problem(asked, text, tenant) == ""
    asked = "How much notice must the landlord give?"
    assert "the Tenant must give" in part_problem(asked, text, tenant)
    assert part_problem(asked, text, landlord) == ""
    # a question about the obligation, not a party, names no part
    assert part_problem("How much written notice is needed?", text, landlord) == ""


def test_part_problem_keeps_one_subject_lists_and_continuations() -> None:
    shared = (
        "The Tenant must report any repair need within 48 hours and is responsible for "
        "replacing light bulbs and smoke alarm batteries."
    )
    assert part_problem("Who replaces the light bulbs?", shared, 0) == ""
    names = "Manning and Newton had passer ratings of 56.6 and 55.4."
    assert part_problem("Who had a rating of 55.4?", names, names.index("Newton")) == ""
    back = (
        "The academy compiled and published a number of books, but its most important "
        "achievement was a compendium named Jingshi Dadian."
    )
    assert (
        part_problem(
            "What was the most important achievement of the academy?", back, back.index("Jingshi")
        )
        == ""
    )
    bracket = "Nikola Tesla (Cyrillic: Никола Тесла; 10 July 1856 – 1943) was an inventor."
    assert part_problem("When was Nikola Tesla born?", bracket, bracket.index("10 July")) == ""


def _changed(question: str, text: str, span: str) -> str | None:
    start = text.index(span)
    got = changed_value(question, text, start, start + len(span))
    return None if got is None else text[got[0] : got[1]]


def test_changed_value_gives_the_value_now_or_before() -> None:
    port = "The default port changed from 8080 to 8443."
    assert _changed("What is the default port?", port, "8080 to 8443") == "8443"
    assert _changed("What is the default port?", port, "8080") == "8443"
    assert _changed("What is the default port?", port, "8443") is None  # already the answer
    cache = "The default cache size increased from 256 MB to 512 MB."
    assert _changed("What was the cache size previously?", cache, "512 MB") == "256 MB"
    rent = "Rents rose from £900 to £1,150 a month in 2025."
    assert _changed("How much is the rent?", rent, "£900") == "£1,150"


def test_changed_value_leaves_places_and_questions_that_name_a_time() -> None:
    moved = "He moved from Paris to London in 1990."
    assert _changed("Where did he move?", moved, "Paris") is None
    forest = "Forest loss rose from 415,000 km2 in 1991 to 587,000 km2 in 2000."
    assert _changed("How much forest was lost by 1995?", forest, "415,000") is None  # unsaid
    assert _changed("How much forest was lost by 1991?", forest, "415,000") == "415,000 km2"
    assert _changed("How much forest was lost by 2000?", forest, "415,000") == "587,000 km2"
    town = "Its population rose from 2,300 in 1841 to 11,800 in 1901."
    assert _changed("What was the population in 1841?", town, "11,800") == "2,300"
    assert _changed("How many people lived there in 1800?", town, "2,300") is None


def test_converse_problem_refuses_the_lesser_side_of_a_comparison() -> None:
    wifi = "The 5 GHz network is faster but has a shorter range than the 2.4 GHz network."
    asked = "Which Wi-Fi network has the longer range?"
    assert "shorter, not longer" in converse_problem(asked, wifi, wifi.index("The 5"))
    assert converse_problem(asked, wifi, wifi.index("2.4 GHz")) == ""  # after "than": the answer
    assert converse_problem("Which network is faster?", wifi, wifi.index("The 5")) == ""
    both = "Which is faster or slower?"  # names both sides: the span may be either
    slow = "The old line is slower than the new one."
    assert converse_problem(both, slow, 0) == ""
    assert "slower, not faster" in converse_problem("Which line is faster?", slow, 0)


MEALS = (
    "The daily meal allowance is £40. Alcohol cannot be claimed. Client dinners are claimed "
    "separately and need a list of the guests."
)


def test_named_sentence_is_the_one_that_holds_the_questions_words() -> None:
    at = MEALS.index("Client")
    s, e = named_sentence("Can I claim alcohol?", MEALS, at) or (0, 0)
    assert MEALS[s:e] == "Alcohol cannot be claimed."
    assert named_sentence("Can I claim client dinners?", MEALS, at) is None  # already there
    assert named_sentence("Can I claim taxis?", MEALS, at) is None  # one word: not judged
    # a sentence that points back is read with the one before it
    formed = "The Ominde Commission was formed in 1964. It proposed changes to schooling."
    assert (
        named_sentence("What did the Ominde Commission propose?", formed, formed.index("It"))
        is None
    )


def test_named_sentence_is_never_a_heading() -> None:
    # an underlined heading of plain text holds the question's words and says nothing
    desk = (
        "7. GETTING HELP - THE SERVICE DESK\n----------------------------------\n\n"
        "Support hours:\n  * Monday to Friday: 08:00 to 18:00\n  * Saturday: 09:00 to 13:00\n"
    )
    at = desk.index("Saturday")
    assert named_sentence("Is the service desk open on Saturdays?", desk, at) is None


def test_named_sentence_may_lack_one_word_the_page_says_elsewhere() -> None:
    page = (
        "Drivers aged 23 to 24 pay a surcharge. A deposit of £300 is held on a credit card. "
        "Debit cards are not accepted for the deposit."
    )
    at = page.index("A deposit")
    s, e = named_sentence("Can I pay the deposit with a debit card?", page, at) or (0, 0)
    assert page[s:e] == "Debit cards are not accepted for the deposit."
    # two sentences hold as many: neither is named
    tie = "Debit cards hold the deposit. Debit cards back the deposit. A fee is held."
    assert named_sentence("Can I pay the deposit with a debit card?", tie, tie.index("A")) is None


def test_a_span_in_a_prohibition_is_no_answer_to_where_to_go() -> None:
    text = (
        "Do not report security problems in public issues. Email security@example.dev instead; "
        "we reply within three working days."
    )
    asked = "Where should I report a security problem?"
    assert "forbids it" in negation_problem(asked, text, text.index("public issues"))
    assert negation_problem(asked, text, text.index("security@")) == ""
    # "where is" asks no place to go to: left to the reader
    place = "The office is not in Riga but in Tallinn."
    assert negation_problem("Where is the office?", place, place.index("Tallinn")) == ""


def test_a_heading_is_never_the_quote() -> None:
    text = (
        "Opening hours\nWe are open 7:30 am to 6 pm Monday to Friday. We are closed on Sundays "
        "and bank holidays.\n\n## Prices\n\nA shirt costs £3.20."
    )
    assert "a heading ('Opening hours')" in title_problem(text, 0)
    assert "a heading" in title_problem(text, text.index("Prices"))
    assert title_problem(text, text.index("We are open")) == ""
    assert title_problem(text, text.index("A shirt")) == ""
    entry = "### --show-leak-kinds=<set> [default: definite,possible]\n\nWhich leaks to show."
    assert title_problem(entry, entry.index("definite")) == ""
    # the sentence a yes/no question names is never a heading, however many words it shares
    asked = "Are the opening hours the same on Sundays?"
    assert named_sentence(asked, text, text.index("We are closed")) is None


def test_the_sentence_that_states_what_a_yes_no_question_asks() -> None:
    rules = (
        "Building work\nNoisy renovation work, such as drilling, is allowed from 10 am to 1 pm on "
        "Saturdays. It is not allowed on Sundays. Each flat may keep two bicycles there."
    )
    span = stated_sentence("Can I drill on a Saturday?", rules)
    assert span is not None and rules[slice(*span)].startswith("Noisy renovation work")
    # all but one word, when no retrieved text uses the one it lacks (a paraphrase)
    ci = "Windows failures are reported but do not block a merge."
    span = stated_sentence("Do Windows build failures block a merge?", ci)
    assert span is not None
    # the missing word said elsewhere is what the question is about: not stated
    assert stated_sentence("Can I keep two cats?", rules, ["One cat is allowed per flat."]) is None
    # too few of its words, a tie, or a heading: not stated
    assert stated_sentence("Do cats get walked?", "Cats stay in heated chalets.") is None
    assert (
        stated_sentence("Is drilling allowed?", "Drilling is allowed. Drilling is allowed.") is None
    )
    assert stated_sentence("Are there opening hours?", "Opening hours\nWe open at 9 am.") is None


def test_a_question_on_a_line_of_its_own_is_no_quote() -> None:
    from veracity.rag.structure import question_line_problem

    faq = (
        "### What happens when I add seats in the middle of a billing period?\n\n"
        "You pay for them from the day they are added."
    )
    assert "is a question" in question_line_problem(faq, faq.index("middle"))
    assert question_line_problem(faq, faq.index("the day")) == ""
    # a question inside a paragraph may carry the answer
    prose = 'Islamists asked the question, "How can we call them other than Muslims?" Later, ...'
    assert question_line_problem(prose, prose.index("Muslims")) == ""


@pytest.mark.parametrize(
    ("quote", "trail"),
    [
        ("Northmoor Trains | Help and support > Refunds and compensation > Delay Repay", True),
        ("Home › Docs › Install", True),
        ("Refunds > Delay Repay", False),  # two names may be a heading's "A > B"
        ("Run ls > out.txt > /dev/null to keep a copy.", False),  # a sentence
        ("If a > b > c then a is the largest.", False),
    ],
)
def test_a_navigation_trail_asserts_nothing(quote: str, trail: bool) -> None:
    assert ("navigation trail" in bare_quote_problem(quote)) is trail
