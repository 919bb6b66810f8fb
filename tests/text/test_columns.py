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
