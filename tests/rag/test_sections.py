"""A span under a sibling of the section the question names (``rag.sections``)."""

from __future__ import annotations

from veracity.rag.sections import section_problem

PAGE = """# Tariffs

## Compare our tariffs

### Electricity

| Tariff | Unit rate |
|---|---|
| Fix 24 | 22.95p/kWh |

### Gas

| Tariff | Unit rate |
|---|---|
| Fix 24 | 5.74p/kWh |

## Fees and charges to your account when you pay late

Late payment fee: £12.
"""
GAS = ("Tariffs", "Compare our tariffs", "Gas")
GAS_TEXT = PAGE[PAGE.index("### Gas") : PAGE.index("## Fees")]
ELECTRICITY = ("Tariffs", "Compare our tariffs", "Electricity")


def test_a_question_that_names_a_sibling_section() -> None:
    asked = "What is the electricity unit rate on Fix 24?"
    got = section_problem(asked, GAS_TEXT, GAS, lambda: PAGE)
    assert got == "the answer stands under 'Gas', and the question asks about 'Electricity'"
    assert section_problem(asked, PAGE, ELECTRICITY, lambda: PAGE) == ""
    # a question that names neither section, or the span's own, is not judged
    assert section_problem("What is the unit rate on Fix 24?", GAS_TEXT, GAS, lambda: PAGE) == ""
    assert (
        section_problem("gas and electricity unit rate Fix 24", GAS_TEXT, GAS, lambda: PAGE) == ""
    )


def test_only_short_headings_at_the_same_depth_are_siblings() -> None:
    # a long heading is no name a question repeats, and a parent is no sibling
    asked = "What fees and charges apply to your account when you pay late for gas?"
    compare = ("Tariffs", "Compare our tariffs")
    assert section_problem(asked, PAGE, compare, lambda: PAGE) == ""
    assert section_problem("What is the unit rate of tariffs?", GAS_TEXT, GAS, lambda: PAGE) == ""


def test_a_passage_that_names_the_sibling_speaks_of_it() -> None:
    both = GAS_TEXT + "Electricity customers on Fix 24 pay the gas rate too.\n"
    asked = "What is the electricity unit rate on Fix 24?"
    assert section_problem(asked, both, GAS, lambda: PAGE) == ""


def test_the_document_is_read_only_when_needed() -> None:
    def unread() -> str:
        raise AssertionError("the document was read")

    assert section_problem("What is the gas unit rate?", GAS_TEXT, GAS, unread) == ""
    assert section_problem("What is the gas unit rate?", GAS_TEXT, (), unread) == ""
    assert section_problem("What is the electricity unit rate?", GAS_TEXT, GAS, None) == ""


SLA = """# Service levels

## Compensation - Home customers

| Event | Compensation |
|---|---|
| Missed engineer appointment | £31.00 |

## Service credits - Business customers

| Failure | Credit |
|---|---|
| Missed engineer appointment | £50.00 |
"""


def test_the_words_a_sibling_shares_with_the_span_s_heading_name_neither() -> None:
    business = ("Service levels", "Service credits - Business customers")
    text = SLA[SLA.index("## Service credits") :]
    asked = "compensation missed engineer appointment home broadband"
    got = section_problem(asked, text, business, lambda: SLA)
    assert "the question asks about 'Compensation - Home customers'" in got
    home = ("Service levels", "Compensation - Home customers")
    home_text = SLA[SLA.index("## Compensation") : SLA.index("## Service credits")]
    assert section_problem(asked, home_text, home, lambda: SLA) == ""
