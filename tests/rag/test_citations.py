"""``split_answer``: an answer's sentences with the sources each cites, and their plain text."""

from __future__ import annotations

from veracity.rag.citations import split_answer


def test_plain_text_drops_the_markers_and_the_space_before_them() -> None:
    (sentence,) = split_answer("Employees get 25 vacation days per year [1].")
    assert sentence.plain == "Employees get 25 vacation days per year."
    assert sentence.cited == (1,)
    first, second = split_answer("Paris [1] is in France [2, 3]. Rome is in Italy.")
    assert first.plain == "Paris is in France."
    assert first.cited == (1, 2, 3)
    assert (second.plain, second.cited) == ("Rome is in Italy.", ())
