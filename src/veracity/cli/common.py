"""Helpers shared by CLI commands: the --collection option, JSON output, argument checks."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from veracity.collection import DEFAULT_COLLECTION, Collection


def add_collection_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--collection",
        "-c",
        default=str(DEFAULT_COLLECTION),
        metavar="DIR|URI",
        help="collection: a directory, or a postgresql:// URI (default: ./.veracity)",
    )


def open_collection(args: argparse.Namespace, *, create: bool = False) -> Collection:
    return Collection(args.collection, embedder=getattr(args, "embedder", None), create=create)


def print_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def text_or_file(args: argparse.Namespace) -> str:
    """The input text of a command taking ``TEXT`` or ``--file F`` (``-`` for stdin)."""
    from pathlib import Path

    from veracity.errors import ConfigError
    from veracity.evaluate.files import read_text

    if (args.text is None) == (args.file is None):
        raise ConfigError("give the input as an argument or --file FILE (one of them, not both)")
    if args.file is None:
        text: str = args.text
        return text
    if args.file == "-":
        return sys.stdin.read()
    path = Path(args.file).expanduser()
    if not path.is_file():
        raise ConfigError(f"no such file: {path}; give a text file or '-' for stdin")
    return read_text(path)
