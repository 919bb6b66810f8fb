"""Label-free embedder adaptation on SciFact: dense nDCG@10 before vs after, with bootstrap CIs.

Run: ``python -m benchmarks.embedder_adaptation [--steps N] [--pool N] [--docs N|0] [--no-write]``.

Training sees corpus text only: ``--pool`` documents drawn uniformly at random from the whole
SciFact corpus (no query, no judgement picks them), turned into inverse-cloze pairs with BM25 and
dense hard negatives mined inside that pool (``veracity.train.embedder``). Evaluation is
document-level dense retrieval (``title + " " + text``, one vector per document, cut at the model's
256 tokens, as BEIR runs dense models) over ``--docs`` documents: every document judged for a test
query plus random others up to that number (0: the whole corpus, 5,183). The same subset serves
before and after, so the paired difference is fair; a subset with every judged document is easier
than the full corpus, so its absolute figures sit above full-corpus ones.

The 300 test queries are split at random (seed 0) into a sanity half and a report half; one
configuration was fixed before either was scored, and no choice was made on either.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VERACITY_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks._report import machine_line, write_section  # noqa: E402
from veracity.embed.base import Embedder, get_embedder  # noqa: E402
from veracity.evaluate.beir import load_beir  # noqa: E402
from veracity.evaluate.bootstrap import bootstrap_ci  # noqa: E402
from veracity.evaluate.ir_metrics import ndcg_at_k_per_query  # noqa: E402
from veracity.train.embedder import EmbedderTrainConfig, finetune_embedder  # noqa: E402

SCIFACT = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "scifact"
RESULTS = Path(__file__).resolve().parent / "results" / "embedder_adaptation.json"


def dense_run(emb: Embedder, ids: list[str], texts: list[str], queries: dict[str, str]) -> Any:
    """``{query id: [doc ids best first]}`` (top 10) and the CPU seconds spent embedding."""
    began = time.process_time()
    docs = emb.embed(texts)  # (n, dim)
    qids = sorted(queries)
    q = emb.embed([queries[i] for i in qids])  # (m, dim)
    top = np.argsort(-(q @ docs.T), axis=1)[:, :10]
    return {qid: [ids[j] for j in row] for qid, row in zip(qids, top, strict=True)}, (
        time.process_time() - began
    )


def ci_line(values: Sequence[float]) -> str:
    point, lo, hi = bootstrap_ci(np.asarray(values), n=2000, seed=0)
    return f"{point:.4f} [{lo:.4f}, {hi:.4f}]"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--pool", type=int, default=600, help="random corpus documents to train on")
    ap.add_argument("--docs", type=int, default=1000, help="evaluation corpus size (0: all)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None, help="keep the adapted model here")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument(
        "--results",
        default=str(RESULTS),
        help="results JSON to write; with "
        "--rewrite, comma-separated files: the first in full, the rest as extra rows",
    )
    ap.add_argument("--rewrite", action="store_true", help="only re-render the docs section from "
                    "the last run's results file (no training)")  # fmt: skip
    args = ap.parse_args(argv)
    if args.rewrite:
        runs = [json.loads(Path(f).read_text()) for f in args.results.split(",")]
        md = markdown(argparse.Namespace(**runs[0]["args"]), runs[0]) + other_runs(runs[1:])
        write_section("embedder-adaptation", md)
        return 0
    if not SCIFACT.is_dir():
        print(f"SciFact not found at {SCIFACT}", file=sys.stderr)
        return 2
    beir = load_beir(SCIFACT, "test")
    corpus = {d.id: f"{d.title} {d.text}".strip() for d in beir.corpus()}
    all_ids = sorted(corpus)
    rng = random.Random(args.seed)
    queries = {q: beir.queries[q] for q in sorted(beir.qrels)}
    judged = sorted({d for rels in beir.qrels.values() for d in rels if d in corpus})
    if args.docs <= 0 or args.docs >= len(all_ids):
        eval_ids = all_ids
    else:
        rest = [d for d in all_ids if d not in set(judged)]
        eval_ids = sorted(judged + rng.sample(rest, max(0, args.docs - len(judged))))
    pool_ids = rng.sample(all_ids, min(args.pool, len(all_ids)))  # no label picks these
    qids = sorted(queries)
    random.Random(0).shuffle(qids)
    halves = {"sanity": set(qids[: len(qids) // 2]), "report": set(qids[len(qids) // 2 :])}

    base = get_embedder("minilm")
    eval_texts = [corpus[d] for d in eval_ids]
    before, before_cpu = dense_run(base, eval_ids, eval_texts, queries)

    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="veracity-emb-"))
    cfg = EmbedderTrainConfig(out=out, steps=args.steps, batch_size=args.batch_size, lr=args.lr,
                              seed=args.seed, threads=1, log_every=10,
                              log=lambda m: print(m, file=sys.stderr, flush=True))  # fmt: skip
    train_began, train_wall = time.process_time(), time.perf_counter()
    report = finetune_embedder([corpus[d] for d in pool_ids], cfg, embed=base.embed)
    train_cpu, train_wall = time.process_time() - train_began, time.perf_counter() - train_wall
    tuned = get_embedder(str(out))
    after, after_cpu = dense_run(tuned, eval_ids, eval_texts, queries)

    b = ndcg_at_k_per_query(beir.qrels, before, 10)
    a = ndcg_at_k_per_query(beir.qrels, after, 10)
    rows = []
    for name, keep in (("report half", halves["report"]), ("sanity half", halves["sanity"]),
                       ("all 300", set(qids))):  # fmt: skip
        ks = sorted(keep)
        bv, av = [b[k] for k in ks], [a[k] for k in ks]
        diff = [x - y for x, y in zip(av, bv, strict=True)]
        rows.append((name, len(ks), ci_line(bv), ci_line(av), ci_line(diff)))
    result = {"args": vars(args), "eval_docs": len(eval_ids), "judged_docs": len(judged),
              "pool_docs": len(pool_ids), "rows": rows, "train_cpu_s": round(train_cpu, 1),
              "train_wall_s": round(train_wall, 1), "embed_cpu_s": [round(before_cpu, 1),
              round(after_cpu, 1)], "report": report}  # fmt: skip
    results = Path(args.results)
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(result, indent=1) + "\n")
    md = markdown(args, result)
    print(md)
    if not args.no_write:
        write_section("embedder-adaptation", md)
    return 0


def markdown(args: argparse.Namespace, r: dict[str, Any]) -> str:
    rep = r["report"]
    t = rep["train"]
    ict = rep["heldout_ict"]
    lines = [
        "## Embedder adaptation without labels: SciFact dense nDCG@10 before vs after",
        "",
        f"Command: `python -m benchmarks.embedder_adaptation --steps {args.steps} --pool "
        f"{args.pool} --docs {args.docs} --lr {args.lr} --seed {args.seed}`. {machine_line()} One thread.",
        "",
        f"Training (corpus text only): {r['pool_docs']} SciFact documents drawn at random (no "
        f"query or judgement picks them), {t['pairs']} inverse-cloze pairs (a sentence as the "
        "query, its document minus that sentence as the positive), one hard negative each mined "
        "from BM25 and base-MiniLM rankings inside the pool, MNRL loss (in-batch + hard "
        f"negatives, scale {t['scale']}), LoRA rank {rep['lora']['rank']} on "
        f"{rep['lora']['layers']} projections ({rep['lora']['trainable_parameters']:,} trainable "
        f"parameters), merged after training; {t['steps']} steps of batch {t['batch_size']}, lr "
        f"{t['lr']}, {t['max_length']} tokens per text. **Cost: {r['train_cpu_s']:.0f} CPU s "
        f"({r['train_cpu_s'] / 60:.1f} CPU min, {r['train_wall_s']:.0f} s wall), mining "
        "included.** Loss (mean per 10 steps): "
        + ", ".join(f"{loss:.3f}" for _, loss in rep["loss_curve"])
        + " (one epoch: each step sees new pairs, so the curve is noisy)"
        + f". Held-out inverse-cloze top-1 ({ict['before'].get('pairs', 0)} pairs): "
        f"{ict['before'].get('top1')} before, {ict['after'].get('top1')} after.",
        "",
        f"Evaluation: document-level dense retrieval over {r['eval_docs']} documents (all "
        f"{r['judged_docs']} judged for a test query plus random others; the same set before and "
        "after), queries split at random (seed 0) into halves; nDCG@10 with 95% bootstrap CIs "
        "(2,000 resamples of queries), the difference paired per query. The fixed configuration "
        "was chosen before any half was scored. Embedding the documents and queries took "
        f"{r['embed_cpu_s'][0]:.0f} CPU s (base) and {r['embed_cpu_s'][1]:.0f} CPU s (adapted).",
        "",
        "| queries | n | MiniLM (base) | adapted | paired difference |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [f"| {n} | {k} | {bv} | {av} | {d} |" for n, k, bv, av, d in r["rows"]]
    lines += ["", verdict(r), "", ANCHOR]
    return "\n".join(lines)


ANCHOR = (
    "Anchor: GPL (Wang et al. 2022) reports about +2 to +5 nDCG@10 points on BEIR sets from "
    "label-free adaptation, with 140k training steps of batch 32 on a GPU per dataset, orders of "
    "magnitude more compute than this CPU budget. The issue's goal (full-corpus, chunk-level "
    "dense 0.659 to >= 0.69, hybrid 0.73 to >= 0.75) is not measured by this run: it scores "
    "document-level retrieval on a subset, and hybrid is not run."
)


def other_runs(runs: Sequence[dict[str, Any]]) -> str:
    """Rows for further runs of the same benchmark (another lr or step count), same subsets."""
    if not runs:
        return ""
    lines = ["", "", "Other runs (same pool, subset and query split; paired difference adapted - "
             "base; these settings were picked after the first run was scored on both halves, so "
             "they are a second look, not a held-out test; each is the command above with that `--lr` and "
             "`--steps`):",
             "", "| lr | steps | train CPU s | report half | sanity half | all 300 |",
             "|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for r in runs:
        a, d = r["args"], [row[4] for row in r["rows"]]
        lines.append(
            f"| {a['lr']} | {a['steps']} | {r['train_cpu_s']:.0f} | {d[0]} | {d[1]} | {d[2]} |"
        )
    return "\n".join(lines)


def verdict(r: dict[str, Any]) -> str:
    """One plain sentence on the report half's paired difference."""
    name, n, _, _, diff = r["rows"][0]
    point, rest = diff.split(" ", 1)
    lo, hi = (float(x) for x in rest.strip("[]").split(", "))
    if lo > 0:
        word = "a gain whose 95% interval excludes zero"
    elif hi < 0:
        word = "a loss whose 95% interval excludes zero"
    else:
        word = "no measurable change (the 95% interval spans zero)"
    text = (
        f"**Reading: on the {name} ({n} queries) the adapted model's nDCG@10 differs from the "
        f"base by {float(point):+.4f} ({rest}): {word}, at {r['train_cpu_s'] / 60:.1f} CPU "
        f"minutes of training.** Sanity half: {r['rows'][1][4]}; all 300: {r['rows'][2][4]}."
    )
    if lo <= 0:
        text += (
            " On this budget the adaptation does not help SciFact dense retrieval; do not expect a "
            "gain from `veracity finetune embedder` at a few hundred steps."
        )
    return text


if __name__ == "__main__":
    sys.exit(main())
