"""Sentiment across review sources: ``python -m benchmarks.sentiment``.

Holds out by SOURCE: train on two of Amazon / Yelp / IMDb (UCI labelled sentences, Kotzias et al.
2015) and test on the third, for all three rotations, so every figure is on a kind of text the
model never saw. Side by side in one run, on the same splits:

- ours: the shipped recipe (``veracity.train.sentiment``: logistic head on all-MiniLM-L6-v2
  vectors, Platt-scaled out of fold), the same on the hash embedder, the few-shot nearest-centroid
  classifier (8 examples per label) and zero-shot label descriptions (``veracity.tasks.classify``);
- peers: scikit-learn TF-IDF (word 1-2 grams) + logistic regression trained on the same two
  sources, and VADER (Hutto & Gilbert 2014), a lexicon with no training (compound >= 0: positive).

Accuracy and macro-F1 over the 3,000 pooled held-out predictions with percentile-bootstrap 95% CIs
(1,000 resamples), per-rotation accuracy, expected calibration error of our probabilities on the
unseen source, the neutral band's share and the accuracy outside it, and CPU seconds per 1,000
texts at inference (one thread). Writes ``benchmarks/results/sentiment.json`` and the
``sentiment`` section of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VERACITY_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks._report import machine_line, write_section  # noqa: E402
from benchmarks._sentiment_data import DATA, cached_embed  # noqa: E402
from veracity.embed import get_embedder  # noqa: E402
from veracity.embed.base import Embedder  # noqa: E402
from veracity.evaluate.bootstrap import bootstrap_ci  # noqa: E402
from veracity.tasks.calibration import expected_calibration_error  # noqa: E402
from veracity.tasks.classify import Example, Label, build_classifier  # noqa: E402
from veracity.train import sentiment as recipe  # noqa: E402
from veracity.train.sentiment import SOURCES, LabelledSentence, load_uci_sentiment  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "sentiment.json"
ZERO_SHOT = (
    Label("negative", "a negative review: bad, disappointing, I did not like it"),
    Label("positive", "a positive review: good, great, I liked it"),
)
FEW_SHOT_PER_LABEL = 8
COMMAND = "python -m benchmarks.sentiment"

Predict = Callable[[list[LabelledSentence], list[LabelledSentence]], tuple[np.ndarray, np.ndarray]]


def accuracy(rows: np.ndarray) -> float:
    return float(np.mean(rows[:, 0] == rows[:, 1]))


def macro_f1(rows: np.ndarray) -> float:
    pred, gold = rows[:, 0], rows[:, 1]
    f1s = []
    for c in (0, 1):
        tp = float(np.sum((pred == c) & (gold == c)))
        denom = float(np.sum(pred == c) + np.sum(gold == c))
        f1s.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(f1s))


def head_system(embedder: Embedder) -> Predict:
    """The shipped recipe on ``embedder``: returns ``(P(positive), neutral mask)``."""

    def run(
        train: list[LabelledSentence], test: list[LabelledSentence]
    ) -> tuple[np.ndarray, np.ndarray]:
        x = cached_embed(embedder, [s.text for s in train])
        model, _ = recipe.train_sentiment_head(x, np.array([s.label for s in train]))
        p = model.p_positive(cached_embed(embedder, [s.text for s in test]))
        return p, (p >= model.low) & (p <= model.high)

    return run


def few_shot_system(embedder: Embedder, seed: int) -> Predict:
    def run(
        train: list[LabelledSentence], test: list[LabelledSentence]
    ) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(seed)
        picked: list[Example] = []
        for label in (0, 1):
            pool = [s for s in train if s.label == label]
            for i in rng.choice(len(pool), FEW_SHOT_PER_LABEL, replace=False):
                picked.append(Example(pool[i].text, ZERO_SHOT[label].name))
        model = build_classifier(ZERO_SHOT, picked, embedder=_Cached(embedder), mode="few-shot")
        p = model.probabilities([s.text for s in test])[:, 1]
        return p, np.zeros(len(p), dtype=bool)

    return run


def classify_head_system(embedder: Embedder) -> Predict:
    """``classify`` with every training sentence as an example: softmax head, temperature-scaled."""

    def run(
        train: list[LabelledSentence], test: list[LabelledSentence]
    ) -> tuple[np.ndarray, np.ndarray]:
        examples = [Example(s.text, ZERO_SHOT[s.label].name) for s in train]
        model = build_classifier(ZERO_SHOT, examples, embedder=_Cached(embedder), mode="head")
        p = model.probabilities([s.text for s in test])[:, 1]
        return p, np.zeros(len(p), dtype=bool)

    return run


def zero_shot_system(embedder: Embedder) -> Predict:
    def run(
        train: list[LabelledSentence], test: list[LabelledSentence]
    ) -> tuple[np.ndarray, np.ndarray]:
        model = build_classifier(ZERO_SHOT, embedder=_Cached(embedder), mode="zero-shot")
        p = model.probabilities([s.text for s in test])[:, 1]
        return p, np.zeros(len(p), dtype=bool)

    return run


class _Cached:
    """An embedder whose vectors come from ``cached_embed`` (same vectors, no recomputation)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim

    def embed(self, texts: Any) -> np.ndarray:
        return cached_embed(self.inner, list(texts))


def tfidf_system(
    train: list[LabelledSentence], test: list[LabelledSentence]
) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    clf = LogisticRegression(C=10.0, max_iter=2000)
    clf.fit(vec.fit_transform([s.text for s in train]), [s.label for s in train])
    p = clf.predict_proba(vec.transform([s.text for s in test]))[:, 1]
    return p, np.zeros(len(p), dtype=bool)


def vader_system(
    train: list[LabelledSentence], test: list[LabelledSentence]
) -> tuple[np.ndarray, np.ndarray]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    compound = np.array([analyzer.polarity_scores(s.text)["compound"] for s in test])
    # compound in [-1, 1]; VADER's own neutral band is |compound| < 0.05
    return (compound + 1) / 2, np.abs(compound) < 0.05


def cpu_per_1000(fn: Callable[[list[str]], object], texts: list[str], repeats: int = 3) -> float:
    """Median CPU seconds per 1,000 texts over ``repeats`` runs."""
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn(texts)
        times.append(time.process_time() - t0)
    return round(float(np.median(times)) * 1000 / len(texts), 3)


def paired_difference(ours: np.ndarray, peer: np.ndarray) -> list[float]:
    """Accuracy of ours minus the peer's on the same sentences, with a paired bootstrap CI."""
    rows = np.stack([ours, peer], axis=1).astype(np.float64)  # (n, 2) correct / not
    return [round(v, 4) for v in bootstrap_ci(rows, lambda r: float(np.mean(r[:, 0] - r[:, 1])))]


def evaluate(
    name: str, predict: Predict, data: list[LabelledSentence], calibrated: bool
) -> tuple[dict[str, Any], np.ndarray]:
    """The figures of one system, and whether it got each pooled sentence right ``(n,)``."""
    preds, golds, probs, neutral, per_source = [], [], [], [], {}
    for held in SOURCES:
        train = [s for s in data if s.source != held]
        test = [s for s in data if s.source == held]
        p, band = predict(train, test)
        y = np.array([s.label for s in test])
        per_source[held] = round(float(np.mean((p > 0.5) == (y == 1))), 4)
        preds.append((p > 0.5).astype(int))
        golds.append(y)
        probs.append(p)
        neutral.append(band)
    rows = np.stack([np.concatenate(preds), np.concatenate(golds)], axis=1)  # (3000, 2)
    p_all, band_all = np.concatenate(probs), np.concatenate(neutral)
    acc, f1 = bootstrap_ci(rows, accuracy), bootstrap_ci(rows, macro_f1)
    out: dict[str, Any] = {
        "system": name,
        "accuracy": [round(v, 4) for v in acc],
        "macro_f1": [round(v, 4) for v in f1],
        "accuracy_by_held_out_source": per_source,
    }
    if calibrated:
        out["ece"] = round(
            expected_calibration_error(np.stack([1 - p_all, p_all], 1), rows[:, 1]), 4
        )
    if band_all.any():
        out["neutral_share"] = round(float(band_all.mean()), 4)
        out["accuracy_outside_neutral"] = round(accuracy(rows[~band_all]), 4)
    print(json.dumps(out), flush=True)
    return out, rows[:, 0] == rows[:, 1]


def run(data_dir: Path, seed: int) -> dict[str, Any]:
    data = load_uci_sentiment(data_dir)
    minilm = get_embedder("minilm", threads=1)
    hashing = get_embedder("hash")
    systems: list[tuple[str, Predict, bool]] = [
        ("head on MiniLM (ours, shipped recipe)", head_system(minilm), True),
        ("head on hash features (ours)", head_system(hashing), True),
        (
            f"few-shot centroids, {FEW_SHOT_PER_LABEL} per label, MiniLM (ours)",
            few_shot_system(minilm, seed),
            True,
        ),
        ("zero-shot label descriptions, MiniLM (ours)", zero_shot_system(minilm), False),
        ("`classify` head, temperature-scaled, MiniLM (ours)", classify_head_system(minilm), True),
        ("TF-IDF 1-2 grams + logistic regression (scikit-learn)", tfidf_system, True),
        ("VADER lexicon (vaderSentiment 3.3)", vader_system, False),
    ]
    evaluated = [evaluate(name, fn, data, cal) for name, fn, cal in systems]
    rows = [r for r, _ in evaluated]
    ours = evaluated[0][1]
    diffs = {
        "TF-IDF + LR": paired_difference(ours, evaluated[-2][1]),
        "VADER": paired_difference(ours, evaluated[-1][1]),
    }
    sample = [s.text for s in data[::3]]  # 1,000 sentences from all three sources
    cpu = {
        "MiniLM embedding + head": cpu_per_1000(minilm.embed, sample),
        "hash features + head": cpu_per_1000(hashing.embed, sample),
        "VADER": cpu_per_1000(_vader_batch, sample),
    }
    return {
        "results": rows,
        "accuracy_difference_ours_minus_peer": diffs,
        "cpu_s_per_1000_texts": cpu,
        "seed": seed,
        "n": len(data),
    }


def _vader_batch(texts: list[str]) -> list[float]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    return [analyzer.polarity_scores(t)["compound"] for t in texts]


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "## Sentiment across review sources (UCI labelled sentences)",
        "",
        f"`{COMMAND}` (one thread). Train on two of Amazon / Yelp / IMDb, test on the third, all "
        "three rotations; figures pool the 3,000 held-out predictions (positive when P >= 0.5), "
        "95% CIs by percentile bootstrap over sentences (1,000 resamples). ECE: expected "
        "calibration error (10 bins) of the probabilities on the unseen source. " + machine_line(),
        "",
        "| system | accuracy (95% CI) | macro-F1 (95% CI) | held out: Amazon / Yelp / IMDb | ECE |",
        "|---|---|---|---|---|",
    ]
    for r in report["results"]:
        a, f = r["accuracy"], r["macro_f1"]
        by = r["accuracy_by_held_out_source"]
        lines.append(
            f"| {r['system']} | {a[0]:.3f} ({a[1]:.3f}-{a[2]:.3f}) | {f[0]:.3f} ({f[1]:.3f}-{f[2]:.3f}) "
            f"| {by['amazon']:.3f} / {by['yelp']:.3f} / {by['imdb']:.3f} | {r.get('ece', '-')} |"
        )
    ours = report["results"][0]
    cpu = report["cpu_s_per_1000_texts"]
    diffs = report["accuracy_difference_ours_minus_peer"]
    ratio = cpu["MiniLM embedding + head"] / max(cpu["VADER"], 1e-9)
    lines += [
        "",
        "Accuracy of the shipped recipe minus each peer's, on the same sentences (paired "
        "bootstrap 95% CI): "
        + "; ".join(f"vs {k} {d[0]:+.3f} ({d[1]:+.3f} to {d[2]:+.3f})" for k, d in diffs.items())
        + ".",
        "",
        f"Neutral band (calibrated P(positive) in [0.3, 0.7], the shipped definition): "
        f"{ours['neutral_share']:.1%} of held-out sentences fall in it; accuracy on the rest "
        f"{ours['accuracy_outside_neutral']:.3f}. The data hold no neutral sentences, so this "
        "measures how much doubt the band absorbs, not neutral recall.",
        "",
        "CPU seconds per 1,000 sentences at inference (median of 3): "
        + ", ".join(f"{k} {v}" for k, v in cpu.items())
        + f"; MiniLM costs {ratio:.0f}x VADER's CPU for its accuracy gain. No published cross-source figure for this data set is known to us.",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--seed", type=int, default=0, help="which few-shot examples are drawn")
    args = ap.parse_args()
    report = run(args.data, args.seed)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1) + "\n")
    write_section("sentiment", markdown(report))
    print(f"wrote {RESULTS} and the sentiment section of docs/benchmarks.md")


if __name__ == "__main__":
    main()
