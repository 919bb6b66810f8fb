"""``veracity entities TEXT|--file F``: named entities as character spans of the text.

The shipped CRF tagger finds PER, ORG, LOC and MISC; ``--generator`` sends any other types
(``--types PRODUCT,DRUG``) to a language model, whose mentions are kept only where they occur.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from veracity.cli.common import print_json, text_or_file
from veracity.errors import ConfigError


def register(sub: Any) -> None:
    p = sub.add_parser(
        "entities",
        help="named entities (PER, ORG, LOC, MISC) as character spans",
        description="Tags people, organizations, locations and other names with the shipped "
        "CoNLL-2003 CRF, or any types with --generator. Offsets are character offsets into the "
        "text as read (a --file is decoded to text first).",
    )
    p.add_argument("text", nargs="?", default=None, help="the text (or use --file)")
    p.add_argument("--file", default=None, help="read the text from this file ('-' for stdin)")
    p.add_argument("--types", default=None, help="comma-separated types to keep, e.g. PER,ORG")
    p.add_argument("--min-score", type=float, default=0.0, help="drop less confident entities")
    p.add_argument("--model", default=None, help="a tagger .npz (default: the shipped one)")
    p.add_argument(
        "--generator",
        default=None,
        help="find --types with this generator instead (smollm2, a .gguf path, openai:NAME)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=cmd_entities)


def cmd_entities(args: argparse.Namespace) -> int:
    text = text_or_file(args)
    types = [t for t in args.types.split(",") if t.strip()] if args.types else None
    if args.generator:
        from veracity.generate.base import get_generator
        from veracity.tasks.entities import extract_with_generator

        if not types:
            raise ConfigError("--generator needs --types, e.g. --types PRODUCT,COMPANY")
        entities = extract_with_generator(text, types, get_generator(args.generator))
    else:
        from veracity.tasks.entities import extract

        entities = extract(text, types, model=args.model, min_score=args.min_score)
    if args.json:
        print_json({"entities": [e.to_dict() for e in entities], "chars": len(text)})
        return 0
    for e in entities:
        print(f"{e.label:<5} {e.start:>6}-{e.end:<6} {e.score:.2f}  {e.text}")
    if not entities:
        print("no entities found", file=sys.stderr)
    return 0
