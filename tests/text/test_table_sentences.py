"""Markdown tables written as sentences naming their columns (``text.table_sentences``)."""

from __future__ import annotations

from veracity.text.table_sentences import table_sentences

HALL = (
    "Hire rates per hour:\n\n"
    "| Space | Off-peak | Peak |\n"
    "|---|:---:|---|\n"
    "| Studio | £22.00 | £28.00 |\n"
    "| **Main hall** |  | £62.00 |\n"
    "\nVAT is included.\n"
)


def test_each_row_is_a_sentence_naming_its_columns() -> None:
    got = table_sentences(HALL).text
    assert got == (
        "Hire rates per hour:\n\n"
        "Space: Studio; Off-peak: £22.00; Peak: £28.00.\n"
        "Space: **Main hall**; Peak: £62.00.\n"
        "\nVAT is included.\n"
    )


def test_every_copied_character_maps_back_to_the_original() -> None:
    rewritten = table_sentences(HALL)
    at = rewritten.text.index("£28.00")
    start, end = rewritten.original_span(at, at + len("£28.00")) or (0, 0)
    assert HALL[start:end] == "£28.00"
    assert HALL.index("| £28.00 |") + 2 == start  # the peak cell itself, not the off-peak one
    prose = rewritten.text.index("VAT")
    assert rewritten.original_span(prose, prose + 3) == (HALL.index("VAT"), HALL.index("VAT") + 3)


def test_a_span_over_added_words_keeps_only_the_copied_ends() -> None:
    rewritten = table_sentences(HALL)
    at = rewritten.text.index("Peak: £62.00")
    # the column's name alone is that name in the header row
    assert rewritten.original_span(at, at + 4) == (HALL.index("Peak |"), HALL.index("Peak |") + 4)
    assert rewritten.original_span(at + 4, at + 6) is None  # ": " is the rewrite's own
    start, end = rewritten.original_span(at, at + len("Peak: £62.00")) or (0, 0)
    assert HALL[start:end] == "£62.00"


def test_text_without_a_table_is_unchanged() -> None:
    text = "Opening hours: 9 to 5.\nA | in prose is no table.\n"
    rewritten = table_sentences(text)
    assert rewritten.text == text
    assert rewritten.source == tuple(range(len(text)))


def test_rows_without_a_header_are_still_one_sentence_each() -> None:
    text = "| Car over 5 m | £52.50 | £84.00 |\n| Motorbike | £12.00 | £20.00 |"
    got = table_sentences(text).text
    assert got == "Car over 5 m; £52.50; £84.00.\nMotorbike; £12.00; £20.00.\n"


PRICES = """EXTRAS

  Towel hire ......................... 2.00 per stay
  Padlock (to keep) .................. 4.00

ROOM TYPE               SUN-THU       FRI-SAT
8-bed dorm ............  22.00 .......  29.50
Private double ........  76.00 .......  95.00
"""


def test_dot_leader_rows_are_sentences_and_a_grid_names_its_columns() -> None:
    rewritten = table_sentences(PRICES)
    assert "  Towel hire: 2.00 per stay.\n  Padlock (to keep): 4.00.\n" in rewritten.text
    assert "ROOM TYPE: 8-bed dorm; SUN-THU: 22.00; FRI-SAT: 29.50.\n" in rewritten.text
    assert "ROOM TYPE               SUN-THU" in rewritten.text  # the header line stays
    at = rewritten.text.index("29.50")
    start, end = rewritten.original_span(at, at + 5) or (0, 0)
    assert PRICES[start:end] == "29.50" and PRICES.index("29.50") == start
    named = rewritten.text.index("FRI-SAT: 95.00")
    assert rewritten.original_span(named, named + 7) == (
        PRICES.index("FRI-SAT"),
        PRICES.index("FRI-SAT") + 7,
    )


def test_an_ellipsis_is_no_leader() -> None:
    text = "Wait... then press OK.\n"
    assert table_sentences(text).text == text
