"""``veracity guard scan FILE.jsonl``: a prompt-injection verdict for each input line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from veracity.errors import ConfigError
from veracity.guard.injection import InjectionDetector


def register(sub: Any) -> None:
    p = sub.add_parser("guard", help="prompt-injection detection")
    guard_sub = p.add_subparsers(dest="guard_command", metavar="COMMAND", required=True)
    scan = guard_sub.add_parser(
        "scan", help='one JSON verdict per line of a JSONL file with a "text" field'
    )
    scan.add_argument("file", help="JSONL input ('-' for stdin)")
    scan.add_argument("--field", default="text", help="the field holding the text")
    scan.set_defaults(run=cmd_scan)


def cmd_scan(args: argparse.Namespace) -> int:
    if args.file == "-":
        lines = sys.stdin
    else:
        path = Path(args.file)
        if not path.is_file():
            raise ConfigError(
                f"no such file: {path}; give a JSONL file with a {args.field!r} field"
            )
        lines = path.open(encoding="utf-8")
    detector = InjectionDetector()
    out = sys.stdout
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{args.file}:{number}: not valid JSON ({exc.msg})") from exc
        text = record.get(args.field) if isinstance(record, dict) else None
        if not isinstance(text, str):
            raise ConfigError(f"{args.file}:{number}: no string field {args.field!r}")
        v = detector.scan(text)
        out.write(json.dumps({"flagged": v.flagged, "score": v.score, "reasons": list(v.reasons)}))
        out.write("\n")
    return 0
