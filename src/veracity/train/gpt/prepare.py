"""``prepare_data``: run the ``data`` pipeline for a ``TrainConfig`` into a data folder.

The folder holds the shards, ``tokenizer.json`` (ours: ``veracity.text.tokenizers``) and
``meta.json`` (vocabulary size, end-of-text id, the pipeline's counts). A folder already
prepared from the same data and tokenizer settings is reused as it is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from veracity.errors import ConfigError
from veracity.text.tokenizers import BPETokenizer, get_tokenizer
from veracity.train.gpt.config import TrainConfig
from veracity.train.gpt.data import (
    PrepareReport,
    dedup,
    quality_filter,
    read_documents,
    split_of,
    write_shards,
)

__all__ = ["EOT", "prepare_data"]

EOT = "<|endoftext|>"


def _key(cfg: TrainConfig) -> dict[str, Any]:
    return {"data": list(cfg.data), "tokenizer": cfg.tokenizer, "vocab_size": cfg.vocab_size,
            "val_percent": cfg.val_percent, "shard_tokens": cfg.shard_tokens}  # fmt: skip


def _tokenizer(cfg: TrainConfig, train_docs: list[str]) -> BPETokenizer:
    if cfg.tokenizer:
        tok = get_tokenizer(cfg.tokenizer)
        if not isinstance(tok, BPETokenizer):
            raise ConfigError(
                f"tokenizer {cfg.tokenizer!r} is a {tok.kind} tokenizer; the GPT needs a byte-level "
                "BPE (train one with `veracity tokenizer train --kind bpe`, or use gpt2)"
            )
    else:
        from veracity.train.tokenizers import train_bpe

        tok = train_bpe(train_docs, cfg.vocab_size - 1)  # one id left for the end-of-text token
    if EOT not in tok.special_tokens:
        specials = {**tok.special_tokens, EOT: tok.vocab_size}
        tok = BPETokenizer(tok.ranks, tok.pattern, specials)
    return tok


def prepare_data(cfg: TrainConfig, folder: Path) -> dict[str, Any]:
    """Read, dedup, filter, split, tokenize and shard ``cfg.data`` into ``folder``; return meta."""
    meta_path = folder / "meta.json"
    if meta_path.is_file():
        meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("key") == _key(cfg):
            return meta
    if not cfg.data:
        raise ConfigError("no training data: pass --data FILE ... (SQuAD JSON, JSONL or .txt)")
    report = PrepareReport()
    docs = list(quality_filter(dedup(read_documents(cfg.data, report), report), report))
    splits: dict[str, list[str]] = {"train": [], "val": []}
    for doc in docs:
        splits[split_of(doc, cfg.val_percent)].append(doc)
    if not splits["train"] or not splits["val"]:
        raise ConfigError(
            f"{len(docs)} documents survived the filters, too few for a train and a validation "
            f"split ({report.to_dict()['removed']} removed); pass more --data"
        )
    tok = _tokenizer(cfg, splits["train"])
    folder.mkdir(parents=True, exist_ok=True)
    tok.save(folder / "tokenizer.json")
    eot = tok.special_tokens[EOT]
    for split, texts in splits.items():
        write_shards((tok.encode(t) for t in texts), folder, split, eot, cfg.shard_tokens, report)
    meta = {"key": _key(cfg), "vocab_size": tok.vocab_size, "eot": eot} | report.to_dict()
    meta_path.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return meta
