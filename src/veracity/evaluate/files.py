"""Reading evaluation files: plain or gzip text, and JSON Lines streamed one object at a time.

Every failure is an ``EvaluationError`` naming the file (and the line for a bad JSON line), so the
BEIR and answer-set loaders report bad input the same way.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from veracity.errors import EvaluationError


def open_text(path: Path) -> IO[str]:
    """``path`` as UTF-8 text, decompressed when it ends in ``.gz``."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def read_text(path: Path) -> str:
    """The whole of ``path`` (see ``open_text``)."""
    try:
        with open_text(path) as fh:
            return fh.read()
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise EvaluationError(f"{path}: cannot read it ({exc})") from None


def json_objects(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` per non-blank line, streamed (bounded memory for big corpora);
    a line that is not a JSON object raises with its number."""
    try:
        with open_text(path) as fh:
            for n, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise EvaluationError(
                        f"{path}:{n}: not valid JSON ({exc.msg}); each line must be one JSON object"
                    ) from None
                if not isinstance(row, dict):
                    raise EvaluationError(
                        f"{path}:{n}: each line must be a JSON object, got {line[:80]!r}"
                    )
                yield n, row
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise EvaluationError(f"{path}: cannot read it ({exc})") from None
