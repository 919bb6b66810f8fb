"""``peers``: a span whose sentence is about another member of the kind the question asks about
(a named model, a numbered version, a modified noun) is refused."""

from __future__ import annotations

from veracity.rag.numbered import numbered_problem
from veracity.rag.peers import (
    identifier_problem,
    modifier_problem,
    namesake_problem,
    owner_problem,
    peer_kind_problem,
    restricted_problem,
    swapped_problem,
)
from veracity.rag.topics import topic_problem


def test_namesake_problem_another_thing_of_the_asked_kind() -> None:
    text = (
        "Q: How heavy is the City model? A: The City model weighs 23 kg with the battery. "
        "The Sport model weighs 19 kg."
    )
    asked = "How heavy is the Sport model?"
    assert "about the City model, the question about the Sport model" in namesake_problem(
        asked, text, text.index("23 kg")
    )
    assert namesake_problem(asked, text, text.index("19 kg")) == ""
    # a question for a name of the kind, a possessive, and another spelling are not refused
    told = "The Yuan dynasty was founded by the Mongols. Chinese dynasties ..."
    assert namesake_problem("What Chinese dynasty did the Mongols found?", told, 4) == ""
    ijssel = "The Rhine splits. The IJssel branch flows north."
    assert namesake_problem("Where does the Ijssel branch flow?", ijssel, 22) == ""


def test_namesake_problem_without_the() -> None:
    text = (
        "Standard support answers tickets within 8 business hours. Business support answers "
        "urgent tickets within 1 hour, at any time of day."
    )
    asked = "How quickly does Standard support answer urgent tickets?"
    got = namesake_problem(asked, text, text.index("1 hour"))
    assert got == (
        "the sentence is about the Business support, the question about the Standard support"
    )
    # without "the", the passage must say "Standard support" itself: a capitalized word before
    # a noun is often no name of a kind
    other = "Standard plans include email. Business support answers urgent tickets in 1 hour."
    assert namesake_problem(asked, other, other.index("1 hour")) == ""
    # a question that asks which one of the kind asks for a peer
    spec = "An Important field exists. The Protected field would replace the Important field."
    which = "Which control field is the Protected field meant to replace?"
    assert namesake_problem(which, spec, 3) == ""


def test_topic_problem_the_paragraph_is_about_another_member() -> None:
    text = (
        "The Lisbon office opens at 9:00 on weekdays. Parking costs 5 euros per day.\n\n"
        "The Tallinn office is closed on Sundays. Parking there is free."
    )
    fee = text.index("5 euros")
    for asked in (
        "What is the parking fee in Tallinn?",
        "How much is parking at the Tallinn office?",
    ):
        assert topic_problem(asked, text, fee) == (
            "the paragraph is about the Lisbon office, the question about Tallinn"
        )
    assert topic_problem("How much is parking at the Lisbon office?", text, fee) == ""
    assert topic_problem("How much is parking?", text, fee) == ""  # names no member
    assert topic_problem("Is parking free in Tallinn?", text, text.index("free")) == ""
    # in one paragraph too, and a sentence that points back is read with the one it follows
    one = text.replace("\n\n", " ")
    assert topic_problem("How much is parking in Tallinn?", one, one.index("5 euros")) != ""
    told = "The Lisbon office opens at 9. The Tallinn office opens at 10. It offers parking."
    assert topic_problem("Does the Tallinn office offer parking?", told, told.index("It")) == ""


def test_topic_problem_names_listed_together_are_peers() -> None:
    text = (
        "Board meeting, 14 May 2026\n\nPresent: Anna Berg (chair), Tom Reyes, Priya Shah.\n\n"
        "The board approved the budget. Tom Reyes will present the supplier shortlist in June."
    )
    june = text.index("June")
    assert topic_problem("When will Priya Shah present the shortlist?", text, june) == (
        "the paragraph is about Tom Reyes, the question about Priya Shah"
    )
    assert topic_problem("When will Tom Reyes present the shortlist?", text, june) == ""
    # "the Victoria and Albert Museum" is no list of names
    museum = "The Victoria and Albert Museum, London. The V&A is in Kensington."
    at = museum.index("Kensington")
    assert topic_problem("Where is the Victoria and Albert Museum?", museum, at) == ""


def test_topic_problem_a_section_headed_by_another_member() -> None:
    plans = (
        "Plans\n\nLite\nMonthly price: £8\n\nEveryday\nMonthly price: £14\n\n"
        "Family Add-On (requires an Everyday or Max plan)\nMonthly price: £6 per SIM\n"
    )
    six = plans.index("£6")
    assert topic_problem("How much a month is the Everyday plan?", plans, six) == (
        "the section is about Family Add-On, the question about Everyday"
    )
    assert topic_problem("How much is the Everyday plan?", plans, plans.index("£14")) == ""
    # a title over the whole text heads no sibling section
    news = "Valgrind NEWS\n\nRelease 3.18.0\n\n* Support for FreeBSD has been added.\n"
    assert topic_problem("Which Valgrind release added FreeBSD?", news, news.index("Support")) == ""


def test_topic_problem_spares_asked_kinds_possessives_and_mentions_inside_a_sentence() -> None:
    teams = "The Chivas USA team was suspended. The MLS team list shrank."
    assert topic_problem("Which team was suspended from the MLS?", teams, 4) == ""
    forest = (
        "The Amazon rainforest is vast. It is larger than the Ecuadorian rainforest. "
        "Its biodiversity is the highest on Earth."
    )
    at = forest.index("highest")
    assert topic_problem("How does the Amazon rank for biodiversity?", forest, at) == ""


def test_numbered_problem_another_member_of_the_series() -> None:
    text = (
        "The current version is v3. Version v2 will be switched off on 30 June 2027. "
        "Send the header Orbit-Version to pin a version."
    )
    at = text.index("30 June")
    assert "about Version v2, the question about v3" in numbered_problem(
        "When will v3 be switched off?", text, at
    )
    assert numbered_problem("When will v2 be switched off?", text, at) == ""
    assert numbered_problem("When will version 2 be switched off?", text, at) == ""
    assert numbered_problem("When will the old version be switched off?", text, at) == ""
    # a sentence that points back reads the one before it
    back = "The R5 ships with two antennas. It replaced the R4 in 2023."
    assert numbered_problem("When did the R5 come out?", back, back.index("2023")) == ""
    assert "about R4, the question about R6" in numbered_problem(
        "When did the R6 come out?", back, back.index("2023")
    )


RETURNS = (
    "You can return most items within 30 days of delivery. Sale items can be returned within 14 "
    "days. Faulty items can be returned within 12 months."
)


def test_numbered_problem_reads_back_to_the_member_its_paragraph_is_about() -> None:
    text = (
        "Day 2 (4 June): Guided walking tour, meeting at 10:00. Dinner at Casa Guedes at 20:30.\n\n"
        "Day 3 (5 June): Day trip by train at 09:15."
    )
    dinner = text.index("20:30")
    assert numbered_problem("What time is dinner on day 3?", text, dinner) == (
        "the sentence is about Day 2, the question about day 3"
    )
    assert numbered_problem("What time is dinner on day 2?", text, dinner) == ""


def test_numbered_problem_lettered_members() -> None:
    starts = "- Wave A (blue numbers): 09:10\n- Wave B (green numbers): 09:25\n"
    assert numbered_problem("what time does wave B go", starts, starts.index("09:10")) == (
        "the sentence is about Wave A, the question about wave B"
    )
    assert numbered_problem("what time does wave B go", starts, starts.index("09:25")) == ""
    # a lowercase letter after the word is no member: "type a command"
    assert numbered_problem("Where do I type a command?", "Type B here.", 0) == ""


def test_numbered_problem_a_capitalized_name_and_a_code() -> None:
    rooms = "Bedroom 6: Second floor, rear; 6.10; 0; Not to be used for sleeping."
    assert numbered_problem("floor area of bedroom 4", rooms, rooms.index("6.10")) == (
        "the sentence is about Bedroom 6, the question about bedroom 4"
    )
    assert numbered_problem("floor area of bedroom 6", rooms, rooms.index("6.10")) == ""
    flue = "Example: a Thermaline 30C with a 60/100 flue may have 8 m of straight flue."
    assert "about Thermaline 30C" in numbered_problem(
        "Thermaline 25C vertical flue maximum length", flue, flue.index("8 m")
    )
    # a quantity, a range or a lower-case word in the document names no member
    ages = "Children 5 to 15 pay £3.10. Under 5s travel free."
    assert numbered_problem("How much for children 7?", ages, ages.index("£3.10")) == ""
    assert numbered_problem("Is it free for under 3s?", ages, ages.index("free")) == ""
    plain = "Each bedroom 6 m wide is let as a single."
    assert numbered_problem("bedroom 4 rent", plain, plain.index("single")) == ""


def test_modifier_problem_another_kind_of_the_noun() -> None:
    at = RETURNS.index("14 days")
    got = modifier_problem("How long can faulty items be returned?", RETURNS, at)
    assert "about 'sale items', the question about 'faulty items'" in got
    assert modifier_problem("How long can sale items be returned?", RETURNS, at) == ""
    # no sentence of the passage is about faulty items: nothing tells the kinds apart
    alone = RETURNS[: RETURNS.index(" Faulty")]
    assert modifier_problem("How long can faulty items be returned?", alone, at) == ""
    # a noun the question does not modify is not judged
    assert modifier_problem("How long can items be returned?", RETURNS, at) == ""


def test_modifier_problem_needs_the_sentences_to_be_parallel() -> None:
    # the span's sentence lacks another of the question's words too: not a sibling sentence
    text = "Sale items ship in 2 days. Faulty items can be returned within 12 months."
    assert modifier_problem("How long can faulty items be returned?", text, 0) == ""


def test_restricted_problem_a_narrower_kind_than_asked() -> None:
    at = RETURNS.index("14 days")
    got = restricted_problem("How long do I have to return an item?", RETURNS, at)
    assert "about 'sale items', not items in general" in got
    # the general sentence answers; so does the narrow one when the question names its kind
    assert restricted_problem("How long do I have to return an item?", RETURNS, 40) == ""
    assert restricted_problem("How long can sale items be returned?", RETURNS, at) == ""
    excess = "The standard excess is £100 for each claim. For flood claims the excess is £500."
    at = excess.index("£500")
    assert "'flood claims'" in restricted_problem(
        "What is the excess for theft claims?", excess, at
    )
    assert restricted_problem("What is the excess for flood claims?", excess, at) == ""
    # a number between the words: no modifier ("Each pack holds 24 tablets")
    pack = "Keep the tablets below 25°C in the original pack. Each pack holds 24 tablets."
    assert restricted_problem("How many tablets are in a pack?", pack, pack.index("24")) == ""
    # no sentence says it of the noun in general: nothing is narrower
    only = (
        "Sale items can be returned within 14 days. Faulty items can be returned within 12 months."
    )
    assert restricted_problem("How long do I have to return an item?", only, 30) == ""


def test_restricted_problem_needs_a_parallel_general_sentence() -> None:
    # the general sentence lacks a word of the narrow one ("returned"): not the same statement
    text = "Items ship in two days. Sale items can be returned within 14 days."
    assert restricted_problem("How long do items ship?", text, text.index("14")) == ""


LENDING = (
    "Borrowing\nAdults can borrow up to 15 items at a time. Children can borrow up to 10 items. "
    "Books are lent for three weeks."
)


def test_swapped_problem_another_subject_in_a_parallel_sentence() -> None:
    at = LENDING.index("10 items")
    got = swapped_problem("How many items can an adult borrow?", LENDING, at)
    assert got == "the sentence is about 'children', the question about 'adult'"
    assert swapped_problem("How many items can an adult borrow?", LENDING, 30) == ""
    assert swapped_problem("How many items can children borrow?", LENDING, at) == ""
    # "Adults" opens a line after a heading: a sentence opener, not a name (a name is no word
    # of the sentence, and the sentences would not be parallel)
    glued = LENDING.replace("\n", " ")
    assert swapped_problem("How many items can an adult borrow?", glued, glued.index("10")) == ""


def test_swapped_problem_needs_parallel_sentences() -> None:
    # the other sentence holds the question's words but says much else: not a sibling
    text = (
        "Adults who hold a full membership card issued this year can borrow up to 15 items. "
        "Children can borrow up to 10 items."
    )
    assert swapped_problem("How many items can an adult borrow?", text, text.index("10")) == ""


def test_modifier_problem_the_word_after_swapped() -> None:
    usage = (
        "Run tidyfs scan PATH to list duplicates. Run tidyfs clean PATH to move them to the trash."
    )
    got = modifier_problem("What does tidyfs scan do?", usage, usage.index("Run tidyfs clean"))
    assert "about 'tidyfs clean', the question about 'tidyfs scan'" in got
    assert (
        modifier_problem("What does tidyfs clean do?", usage, usage.index("Run tidyfs clean")) == ""
    )


OPTIONS = (
    "The --min-size option skips files smaller than the given size; the default is 1 KB. "
    "The --jobs option sets the number of worker threads; by default tidyfs uses one per core."
)


def test_identifier_problem_another_option() -> None:
    at = OPTIONS.index("1 KB")
    got = identifier_problem("What is the default value of --jobs?", OPTIONS, at)
    assert got == "the sentence is about --min-size, the question about --jobs"
    assert identifier_problem("What is the default value of --min-size?", OPTIONS, at) == ""
    # an option the passage never names elsewhere is left to the other checks
    assert identifier_problem("What is the default value of --hash?", OPTIONS, at) == ""


CACHE = (
    "Create a cache with `Cache(max_items=1000, ttl=300)`. `max_items` caps the number of "
    "entries. `ttl` is the time to live in seconds; the default is 600. Call `cache.get()` to read."
)


def test_identifier_problem_a_name_in_code() -> None:
    at = CACHE.index("600")
    assert identifier_problem("What is the default max_items?", CACHE, at) == (
        "the sentence is about ttl, the question about max_items"
    )
    assert identifier_problem("What is the default ttl?", CACHE, at) == ""
    assert identifier_problem("What is the default size?", CACHE, at) == ""  # names none
    assert "question about cache.get" in identifier_problem(
        "What does `cache.get()` return?", CACHE, at
    )


def test_identifier_problem_not_for_the_values_a_sentence_gives_back() -> None:
    text = (
        "The expand_any function expands every element of a structure.\n"
        "Returns: ASN1_SUCCESS if substitution OK, ASN1_ERROR_TYPE_ANY if some element "
        "could not be expanded."
    )
    at = text.index("ASN1_ERROR_TYPE_ANY")
    assert identifier_problem("What does expand_any return when an element is not expanded?",
                              text, at) == ""  # fmt: skip
    # a name the sentence is about, not one it returns, still counts
    other = text.replace("Returns:", "Unlike copy_node, the parser returns")
    at = other.index("ASN1_ERROR_TYPE_ANY")
    assert "question about expand_any" in identifier_problem(
        "What does expand_any return when an element is not expanded?", other, at
    )


def test_restricted_problem_a_denied_noun_is_no_kind() -> None:
    text = (
        "Garden waste is collected every two weeks from March to November. There is no garden "
        "waste collection in December, January or February."
    )
    asked = "Is garden waste collected in January?"
    assert restricted_problem(asked, text, text.index("There is")) == ""


def _span(text: str, span: str) -> tuple[int, int]:
    return text.index(span), text.index(span) + len(span)


def test_owner_problem_the_question_word_has_its_own_amount() -> None:
    text = (
        "A two-day pass costs £450. A one-day pass costs £260. Students with a valid student "
        "card pay £120 for the two days. Workshops are booked separately at £180 each."
    )
    got = owner_problem("How much is a one-day student pass?", text, *_span(text, "£260"))
    assert "gives 'student' its own price" in got
    assert "'workshop' its own price" in owner_problem(
        "How much does a workshop cost?", text, *_span(text, "£260")
    )
    # the sentence that names it answers; so does a question whose words it all has
    assert owner_problem("How much does a workshop cost?", text, *_span(text, "£180")) == ""
    assert owner_problem("How much is a one-day pass?", text, *_span(text, "£260")) == ""


def test_owner_problem_spares_topic_words_names_and_the_asked_amount() -> None:
    permits = (
        "Each household can hold up to three resident permits. The first resident permit costs "
        "£80 a year. A second permit costs £140 a year. Businesses cannot apply for resident "
        "permits."
    )
    # "resident" is the passage's topic (three sentences), not one entry's
    assert owner_problem("How much is a second resident permit?", permits,
                         *_span(permits, "£140")) == ""  # fmt: skip
    # a name is often referred to by a pronoun; a count and "how long" name no owner
    told = "Sky paid £4.2bn in 2015. It bid £1.3bn for the rest. Rivals bid £2bn for one."
    assert owner_problem("How much did Sky bid for the rest?", told, *_span(told, "£1.3bn")) == ""
    car = (
        "On a home charger a full charge takes 9 hours. Set the charge limit to 80% for daily use."
    )
    assert owner_problem("How long does a full charge take?", car, *_span(car, "80%")) == ""
    # a count, a date or a word is not judged: only prices and percentages
    assert owner_problem("How much is a student pass?", "A pass is 3 days. Students get 2.",
                         2, 12) == ""  # fmt: skip


def test_owner_problem_reads_the_label_its_line_opens_with() -> None:
    text = (
        "Theft: covered up to 20,000 euros per claim. The excess is 150 euros.\n\n"
        "Water damage: covered up to 10,000 euros per claim. The excess is 300 euros."
    )
    theft = text.index("150 euros")
    assert owner_problem("What is the excess for theft?", text, theft, theft + 9) == ""
    water = text.index("300 euros")
    assert owner_problem("What is the excess for theft?", text, water, water + 9) != ""


def test_owner_problem_reads_the_table_header_and_headings() -> None:
    table = "| pitch | per night | extra person |\n|---|---|---|\n| Tent pitch | £18 | £6 |\n"
    rest = "Dogs cost £3 per night, and an extra dog £2."
    text = table + "\n" + rest
    asked = "How much is an extra person on a tent pitch?"
    assert owner_problem(asked, text, *_span(text, "£6")) == ""


def test_peer_kind_problem_another_kind_of_the_noun() -> None:
    text = "Adult tickets cost £12 and concessions £8. Entry is free on Mondays."
    got = peer_kind_problem("How much is a family ticket?", text, *_span(text, "£12"))
    assert got == "the sentence is about 'adult tickets', the question about 'family ticket'"
    assert peer_kind_problem("How much is an adult ticket?", text, *_span(text, "£12")) == ""
    storage = "Object storage is committed to 99.9% availability."
    assert "'object storage'" in peer_kind_problem(
        "How much uptime is committed for block storage?", storage, *_span(storage, "99.9%")
    )


def test_peer_kind_problem_spares_counts_own_kinds_and_spellings() -> None:
    permits = "A second permit costs £140 a year and a third permit costs £200 a year."
    # the sentence has the question's own kind ("second permit") beside another
    assert peer_kind_problem("How much is a second resident permit?", permits,
                             *_span(permits, "£140")) == ""  # fmt: skip
    assert "'second permit'" in peer_kind_problem(
        "How much does a business permit cost?", permits, *_span(permits, "£140")
    )
    # a count is no kind; only prices and percentages are judged
    teams = "Four teams paid £5 million each."
    assert peer_kind_problem("How much did the big teams pay?", teams, *_span(teams, "£5")) == ""
    days = "Adult tickets last 3 days."
    assert peer_kind_problem("How many days does a family ticket last?", days, 19, 25) == ""


def test_names_the_passage_writes_as_code_and_the_question_plain() -> None:
    text = (
        "The prices above apply in `us-east`. In `eu-west`, storage prices are 15% higher. "
        "In `sa-east`, storage prices are 30% higher."
    )
    message = "I keep my buckets in eu-west. How much more is storage there than in us-east?"
    asked = "How much more is storage there than in us-east?"
    got = identifier_problem(asked, text, text.index("30%"), message)
    assert got == "the sentence is about sa-east, the question about eu-west"
    assert identifier_problem(asked, text, text.index("15%"), message) == ""
    # a name of another shape is no peer: "IntRange" is not what `min_open` is about
    params = "Use `IntRange` for a range. `min_open` and `max_open` exclude that boundary."
    asked = "I want an IntRange to exclude its lower boundary. Which parameter does that?"
    assert identifier_problem(asked, params, params.index("`min_open`") + 1, asked) == ""
