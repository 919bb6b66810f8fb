"""``text.lines``: where a text's paragraphs start."""

from __future__ import annotations

from veracity.text.lines import opens_paragraph, paragraph_start


def test_paragraph_start_and_opening_lines() -> None:
    text = "Title\n\nFirst line\nsecond line\n \t\nNext paragraph."
    assert paragraph_start(text, text.index("second")) == text.index("First")
    assert paragraph_start(text, text.index("Next")) == text.index("Next")
    assert paragraph_start(text, 3) == 0
    assert opens_paragraph(text, 0)
    assert opens_paragraph(text, text.index("First"))
    assert not opens_paragraph(text, text.index("second"))
    assert opens_paragraph(text, text.index("Next"))  # after a line of spaces and a tab
