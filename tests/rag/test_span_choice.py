"""The candidate span tried first: the reader's order, nudged toward the sentence that holds
the question's words."""

from __future__ import annotations

from veracity.rag.reader.base import Reading
from veracity.rag.span_choice import by_sentence

TEXT = "The EEC treaty was signed in 1957. The ECSC agreement was established in 1951."


def _reading(p_best: float, p_alt: float) -> Reading:
    at_1957, at_1951 = TEXT.index("1957"), TEXT.index("1951")
    alt = Reading(0, at_1951, at_1951 + 4, "1951", p_alt, 1.0)
    return Reading(0, at_1957, at_1957 + 4, "1957", p_best, 2.0, (alt,))


def test_a_close_candidate_in_the_sentence_the_question_names_goes_first() -> None:
    chosen = by_sentence("What year was the ECSC agreement established?", TEXT, _reading(0.8, 0.7))
    assert chosen.text == "1951"
    # the probabilities stay with the ranks: the passage's answerability is unchanged
    assert chosen.probability == 0.8 and chosen.score == 2.0
    assert [a.text for a in chosen.alternatives] == ["1957"]
    assert chosen.alternatives[0].probability == 0.7


def test_a_far_weaker_candidate_does_not() -> None:
    kept = _reading(0.9, 0.1)
    assert by_sentence("What year was the ECSC agreement established?", TEXT, kept) is kept


def test_no_alternatives_or_no_terms_leave_the_reading_as_it_is() -> None:
    alone = Reading(0, 0, 3, "The", 0.9, 1.0)
    assert by_sentence("What year was the ECSC agreement established?", TEXT, alone) is alone
    close = _reading(0.8, 0.7)
    assert by_sentence("What is it?", TEXT, close) is close
