"""``veracity train reader``: train the extractive reader's adapter (see ``veracity.train.reader``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from veracity.cli import train_gpt_cmds
from veracity.cli.common import print_json
from veracity.errors import ConfigError
from veracity.train.reader_data import DEFAULT_EDITS, EDIT_KINDS

DEFAULT_SQUAD = "../shared/datasets/squad/dev-v1.1.json.gz"


def register(sub: Any) -> None:
    p = sub.add_parser("train", help="train the models Veracity runs (the extractive reader)")
    train_sub = p.add_subparsers(dest="train_command", metavar="MODEL", required=True)
    r = train_sub.add_parser(
        "reader",
        help="MiniLM + LoRA span and answerability heads on SQuAD v1.1, split by article",
        description="Writes an adapter (.npz and its .json report). The shipped one is "
        "reproduced by: veracity train reader --out src/veracity/rag/reader/reader_adapter.npz",
    )
    r.add_argument("--squad", default=DEFAULT_SQUAD, help="official SQuAD v1.1 JSON (.json[.gz])")
    r.add_argument("--out", default="reader_adapter.npz", help="adapter file to write (.npz)")
    r.add_argument("--epochs", type=float, default=1.0)
    r.add_argument("--batch-size", type=int, default=16)
    r.add_argument("--lr", type=float, default=5e-4)
    r.add_argument("--rank", type=int, default=16, help="LoRA rank")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--threads", type=int, default=None, help="PyTorch CPU threads")
    r.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1, ...")
    r.add_argument("--limit", type=int, default=None, help="at most this many training examples")
    r.add_argument("--resume", default=None, help="an adapter (.npz) to continue training from")
    r.add_argument(
        "--style-share", type=float, default=0.0,
        help="share of questions restyled as users type them (openers, closings, lower case)",
    )  # fmt: skip
    r.add_argument(
        "--edits", default=",".join(DEFAULT_EDITS),
        help="comma-separated kinds of edited unanswerable questions to train on, of "
        f"{','.join(EDIT_KINDS)} (default: {','.join(DEFAULT_EDITS)}, the shipped adapter's)",
    )  # fmt: skip
    r.add_argument(
        "--qualified-share", type=float, default=0.0,
        help="share of answerable questions that also get a twin narrowed by a modifier their "
        "own passage uses (the answerable contrast to qualifier edits)",
    )  # fmt: skip
    r.add_argument(
        "--tables", type=int, default=0,
        help="generated table examples to add to the training set (questions by row and "
        "column over made-up tables, half of them near misses)",
    )  # fmt: skip
    r.add_argument("--json", action="store_true", help="print the report as JSON")
    r.set_defaults(run=cmd_train_reader)
    train_gpt_cmds.register(train_sub)


def cmd_train_reader(args: argparse.Namespace) -> int:
    from veracity.train.reader import ReaderTrainConfig, train_reader

    squad, out = Path(args.squad).expanduser(), Path(args.out).expanduser()
    if not squad.is_file():
        raise ConfigError(
            f"no SQuAD file at {squad}; pass --squad with the official SQuAD v1.1 JSON "
            "(dev-v1.1.json or .json.gz)"
        )
    resume = Path(args.resume).expanduser() if args.resume else None
    if resume is not None and not resume.is_file():
        raise ConfigError(
            f"--resume {resume}: no such adapter file (a .npz written by this command)"
        )
    if out.suffix != ".npz":
        raise ConfigError(f"--out must end in .npz (its report goes beside it as .json), got {out}")
    for name in ("style_share", "qualified_share"):
        if not 0.0 <= getattr(args, name) <= 1.0:
            raise ConfigError(
                f"--{name.replace('_', '-')} is a share between 0 and 1, got {getattr(args, name)}"
            )
    if args.tables < 0:
        raise ConfigError(f"--tables is a number of examples, 0 or more, got {args.tables}")
    for name in ("epochs", "batch_size", "lr", "rank"):
        if getattr(args, name) <= 0:
            raise ConfigError(
                f"--{name.replace('_', '-')} must be positive, got {getattr(args, name)}"
            )
    edits = tuple(e.strip() for e in args.edits.split(",") if e.strip())
    if not edits or set(edits) - set(EDIT_KINDS):
        raise ConfigError(
            f"--edits {args.edits!r}: name one or more of {','.join(EDIT_KINDS)}, comma-separated"
        )
    if args.device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise ConfigError(f"--device {args.device}: PyTorch sees no CUDA device here; use cpu")
    log = (lambda m: None) if args.json else (lambda m: print(m, file=sys.stderr, flush=True))
    report = train_reader(
        ReaderTrainConfig(
            squad=squad, out=out, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
            rank=args.rank, seed=args.seed, device=args.device, threads=args.threads,
            limit=args.limit, resume=resume, style_share=args.style_share, edits=edits,
            qualified_share=args.qualified_share, tables=args.tables,
            log=log,
        )
    )  # fmt: skip
    if args.json:
        print_json(report)
    else:
        dev = report["dev"]
        print(
            f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) and {out.with_suffix('.json')}\n"
            f"dev articles: F1 {dev['f1_no_abstain']:.3f} EM {dev['em_no_abstain']:.3f} before "
            f"abstention; answered {dev['answered_when_answerable']:.1%} of answerable, declined "
            f"{dev['abstained_when_unanswerable']:.1%} of unanswerable; "
            f"{report['train']['seconds'] / 60:.1f} min"
        )
    return 0
