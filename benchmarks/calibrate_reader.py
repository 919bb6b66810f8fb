"""Choose the reader's answer threshold where the engine uses it: on retrieved passages, dev articles.

Run: ``python -m benchmarks.calibrate_reader [--n 400] [--write]``.

Training calibrates answerability on single passages (a question with its own paragraph or a
near miss). The engine asks the reader about the top 4 retrieved passages and answers from the
most probable one, so an unanswerable question gets four chances to look answerable; the
threshold that balances errors on one passage is too low for the best of four. This script
replays the engine's retrieval, rerank, reading and question check on the *dev* articles (never
the held-out test articles), with the same kinds of answerable and edited unanswerable questions
as ``benchmarks.reader_answers``, and picks the threshold on the best passage's probability that
maximizes balanced accuracy (mean of answered-when-answerable and declined-when-unanswerable).
``--write`` stores it in ``reader_adapter.json`` as ``calibration.threshold`` (the per-passage one
is kept as ``calibration.passage_threshold``). ``--threshold T`` reports and stores ``T`` instead:
balanced accuracy weighs a wrong answer and a needless decline alike, and on documents unlike
SQuAD the optimum it picks can answer wrongly much more often (see ``docs/benchmarks.md``).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VERACITY_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks.reader_answers import EDIT_KINDS, SQUAD, open_collection  # noqa: E402
from veracity.rag.answer_extractive import find_answers  # noqa: E402
from veracity.rag.reader.export import ADAPTER_PATH  # noqa: E402
from veracity.train.reader_data import (  # noqa: E402
    Example,
    answerable_examples,
    entity_pool,
    load_articles,
    modifier_pool,
    negative,
    split_articles,
)
from veracity.train.reader_styles import restyle  # noqa: E402


class _AllReadings:
    """The collection's reader with threshold 0: every reading comes back, ranked."""

    def __init__(self, reader: object) -> None:
        self.inner = reader
        self.threshold = 0.0

    def read(self, question: str, passages: list[str]) -> list[object]:
        return self.inner.read(question, passages)  # type: ignore[attr-defined, no-any-return]


def dev_questions(
    n: int, seed: int, style_share: float = 0.0, qualifiers: bool = False
) -> list[Example]:
    """``n`` answerable and ``n`` edited unanswerable dev questions; ``style_share`` of them
    restyled as users type them (the training styles, ``train.reader_styles``); with
    ``qualifiers``, qualifier edits among the unanswerable ones (for an adapter trained on them)."""
    train, dev, _ = split_articles(load_articles(SQUAD))
    rng = random.Random(seed)
    pos = [ex for a in dev for ex in answerable_examples(a)]
    pool, modifiers = entity_pool(train), modifier_pool(train)
    negs = [
        neg
        for a in dev
        for ex in answerable_examples(a)
        for kind in (*EDIT_KINDS, *(("qualifier",) if qualifiers else ()))
        if (neg := negative(ex, kind, a, pool, rng, modifiers)) is not None
    ]
    picked = rng.sample(pos, min(n, len(pos))) + rng.sample(negs, min(n, len(negs)))
    if style_share <= 0:
        return picked
    titles = {p.context: a.title for a in dev for p in a.paragraphs}
    style_rng = random.Random(f"styles:{seed}")
    return [
        dataclasses.replace(ex, question=restyle(ex.question, titles[ex.context], style_rng))
        if style_rng.random() < style_share
        else ex
        for ex in picked
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--style-share", type=float, default=0.0,
        help="share of dev questions restyled as users type them (as in training)",
    )  # fmt: skip
    parser.add_argument(
        "--qualifiers", action="store_true",
        help="also qualifier edits among the unanswerable questions (reader_data.insert_qualifier)",
    )  # fmt: skip
    parser.add_argument(
        "--threshold", type=float, default=None,
        help="report (and with --write store) this engine threshold instead of the one that "
        "maximizes balanced accuracy: a stricter one when wrong answers cost more than declines",
    )  # fmt: skip
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    col, _ = open_collection()
    engine = col.answer_engine(cache=False)
    reader = _AllReadings(col.reader())
    assert engine.reranker is not None
    best, labels = [], []
    for ex in dev_questions(args.n, args.seed, args.style_share, args.qualifiers):
        hits = engine.reranker.rerank(ex.question, engine.retriever.retrieve(ex.question, 30), 30)
        ok = hits and hits[0].score >= engine.options.relevance_floor
        found = find_answers(reader, ex.question, hits, engine.options.sources).found if ok else ()
        best.append(max((f.reading.probability for f in found), default=0.0))
        labels.append(float(ex.answerable))
    p, y = np.array(best), np.array(labels)
    rows = []
    for t in np.unique(np.round(p, 3)):
        said = p >= t
        rows.append((float((said[y == 1].mean() + (~said[y == 0]).mean()) / 2), float(t),
                     float(said[y == 1].mean()), float((~said[y == 0]).mean())))  # fmt: skip
    ba, t, answered, declined = max(rows)
    print(f"balanced-accuracy optimum {t:.3f}: answered {answered:.3f}, declined {declined:.3f}")
    for at in np.arange(0.40, 0.851, 0.05):
        print(f"  at {at:.2f}: answered {(p[y == 1] >= at).mean():.3f}, "
              f"declined {(p[y == 0] < at).mean():.3f}")  # fmt: skip
    if args.threshold is not None:
        t = args.threshold
        answered, declined = float((p[y == 1] >= t).mean()), float((p[y == 0] < t).mean())
        ba = (answered + declined) / 2
    old = col.reader().threshold
    print(f"dev questions: {int(y.sum())} answerable, {int((1 - y).sum())} unanswerable")
    print(f"per-passage threshold {old:.3f}: answered {(p[y == 1] >= old).mean():.3f}, "
          f"declined {(p[y == 0] < old).mean():.3f}")  # fmt: skip
    print(f"engine threshold {t:.3f}: answered {answered:.3f}, declined {declined:.3f}, "
          f"balanced accuracy {ba:.3f}")  # fmt: skip
    if args.write:
        meta_path = ADAPTER_PATH.with_suffix(".json")
        meta = json.loads(meta_path.read_text())
        cal = meta["calibration"]
        cal.setdefault("passage_threshold", cal["threshold"])
        cal["threshold"] = round(t, 4)
        meta["engine_calibration"] = {
            "command": f"python -m benchmarks.calibrate_reader --n {args.n} "
            f"--style-share {args.style_share}"
            + (f" --threshold {args.threshold}" if args.threshold is not None else "")
            + " --write",
            "dev_answered": round(answered, 4), "dev_declined": round(declined, 4),
            "questions": len(y),
        }  # fmt: skip
        meta_path.write_text(json.dumps(meta, indent=1) + "\n")
        print(f"wrote {meta_path}")


if __name__ == "__main__":
    main()
