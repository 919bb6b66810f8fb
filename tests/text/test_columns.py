"""Plain-text tables in aligned columns read as Markdown tables (``text.columns``)."""

from __future__ import annotations

from veracity.text.columns import aligned_tables

SICK_PAY = """Company sick pay is paid for the number of weeks below:

  Length of continuous service       Full pay     Half pay
  ................................   ..........   ..........
  Under 6 months (probation)         nil          nil
  2 years to under 5 years           8 weeks      8 weeks

After that, only SSP is paid.
"""


def test_a_table_under_a_dotted_rule_becomes_markdown() -> None:
    got = aligned_tables(SICK_PAY)
    assert got == (
        "Company sick pay is paid for the number of weeks below:\n\n"
        "| Length of continuous service | Full pay | Half pay |\n|---|---|---|\n"
        "| Under 6 months (probation) | nil | nil |\n"
        "| 2 years to under 5 years | 8 weeks | 8 weeks |\n\n"
        "After that, only SSP is paid.\n"
    )


def test_a_wrapped_description_goes_on_from_the_row_above() -> None:
    codes = (
        "CODE  MEANING             WHAT TO DO\n"
        "----  ------------------  --------------------\n"
        "E01   Left wheel stuck    Lift robot, clear\n"
        "                          hair from the wheel.\n"
        "E02   Right wheel stuck   As E01.\n"
    )
    got = aligned_tables(codes).splitlines()
    assert got[2] == "| E01 | Left wheel stuck | Lift robot, clear hair from the wheel. |"
    assert got[3] == "| E02 | Right wheel stuck | As E01. |"


def test_what_is_no_table_is_left_alone() -> None:
    underline = "INSTALLATION\n------------\nFit the hose.\nThen the plug.\n"
    assert aligned_tables(underline) == underline
    one_row = "Mode   Suction\n-----  -------\nQuiet  1200 Pa\n"
    assert aligned_tables(one_row) == one_row  # a header and one row: too little to tell
    # text that runs across a column's start is prose laid out wide, not a table
    ragged = "Name   Value\n-----  -----\nsomething-very-long-here 1\nb      2\nc      3\n"
    assert aligned_tables(ragged) == ragged


FARES = """1. PASSENGER FARES
------------------
                           Route A             Route B
Ticket type            Single   Return     Single   Return
-----------------------------------------------------------
Adult (16-59)          £7.40    £12.90     £11.20   £19.60
Senior (60+)           £5.90    £10.30     £8.95    £15.70

Return tickets are valid for 1 month.
"""


def test_a_table_under_one_rule_across_names_its_columns_by_the_groups_above() -> None:
    got = aligned_tables(FARES).splitlines()
    # the heading and its underline stay; the line of group names goes into the header
    assert got[:2] == ["1. PASSENGER FARES", "------------------"]
    assert got[2] == (
        "| Ticket type | Route A Single | Route A Return | Route B Single | Route B Return |"
    )
    assert got[4] == "| Adult (16-59) | £7.40 | £12.90 | £11.20 | £19.60 |"
    assert got[7] == "Return tickets are valid for 1 month."


def test_a_header_two_lines_high_is_read_as_one() -> None:
    loans = (
        "  Item type          Loan      Max    Charge per\n"
        "                     period    items  day overdue\n"
        "  -----------------  --------  -----  ------------\n"
        "  Books (adult)      3 weeks   15     £0.25\n"
        "  DVDs               1 week    4      £1.00\n"
    )
    got = aligned_tables(loans).splitlines()
    assert got[0] == "| Item type | Loan period | Max items | Charge per day overdue |"
    assert got[3] == "| DVDs | 1 week | 4 | £1.00 |"


def test_one_rule_under_fewer_than_three_cells_is_a_heading() -> None:
    text = "OPENING HOURS   SUMMER\n--------------------\nMonday   9:00   17:00\nTuesday   9:00   17:00\n"
    assert aligned_tables(text) == text


def test_a_grid_with_no_rule_whose_header_leaves_the_labels_blank() -> None:
    times = (
        "8. SAILING TIMES\n"
        "----------------\n"
        "                          Mon-Fri         Saturday        Sunday\n"
        "  First from Kinlossie     06:50           07:40           09:15\n"
        "  Last from Port Varrick  21:00           20:20           19:35\n"
        "\n"
        "Route C sails on Tuesdays only.\n"
    )
    got = aligned_tables(times).splitlines()
    assert got[2] == "|  | Mon-Fri | Saturday | Sunday |"
    assert got[5] == "| Last from Port Varrick | 21:00 | 20:20 | 19:35 |"
    assert got[7] == "Route C sails on Tuesdays only."
    # a row that does not keep to the columns: no grid
    ragged = times.replace("07:40           09:15", "07:40  09:15")
    assert aligned_tables(ragged) == ragged


def test_a_label_written_once_over_its_group_of_rows_is_repeated() -> None:
    timetable = (
        "  Day        Time          Class\n"
        "  ---------  ------------  ------------\n"
        "  Monday     07:00-07:45   Spin\n"
        "             09:30-10:30   Aqua Fit\n"
        "\n"
        "  Tuesday    06:45-07:30   Spin\n"
        "\n"
        "Classes are free for members.\n"
    )
    got = aligned_tables(timetable).splitlines()
    assert got[2:5] == [
        "| Monday | 07:00-07:45 | Spin |",
        "| Monday | 09:30-10:30 | Aqua Fit |",
        "| Tuesday | 06:45-07:30 | Spin |",
    ]
    assert got[5:] == ["", "Classes are free for members."]
