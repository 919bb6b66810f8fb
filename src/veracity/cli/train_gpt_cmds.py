"""``veracity train gpt``: train the small GPT from scratch (see ``veracity.train.gpt``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from veracity.cli.common import print_json
from veracity.errors import ConfigError

DEFAULT_DATA = (
    "../shared/datasets/squad/dev-v1.1.json.gz",
    "../shared/datasets/scifact/corpus.jsonl.gz",
)
SAMPLE_PROMPTS = ("The", "In 1066,", "The results show that")


def register(train_sub: Any) -> None:
    from veracity.train.gpt.config import PRESETS

    g = train_sub.add_parser(
        "gpt",
        help="a small GPT from scratch (nanoGPT-style) on your text, with our BPE",
        description="Prepares the data (dedup, quality filters, BPE, uint16 shards), trains with "
        "AdamW + cosine decay, checkpoints, plots the loss and exports an HF folder (OUT/hf) "
        "that `veracity generate --model hf:OUT/hf` and `veracity eval mmlu` run.",
    )
    src = g.add_mutually_exclusive_group()
    src.add_argument("--config", default=None, metavar="FILE", help="a .json or .toml config")
    src.add_argument("--preset", default=None, choices=sorted(PRESETS), help="default: tiny")
    g.add_argument("--data", nargs="+", default=None, metavar="FILE",
                   help="SQuAD JSON, JSON Lines or .txt (default: SQuAD dev contexts + SciFact)")  # fmt: skip
    g.add_argument("--steps", type=int, default=None, help="total optimizer steps")
    g.add_argument("--out", default=None, metavar="DIR", help="run folder (default: gpt-run)")
    g.add_argument("--resume", action="store_true", help="continue from DIR/ckpt.pt")
    g.add_argument("--stop-at", type=int, default=None, metavar="STEP",
                   help="stop (with a checkpoint) at this step; --resume continues the schedule")  # fmt: skip
    g.add_argument("--device", default=None, help="cpu, cuda, cuda:1, ...")
    g.add_argument("--threads", type=int, default=None, help="PyTorch CPU threads")
    g.add_argument("--samples", type=int, default=len(SAMPLE_PROMPTS),
                   help="sample continuations to print after training (0: none)")  # fmt: skip
    g.add_argument("--json", action="store_true", help="print the report as JSON")
    g.set_defaults(run=cmd_train_gpt)


def _samples(folder: Path, n: int) -> list[dict[str, str]]:
    """Continuations of fixed prompts through our decoding loop (top-p 0.9, seeded)."""
    from veracity.generate.hf import HFGenerator
    from veracity.records import Decoding

    gen = HFGenerator(folder, n_threads=None)
    decoding = Decoding(temperature=0.8, top_p=0.9, max_tokens=40, seed=0)
    out = []
    for prompt in SAMPLE_PROMPTS[:n]:
        ids = gen.tokenizer.encode(prompt, add_special_tokens=False)
        text = gen.tokenizer.decode(list(gen.generate_ids(ids, decoding)))
        out.append({"prompt": prompt, "text": text})
    return out


def cmd_train_gpt(args: argparse.Namespace) -> int:
    from veracity.train.gpt.config import load_config
    from veracity.train.gpt.trainer import train_gpt

    data = args.data
    if data is None and args.config is None:
        data = [d for d in DEFAULT_DATA if Path(d).is_file()]
        if not data:
            raise ConfigError("no --data given and the default ../shared/datasets files are absent")
    cfg = load_config(args.config, args.preset, data=data, steps=args.steps, out=args.out,
                      device=args.device, threads=args.threads)  # fmt: skip
    log = (lambda m: None) if args.json else (lambda m: print(m, file=sys.stderr, flush=True))
    report = train_gpt(cfg, resume=args.resume, stop_at=args.stop_at, log=log)
    if args.samples > 0:
        report["samples"] = _samples(Path(report["hf"]), args.samples)
    if args.json:
        print_json(report)
        return 0
    print(f"step {report['step']}/{report['steps']}: train loss {report['train_loss_last50']:.3f}, "
          f"val loss {report['val_loss']:.3f}; {report['tokens_per_s']:.0f} tokens/s; "
          f"wrote {report['out']} (ckpt.pt, loss.png, hf/)")  # fmt: skip
    for s in report.get("samples", []):
        print(f"--- {s['prompt']!r}\n{s['prompt']}{s['text']}")
    return 0
