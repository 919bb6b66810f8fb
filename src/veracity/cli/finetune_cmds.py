"""``veracity finetune embedder``: adapt the embedder to a collection's own text, without labels
(see ``veracity.train.embedder``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from veracity.cli.common import add_collection_arg, print_json
from veracity.errors import ConfigError

DEFAULT_OUT = "models/embedder"  # under the collection directory


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
    e.add_argument("--json", action="store_true", help="print the report as JSON")
    e.set_defaults(run=cmd_finetune_embedder)


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
    if args.device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise ConfigError(f"--device {args.device}: PyTorch sees no CUDA device here; use cpu")
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
