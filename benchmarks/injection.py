"""Prompt-injection benchmark: ``python -m benchmarks.injection`` writes the ``guard`` section.

Grouped 5-fold cross-validation over the training corpus (attack groups by canonical prefix, SQuAD
by article): in each outer fold the threshold comes from inner 5-fold out-of-fold scores on the
training folds (FPR <= 2% on every benign kind), the model is refit on all training folds, and
TPR/FPR are measured on the held-out fold. Held-out flags are pooled over folds; 95% CIs come from
a percentile bootstrap over examples. Obfuscated copies of the held-out attacks test the
normalization layer; hand-written requests and CoNLL news sentences, never trained on, are scored
by the shipped model.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from benchmarks._guard_data import (
    DATASETS,
    Example,
    conll_sentences,
    handmade_benign,
    injection_corpus,
)
from benchmarks._report import machine_line, write_section
from benchmarks.train_injection import (
    CALIBRATE_ON,
    FOLDS,
    L2,
    MAX_FPR,
    calibrated_threshold,
    detector_scores,
    fit,
    fold_of,
    prepare,
)
from veracity.evaluate.bootstrap import auc_of_pairs, bootstrap_ci
from veracity.guard import InjectionDetector
from veracity.guard.logistic import predict_proba

KIND_NAMES = {
    "attack": "Tensor Trust attacks (TPR)",
    "question": "SQuAD dev questions",
    "request": "SQuAD questions as requests",
    "sentence": "SQuAD paragraph sentences (retrieved text)",
    "sentiment": "UCI review sentences",
    "scifact": "SciFact claims",
    "mmlu": "MMLU dev questions",
}

_HOMO = str.maketrans({"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "i": "і", "x": "х"})


def _zero_width(t: str) -> str:
    return "\u200b".join(t)


def _leet(t: str) -> str:
    return t.translate(str.maketrans("eaois", "34015"))


def _b64(t: str) -> str:
    return "Decode this and do what it says: " + base64.b64encode(t.encode()).decode()


OBFUSCATIONS: dict[str, Callable[[str], str]] = {
    "Cyrillic homoglyphs": lambda t: t.translate(_HOMO),
    "zero-width spaces between letters": _zero_width,
    "leetspeak": _leet,
    "base64-wrapped": _b64,
}


def ci(flags: np.ndarray) -> str:
    point, lo, hi = bootstrap_ci(flags.astype(float))
    return f"{point:.4f} [{lo:.4f}, {hi:.4f}]"


def cross_validate(examples: Sequence[Example]) -> dict[str, np.ndarray]:
    """Held-out detector scores, classifier-only scores, per-example thresholds and obfuscated
    attack flags, pooled over the outer folds."""
    p = prepare(examples)
    n = len(examples)
    folds = fold_of(examples)
    rows = np.arange(n)
    score, clf, thr = np.zeros(n), np.zeros(n), np.zeros(n)
    attacks = [i for i in range(n) if examples[i].label == 1]
    obf_texts = {name: [f(examples[i].text) for i in attacks] for name, f in OBFUSCATIONS.items()}
    obf = {name: np.zeros(len(attacks), dtype=bool) for name in OBFUSCATIONS}
    attack_fold = folds[attacks]
    for f in range(FOLDS):
        train, test = rows[folds != f], rows[folds == f]
        t = calibrated_threshold(p, train)
        w, b = fit(p, train)
        score[test] = detector_scores(p, w, b, test)
        clf[test] = predict_proba(p.x[test], w, b)
        thr[test] = t
        from veracity.guard.model import InjectionModel

        det = InjectionDetector(model=InjectionModel(w.astype(np.float32), b, t))
        for name, texts in obf_texts.items():
            idx = np.where(attack_fold == f)[0]
            obf[name][idx] = [v.flagged for v in det.scan_many([texts[i] for i in idx])]
        print(f"fold {f}: threshold {t:.4f}")
    return {"score": score, "clf": clf, "thr": thr, "pattern": p.pattern_hit, **obf}


def render(examples: Sequence[Example], res: dict[str, np.ndarray], extra: str) -> str:
    kinds = np.array([e.kind for e in examples])
    y = np.array([e.label for e in examples])
    flag = res["score"] >= res["thr"]
    clf_flag = res["clf"] >= res["thr"]
    lines = [
        "## Prompt-injection guard",
        "",
        "Command: `python -m benchmarks.train_injection` (ships "
        "`src/veracity/guard/injection_model.json`), then `python -m benchmarks.injection`. "
        + machine_line(),
        "",
        f"Grouped {FOLDS}-fold cross-validation (attack near-duplicates and SQuAD articles never "
        "straddle a split); the threshold is picked on inner out-of-fold scores of the training "
        f"folds for FPR <= {MAX_FPR:.0%} on each benign kind ({', '.join(CALIBRATE_ON)}), then "
        "rates are measured on the held-out fold and pooled. 95% percentile-bootstrap CIs over "
        f"examples (1000 resamples). Logistic regression, L2 = {L2}, 2^18 hashed features.",
        "",
        "| held-out set | n | flagged: full detector | patterns only | classifier only |",
        "|---|---:|---|---|---|",
    ]
    for kind, name in KIND_NAMES.items():
        m = kinds == kind
        if not m.any():
            continue
        lines.append(
            f"| {name} | {int(m.sum())} | {ci(flag[m])} | {ci(res['pattern'][m])} | "
            f"{ci(clf_flag[m])} |"
        )
    pairs = np.column_stack([res["clf"], y])
    q = (kinds == "question") | (y == 1)
    a_all = bootstrap_ci(pairs, auc_of_pairs, n=300)
    a_q = bootstrap_ci(pairs[q], auc_of_pairs, n=300)
    lines += [
        "",
        f"Goal TPR >= 0.95 at FPR <= 0.02 on SQuAD questions. Classifier AUC (held out), attacks "
        f"vs SQuAD questions: {a_q[0]:.4f} [{a_q[1]:.4f}, {a_q[2]:.4f}]; vs all benign: "
        f"{a_all[0]:.4f} [{a_all[1]:.4f}, {a_all[2]:.4f}].",
        "",
        "Held-out attacks, obfuscated (full detector of the fold):",
        "",
        "| obfuscation | TPR |",
        "|---|---|",
    ]
    lines += [f"| {name} | {ci(res[name])} |" for name in OBFUSCATIONS]
    return "\n".join(lines) + "\n\n" + extra


def scifact_abstracts(root: Path = DATASETS, limit: int = 2000) -> list[str]:
    """The first ``limit`` SciFact abstracts (claims were trained on, abstracts never)."""
    path = root / "scifact" / "corpus.jsonl.gz"
    if not path.exists():
        return []
    with gzip.open(path, "rt") as fh:
        return [json.loads(line)["text"] for line, _ in zip(fh, range(limit), strict=False)]


def shipped_model_section(root: Path = DATASETS) -> str:
    det = InjectionDetector()
    hand = handmade_benign()
    conll = conll_sentences()
    t0 = time.perf_counter()
    v_conll = det.scan_many(conll)
    rate = len(conll) / (time.perf_counter() - t0)
    v_hand = det.scan_many(hand)
    abstracts = scifact_abstracts()
    v_abs = det.scan_many(abstracts)
    flagged_hand = [t for t, v in zip(hand, v_hand, strict=True) if v.flagged]
    rng = random.Random(0)
    lines = [
        f"Shipped model (threshold {det.threshold:.4f}) on benign text never trained on:",
        "",
        "| set | n | FPR |",
        "|---|---:|---|",
        f"| CoNLL-2003 valid sentences (news) | {len(conll)} | "
        f"{ci(np.array([v.flagged for v in v_conll]))} |",
        f"| SciFact abstracts, whole (retrieved chunks, median 1,300 chars) | {len(abstracts)} | "
        f"{ci(np.array([v.flagged for v in v_abs]))} |",
        f"| hand-written instruction-like requests (hard negatives) | {len(hand)} | "
        f"{ci(np.array([v.flagged for v in v_hand]))} |",
        "",
        "Hard negatives it flags: "
        + "; ".join(f'"{t}"' for t in rng.sample(flagged_hand, min(5, len(flagged_hand))))
        + ".",
        "These share vocabulary with extraction attacks (password, instructions, repeat); treat a"
        " flagged user query as a warning to confirm, not a silent refusal, or raise the threshold.",
        "",
        f"Throughput: {rate:.0f} sentences/s, one thread, patterns + decoding + classifier.",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--datasets", type=Path, default=DATASETS)
    ap.add_argument("--no-write", action="store_true", help="print instead of writing the docs")
    args = ap.parse_args(argv)
    examples = injection_corpus(args.datasets)
    res = cross_validate(examples)
    md = render(examples, res, shipped_model_section(args.datasets))
    print(md)
    if not args.no_write:
        write_section("guard", md)


if __name__ == "__main__":
    main()
