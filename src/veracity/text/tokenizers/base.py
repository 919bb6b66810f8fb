"""The one tokenizer protocol and the JSON file every tokenizer of ours saves to.

A tokenizer maps text to integer ids and back. Five kinds implement it (word, character,
byte-level BPE, WordPiece, Unigram); each is a small class whose state is its vocabulary, so
``save`` writes one readable JSON file and ``load_tokenizer`` reads any of them back::

    {"format": "veracity-tokenizer", "version": 1, "kind": "bpe", ...the kind's own fields}

Training lives in ``veracity.train.tokenizers``; running a trained tokenizer lives here, in the
text layer, so that nothing that only encodes has to import training code.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from veracity.errors import ConfigError

__all__ = ["FORMAT", "Tokenizer", "read_tokenizer_file", "write_tokenizer_file"]

FORMAT = "veracity-tokenizer"
VERSION = 1


@runtime_checkable
class Tokenizer(Protocol):
    """Text to ids and back. ``decode(encode(text)) == text`` holds for the lossless kinds
    (byte-level BPE always; character when every character is in the vocabulary)."""

    kind: str

    @property
    def vocab_size(self) -> int: ...

    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids: Sequence[int]) -> str: ...

    def id_to_token(self, token_id: int) -> str: ...

    def to_dict(self) -> dict[str, Any]: ...

    def save(self, path: str | Path) -> None: ...


def write_tokenizer_file(path: str | Path, kind: str, fields: dict[str, Any]) -> None:
    """Write ``fields`` as a tokenizer file of ``kind``, atomically (a crash leaves the old file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"format": FORMAT, "version": VERSION, "kind": kind, **fields}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(body, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_tokenizer_file(path: str | Path) -> dict[str, Any]:
    """Read and check a tokenizer file; raises ``ConfigError`` saying what is wrong with it."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            f"no tokenizer file at {path}; write one with `veracity tokenizer train ... --out PATH`"
        )
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path} is not a tokenizer file (not JSON: {exc})") from exc
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise ConfigError(
            f'{path} is not a Veracity tokenizer file (no "format": "{FORMAT}"); '
            "train one with `veracity tokenizer train`"
        )
    if body.get("version", 0) > VERSION:
        raise ConfigError(
            f"{path} was written by a newer Veracity (version {body.get('version')}); upgrade"
        )
    return body
