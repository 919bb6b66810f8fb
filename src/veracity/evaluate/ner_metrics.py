"""Entity-level precision, recall and F1 (CoNLL-2003's measure, as conlleval and seqeval count it).

A predicted entity counts only when its type and its exact token span match a gold entity (Tjong
Kim Sang & De Meulder 2003). Chunks are read from IOB2 tags by
``veracity.tasks.entities.iob.iob_chunks``.

Counts are kept per unit (a sentence or a document) as an array, so a bootstrap can resample
units and recompute F1 from summed counts (``f1_of_counts``), the honest way to put an interval
on a corpus-level F1, which is not a mean of per-unit scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from veracity.errors import EvaluationError
from veracity.tasks.entities.iob import iob_chunks

__all__ = ["PRF", "entity_counts", "f1_of_counts", "prf_from_counts"]


@dataclass(frozen=True, slots=True)
class PRF:
    """Precision, recall and F1 with the counts they came from."""

    precision: float
    recall: float
    f1: float
    correct: int
    predicted: int
    gold: int


def entity_counts(
    gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], types: Sequence[str]
) -> np.ndarray:
    """``(len(types) + 1, 3)`` int array of ``(correct, predicted, gold)`` entity counts for
    each type and, in the last row, for all types together (entities of types not listed count
    only there). ``gold`` and ``predicted`` are IOB2 tag sequences, one per sentence."""
    if len(gold) != len(predicted):
        raise EvaluationError(
            f"{len(gold)} gold sentences but {len(predicted)} predicted; pass one tag sequence "
            "per sentence for both"
        )
    index = {t: i for i, t in enumerate(types)}
    counts = np.zeros((len(types) + 1, 3), dtype=np.int64)
    for n, (g_tags, p_tags) in enumerate(zip(gold, predicted, strict=True)):
        if len(g_tags) != len(p_tags):
            raise EvaluationError(
                f"sentence {n}: {len(g_tags)} gold tags but {len(p_tags)} predicted; the "
                "prediction must tag every token of the gold sentence"
            )
        g, p = set(iob_chunks(g_tags)), set(iob_chunks(p_tags))
        for column, chunks in ((0, g & p), (1, p), (2, g)):
            for kind, _, _ in chunks:
                counts[-1, column] += 1
                if kind in index:
                    counts[index[kind], column] += 1
    return counts


def prf_from_counts(correct: int, predicted: int, gold: int) -> PRF:
    """Scores from counts; a ratio with a zero denominator is 0 (seqeval's default)."""
    correct, predicted, gold = int(correct), int(predicted), int(gold)
    p = correct / predicted if predicted else 0.0
    r = correct / gold if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return PRF(p, r, f, correct, predicted, gold)


def f1_of_counts(rows: np.ndarray) -> float:
    """F1 of the summed ``(correct, predicted, gold)`` rows of an ``(n, 3)`` array, for
    ``bootstrap_ci`` over units; equals ``2 * correct / (predicted + gold)``."""
    correct, predicted, gold = np.asarray(rows).sum(axis=0)
    return float(2 * correct / (predicted + gold)) if predicted + gold else 0.0
