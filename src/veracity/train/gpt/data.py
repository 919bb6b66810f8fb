"""Data preparation for the GPT, as a pipeline of generator steps (datatrove's shape).

``prepare_data`` runs ``read -> dedup -> quality filters -> split -> tokenize -> shards``:

- ``read_documents``: SQuAD JSON (its unique contexts), JSON Lines (``title`` + ``text``, e.g.
  SciFact's ``corpus.jsonl.gz``) or text files (one document per line);
- ``dedup``: exact duplicates by the SHA-1 of the whitespace-collapsed, lower-cased text;
- ``QUALITY_FILTERS``: simplified Gopher rules (Rae et al. 2021, as datatrove's
  ``GopherQualityFilter``): word count, mean word length, share of words with a letter, share of
  characters that are symbols; every step counts what it removed (``PrepareReport.removed``);
- a document goes to validation when its content hash falls in the first ``val_percent`` of 100
  buckets, so the split is stable across runs and never cuts a document in two;
- ``write_shards``: token ids (documents separated by the end-of-text token) as little-endian
  ``uint16`` files of at most ``shard_tokens`` tokens (``train_000.bin`` ...), nanoGPT's format.

Why not ``datatrove`` itself: datatrove 0.10.1 installs offline here (pure Python; dill, fsspec,
huggingface-hub, loguru, multiprocess ...) but its tokenization step (``DocumentTokenizer``) runs a
Hugging Face ``tokenizers`` tokenizer by hub name or file, not ours, and its executor, logging and
``.ds`` output format are more machinery than a few MB of text needs. The steps here follow its
design (documents flow through generator steps that count what they drop) in 200 lines.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from veracity.errors import ConfigError

__all__ = [
    "QUALITY_FILTERS",
    "PrepareReport",
    "dedup",
    "doc_hash",
    "quality_filter",
    "read_documents",
    "read_shards",
    "write_shards",
]

_WORD = re.compile(r"\S+")


@dataclass(slots=True)
class PrepareReport:
    """What the pipeline read, removed (per step) and wrote."""

    read: int = 0
    removed: Counter[str] = field(default_factory=Counter)
    documents: dict[str, int] = field(default_factory=lambda: {"train": 0, "val": 0})
    tokens: dict[str, int] = field(default_factory=lambda: {"train": 0, "val": 0})
    shards: dict[str, list[str]] = field(default_factory=lambda: {"train": [], "val": []})

    def to_dict(self) -> dict[str, Any]:
        return {
            "read": self.read, "removed": dict(self.removed), "documents": self.documents,
            "tokens": self.tokens, "shards": self.shards,
        }  # fmt: skip


def _open_text(path: Path) -> Any:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return path.open(encoding="utf-8", errors="replace")


def read_documents(paths: Sequence[str | Path], report: PrepareReport) -> Iterator[str]:
    """Documents from SQuAD JSON (``.json[.gz]`` with ``data``), JSON Lines or text files."""
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.is_file():
            raise ConfigError(f"no data file at {path}; pass SQuAD JSON, JSON Lines or .txt files")
        name = path.name.removesuffix(".gz")
        with _open_text(path) as fh:
            if name.endswith(".json"):
                texts: Iterable[str] = _squad_contexts(json.load(fh), path)
            elif name.endswith(".jsonl"):
                texts = (_jsonl_text(line, path) for line in fh if line.strip())
            else:
                texts = (line.rstrip("\n") for line in fh)
            for text in texts:
                report.read += 1
                yield text


def _squad_contexts(body: Any, path: Path) -> Iterator[str]:
    if not isinstance(body, dict) or "data" not in body:
        raise ConfigError(f"{path}: a .json data file must be SQuAD-format (a 'data' list)")
    for article in body["data"]:
        for para in article.get("paragraphs", []):
            yield str(para.get("context", ""))


def _jsonl_text(line: str, path: Path) -> str:
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: a line is not JSON ({exc})") from exc
    return " ".join(str(rec.get(k) or "") for k in ("title", "text")).strip()


def doc_hash(text: str) -> str:
    """SHA-1 of the text with whitespace collapsed and case folded (exact-duplicate key)."""
    norm = " ".join(text.split()).casefold()
    return hashlib.sha1(norm.encode("utf-8")).hexdigest()


def dedup(docs: Iterable[str], report: PrepareReport) -> Iterator[str]:
    """Drop every document whose ``doc_hash`` was seen before (counted as ``duplicate``)."""
    seen: set[str] = set()
    for doc in docs:
        key = doc_hash(doc)
        if key in seen:
            report.removed["duplicate"] += 1
            continue
        seen.add(key)
        yield doc


def _too_short(words: list[str], text: str) -> bool:
    return len(words) < 20


def _odd_word_length(words: list[str], text: str) -> bool:
    mean = sum(map(len, words)) / max(len(words), 1)
    return not 3.0 <= mean <= 10.0


def _few_alpha_words(words: list[str], text: str) -> bool:
    alpha = sum(1 for w in words if any(c.isalpha() for c in w))
    return alpha < 0.8 * len(words)


def _symbol_heavy(words: list[str], text: str) -> bool:
    symbols = sum(1 for c in text if not (c.isalnum() or c.isspace() or c in ".,;:'\"()-?!%"))
    return symbols > 0.1 * max(len(text), 1)


# name -> rule returning True when the document must go; applied in this order
QUALITY_FILTERS: dict[str, Callable[[list[str], str], bool]] = {
    "too_short": _too_short,
    "odd_word_length": _odd_word_length,
    "few_alpha_words": _few_alpha_words,
    "symbol_heavy": _symbol_heavy,
}


def quality_filter(docs: Iterable[str], report: PrepareReport) -> Iterator[str]:
    """Keep documents that pass every rule; a removed one is counted under its first failed rule."""
    for doc in docs:
        words = _WORD.findall(doc)
        failed = next((n for n, rule in QUALITY_FILTERS.items() if rule(words, doc)), None)
        if failed is not None:
            report.removed[failed] += 1
            continue
        yield doc


def split_of(text: str, val_percent: int) -> str:
    """``"val"`` for the documents whose hash falls in the first ``val_percent`` of 100 buckets."""
    return "val" if int(doc_hash(text)[:8], 16) % 100 < val_percent else "train"


def write_shards(
    docs: Iterable[list[int]], out: Path, split: str, eot: int, shard_tokens: int,
    report: PrepareReport,
) -> None:  # fmt: skip
    """Write ``ids + [eot]`` of each document into ``{split}_{n:03d}.bin`` uint16 shards."""
    out.mkdir(parents=True, exist_ok=True)
    buf: list[int] = []

    def flush() -> None:
        name = f"{split}_{len(report.shards[split]):03d}.bin"
        np.asarray(buf, dtype="<u2").tofile(out / name)
        report.shards[split].append(name)
        report.tokens[split] += len(buf)
        buf.clear()

    for ids in docs:
        if max(ids, default=0) > 65_535 or eot > 65_535:
            raise ConfigError("token ids above 65535 do not fit uint16 shards; use a smaller vocab")
        report.documents[split] += 1
        buf.extend(ids)
        buf.append(eot)
        while len(buf) >= shard_tokens:
            rest = buf[shard_tokens:]
            del buf[shard_tokens:]
            flush()
            buf.extend(rest)
    if buf:
        flush()


def read_shards(folder: Path, split: str) -> list[np.ndarray]:
    """The ``split`` shards of ``folder`` as read-only memory maps, in order."""
    files = sorted(folder.glob(f"{split}_*.bin"))
    if not files:
        raise ConfigError(
            f"no {split} shards in {folder}; prepare the data first (veracity train gpt --data ...)"
        )
    return [np.memmap(f, dtype="<u2", mode="r") for f in files]
