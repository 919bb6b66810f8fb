"""Markdown tables: the row a span is in, the cell it keeps, the Default column."""

from __future__ import annotations

from veracity.rag.tables import (
    cells_problem,
    column_cell,
    named_cell,
    outside_row_problem,
    row_cell,
    row_problem,
    table_above,
)
from veracity.text.entries import entries

SPECS = """## Technical specifications

| Parameter | Value |
|---|---|
| Rated voltage | 230 V |
| Maximum water pressure | 0.8 MPa |
| Minimum water pressure | 0.1 MPa |
| Maximum temperature | 75 °C |
| Weight (empty) | 14.5 kg |
"""


def test_table_rows_are_entries() -> None:
    got = [SPECS[s:e] for s, e in entries(SPECS)]
    assert "| Weight (empty) | 14.5 kg |" in got
    assert "| Rated voltage | 230 V |" in got


def test_row_problem_wants_the_row_the_question_names() -> None:
    at = SPECS.index("0.1 MPa")
    assert "lacks 'temperature'" in row_problem("What is the minimum temperature?", SPECS, at)
    assert row_problem("What is the minimum water pressure?", SPECS, at) == ""
    assert row_problem("What is the lowest pressure allowed?", SPECS, at) == ""
    # words that name no row do not count ("heater"), and prose is not judged
    assert row_problem("How heavy is the heater?", SPECS, SPECS.index("14.5")) == ""
    # a word the table's context uses names its subject, not a row
    asked, at = "What is the rated voltage of the water heater?", SPECS.index("230 V")
    assert "lacks 'water'" in row_problem(asked, SPECS, at)
    assert row_problem(asked, SPECS, at, ["AquaHeat 30 Water Heater"]) == ""
    prose = "The heater weighs 14.5 kg. Its maximum temperature is 75 °C."
    assert row_problem("What is the minimum temperature?", prose, prose.index("75")) == ""


def test_the_header_row_is_no_row_to_answer_from() -> None:
    terms = (
        "| Term | Starts | Half-term break (no lessons) |\n|---|---|---|\n"
        "| Autumn | 8 Sep | 27 Oct - 31 Oct |\n"
    )
    asked = "What dates is the half term break in autumn?"
    assert "header row" in row_problem(asked, terms, terms.index("Half"))
    assert row_problem(asked, terms, terms.index("27 Oct")) == ""
    # with no rule under it, the first row is a row like the others
    plain = "| Autumn | 8 Sep | 27 Oct - 31 Oct |\n| Spring | 5 Jan | 16 Feb - 20 Feb |\n"
    assert row_problem("When does autumn start?", plain, plain.index("8 Sep")) == ""


def test_a_word_of_the_header_names_a_column_not_a_row() -> None:
    tariffs = (
        "| Tariff | Type | Unit rate | Standing charge |\n|---|---|---|---|\n"
        "| Fix 24 | Fixed for 24 months | 22.95p/kWh | 55.40p/day |\n"
        "| Night Charge | Variable, two-rate | 27.10p/kWh | 54.60p/day |\n"
    )
    asked = "What is the unit rate on Fix 24?"
    assert row_problem(asked, tariffs, tariffs.index("22.95")) == ""
    assert "names ('Fix 24')" in row_problem(asked, tariffs, tariffs.index("27.10"))
    # the first header cell names what the rows are: "room" still names the "Oak Room" row
    rooms = (
        "| Room | Full day |\n|---|---|\n| Saplings (under 2) | £72.00 |\n| Oak Room | £60.00 |\n"
    )
    got = row_problem("How many places are in the room?", rooms, rooms.index("£72"))
    assert "lacks 'room'" in got


def test_a_value_in_the_second_cell_names_no_row() -> None:
    hours = (
        "| Day | Hours | Last hire out |\n|---|---|---|\n| Saturday | 08:00 - 13:00 | 12:30 |\n"
        "| Sunday | Closed | - |\n"
    )
    asked = "What time does the shop close on Saturdays?"
    assert row_problem(asked, hours, hours.index("08:00")) == ""


def test_a_row_is_named_by_its_label_not_by_its_description() -> None:
    plans = (
        "| Plan | Monthly | Annual | Includes |\n|---|---|---|---|\n"
        "| Glow | £29.99 | £299 | Everything in Shine, plus hot wax |\n"
        "| Ceramic Max | £39.99 | £399 | Everything in Glow, plus ceramic sealant |\n"
    )
    asked = "How much is the Glow plan per month?"
    assert row_problem(asked, plans, plans.index("£29.99")) == ""
    assert "lacks 'Glow'" in row_problem(asked, plans, plans.index("£39.99"))


def test_a_labelled_number_names_its_row() -> None:
    prices = (
        "| Level | Ages | Members | Non-members |\n|---|---|---|---|\n"
        "| Stages 1–3 | 4 – 7 years | £7.50 | £9.40 |\n"
        "| Stages 4–7 | 7 – 15 years | £8.90 | £11.20 |\n"
    )
    asked = "Member price per lesson for Stages 4-7?"
    got = row_problem(asked, prices, prices.index("£9.40"))
    assert got.endswith("is not the one the question names ('Stages 4')")
    assert row_problem(asked, prices, prices.index("£8.90")) == ""


def test_a_second_cell_of_words_names_the_row_too() -> None:
    services = (
        "| Engine size | Fuel | Interim service |\n|---|---|---|\n"
        "| Up to 1.4 litres | Diesel | £139 |\n| Any size | Petrol hybrid | £159 |\n"
    )
    asked = "interim service price for a diesel hybrid"
    assert "lacks 'diesel'" in row_problem(asked, services, services.index("£159"))
    # a second cell with digits is a value, not a name ("| Class 4 | £54.85 |")
    mot = "| Vehicle | Class | Price |\n|---|---|---|\n| Cars | Class 4 | £54.85 |\n| Vans | Class 7 | £58 |\n"
    assert row_problem("MOT price for cars?", mot, mot.index("£54.85")) == ""


def test_named_cell_finds_the_row_of_a_labelled_number_in_a_range() -> None:
    fees = (
        "| Age group | First year | Later years |\n|---|---|---|\n"
        "| Minis (Under-8s) | £60 | £75 |\n| Under-10s to Under-16s | £95 | £120 |\n"
    )
    asked = "How much is the membership fee for an Under-14 in their first year?"
    start, end = named_cell(asked, fees) or (0, 0)
    assert fees[start:end] == "£95"


def test_row_cell_keeps_the_value_of_a_span_across_cells() -> None:
    text = "| Option | Default |\n|---|---|\n| `max_connections` | `1024` |\n"
    start = text.index("max_connections")
    end = text.index("1024") + 4
    a, b = row_cell(text, start, end) or (0, 0)
    assert text[a:b] == "1024"
    assert row_cell(text, text.index("1024"), end) is None  # within one cell
    prose = "Pick a | b, then 1024."
    assert row_cell(prose, 5, len(prose) - 1) is None  # not a table row


def test_the_column_a_question_names_gives_the_value() -> None:
    text = (
        "| Option | **Default** | Description |\n|---|---|---|\n"
        "| `port` | `5672` | TCP port the broker listens on. |\n"
        "| `tls` | `false` | Serve TLS. |\n"
    )
    at = text.index("TCP")
    a, b = column_cell("What is the default port?", text, at, at + 3) or (0, 0)
    assert text[a:b] == "5672"
    serve = text.index("Serve")
    a, b = column_cell("Is TLS on by default?", text, serve, serve + 5) or (0, 0)
    assert text[a:b] == "false"
    five = text.index("5672")
    assert column_cell("What is the default port?", text, five, five + 4) is None  # there
    assert column_cell("What port is used?", text, at, at + 3) is None  # asks no default
    # a span that runs on from the default into the description is cut back to the default
    run_on = text.index("5672` | TCP")
    a, b = column_cell("What port is used by default?", text, run_on, run_on + 11) or (0, 0)
    assert text[a:b] == "5672"
    # any column the question names by its header, when it names one
    fares = (
        "| Ticket | Single | Day return |\n|---|---|---|\n"
        "| Motorcycle (solo) | £16.50 | £26.00 |\n| Car | £38.00 | £61.00 |\n"
    )
    day = fares.index("£26.00")
    a, b = column_cell("ferry fare for a motorbike, single?", fares, day, day + 6) or (0, 0)
    assert fares[a:b] == "£16.50"
    assert column_cell("ferry fare for a motorbike?", fares, day, day + 6) is None  # none named
    assert column_cell("a single or a day return?", fares, day, day + 6) is None  # two named


def test_a_row_named_only_in_its_brackets_is_narrower_than_the_row_named_by_its_head() -> None:
    seats = (
        "| Seating area | Evening | Matinee |\n|---|---|---|\n"
        "| Upper Circle | £22.00 | £19.50 |\n"
        "| Restricted View (Upper Circle side) | £14.00 | £12.50 |\n"
    )
    asked = "upper circle matinee ticket price"
    assert "is narrower than the question" in row_problem(asked, seats, seats.index("£12.50"))
    assert row_problem(asked, seats, seats.index("£19.50")) == ""
    assert row_problem("restricted view matinee price", seats, seats.index("£12.50")) == ""


def test_a_row_with_what_the_question_leaves_out_is_not_its_row() -> None:
    fares = (
        "| Ticket | Single |\n|---|---|\n"
        "| Motorcycle (solo) | £16.50 |\n| Motorcycle with sidecar | £21.00 |\n"
    )
    asked = "ferry fare for a motorbike without a sidecar, single?"
    got = row_problem(asked, fares, fares.index("£21.00"))
    assert "has what the question leaves out ('sidecar')" in got
    assert row_problem(asked, fares, fares.index("£16.50")) == ""
    assert row_problem("fare for a motorbike with a sidecar?", fares, fares.index("£21.00")) == ""


PRICES = (
    "# Oakfield Kennels\n\n## Prices\n\n| stay | price per night |\n|---|---|\n"
    "| Dog (small, under 10 kg) | £22 |\n| Cat | £14 |\n\n"
    "Stays of 14 nights or more get a 10% discount."
)


def test_a_span_outside_the_table_does_not_answer_for_a_row_it_names() -> None:
    below = PRICES.index("Stays")
    got = outside_row_problem("How much is a night for a cat?", PRICES, below)
    assert got == "the question names the row 'Cat' of a table, and the answer is not in it"
    # the row's own cell is judged by row_problem, not here
    assert outside_row_problem("How much is a night for a cat?", PRICES, PRICES.index("£14")) == ""
    # a question that names no row ("night" is used below the table: the subject, not a row)
    assert outside_row_problem("What discount do long stays get?", PRICES, below) == ""
    # the header row names columns, not rows
    assert outside_row_problem("What is the price per stay?", PRICES, below) == ""
    # no table at all
    assert outside_row_problem("How much is a cat?", "A cat costs £14.", 0) == ""


PLANS = (
    "## Plans\n\n| plan | monthly price | users | invoices per month |\n|---|---|---|---|\n"
    "| Starter | £9 | 1 | 20 |\n| Premium | £45 | 10 | unlimited |\n\n"
    "Paying annually saves two months."
)


def test_named_cell_is_the_cell_of_the_row_and_column_the_question_names() -> None:
    s, e = named_cell("How many users does the Premium plan allow?", PLANS) or (0, 0)
    assert PLANS[s:e] == "10"
    s, e = named_cell("How many invoices can I send on Starter?", PLANS) or (0, 0)
    assert PLANS[s:e] == "20"
    # "month" names two columns, "plan" only the first (it labels the rows), no row is named
    assert named_cell("How much is the Premium plan per month?", PLANS) is None
    assert named_cell("Which plan has the most users?", PLANS) is None
    assert named_cell("How many users can I add?", PLANS) is None


def test_a_table_header_row_is_no_entry() -> None:
    # the header names columns: it must not win an entry comparison ("users", "plan")
    header = PLANS.index("| plan")
    assert all(not (a <= header < b) for a, b in entries(PLANS))
    assert any(PLANS[a:b].startswith("| Premium") for a, b in entries(PLANS))


FARES_DOC = (
    "## Fares\n\n| Ticket | Single | Day return |\n|---|---|---|\n| Bicycle | £2.00 | £2.00 |\n"
    "| Car up to 5 m | £38.00 | £61.00 |\n| Car over 5 m, or car with trailer | £52.50 | £84.00 |\n"
    "\nThe Islander Ten book of car tickets costs £310.\n"
)


def test_table_above_is_the_tables_rows_before_a_passage_that_starts_inside_it() -> None:
    start = FARES_DOC.index("| Car up")
    assert table_above(FARES_DOC, start) == (
        "| Ticket | Single | Day return |\n|---|---|---|\n| Bicycle | £2.00 | £2.00 |\n"
    )
    assert table_above(FARES_DOC, FARES_DOC.index("| Ticket")) == ""  # the table's first row
    assert table_above(FARES_DOC, FARES_DOC.index("The Islander")) == ""  # no table row


def test_named_cell_takes_the_row_that_holds_the_most_of_the_question() -> None:
    text = FARES_DOC
    asked = "What does a day return cost for a car towing a trailer?"
    a, b = named_cell(asked, text) or (0, 0)  # "car" names two rows, "trailer" one of them
    assert text[a:b] == "£84.00"
    assert named_cell("What does a day return cost for a car?", text) is None  # a tie


def test_a_passage_that_starts_inside_a_table_is_read_with_its_header() -> None:
    from collections.abc import Sequence

    from veracity.rag.answer_extractive import find_answers
    from veracity.rag.reader.base import Reading
    from veracity.records import Chunk, Hit

    start = FARES_DOC.index("| Car up")
    passage = FARES_DOC[start:]

    class Islander:
        threshold = 0.5

        def read(self, question: str, passages: Sequence[str]) -> list[Reading]:
            at = passages[0].index("£310")
            return [Reading(0, at, at + 4, "£310", 0.9, 1.0)]

    hit = Hit(Chunk("c2", "d1", 1, passage, start, len(FARES_DOC)), 0.9, "fares.md")
    asked = "What does a day return cost for a car towing a trailer?"
    # without its document, the rows name no column: the span outside the table is refused
    assert not find_answers(Islander(), asked, [hit], 4).found
    found = find_answers(Islander(), asked, [hit], 4, documents={"d1": FARES_DOC}.get).found
    assert found and found[0].reading.text == "£84.00"
    chunk, reading = found[0].hit.chunk, found[0].reading
    # the passage now opens at the table's header, and its offsets still point into the document
    assert chunk.text.startswith("| Ticket") and chunk.start == FARES_DOC.index("| Ticket")
    assert FARES_DOC[chunk.start + reading.start : chunk.start + reading.end] == "£84.00"


def test_a_span_in_a_separator_row_is_in_no_row() -> None:
    # a reading may start in the "|---|" line under the header: no row of the table holds it,
    # and the check says nothing rather than failing
    text = "| Ticket | Price |\n|---|---|\n| Adult | £12 |"
    assert row_problem("How much is an adult ticket?", text, text.index("---")) == ""


def test_a_header_row_may_leave_its_first_cell_empty() -> None:
    times = (
        "| | Friday | Saturday | Sunday |\n|---|---|---|---|\n"
        "| Campsite gates | 09:00 to 22:00 | 09:00 to 20:00 | 09:00 to 18:00 |\n"
        "| Arena | 14:00 to 01:00 | 11:00 to 01:00 | 11:00 to 23:30 |\n"
    )
    a, b = named_cell("What time does the arena close on the Sunday?", times) or (0, 0)
    assert times[a:b] == "11:00 to 23:30"


def test_the_cell_a_question_names_comes_before_a_span_the_reader_chose() -> None:
    from collections.abc import Sequence

    from veracity.rag.answer_extractive import find_answers
    from veracity.rag.reader.base import Reading
    from veracity.records import Chunk, Hit

    tickets = "Weekend Camping: £189.50; arena Friday to Sunday, camping closes at 12:00 Monday."
    times = "| | Saturday | Sunday |\n|---|---|---|\n| Arena | 11:00 to 01:00 | 11:00 to 23:30 |\n"

    class Unsure:
        threshold = 0.5

        def read(self, question: str, passages: Sequence[str]) -> list[Reading]:
            first = passages[0].index("12:00")  # the reader likes the ticket line better
            second = passages[1].index("Saturday")
            return [Reading(0, first, first + 5, "12:00", 0.95, 2.0),
                    Reading(1, second, second + 8, "Saturday", 0.85, 1.0)]  # fmt: skip

    hits = [Hit(Chunk("c1", "d1", 0, tickets, 0, len(tickets)), 0.3, "faq.md"),
            Hit(Chunk("c2", "d1", 1, times, 0, len(times)), 0.7, "faq.md")]  # fmt: skip
    found = find_answers(Unsure(), "What time does the arena close on Sunday?", hits, 4).found
    assert [f.reading.text for f in found] == ["11:00 to 23:30", "12:00"]
    assert found[0].cell and not found[1].cell


def test_an_ordinal_names_a_numbered_row_and_the_subject_names_no_column() -> None:
    rent = (
        "Rent is paid in three instalments.\n\n"
        "| Instalment | Due date | Share of total rent |\n|---|---|---|\n"
        "| 1 | 1 October 2025 | 40% |\n| 2 | 12 January 2026 | 30% |\n| 3 | 20 April 2026 | 30% |\n"
    )
    # "rent" is what the table is about (the text around it says so), not its third column
    a, b = named_cell("When is the second rent instalment due?", rent) or (0, 0)
    assert rent[a:b] == "12 January 2026"
    assert named_cell("When is a rent instalment due?", rent) is None  # no row named


def test_several_cells_of_a_row_are_no_answer() -> None:
    assert cells_problem("€53 | €67 | €79 | €89") == (
        "'€53 | €67 | €79 | €89' is several cells of a table row, not one value"
    )
    assert cells_problem("€53") == ""
    assert cells_problem("ps aux | grep sshd | wc -l") == ""  # a pipeline
    # the columns of a plain-text grid, apart by runs of spaces
    assert "several cells" in cells_problem("07:45           08:35           10:05")
    assert cells_problem("10:00 to 18:00") == ""
    assert cells_problem("Level 2   (ground floor)") == ""  # one of them holds no digit


def test_a_number_names_one_of_several_alike_columns() -> None:
    from veracity.rag.tables import named_cell

    table = (
        "| Package | Who | 1 day | 2 days | 3 days | 4 days |\n|---|---|---|---|---|---|\n"
        "| Standard board (adult) | All | €38 | €72 | €103 | €130 |\n"
        "| Premium board (adult) | Good | €45 | €85 | €120 | €168 |\n"
    )
    cell = named_cell("premium board package 4 days adult", table)
    assert cell is not None and table[slice(*cell)] == "€168"
    assert named_cell("premium board 7 days adult", table) is None  # no such column


def test_a_row_narrower_than_the_question_is_not_its_row() -> None:
    text = (
        "Bus tickets.\n\n| Ticket | Zone A | Zone AB |\n|---|---|---|\n"
        "| Weekly pass | £18.00 | £24.00 |\n| Family weekly pass (2 adults) | £30.00 | £41.00 |\n"
    )
    family = text.index("£41.00")
    problem = row_problem("How much is a Zone AB weekly pass?", text, family)
    assert "narrower than the question: it names 'Family'" in problem
    assert row_problem("How much is the Zone AB weekly pass?", text, text.index("£24.00")) == ""
    # asked for the family pass, the family row answers; its brackets name nothing
    assert row_problem("family weekly pass zone AB", text, family) == ""
    assert row_problem("weekly pass for 2 adults, zone AB", text, family) != ""


def test_a_question_asking_which_of_the_rows_kind_is_answered_by_the_rows_label() -> None:
    codes = (
        "| Exit code | Meaning |\n|---|---|\n| 3 | Some files were skipped |\n"
        "| 4 | The output folder is not writable |\n"
    )
    meaning = codes.index("The output folder")
    got = column_cell("Which exit code means the output folder can't be written?", codes,
                      meaning, meaning + 20)  # fmt: skip
    assert got is not None and codes[got[0] : got[1]] == "4"
    # asked what the code means, the meaning stays the answer
    assert column_cell("What does exit code 4 mean?", codes, meaning, meaning + 20) is None
    assert column_cell("What is exit code 4?", codes, meaning, meaning + 20) is None
    renamed = "| Old option | New option |\n|---|---|\n| `rss_limit` | `feeds.limit` |\n"
    new = renamed.index("feeds.limit")
    assert column_cell("What option replaces rss_limit?", renamed, new, new + 11) is None
    replaced = "| Old option | Replacement |\n|---|---|\n| `rss_limit` | `feeds.limit` |\n"
    new = replaced.index("feeds.limit")
    assert column_cell("What option replaces rss_limit?", replaced, new, new + 11) is None
    asked = "what option replaces it?"
    assert column_cell(asked, replaced, new, new + 11, message="I have rss_limit. " + asked) is None


def test_rows_that_share_a_label_are_told_apart_by_their_other_cells() -> None:
    timetable = (
        "| Day | Time | Class | Room |\n|---|---|---|---|\n"
        "| Friday | 07:00-07:45 | Spin | Studio 2 |\n"
        "| Friday | 17:30-18:15 | Zumba | Studio 1 |\n"
        "| Saturday | 08:30-09:15 | Zumba | Studio 2 |\n"
    )
    got = named_cell("friday zumba time", timetable)
    assert got is not None and timetable[slice(*got)] == "17:30-18:15"
    assert named_cell("friday time", timetable) is None  # two Friday rows, nothing between them


def test_a_row_for_a_group_the_asker_says_they_are_not_in_is_refused() -> None:
    delivery = (
        "| Who | Distance | Charge |\n|---|---|---|\n"
        "| Housebound patients | Up to 10 miles | Free |\n"
        "| All other patients | Up to 10 miles | £4.50 |\n"
    )
    asked = "I'm not housebound and live 7 miles away. How much is a home delivery?"
    assert "leaves out ('housebound')" in row_problem(asked, delivery, delivery.index("Free"))
    assert row_problem(asked, delivery, delivery.index("£4.50")) == ""
