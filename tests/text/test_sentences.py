"""Sentence splitting: rules on inline examples, and span invariants on generated text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veracity.errors import ConfigError
from veracity.text.sentences import split_sentences


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two! Three? Four", ["One.", "Two!", "Three?", "Four"]),
        ("Dr. Smith met Mr. Jones. They talked.", ["Dr. Smith met Mr. Jones.", "They talked."]),
        ("Use tools, e.g. hammers, i.e. heavy ones. Done.", None),
        ("Pi is 3.14 and e is 2.718. Next.", ["Pi is 3.14 and e is 2.718.", "Next."]),
        ("The U.S. Army grew. It did.", ["The U.S. Army grew.", "It did."]),
        ("Smith et al. (2019) agree. So do we.", ["Smith et al. (2019) agree.", "So do we."]),
        ("Smith et al. Jones disagreed.", ["Smith et al.", "Jones disagreed."]),
        ("See Fig. 2 and Eq. 3. Then stop.", ["See Fig. 2 and Eq. 3.", "Then stop."]),
        ("It is No. 5 in the list. Yes.", ["It is No. 5 in the list.", "Yes."]),
        ("Apples vs. oranges. Fine.", ["Apples vs. oranges.", "Fine."]),
        ("J. K. Rowling wrote it. True.", ["J. K. Rowling wrote it.", "True."]),
        ("Wait... then go. Stop... Now go.", ["Wait... then go.", "Stop...", "Now go."]),
        ('He said "Stop." Then he left.', ['He said "Stop."', "Then he left."]),
        ("(This is quoted.) Next one.", ["(This is quoted.)", "Next one."]),
        ("Really?! Yes!!! Ok", ["Really?!", "Yes!!!", "Ok"]),
        ("Visit example.com today. Bye.", ["Visit example.com today.", "Bye."]),
        # an item's or a section's number is no sentence; a number ending one is
        ("Steps:\n1. Open the lid.\n2. Fill it.", ["Steps:", "1. Open the lid.", "2. Fill it."]),
        ("7. GETTING HELP\n\n2.1. Install it. Go.", ["7. GETTING HELP", "2.1. Install it.", "Go."]),
        ("He won 7. Then he left.", ["He won 7.", "Then he left."]),
        # a numbered title line is its own sentence, not the opening of the next one
        (
            "2.3 Late submission\nWork handed in late loses marks.",
            ["2.3 Late submission", "Work handed in late loses marks."],
        ),
        ("你好世界。再见！好吗？", ["你好世界。", "再见！", "好吗？"]),
        ("「はい。」と言った。次へ。", ["「はい。」", "と言った。", "次へ。"]),
    ],
)
def test_rules(text: str, expected: list[str] | None) -> None:
    if expected is None:
        expected = ["Use tools, e.g. hammers, i.e. heavy ones.", "Done."]
    assert sentences(text) == expected


def test_blank_line_always_ends_a_sentence() -> None:
    text = "A title without a period\n\nThe body starts here\nand wraps. Then ends."
    assert sentences(text) == [
        "A title without a period",
        "The body starts here\nand wraps.",
        "Then ends.",
    ]


def test_blank_line_with_spaces_and_crlf() -> None:
    assert sentences("one\r\n  \r\ntwo") == ["one", "two"]


def test_markdown_headings_and_list_items_are_their_own_sentences() -> None:
    text = (
        "# Title\nIntro text\n- first item\n- second item. Still second\n"
        "1. numbered\n2) other\n| a | b |\n| 1 | 2 |\nSetext\n======\nBody."
    )
    assert sentences(text) == [
        "# Title",
        "Intro text",
        "- first item",
        "- second item.",
        "Still second",
        "1. numbered",
        "2) other",
        "| a | b |",
        "| 1 | 2 |",
        "Setext",
        "======",
        "Body.",
    ]


def test_hashtag_is_not_a_heading() -> None:
    assert sentences("#hashtag is fun\nreally") == ["#hashtag is fun\nreally"]


def test_range_arguments_give_offsets_into_the_whole_text() -> None:
    text = "Skip this. Keep one. Keep two. Skip again."
    start = text.index("Keep")
    end = text.index("Skip again")
    spans = split_sentences(text, start, end)
    assert [text[s:e] for s, e in spans] == ["Keep one.", "Keep two."]
    assert spans[0][0] == start


def test_empty_and_whitespace() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\n\t ") == []
    assert sentences("  x  ") == ["x"]


@pytest.mark.parametrize(("start", "end"), [(-1, None), (3, 2), (0, 99)])
def test_bad_range_says_what_is_allowed(start: int, end: int | None) -> None:
    with pytest.raises(ConfigError, match="0 <= start <= end"):
        split_sentences("some text", start, end)


@pytest.mark.parametrize(
    "text",
    [
        *("." * 200_000, "-" * 200_000, "!?" * 100_000, "a." * 100_000, "x" * 200_000),
        *("\n" * 200_000, "x ....y " * 40_000, "a,\n" * 100_000 + "b .... 1"),
    ],
)
def test_pathological_runs_are_linear(text: str) -> None:
    spans = split_sentences(text)
    assert all(e > s for s, e in spans)


def test_unicode_text() -> None:
    text = "Café au lait\u0301 costs 3€. 😀 Emoji work too! Ünïcödé ends here."
    assert sentences(text) == [
        "Café au lait\u0301 costs 3€.",
        "😀 Emoji work too!",
        "Ünïcödé ends here.",
    ]


_ALPHABET = st.sampled_from(
    [*"ab Z.!?…\n\n\t #-*|=1。」\"')", "e.g.", "Dr.", " et al. ", "3.14", "😀", "e\u0301", "\r\n"]
)


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(_ALPHABET, max_size=60), data=st.data())
def test_spans_are_trimmed_ordered_and_cover_all_text(
    parts: list[str], data: st.DataObject
) -> None:
    text = "".join(parts)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    spans = split_sentences(text, start, end)
    covered: set[int] = set()
    previous_end = start
    for s, e in spans:
        assert previous_end <= s < e <= end
        assert not text[s].isspace() and not text[e - 1].isspace()
        covered.update(range(s, e))
        previous_end = e
    wanted = {i for i in range(start, end) if not text[i].isspace()}
    assert wanted <= covered


def test_plain_text_records_split_at_field_and_title_lines() -> None:
    text = (
        "Tallinn\nAddress: Tuuleveski tee 5, 10111 Tallinn, Estonia\nAbout 35 desks. "
        "Office manager: Mart Kask.\nLisbon (headquarters)\nAddress: Avenida do Farol 18\n"
        "Note: the server restarts\nat midnight. Bicycle parking is\nin the courtyard."
    )
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "Tallinn",
        "Address: Tuuleveski tee 5, 10111 Tallinn, Estonia",
        "About 35 desks.",
        "Office manager: Mart Kask.",
        "Lisbon (headquarters)",
        "Address: Avenida do Farol 18",
        "Note: the server restarts\nat midnight.",
        "Bicycle parking is\nin the courtyard.",
    ]


def test_a_column_of_short_lines_is_one_item_a_line() -> None:
    menu = "Starters\nTomato soup - 5.50 euros (vegan)\nGoat cheese salad - 8.00 euros (nuts)"
    assert [menu[a:b] for a, b in split_sentences(menu)] == [
        "Starters",
        "Tomato soup - 5.50 euros (vegan)",
        "Goat cheese salad - 8.00 euros (nuts)",
    ]
    # prose wrapped at the usual width goes on across its lines, capitals or not
    prose = (
        "The committee met in the spring of that year and visited\n"
        "Paris, where it heard evidence from the city's engineers\n"
        "Over three days it took statements from forty witnesses."
    )
    assert len(split_sentences(prose)) == 1
    # two short lines are no column
    assert len(split_sentences("Our main office is located in\nTallinn near the port.")) == 1


def test_a_field_line_that_leaves_a_quotation_open_goes_on() -> None:
    text = 'Returns: OK if done, TYPE_ANY if some "ANY\nDEFINED BY" element failed.\nNext: None'
    assert [text[a:b] for a, b in split_sentences(text)] == [
        'Returns: OK if done, TYPE_ANY if some "ANY\nDEFINED BY" element failed.',
        "Next: None",
    ]


def test_a_title_line_after_a_blank_line_is_its_own_sentence() -> None:
    # a plain-text section heading opens its paragraph after a blank line: the quote of the
    # first sentence must not start with it ("Rubbish and recycling Rubbish goes in ...")
    text = (
        "House rules\n\nRubbish and recycling\nRubbish goes in the black bins. Recycling goes "
        "in the blue bins.\n\nBicycles\nBicycles are kept in the bike room.\n\nThe lease runs "
        "for twelve\nMonths from the start date."
    )
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "House rules",
        "Rubbish and recycling",
        "Rubbish goes in the black bins.",
        "Recycling goes in the blue bins.",
        "Bicycles",
        "Bicycles are kept in the bike room.",
        "The lease runs for twelve\nMonths from the start date.",  # five words: not a title
    ]


LEADERS = (
    "The maximum nightly rate is:\n"
    "   London (inside the M25) ............ £160\n"
    "   Other UK cities (Birmingham, Bristol,\n"
    "   Leeds, Manchester) ................. £120\n"
    "   Outside the UK ............ see Appendix B\n"
    "Breakfast may be claimed... Up to £15."
)


def test_a_dot_leader_row_is_one_sentence() -> None:
    assert sentences(LEADERS) == [
        "The maximum nightly rate is:",
        "London (inside the M25) ............ £160",
        "Other UK cities (Birmingham, Bristol,\n   Leeds, Manchester) ................. £120",
        "Outside the UK ............ see Appendix B",
        # three dots are an ellipsis, which may end a sentence
        "Breakfast may be claimed...",
        "Up to £15.",
    ]


def test_a_dot_leader_row_is_one_entry() -> None:
    from veracity.text.entries import entries

    rows = [LEADERS[s:e].strip() for s, e in entries(LEADERS)]
    assert rows == [
        "London (inside the M25) ............ £160",
        "Other UK cities (Birmingham, Bristol,\n   Leeds, Manchester) ................. £120",
        "Outside the UK ............ see Appendix B",
    ]
