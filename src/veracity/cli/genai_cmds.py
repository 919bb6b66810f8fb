"""``veracity translate`` and ``veracity code generate|explain|convert``: tasks for the generator.

The shipped SmolLM2-135M runs them but cannot do them well (see ``tasks.translate`` and
``tasks.code``); ``--model PATH.gguf`` or ``--model openai:NAME --base-url URL`` picks a capable
model, as for ``veracity ask`` and ``veracity generate``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from veracity.cli.common import print_json, text_or_file
from veracity.errors import ConfigError

MODEL_HELP = "generator: smollm2 (default; weak at this), a .gguf path, openai:NAME, hf:PATH"


def _model_args(p: argparse.ArgumentParser, max_tokens: int | None) -> None:
    p.add_argument("--model", default="smollm2", help=MODEL_HELP)
    p.add_argument("--base-url", default=None, help="OpenAI-compatible server URL")
    p.add_argument("--threads", type=int, default=None, help="generator threads (default: 1)")
    p.add_argument("--max-tokens", type=int, default=max_tokens, help="reply length limit")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _input_args(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("text", nargs="?", default=None, help=f"the {what} (or --file)")
    p.add_argument("--file", "-f", default=None, help=f"read the {what} from a file ('-': stdin)")


def register(sub: Any) -> None:
    t = sub.add_parser(
        "translate",
        help="translate text with the generator (long texts by sentence groups, order kept)",
        description="Translate TEXT or --file into --to LANG. The shipped SmolLM2-135M is an "
        "English model and does not translate usefully: use --model PATH.gguf (a multilingual "
        "instruction model) or --model openai:NAME --base-url URL.",
    )
    _input_args(t, "text")
    t.add_argument("--to", required=True, metavar="LANG", help="target language (name or code)")
    t.add_argument("--from", dest="source", default=None, metavar="LANG", help="source language")
    t.add_argument("--chunk-tokens", type=int, default=200, help="tokens per translated run")
    _model_args(t, None)
    t.set_defaults(run=cmd_translate)

    c = sub.add_parser(
        "code",
        help="generate, explain or convert code with the generator",
        description="Code tasks through the generator. The shipped SmolLM2-135M writes only "
        "short, common snippets and its explanations are often wrong: use --model PATH.gguf (a "
        "code model) or --model openai:NAME --base-url URL for real work.",
    )
    tasks = c.add_subparsers(dest="code_task", metavar="TASK", required=True)
    g = tasks.add_parser("generate", help="write code from a description")
    _input_args(g, "description")
    g.add_argument("--lang", default="python", help="language to write (default python)")
    e = tasks.add_parser("explain", help="explain what code does")
    _input_args(e, "code")
    e.add_argument("--lang", default=None, help="the code's language (default: guessed)")
    v = tasks.add_parser("convert", help="rewrite code in another language")
    _input_args(v, "code")
    v.add_argument("--lang", "--from", dest="lang", default=None, help="the code's language")
    v.add_argument("--to", required=True, metavar="LANG", help="the language to write")
    for p in (g, e, v):
        _model_args(p, 400)
        p.set_defaults(run=cmd_code)


def _generator(args: argparse.Namespace) -> Any:
    from veracity.generate.base import check_generator, get_generator

    options: dict[str, Any] = {}
    if args.base_url:
        options["base_url"] = args.base_url
    elif args.threads is not None:
        options["n_threads"] = args.threads
    check_generator(args.model, **options)  # a bad --model fails before any input is read
    return get_generator(args.model, **options)


def _decoding(args: argparse.Namespace) -> Any:
    from veracity.records import Decoding

    if args.max_tokens is None:
        return None
    if args.max_tokens < 1:
        raise ConfigError(f"--max-tokens must be >= 1, got {args.max_tokens}")
    return Decoding(max_tokens=args.max_tokens, temperature=0.0)


def cmd_translate(args: argparse.Namespace) -> int:
    from veracity.tasks.translate import translate

    text = text_or_file(args)
    decoding = _decoding(args)
    result = translate(
        text, args.to, _generator(args), source=args.source, chunk_tokens=args.chunk_tokens,
        decoding=decoding,
    )  # fmt: skip
    if args.json:
        print_json(result.as_dict())
    else:
        print(result.text)
    return 0


def cmd_code(args: argparse.Namespace) -> int:
    from veracity.tasks.code import code

    text = text_or_file(args)
    result = code(
        args.code_task, text, _generator(args), language=args.lang,
        target=getattr(args, "to", None), decoding=_decoding(args),
    )  # fmt: skip
    if args.json:
        print_json(result.as_dict())
        return 0
    print(result.text)
    if result.syntax_ok is False:
        print("# warning: this Python does not parse", file=sys.stderr)
    return 0
