"""``veracity eval mmlu``: MMLU accuracy of a local model (see ``veracity.evaluate.mmlu``)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from veracity.cli.common import print_json

DEFAULT_MMLU = "../shared/datasets/mmlu"


def register(ev_sub: Any) -> None:
    p = ev_sub.add_parser(
        "mmlu",
        help="MMLU accuracy by log-likelihood of the answer letter, with bootstrap CIs",
        description="lighteval's MMLU prompt over a local folder (dev/ for the shots, test/ "
        "scored); per-subject, micro and macro accuracy with 95% bootstrap intervals.",
    )
    p.add_argument("--model", default="smollm2",
                   help="smollm2 (default), FILE.gguf (llama.cpp), hf:DIR, hf:FILE.gguf, or "
                   "openai:NAME with --base-url (generation scoring)")  # fmt: skip
    p.add_argument("--data", default=DEFAULT_MMLU, metavar="DIR", help="MMLU folder (dev/, test/)")
    p.add_argument("--shots", type=int, default=5)
    p.add_argument("--subjects", default=None, help="comma-separated subjects (default: all 57)")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="test questions/subject")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--base-url", default=None, help="an OpenAI-compatible server (openai:NAME)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    p.add_argument("--json", action="store_true")
    p.add_argument("--html", default=None, metavar="REPORT.html", help="write an HTML report")
    p.set_defaults(run=cmd_eval_mmlu)


def cmd_eval_mmlu(args: argparse.Namespace) -> int:
    from veracity.evaluate.mmlu import CHANCE
    from veracity.evaluate.mmlu_job import MMLUEvalOptions, run_mmlu_eval

    subjects = [s.strip() for s in args.subjects.split(",") if s.strip()] if args.subjects else None
    options = MMLUEvalOptions(
        args.data, model=args.model, shots=args.shots,
        subjects=tuple(subjects) if subjects is not None else None, limit=args.limit,
        threads=args.threads, base_url=args.base_url, seed=args.seed, html=args.html,
    )  # fmt: skip

    def progress(subject: str, i: int, n: int) -> None:
        if not args.json and i == n:
            print(f"{subject}: {n} questions", file=sys.stderr, flush=True)

    out = run_mmlu_eval(options, progress=progress).report
    if args.json:
        print_json(out)
        return 0
    for name, s in sorted(out["per_subject"].items()):
        lo, hi = s["ci95"]
        print(f"{name:40s} {s['accuracy']:6.1%}  ({lo:.1%}-{hi:.1%}, n={s['n']})")
    for label in ("macro", "micro"):
        s = out[label]
        print(f"{label:40s} {s['accuracy']:6.1%}  ({s['ci95'][0]:.1%}-{s['ci95'][1]:.1%})")
    print(f"{'chance':40s} {CHANCE:6.1%}")
    return 0
