"""``veracity eval beir`` (retrieval quality on a BEIR folder) and ``veracity tune`` (fusion)."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from veracity.cli import eval_mmlu_cmds, eval_rag_cmds
from veracity.cli.common import add_collection_arg, print_json
from veracity.collection import Collection
from veracity.errors import ConfigError
from veracity.evaluate.beir import BeirResult, Qrels, ingest_beir, load_beir, run_beir, uri_qrels
from veracity.ingest.report import IngestReport
from veracity.retrieve.autotune import TuneResult
from veracity.retrieve.search import FUSIONS, MODES
from veracity.retrieve.tune import describe, options_of


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


@contextlib.contextmanager
def _collection(path: str | None, embedder: str | None) -> Iterator[Collection]:
    """The given collection, or a scratch one in a temporary directory removed afterwards."""
    with contextlib.ExitStack() as stack:
        if path is None:
            path = stack.enter_context(tempfile.TemporaryDirectory(prefix="veracity-beir-"))
        col = Collection(path, embedder=embedder, create=True)
        stack.callback(col.close)
        yield col


def _check_args(args: argparse.Namespace) -> None:
    if args.tune_split is not None and not args.tune:
        raise ConfigError("--tune-split needs --tune")
    if args.tune_split is not None and args.tune_split == args.split:
        raise ConfigError(
            f"--tune-split {args.tune_split} is the split being scored; tuning on it leaks the "
            "test labels. Give another split (dev, train), or --tune alone for synthetic queries"
        )
    if args.tune and (args.fusion is not None or args.alpha is not None):
        raise ConfigError("--tune chooses --fusion and --alpha; give either --tune or them")
    if args.n_synthetic < 1:
        raise ConfigError(f"--n-synthetic must be >= 1, got {args.n_synthetic}")


def cmd_eval_beir(args: argparse.Namespace) -> int:
    _check_args(args)
    beir = load_beir(args.dir, args.split)
    tune_set = load_beir(args.dir, args.tune_split) if args.tune_split else None
    quiet = args.json

    def progress(seen: int, report: IngestReport) -> None:
        if not quiet:
            print(f"ingested {seen} documents", file=sys.stderr, flush=True)

    with _collection(args.collection, args.embedder) as col:
        ingest_beir(col, beir.corpus(), on_batch=progress)
        tuned: TuneResult | None = None
        if args.tune:
            if tune_set is not None:
                tuned = col.tune(uri_qrels(tune_set.qrels), tune_set.queries)
            else:
                tuned = col.tune(n_synthetic=args.n_synthetic)
        options = col.default_options(args.mode, alpha=args.alpha, fusion=args.fusion)
        result = run_beir(col, beir.queries, beir.qrels, options, limit_queries=args.limit_queries)
    _print_eval(args, result, tuned, beir.qrels)
    return 0


def _print_eval(
    args: argparse.Namespace, result: BeirResult, tuned: TuneResult | None, qrels: Qrels
) -> None:
    out = result.to_dict() | {"dataset": str(args.dir), "split": args.split}
    if tuned is not None:
        out["tuned"] = _tune_dict(tuned)
    out |= _beir_reports(args, out, result, qrels)
    if args.json:
        print_json(out)
        return
    o = result.options
    fusion = f", fusion {o.fusion}, alpha {o.alpha:g}" if o.mode == "hybrid" else ""
    print(f"{args.dir} ({args.split}, {result.queries} queries), mode {o.mode}{fusion}")
    if tuned is not None:
        print(tuned.reason)
    cis = out["metrics"]
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


def _beir_reports(
    args: argparse.Namespace, out: dict[str, Any], result: BeirResult, qrels: Qrels
) -> dict[str, Any]:
    """Bootstrap CIs (``metrics``, as ``eval rag`` writes them), and with ``--html`` / ``--mlflow``
    the report and the MLflow run."""
    from veracity.evaluate.report import beir_html, beir_per_query

    per_query, cis = beir_per_query(qrels, result.run)
    extra: dict[str, Any] = {"metrics": cis}
    if not (args.html or args.mlflow):
        return extra
    page = beir_html(out | extra, per_query)
    if args.html:
        Path(args.html).write_text(page, encoding="utf-8")
    if args.mlflow:
        from veracity.evaluate.mlflow_log import log_evaluation

        flat = {k: float(v) for k, v in out.items() if isinstance(v, int | float)}
        flat |= {f"{k}_ci_{s}": v["ci95"][i] for k, v in cis.items() for i, s in enumerate("lh")}
        params = {k: v for k, v in out.items() if isinstance(v, str) or k in ("mode", "alpha")}
        extra["mlflow_run_id"] = log_evaluation(
            args.mlflow, experiment=args.experiment, run_name=f"beir:{Path(args.dir).name}",
            params=params, metrics=flat,
            artifacts={"beir_eval.json": json.dumps(out | extra, indent=1), "report.html": page},
        )  # fmt: skip
    return extra


# ---------------------------------------------------------------------------------------------
# tune


def _tune_dict(result: TuneResult) -> dict[str, Any]:
    meta = options_of(result)
    return {
        "choice": f"{result.method}({', '.join(f'{k}={v}' for k, v in result.params.items())})",
        "method": result.method, "params": dict(result.params), "fusion": meta["fusion"],
        "alpha": float(meta["alpha"]), "rrf_k": float(meta["rrf_k"]), "ndcg@10": result.ndcg,
        "reason": result.reason,
        "top": [{"setting": label, "ndcg@10": s} for label, s in describe(result)],
    }  # fmt: skip


def cmd_tune(args: argparse.Namespace) -> int:
    if args.n_synthetic < 1:
        raise ConfigError(f"--n-synthetic must be >= 1, got {args.n_synthetic}")
    with Collection(args.collection, create=False) as col:
        if args.qrels is not None:
            beir = load_beir(args.qrels, args.split)
            result = col.tune(uri_qrels(beir.qrels), beir.queries, save=not args.dry_run)
        else:
            result = col.tune(n_synthetic=args.n_synthetic, seed=args.seed, save=not args.dry_run)
    out = _tune_dict(result) | {"saved": not args.dry_run}
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
