"""Training text for tokenizers: plain text files and JSON Lines with a ``text`` field, gzipped or not."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from veracity.errors import ConfigError

__all__ = ["read_texts"]


def _open(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return path.open(encoding="utf-8", errors="replace")


def read_texts(paths: Sequence[str | Path], max_chars: int | None = None) -> Iterator[str]:
    """Texts from ``paths``: one per line of a text file, or the ``text`` (and ``title``) of each
    JSON Lines record (``.jsonl``, ``.jsonl.gz``); stops after about ``max_chars`` characters."""
    budget = max_chars if max_chars is not None else float("inf")
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.is_file():
            raise ConfigError(f"no training file at {path}")
        jsonl = path.name.removesuffix(".gz").endswith(".jsonl")
        with _open(path) as fh:
            for n, line in enumerate(fh, 1):
                if jsonl:
                    try:
                        record = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise ConfigError(f"{path}:{n}: not JSON ({exc})") from exc
                    text = " ".join(str(record.get(k) or "") for k in ("title", "text")).strip()
                else:
                    text = line.rstrip("\n")
                if not text:
                    continue
                yield text
                budget -= len(text)
                if budget <= 0:
                    return
