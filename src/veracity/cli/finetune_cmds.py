"""``veracity finetune embedder|generator``: adapt the embedder to a collection's own text without
labels (``veracity.train.embedder``), and fine-tune the generator on the grounded-answer behaviour
or continue its pre-training on the collection (``veracity.train.generator``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from veracity.cli.common import add_collection_arg, print_json
from veracity.errors import ConfigError

DEFAULT_OUT = "models/embedder"  # under the collection directory
DEFAULT_GENERATOR_OUT = "models/generator-{method}"


def register(sub: Any) -> None:
    p = sub.add_parser("finetune", help="adapt models to a collection's own documents")
    ft_sub = p.add_subparsers(dest="finetune_command", metavar="MODEL", required=True)
    e = ft_sub.add_parser(
        "embedder",
        help="label-free adaptation of MiniLM: inverse-cloze queries, BM25 + dense hard "
        "negatives, contrastive LoRA training, merged",
        description="Writes a sentence-transformers folder (and finetune_report.json in it); "
        "use it with: veracity reembed --collection DIR --embedder OUT",
    )
    add_collection_arg(e)
    e.add_argument("--out", default=None, help=f"model folder (default: DIR/{DEFAULT_OUT})")
    e.add_argument("--base", default=None, help="sentence-transformers folder to start from "
                   "(default: the collection's own model, else the packaged MiniLM)")  # fmt: skip
    e.add_argument("--steps", type=int, default=200)
    e.add_argument("--batch-size", type=int, default=16)
    e.add_argument("--lr", type=float, default=1e-4)
    e.add_argument("--rank", type=int, default=8, help="LoRA rank")
    e.add_argument("--negatives", type=int, default=1, help="hard negatives per query")
    e.add_argument("--max-length", type=int, default=128, help="tokens per text in training")
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--threads", type=int, default=None, help="PyTorch CPU threads")
    e.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1, ...")
    e.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint")
    e.add_argument(
        "--mlflow", default=None, metavar="URI", help="also log to MLflow (sqlite:///x.db)"
    )
    e.add_argument("--json", action="store_true", help="print the report as JSON")
    e.set_defaults(run=cmd_finetune_embedder)
    _register_generator(ft_sub)


def _register_generator(ft_sub: Any) -> None:
    g = ft_sub.add_parser(
        "generator",
        help="fine-tune the generator (full, LoRA, soft prompt) on cited answers and abstentions "
        "built from the collection (and SQuAD), or continue its pre-training on the collection",
        description="Writes OUT/model (merged Hugging Face folder), OUT/model.gguf (for the "
        "in-process runtime: veracity ask --model OUT/model.gguf), OUT/adapter (peft) and "
        "OUT/finetune_report.json; a soft prompt runs in PyTorch only, over the base in "
        "OUT/model: veracity ask --model hf:OUT/model --soft-prompt OUT/adapter",
    )
    add_collection_arg(g)
    g.add_argument("--method", choices=("full", "lora", "prompt", "continual"), default="lora")
    g.add_argument("--base", default=None, help="Hugging Face model folder or .gguf file "
                   "(default: the packaged SmolLM2-135M-Instruct GGUF, dequantized)")  # fmt: skip
    g.add_argument(
        "--out", default=None, help=f"output folder (default: DIR/{DEFAULT_GENERATOR_OUT})"
    )
    g.add_argument("--steps", type=int, default=100)
    g.add_argument("--batch-size", type=int, default=4)
    g.add_argument(
        "--lr", type=float, default=None, help="default: 2e-4 lora, 3e-2 prompt, 2e-5 full"
    )
    g.add_argument("--rank", type=int, default=8, help="LoRA rank")
    g.add_argument("--virtual-tokens", type=int, default=16, help="soft prompt length")
    g.add_argument(
        "--examples", type=int, default=400, help="synthetic examples from the collection"
    )
    g.add_argument("--unanswerable-share", type=float, default=1 / 3, metavar="S",
                   help="share of training examples that must be declined (default 1/3; a "
                   "larger one teaches a few steps to decline everything)")  # fmt: skip
    g.add_argument("--squad", default=None, metavar="PATH", help="SQuAD v1.1 JSON(.gz) to add "
                   "(split by article; held-out articles evaluate)")  # fmt: skip
    g.add_argument(
        "--eval-generate",
        type=int,
        default=16,
        help="held-out questions answered greedily before and after (F1, abstention)",
    )
    g.add_argument("--max-length", type=int, default=768, help="tokens per example")
    g.add_argument(
        "--gguf",
        choices=("f16", "f32", "none"),
        default="f16",
        help="GGUF weight type of the export (f16: half size; f32: exact)",
    )
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--threads", type=int, default=None, help="PyTorch CPU threads")
    g.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1, ...")
    g.add_argument("--checkpoint-every", type=int, default=25)
    g.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint")
    g.add_argument(
        "--mlflow", default=None, metavar="URI", help="also log to MLflow (sqlite:///x.db)"
    )
    g.add_argument("--json", action="store_true", help="print the report as JSON")
    g.set_defaults(run=cmd_finetune_generator)


def _check_device(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise ConfigError(f"--device {device}: PyTorch sees no CUDA device here; use cpu")


def cmd_finetune_generator(args: argparse.Namespace) -> int:
    from veracity.collection import Collection
    from veracity.train.embedder import passages_of_collection
    from veracity.train.generator import GeneratorTrainConfig
    from veracity.train.generator_job import build_data, run_job

    for name in ("steps", "batch_size", "rank", "virtual_tokens", "examples", "max_length",
                 "checkpoint_every"):  # fmt: skip
        if getattr(args, name) <= 0:
            raise ConfigError(
                f"--{name.replace('_', '-')} must be positive, got {getattr(args, name)}"
            )
    _check_device(args.device)
    root = Path(args.collection).expanduser()
    out = (
        Path(args.out).expanduser()
        if args.out
        else root / DEFAULT_GENERATOR_OUT.format(method=args.method)
    )
    log = (lambda m: None) if args.json else (lambda m: print(m, file=sys.stderr, flush=True))
    cfg = GeneratorTrainConfig(
        out=out.resolve(), method=args.method, base=args.base, steps=args.steps,
        batch_size=args.batch_size, lr=args.lr, rank=args.rank, virtual_tokens=args.virtual_tokens,
        max_length=args.max_length, seed=args.seed, device=args.device, threads=args.threads,
        resume=args.resume, checkpoint_every=args.checkpoint_every,
        export=None if args.gguf == "none" else args.gguf, log=log,
    )  # fmt: skip
    with Collection(root, create=False) as collection:
        texts, groups, _ = passages_of_collection(collection)
    if not texts:
        raise ConfigError(f"collection {root} holds no chunks; ingest documents first")
    squad = Path(args.squad).expanduser() if args.squad else None
    if squad is not None and not squad.is_file():
        raise ConfigError(f"--squad {squad}: no such file (SQuAD v1.1 JSON or .json.gz)")
    data = build_data(texts, groups, cfg, examples=args.examples, squad=squad,
                      eval_generate=0 if args.method == "continual" else args.eval_generate,
                      unanswerable_share=args.unanswerable_share)  # fmt: skip
    report = run_job(data, cfg, mlflow_uri=args.mlflow)
    if args.json:
        print_json(report)
    else:
        ev = report["eval"]
        files = report.get("files", {})
        use = f"; run it with: veracity ask --model {files['gguf']}" if "gguf" in files else ""
        print(
            f"wrote {cfg.out}: {args.method}, {len(report['loss_curve'])} steps, held-out loss "
            f"{ev['before']['heldout_loss']} -> {ev['after']['heldout_loss']}{use}"
        )
    return 0


def cmd_finetune_embedder(args: argparse.Namespace) -> int:
    from veracity.collection import Collection
    from veracity.train.embedder import (
        EmbedderTrainConfig,
        finetune_embedder,
        passages_of_collection,
    )

    for name in ("steps", "batch_size", "lr", "rank", "max_length"):
        if getattr(args, name) <= 0:
            raise ConfigError(
                f"--{name.replace('_', '-')} must be positive, got {getattr(args, name)}"
            )
    if args.negatives < 0:
        raise ConfigError(f"--negatives must be 0 or more, got {args.negatives}")
    _check_device(args.device)
    root = Path(args.collection).expanduser()
    out = Path(args.out).expanduser() if args.out else root / DEFAULT_OUT
    log = (lambda m: None) if args.json else (lambda m: print(m, file=sys.stderr, flush=True))
    with Collection(root, create=False) as collection:
        texts, groups, vectors = passages_of_collection(collection)
        if not texts:
            raise ConfigError(f"collection {root} holds no chunks; ingest documents first")
        recorded = collection.embedder_name or ""
        base = args.base or (
            recorded if recorded and Path(recorded).expanduser().is_dir() else None
        )
        cfg = EmbedderTrainConfig(
            out=out.resolve(), base=base, steps=args.steps, batch_size=args.batch_size,
            lr=args.lr, rank=args.rank, negatives=args.negatives, max_length=args.max_length,
            seed=args.seed, device=args.device, threads=args.threads, resume=args.resume, log=log,
        )  # fmt: skip
        embedder = collection.embedder() if not args.resume else None
        report = finetune_embedder(
            texts, cfg, groups, embed=embedder.embed if embedder else None, passage_vectors=vectors
        )
    if args.mlflow:
        from veracity.train.embedder import REPORT_NAME
        from veracity.train.tracking import log_mlflow

        tracked = {"params": {**report["train"], "lora": report["lora"]},
                   "loss_curve": report["loss_curve"], "eval": report["heldout_ict"]}  # fmt: skip
        report["mlflow_run_id"] = log_mlflow(args.mlflow, tracked, experiment="veracity-finetune",
                                             run_name="embedder", artifacts=[cfg.out / REPORT_NAME])  # fmt: skip
    if args.json:
        print_json(report)
    else:
        ict = report["heldout_ict"]
        print(
            f"wrote {cfg.out}: {report['train']['steps']} steps, held-out inverse-cloze top-1 "
            f"{ict['before'].get('top1', 'n/a')} -> {ict['after'].get('top1', 'n/a')}; use it with: "
            f"veracity reembed --collection {root} --embedder {cfg.out}"
        )
    return 0
