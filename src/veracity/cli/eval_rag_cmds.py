"""``veracity eval rag``: answer quality on a question set (RAG triad, EM/F1, abstention)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from veracity.cli.common import print_json
from veracity.collection import Collection
from veracity.evaluate.rag import RagEvaluation
from veracity.evaluate.rag_job import JUDGES, RagEvalOptions, run_rag_eval
from veracity.evaluate.triad import QuestionScore
from veracity.rag.engine import MODES


def register(ev_sub: Any) -> None:
    p = ev_sub.add_parser(
        "rag", help="RAG triad, exact match/F1 and abstention on SQuAD, BEIR+answers or JSONL"
    )
    p.add_argument("dataset", metavar="DATASET", help="SQuAD .json[.gz], BEIR folder, or .jsonl")
    p.add_argument(
        "--collection", "-c", default=None, metavar="DIR",
        help="answer from this collection (required for JSONL); SQuAD/BEIR passages are "
        "ingested into it, or into a scratch collection when not given",
    )  # fmt: skip
    p.add_argument("--embedder", default=None, help="embedder for a new collection (minilm-onnx)")
    p.add_argument("--model", default="smollm2", help="answer generator (smollm2, .gguf, fake)")
    p.add_argument("--threads", type=int, default=None, help="generator threads (default: 1)")
    p.add_argument("--mode", choices=MODES, default="sequence")
    p.add_argument("--max-tokens", type=int, default=160)
    p.add_argument("--judge", choices=JUDGES, default="offline")
    p.add_argument("--judge-model", default=None, help="LLM judge generator (default: --model)")
    p.add_argument("--judge-cache", default=None, metavar="FILE",
                   help="on-disk LLM judge cache (default: <collection>/judge-cache.sqlite)")  # fmt: skip
    p.add_argument("--limit", type=int, default=None, metavar="N", help="first N questions")
    p.add_argument(
        "--sample", action="store_true", help="with --limit: a random sample seeded by --seed"
    )
    p.add_argument("--seed", type=int, default=0, help="decoding and bootstrap seed")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.add_argument("--html", default=None, metavar="REPORT.html", help="write an HTML report")
    p.add_argument("--mlflow", default=None, metavar="URI", help="log to MLflow (sqlite:///x.db)")
    p.add_argument("--experiment", default="veracity-eval", help="MLflow experiment name")
    p.set_defaults(run=cmd_eval_rag)


def cmd_eval_rag(args: argparse.Namespace) -> int:
    options = RagEvalOptions(
        args.dataset, collection=args.collection, embedder=args.embedder, model=args.model,
        threads=args.threads, mode=args.mode, max_tokens=args.max_tokens, judge=args.judge,
        judge_model=args.judge_model, judge_cache=args.judge_cache, limit=args.limit,
        sample=args.sample, seed=args.seed, html=args.html, mlflow=args.mlflow,
        experiment=args.experiment,
    )  # fmt: skip
    quiet = args.json

    def progress(i: int, n: int, q: QuestionScore) -> None:
        if not quiet:
            print(f"[{i}/{n}] {q.id}: {'abstained' if q.abstained else 'answered'}",
                  file=sys.stderr, flush=True)  # fmt: skip

    done = run_rag_eval(options, open_collection=Collection, on_question=progress)
    if args.json:
        print_json(done.report)
        return 0
    _print_summary(done.evaluation, args)
    return 0


def _print_summary(result: RagEvaluation, args: argparse.Namespace) -> None:
    print(f"{args.dataset}: {len(result.questions)} questions, judge {result.judge}")
    rows = [*result.metrics.items(), *(
        (f"abstention_{k}", v) for k, v in result.abstention.items()
    )]  # fmt: skip
    for name, agg in rows:
        if agg is None:
            print(f"{name:<28} undefined")
        else:
            print(f"{name:<28} {agg.mean:.3f}  [{agg.lo:.3f}, {agg.hi:.3f}]  n={agg.n}")
    lat = result.latency_ms
    print(f"{'latency total p50/p95':<28} {lat['total_p50']:.0f} / {lat['total_p95']:.0f} ms")
    if args.html:
        print(f"report: {args.html}")
