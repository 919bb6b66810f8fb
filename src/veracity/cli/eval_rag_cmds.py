"""``veracity eval rag``: answer quality on a question set (RAG triad, EM/F1, abstention)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from veracity.cli.common import print_json
from veracity.collection import Collection
from veracity.errors import ConfigError
from veracity.evaluate.datasets import EvalSet, load_dataset
from veracity.evaluate.judges import JudgeCache, LLMJudge, OfflineJudge, TriadJudge
from veracity.evaluate.rag import RagEvaluation, check_limit, evaluate_rag
from veracity.evaluate.triad import QuestionScore
from veracity.generate.base import get_generator
from veracity.rag.engine import MODES, AskOptions
from veracity.records import Decoding


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
    p.add_argument("--judge", choices=("offline", "llm"), default="offline")
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


@contextlib.contextmanager
def _collection(args: argparse.Namespace, data: EvalSet) -> Iterator[Collection]:
    with contextlib.ExitStack() as stack:
        path = args.collection
        if path is None:
            if not data.documents:
                raise ConfigError(
                    f"{args.dataset} holds questions only; give --collection DIR with the "
                    "documents to answer from"
                )
            path = stack.enter_context(tempfile.TemporaryDirectory(prefix="veracity-rag-"))
        col = Collection(path, embedder=args.embedder, create=bool(data.documents))
        stack.callback(col.close)
        if data.documents:
            col.add(list(data.documents))
        yield col


def _generator_options(args: argparse.Namespace, name: str) -> dict[str, Any]:
    if name in ("fake", "scripted") or name.startswith(("openai:", "hf:")):
        return {}
    threads = args.threads or int(os.environ.get("VERACITY_THREADS", "1"))
    return {"n_threads": threads}


def _judge(args: argparse.Namespace, col: Collection, answer_gen: Any) -> TriadJudge:
    offline = OfflineJudge(col.embedder())
    if args.judge == "offline":
        return offline
    name = args.judge_model or args.model
    gen = (
        answer_gen if name == args.model else get_generator(name, **_generator_options(args, name))
    )
    cache = JudgeCache(args.judge_cache or Path(col.path) / "judge-cache.sqlite")
    return LLMJudge(gen, fallback=offline, cache=cache, seed=args.seed)


def run(args: argparse.Namespace) -> RagEvaluation:
    """Load, ingest, answer and score; what ``cmd_eval_rag`` prints or writes."""
    check_limit(args.limit)
    if args.max_tokens < 1:
        raise ConfigError(f"--max-tokens must be >= 1, got {args.max_tokens}")
    data = load_dataset(args.dataset)
    items = list(data.items)
    if args.limit and args.sample:
        items = random.Random(args.seed).sample(items, min(args.limit, len(items)))
    elif args.limit:
        items = items[: args.limit]
    quiet = args.json

    def progress(i: int, q: QuestionScore) -> None:
        if not quiet:
            print(f"[{i}/{len(items)}] {q.id}: {'abstained' if q.abstained else 'answered'}",
                  file=sys.stderr, flush=True)  # fmt: skip

    with _collection(args, data) as col:
        gen = get_generator(args.model, **_generator_options(args, args.model))
        engine = col.answer_engine(gen)
        decoding = Decoding(max_tokens=args.max_tokens, seed=args.seed)
        engine.options = AskOptions(
            mode=args.mode, relevance_floor=engine.options.relevance_floor, decoding=decoding
        )
        judge = _judge(args, col, gen)
        params = {"model": args.model, "embedder": col.embedder_name, "judge": args.judge,
                  "limit": args.limit, "seed": args.seed, "dataset_kind": data.kind}  # fmt: skip
        return evaluate_rag(
            engine, items, judge, dataset=str(args.dataset), params=params, seed=args.seed,
            on_question=progress,
        )  # fmt: skip


def cmd_eval_rag(args: argparse.Namespace) -> int:
    result = run(args)
    out = result.to_dict()
    page = None
    if args.html or args.mlflow:
        from veracity.evaluate.report import rag_html

        page = rag_html(out)
    if args.html:
        Path(args.html).write_text(page or "", encoding="utf-8")
    if args.mlflow:
        from veracity.evaluate.mlflow_log import log_evaluation

        out["mlflow_run_id"] = log_evaluation(
            args.mlflow, experiment=args.experiment, run_name=f"rag:{Path(args.dataset).name}",
            params=result.params | {"dataset": args.dataset, "n": len(result.questions)},
            metrics=result.flat_metrics(),
            artifacts={"rag_eval.json": json.dumps(out, indent=1), "report.html": page or ""},
        )  # fmt: skip
    if args.json:
        print_json(out)
        return 0
    _print_summary(result, args)
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
