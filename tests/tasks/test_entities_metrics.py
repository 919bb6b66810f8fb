"""IOB2 chunking (conlleval/seqeval reading) and entity-level P/R/F1, against hand counts."""

from __future__ import annotations

import numpy as np
import pytest

from veracity.errors import EvaluationError
from veracity.evaluate.bootstrap import bootstrap_ci
from veracity.evaluate.ner_metrics import entity_counts, f1_of_counts, prf_from_counts
from veracity.tasks.entities.iob import iob_chunks


@pytest.mark.parametrize(
    ("tags", "chunks"),
    [
        (["O", "B-PER", "I-PER", "O"], [("PER", 1, 3)]),
        (["B-PER", "B-PER"], [("PER", 0, 1), ("PER", 1, 2)]),
        (["I-ORG", "I-ORG", "O"], [("ORG", 0, 2)]),  # I- after O starts a chunk
        (["B-LOC", "I-ORG", "I-ORG"], [("LOC", 0, 1), ("ORG", 1, 3)]),  # type change
        (["B-MISC", "I-MISC"], [("MISC", 0, 2)]),  # chunk running to the end
        (["O", "X", "O"], []),
        ([], []),
    ],
)
def test_iob_chunks(tags: list[str], chunks: list[tuple[str, int, int]]) -> None:
    assert iob_chunks(tags) == chunks


def test_entity_counts_by_hand() -> None:
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O", "B-MISC"]]
    pred = [["B-PER", "O", "O", "B-LOC"], ["B-ORG", "O", "B-PER"]]
    counts = entity_counts(gold, pred, ["PER", "ORG", "LOC", "MISC"])
    # PER: predicted "B-PER" (0,1) and (2,3) in s2; gold (0,2) -> 0 correct, 2 predicted, 1 gold
    assert counts.tolist() == [[0, 2, 1], [1, 1, 1], [1, 1, 1], [0, 0, 1], [2, 4, 4]]
    overall = prf_from_counts(*counts[-1])
    assert (overall.precision, overall.recall, overall.f1) == (0.5, 0.5, 0.5)
    assert f1_of_counts(counts[:-1]) == pytest.approx(overall.f1)


def test_zero_denominators_score_zero_and_mismatches_raise() -> None:
    assert prf_from_counts(0, 0, 3).f1 == 0.0
    with pytest.raises(EvaluationError, match="predicted"):
        entity_counts([["O"]], [], ["PER"])
    with pytest.raises(EvaluationError, match="tag every token"):
        entity_counts([["O", "O"]], [["O"]], ["PER"])


def test_bootstrap_over_units_brackets_the_corpus_f1() -> None:
    rng = np.random.default_rng(0)
    rows = np.stack([rng.integers(0, 5, 200), rng.integers(5, 8, 200), rng.integers(5, 8, 200)], 1)
    point, lo, hi = bootstrap_ci(rows, f1_of_counts, n=200)
    assert lo < point < hi
    assert point == pytest.approx(2 * rows[:, 0].sum() / (rows[:, 1].sum() + rows[:, 2].sum()))
