"""Groundedness judges benchmark: ``python -m benchmarks.groundedness`` writes ``groundedness``.

Scores every judge through its public ``support`` API on the held-out (test) articles of the SQuAD
calibration set (``benchmarks/_grounding_data.py``; the combined judge was fit on the train
articles by ``python -m benchmarks.train_grounding``). Accuracy uses a threshold picked on a
sample of train cases (the best-accuracy cut) for the uncalibrated judges and
``SUPPORT_THRESHOLD`` (0.5) for the combined judge. 95% CIs: percentile bootstrap over cases.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks._grounding_data import Case, build_cases
from benchmarks._guard_data import DATASETS
from benchmarks._report import machine_line, write_section
from benchmarks.train_grounding import CachedEmbedder, minilm
from veracity.evaluate.bootstrap import auc_of_pairs, bootstrap_ci
from veracity.guard.claims import evidence_sentences
from veracity.guard.grounding import (
    SUPPORT_THRESHOLD,
    CombinedJudge,
    EmbeddingJudge,
    FactJudge,
    LexicalJudge,
    SupportJudge,
)

UNSUPPORTED = ("other_paragraph", "number", "entity", "negation")


def best_cut(scores: np.ndarray, labels: np.ndarray) -> float:
    """The threshold maximizing accuracy of ``scores >= t``."""
    cands = np.unique(scores)
    accs = [((scores >= t) == labels).mean() for t in cands]
    return float(cands[int(np.argmax(accs))])


def score(judge: SupportJudge, cases: Sequence[Case]) -> np.ndarray:
    return np.array([judge.support(c.claim, c.evidence) for c in cases])


def fmt(t: tuple[float, float, float]) -> str:
    return f"{t[0]:.3f} [{t[1]:.3f}, {t[2]:.3f}]"


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--datasets", type=Path, default=DATASETS)
    ap.add_argument("--train-sample", type=int, default=3000)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--no-embedding", action="store_true", help="skip the MiniLM judges")
    args = ap.parse_args(argv)
    cases = build_cases(args.datasets)
    test = [c for c in cases if c.split == "test"]
    train = random.Random(0).sample([c for c in cases if c.split == "train"], args.train_sample)
    judges: dict[str, tuple[SupportJudge, bool]] = {
        "lexical (unigram + bigram recall)": (LexicalJudge(), True),
        "numbers & entities & negation": (FactJudge(), True),
        "combined, no embedder (best_judge())": (CombinedJudge(), False),
    }
    if not args.no_embedding:
        emb: CachedEmbedder = minilm()
        emb.warm([c.claim for c in test + train])
        emb.warm([s for c in test + train for s in evidence_sentences(c.evidence)])
        judges["embedding (MiniLM cosine)"] = (EmbeddingJudge(emb), True)
        judges["combined + MiniLM (best_judge(minilm))"] = (CombinedJudge(emb), False)
    y = np.array([c.label for c in test])
    y_train = np.array([c.label for c in train])
    kinds = np.array([c.kind for c in test])
    rows, kind_rows = [], []
    for name, (judge, tune) in judges.items():
        t0 = time.perf_counter()
        s = score(judge, test)
        ms = 1000 * (time.perf_counter() - t0) / len(test)
        cut = best_cut(score(judge, train), y_train) if tune else SUPPORT_THRESHOLD
        auc = bootstrap_ci(np.column_stack([s, y]), auc_of_pairs, n=300)
        acc = bootstrap_ci(((s >= cut) == y).astype(float))
        rows.append(f"| {name} | {fmt(auc)} | {fmt(acc)} | {cut:.3f} | {ms:.1f} |")
        per = []
        for k in UNSUPPORTED:
            m = (y == 1) | (kinds == k)
            per.append(f"{auc_of_pairs(np.column_stack([s[m], y[m]])):.3f}")
        kind_rows.append(f"| {name} | " + " | ".join(per) + " |")
        print(rows[-1])
    counts = {k: int((kinds == k).sum()) for k in ("sentence", "qa", *UNSUPPORTED)}
    md = "\n".join(
        [
            "## Groundedness judges",
            "",
            "Commands: `python -m benchmarks.train_grounding` (ships "
            "`src/veracity/guard/grounding_model.json`), then `python -m benchmarks.groundedness`. "
            + machine_line(),
            "",
            f"Held-out SQuAD v1.1 dev articles ({len(test)} cases: {counts}). Supported: the "
            "answer sentence, and a rough question+answer claim, each against its own paragraph. "
            "Unsupported: the claim against another paragraph of the article, or either claim "
            "with a changed number, a swapped answer entity, or an inserted negation, against its "
            "own paragraph. 95% bootstrap CIs over cases. Goal AUC >= 0.90. ms/claim excludes "
            "MiniLM encoding (vectors were cached before timing).",
            "",
            "| judge | AUC | accuracy | threshold | ms/claim |",
            "|---|---|---|---:|---:|",
            *rows,
            "",
            "AUC of supported cases against each kind of unsupported case:",
            "",
            "| judge | " + " | ".join(UNSUPPORTED) + " |",
            "|---|" + "---|" * len(UNSUPPORTED),
            *kind_rows,
            "",
            "`best_judge()` returns the combined judge (with the embedding feature when given the "
            "MiniLM embedder). Caveat: supported cases here copy or closely follow their source "
            "sentence; real generated answers paraphrase more, which lowers the lexical features, "
            "and no offline NLI model was available to judge paraphrases.",
        ]
    )
    print(md)
    if not args.no_write:
        write_section("groundedness", md)


if __name__ == "__main__":
    main()
