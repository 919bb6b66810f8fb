"""``veracity eval beir`` (retrieval quality on a BEIR folder) and ``veracity tune`` (fusion)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from veracity.cli import eval_mmlu_cmds, eval_rag_cmds
from veracity.cli.common import add_collection_arg, print_json
from veracity.collection import Collection
from veracity.errors import ConfigError
from veracity.evaluate.beir import load_beir, uri_qrels
from veracity.evaluate.beir_job import BeirEvalOptions, BeirEvalResult, run_beir_eval, tune_summary
from veracity.ingest.report import IngestReport
from veracity.retrieve.search import FUSIONS, MODES


def register(sub: Any) -> None:
    ev = sub.add_parser("eval", help="evaluate retrieval or answer quality")
    ev_sub = ev.add_subparsers(dest="eval_command", metavar="BENCHMARK", required=True)
    p = ev_sub.add_parser("beir", help="nDCG@10, Recall@100, MRR@10 on a BEIR-format folder")
    p.add_argument(
        "dir", metavar="DIR", help="BEIR folder: corpus.jsonl[.gz], queries.jsonl, qrels/"
    )
    p.add_argument("--split", default="test", help="qrels split to score (default: test)")
    p.add_argument("--mode", choices=MODES, default="hybrid")
    p.add_argument("--alpha", type=float, default=None, help="0 = BM25 only, 1 = dense only")
    p.add_argument("--fusion", choices=FUSIONS, default=None, help="default: tuned, else rrf")
    p.add_argument(
        "--collection", "-c", default=None, metavar="DIR",
        help="ingest into (and reuse) this collection; default: a scratch one, deleted after",
    )  # fmt: skip
    p.add_argument(
        "--embedder", default=None, help="embedder name (default for a new collection: minilm-onnx)"
    )
    p.add_argument("--limit-queries", type=int, default=None, metavar="N")
    p.add_argument(
        "--tune", action="store_true",
        help="tune fusion first on synthetic queries from the corpus (never on the scored split)",
    )  # fmt: skip
    p.add_argument(
        "--tune-split", default=None, metavar="SPLIT",
        help="with --tune: tune on qrels/SPLIT.tsv instead (must differ from --split)",
    )  # fmt: skip
    p.add_argument("--n-synthetic", type=int, default=200, metavar="N")
    p.add_argument("--json", action="store_true")
    p.add_argument("--html", default=None, metavar="REPORT.html", help="write an HTML report")
    p.add_argument("--mlflow", default=None, metavar="URI", help="log to MLflow (sqlite:///x.db)")
    p.add_argument("--experiment", default="veracity-eval", help="MLflow experiment name")
    p.set_defaults(run=cmd_eval_beir)
    eval_rag_cmds.register(ev_sub)
    eval_mmlu_cmds.register(ev_sub)

    t = sub.add_parser("tune", help="choose hybrid fusion and alpha for a collection")
    add_collection_arg(t)
    t.add_argument("--qrels", default=None, metavar="BEIR_DIR", help="labelled BEIR folder")
    t.add_argument("--split", default="test", help="qrels split with --qrels (default: test)")
    t.add_argument("--n-synthetic", type=int, default=200, metavar="N")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--dry-run", action="store_true", help="report the choice without saving it")
    t.add_argument("--json", action="store_true")
    t.set_defaults(run=cmd_tune)


# ---------------------------------------------------------------------------------------------
# eval beir


def cmd_eval_beir(args: argparse.Namespace) -> int:
    options = BeirEvalOptions(
        args.dir, split=args.split, mode=args.mode, alpha=args.alpha, fusion=args.fusion,
        collection=args.collection, embedder=args.embedder, limit_queries=args.limit_queries,
        tune=args.tune, tune_split=args.tune_split, n_synthetic=args.n_synthetic,
        html=args.html, mlflow=args.mlflow, experiment=args.experiment,
    )  # fmt: skip
    quiet = args.json

    def progress(seen: int, report: IngestReport) -> None:
        if not quiet:
            print(f"ingested {seen} documents", file=sys.stderr, flush=True)

    done = run_beir_eval(options, open_collection=Collection, on_ingest=progress)
    if args.json:
        print_json(done.report)
    else:
        _print_eval(args, done)
    return 0


def _print_eval(args: argparse.Namespace, done: BeirEvalResult) -> None:
    result, tuned = done.result, done.tuned
    o = result.options
    fusion = f", fusion {o.fusion}, alpha {o.alpha:g}" if o.mode == "hybrid" else ""
    print(f"{args.dir} ({args.split}, {result.queries} queries), mode {o.mode}{fusion}")
    if tuned is not None:
        print(tuned.reason)
    cis = done.report["metrics"]
    for label, key, value in (
        ("nDCG@10   ", "ndcg@10", result.ndcg_at_10),
        ("Recall@100", "recall@100", result.recall_at_100),
        ("MRR@10    ", "mrr@10", result.mrr_at_10),
    ):
        lo, hi = cis[key]["ci95"] if key in cis else (float("nan"), float("nan"))
        print(f"{label}  {value:.4f}  (95% CI {lo:.4f}-{hi:.4f})")
    if args.html:
        print(f"report: {args.html}")
    print(f"latency     p50 {result.latency_ms_p50:.1f} ms, p95 {result.latency_ms_p95:.1f} ms")


# ---------------------------------------------------------------------------------------------
# tune


def cmd_tune(args: argparse.Namespace) -> int:
    if args.n_synthetic < 1:
        raise ConfigError(f"--n-synthetic must be >= 1, got {args.n_synthetic}")
    with Collection(args.collection, create=False) as col:
        if args.qrels is not None:
            beir = load_beir(args.qrels, args.split)
            result = col.tune(uri_qrels(beir.qrels), beir.queries, save=not args.dry_run)
        else:
            result = col.tune(n_synthetic=args.n_synthetic, seed=args.seed, save=not args.dry_run)
    out = tune_summary(result) | {"saved": not args.dry_run}
    if args.json:
        print_json(out)
        return 0
    print(f"chosen: fusion {out['fusion']}, alpha {out['alpha']:g}, rrf k {out['rrf_k']:g}")
    print(f"why:    {result.reason}")
    print("best candidates (nDCG@10):")
    for row in out["top"]:
        print(f"  {row['setting']:<28} {row['ndcg@10']:.4f}")
    print(
        "saved: later searches without --fusion use it" if out["saved"] else "not saved (dry run)"
    )
    return 0
