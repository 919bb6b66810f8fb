"""``veracity generate "prompt"``: one reply from any generator, with every decoding strategy.

Greedy, sampling (temperature, top-k, top-p, min-p, typical, repetition penalty, seed) and beam
search (beams, length penalty, early stopping). ``--show-distribution`` prints each step's most
likely tokens and their probabilities (our own loop: ``--model hf:<folder>``).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import Any

from veracity.cli.common import print_json
from veracity.errors import ConfigError
from veracity.records import Decoding

STRATEGIES = ("greedy", "sample", "beam")
DEFAULT_BEAMS = 4


def register(sub: Any) -> None:
    p = sub.add_parser(
        "generate",
        help="generate text from a prompt with a chosen decoding strategy",
        description="Generate a reply with any model: greedy, sampling or beam search. "
        "Backends refuse, with the fix, what they cannot do (beam search needs --model hf:PATH).",
    )
    p.add_argument("prompt", help="the prompt ('-' reads it from stdin)")
    p.add_argument(
        "--model", default="smollm2", help="generator: smollm2, a .gguf path, openai:NAME, hf:PATH"
    )
    p.add_argument("--base-url", default=None, help="OpenAI-compatible server URL")
    p.add_argument("--system", default=None, help="a system message before the prompt")
    p.add_argument("--strategy", choices=STRATEGIES, default=None,
                   help="default: beam with --beams > 1, sample with --temperature > 0, else greedy")  # fmt: skip
    p.add_argument("--temperature", type=float, default=None, help="> 0 samples (default 1.0 "
                   "with --strategy sample, else 0: greedy)")  # fmt: skip
    p.add_argument("--top-k", type=int, default=0, help="keep the k most likely tokens (0: off)")
    p.add_argument("--top-p", type=float, default=1.0, help="nucleus mass in (0, 1] (1: off)")
    p.add_argument("--min-p", type=float, default=0.0, help="drop tokens below min-p x the top one")
    p.add_argument("--typical-p", type=float, default=1.0, help="locally typical mass (1: off)")
    p.add_argument("--repetition-penalty", type=float, default=1.0, help="CTRL penalty (1: off)")
    p.add_argument("--beams", type=int, default=None, help=f"beam width (beam default: "
                   f"{DEFAULT_BEAMS})")  # fmt: skip
    p.add_argument("--length-penalty", type=float, default=1.0, help="beam score / length ** this")
    p.add_argument("--early-stopping", choices=("true", "false", "never"), default="false",
                   help="when beam search stops (as in transformers)")  # fmt: skip
    p.add_argument("--max-tokens", type=int, default=128)
    p.add_argument("--seed", type=int, default=0, help="sampling seed (-1: a fresh one each run)")
    p.add_argument("--stop", action="append", default=[], help="stop string (repeatable)")
    p.add_argument("--threads", type=int, default=None, help="generator threads (default: 1)")
    p.add_argument("--show-distribution", type=int, nargs="?", const=5, default=0, metavar="N",
                   help="print each step's N most likely tokens (default 5; hf: models)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(run=cmd_generate)


def decoding_from_args(args: argparse.Namespace) -> Decoding:
    """The ``Decoding`` the flags ask for; contradictions are ``ConfigError`` with the fix."""
    beams = args.beams
    if beams is not None and beams < 1:
        raise ConfigError(f"--beams must be >= 1 (1: no beam search), got {beams}")
    strategy = args.strategy or (
        "beam" if beams and beams > 1 else "sample" if args.temperature else "greedy"
    )
    temperature = args.temperature
    if strategy == "sample":
        temperature = 1.0 if temperature is None else temperature
        if temperature == 0:
            raise ConfigError("--strategy sample needs --temperature > 0 (0 is greedy)")
    elif temperature:
        raise ConfigError(
            f"--strategy {strategy} is deterministic: drop --temperature or use --strategy sample"
        )
    if strategy == "beam":
        beams = DEFAULT_BEAMS if beams is None else beams
        if beams < 2:
            raise ConfigError(f"--strategy beam needs --beams >= 2, got {beams}")
    elif beams is not None and beams != 1:
        raise ConfigError(f"--beams {beams} needs --strategy beam (or leave --strategy out)")
    early: bool | str = {"true": True, "false": False}.get(args.early_stopping, "never")
    return Decoding(
        temperature=temperature or 0.0, top_k=args.top_k, top_p=args.top_p, min_p=args.min_p,
        typical_p=args.typical_p, repetition_penalty=args.repetition_penalty,
        num_beams=beams or 1, length_penalty=args.length_penalty,
        early_stopping=early,  # type: ignore[arg-type]
        max_tokens=args.max_tokens, seed=None if args.seed == -1 else args.seed,
        stop=tuple(args.stop),
    )  # fmt: skip


def cmd_generate(args: argparse.Namespace) -> int:
    from veracity.generate.run import generate_text

    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    decoding = decoding_from_args(args)
    if args.show_distribution < 0:
        raise ConfigError(f"--show-distribution must be >= 1, got {args.show_distribution}")
    options: dict[str, Any] = {}
    if args.base_url:
        options["base_url"] = args.base_url
    elif args.threads is not None:
        options["n_threads"] = args.threads
    result = generate_text(
        prompt, model=args.model, decoding=decoding, system=args.system,
        top_n=args.show_distribution, **options,
    )  # fmt: skip
    if args.json:
        print_json(asdict(result) | {"strategy": decoding.strategy})
        return 0
    for i, step in enumerate(result.steps, 1):
        cands = "  ".join(f"{t!r} {p:.3f}" for t, p in step.candidates)
        end = " (end)" if step.eos else ""
        print(f"{i:>4} {step.text!r} p={step.probability:.3f}{end} | {cands}")
    if result.steps:
        print()
    print(result.text)
    return 0
