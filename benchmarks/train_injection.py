"""Train the shipped prompt-injection classifier: ``python -m benchmarks.train_injection``.

Data: unique Tensor Trust attacks (label 1) against SQuAD v1.1 dev questions, SQuAD paragraph
sentences (retrieved text must not be flagged) and a few hand-written benign requests (label 0).
The threshold is chosen on out-of-fold scores (grouped 5-fold) so that the whole detector
(patterns + classifier) keeps FPR <= 2% on questions and on sentences separately. Deterministic:
the same data gives the same file.
"""

from __future__ import annotations

import argparse
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse

from benchmarks._guard_data import DATASETS, Example, injection_corpus
from veracity.guard.features import DEFAULT_DIM, featurize
from veracity.guard.injection import PATTERN_SCORE, _read
from veracity.guard.logistic import fit_logistic, predict_proba
from veracity.guard.model import MODEL_PATH, InjectionModel

L2 = 2.0
MAX_FPR = 0.02
FOLDS = 5
CALIBRATE_ON = ("question", "request", "sentence", "sentiment", "scifact", "mmlu")


@dataclass
class Prepared:
    """Features of every model reading of every example, computed once."""

    examples: list[Example]
    x: scipy.sparse.csr_matrix  # (n, dim): the plain-text reading, used for fitting
    x_all: scipy.sparse.csr_matrix  # (m, dim): every reading (plain + decoded payloads)
    owner: np.ndarray  # (m,) example index of each reading
    pattern_hit: np.ndarray  # (n,) bool

    @property
    def y(self) -> np.ndarray:
        return np.array([e.label for e in self.examples])

    def kinds(self) -> np.ndarray:
        return np.array([e.kind for e in self.examples])


def prepare(examples: Sequence[Example], dim: int = DEFAULT_DIM) -> Prepared:
    readings = [_read(e.text) for e in examples]
    texts: list[str] = []
    owner: list[int] = []
    first_row: list[int] = []
    for i, r in enumerate(readings):
        first_row.append(len(texts))
        texts += list(r.texts_for_model)
        owner += [i] * len(r.texts_for_model)
    x_all = featurize(texts, dim, already_canonical=True)
    return Prepared(
        list(examples),
        x_all[first_row],
        x_all,
        np.array(owner),
        np.array([bool(r.patterns) for r in readings]),
    )


def fold_of(examples: Sequence[Example], k: int = FOLDS, salt: str = "") -> np.ndarray:
    """Deterministic grouped fold ids: every example of a group lands in the same fold. A
    different ``salt`` gives an independent assignment (inner folds inside an outer split)."""
    return np.array([zlib.crc32((salt + e.group).encode()) % k for e in examples])


def fit(p: Prepared, rows: np.ndarray, l2: float = L2) -> tuple[np.ndarray, float]:
    return fit_logistic(p.x[rows], p.y[rows], l2=l2)


def detector_scores(p: Prepared, w: np.ndarray, b: float, rows: np.ndarray) -> np.ndarray:
    """The detector's score for examples ``rows``: max classifier probability over readings,
    raised to ``PATTERN_SCORE`` where a pattern fired (as ``InjectionDetector`` does)."""
    mask = np.isin(p.owner, rows)
    probs = predict_proba(p.x_all[mask], w, b)
    best = np.zeros(len(p.examples))
    np.maximum.at(best, p.owner[mask], probs)
    out = best[rows]
    scores: np.ndarray = np.where(p.pattern_hit[rows], np.maximum(out, PATTERN_SCORE), out)
    return scores


def threshold_for_fpr(neg_scores: np.ndarray, max_fpr: float = MAX_FPR) -> float:
    """The smallest threshold with ``mean(neg_scores >= t) <= max_fpr``."""
    s = np.sort(np.asarray(neg_scores))[::-1]
    k = int(np.floor(max_fpr * len(s)))
    if k >= len(s):
        return 0.0
    return float(np.nextafter(s[k], np.inf))


def calibrated_threshold(p: Prepared, rows: np.ndarray, k: int = FOLDS, l2: float = L2) -> float:
    """Threshold from out-of-fold scores over ``rows`` (grouped ``k``-fold)."""
    sub = [p.examples[i] for i in rows]
    folds = fold_of(sub, k, salt="inner:")
    oof = np.zeros(len(rows))
    for f in range(k):
        w, b = fit(p, rows[folds != f], l2)
        oof[folds == f] = detector_scores(p, w, b, rows[folds == f])
    kinds = p.kinds()[rows]
    labels = p.y[rows]
    return max(threshold_for_fpr(oof[(labels == 0) & (kinds == kind)]) for kind in CALIBRATE_ON)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--datasets", type=Path, default=DATASETS)
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    examples = injection_corpus(args.datasets)
    p = prepare(examples)
    rows = np.arange(len(examples))
    threshold = calibrated_threshold(p, rows)
    w, b = fit(p, rows)
    counts = {
        str(k): int(v) for k, v in zip(*np.unique(p.kinds(), return_counts=True), strict=True)
    }
    meta = {
        "trained_on": counts,
        "l2": L2,
        "max_fpr": MAX_FPR,
        "features": "hashed words, word bigrams, char 3-5-grams of canonical text",
        "script": "python -m benchmarks.train_injection",
    }
    InjectionModel(w.astype(np.float32), b, threshold, (3, 5), meta).save(args.out)
    size = args.out.stat().st_size / 1e6
    print(
        f"wrote {args.out} ({size:.2f} MB), threshold {threshold:.4f}, {counts}, "
        f"{time.perf_counter() - t0:.0f}s"
    )


if __name__ == "__main__":
    main()
