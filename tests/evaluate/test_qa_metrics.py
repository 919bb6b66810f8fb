"""Exact match and F1 against the official SQuAD normalization, hand-computed."""

from __future__ import annotations

import pytest

from veracity.evaluate.qa_metrics import (
    exact_match,
    f1,
    normalize_answer,
    qa_scores,
    strip_citations,
)


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        ("The Denver Broncos!", "denver broncos"),
        ("  an   apple, a pear ", "apple pear"),
        ("Theory of the case", "theory of case"),  # "the" only as a whole word
        ("U.S.A.", "usa"),
        ("", ""),
    ],
)
def test_normalize_answer_matches_the_official_script(raw: str, norm: str) -> None:
    assert normalize_answer(raw) == norm


def test_exact_match_ignores_case_articles_and_punctuation() -> None:
    assert exact_match("the Denver Broncos.", "Denver Broncos") == 1.0
    assert exact_match("Denver", "Denver Broncos") == 0.0


def test_f1_by_hand() -> None:
    # pred tokens: denver broncos won; gold: denver broncos -> P = 2/3, R = 1, F1 = 0.8
    assert f1("The Denver Broncos won", "Denver Broncos") == pytest.approx(0.8)
    # repeated tokens count as a bag: pred "a a b" -> "b" after articles; gold "b c": P=1, R=1/2
    assert f1("a a b", "b c") == pytest.approx(2 / 3)
    assert f1("nothing in common", "Denver") == 0.0
    assert f1("", "Denver") == 0.0


def test_best_over_gold_answers_and_citation_markers_removed() -> None:
    em, score = qa_scores("Denver Broncos [1].", ["Broncos", "Denver Broncos"])
    assert em == 1.0 and score == 1.0
    assert strip_citations("It was 1889 [1, 2]. Yes [3]") == "It was 1889. Yes"
    assert qa_scores("anything", []) == (0.0, 0.0)
