"""Configuration of a GPT run: the model's shape (``GPTConfig``) and the run (``TrainConfig``).

A run is fully described by one ``TrainConfig``, written beside its checkpoint as ``config.json``
and read back from a JSON or TOML file (``load_config``): the ``[model]`` table holds the
``GPTConfig`` fields, every other key a ``TrainConfig`` field. ``PRESETS`` name ready ones.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from veracity.errors import ConfigError

__all__ = ["PRESETS", "GPTConfig", "TrainConfig", "load_config"]


@dataclass(frozen=True, slots=True)
class GPTConfig:
    """Model shape. ``vocab_size`` is set from the tokenizer when the data is prepared."""

    vocab_size: int = 2048
    block_size: int = 256  # context length in tokens
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0

    def __post_init__(self) -> None:
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            if getattr(self, name) < 1:
                raise ConfigError(f"model.{name} must be >= 1, got {getattr(self, name)}")
        if self.n_embd % self.n_head:
            raise ConfigError(
                f"model.n_embd ({self.n_embd}) must be a multiple of model.n_head ({self.n_head})"
            )
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"model.dropout must be in [0, 1), got {self.dropout}")


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """One training run: data, tokenizer, optimisation, evaluation and where to write."""

    model: GPTConfig = field(default_factory=GPTConfig)
    data: tuple[str, ...] = ()  # SQuAD JSON, JSON Lines (title/text) or text files
    out: str = "gpt-run"
    tokenizer: str = ""  # a saved BPE file of ours or "gpt2"; empty: train a BPE on the data
    vocab_size: int = 2048  # of the BPE trained when ``tokenizer`` is empty
    val_percent: int = 5  # documents sent to validation, chosen by content hash
    shard_tokens: int = 1_000_000
    steps: int = 1000  # total optimiser steps; the cosine schedule spans them
    batch_size: int = 16
    lr: float = 1e-3
    min_lr: float = 1e-4
    warmup: int = 50
    weight_decay: float = 0.1
    beta2: float = 0.99
    grad_clip: float = 1.0
    eval_interval: int = 100  # also the checkpoint interval
    eval_batches: int = 20
    seed: int = 0
    device: str = "cpu"
    threads: int | None = 1

    def __post_init__(self) -> None:
        positive = ("vocab_size", "shard_tokens", "steps", "batch_size", "eval_interval")
        for name in (*positive, "eval_batches"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not 0 < self.val_percent < 100:
            raise ConfigError(f"val_percent must be in 1..99, got {self.val_percent}")
        if not 0 < self.min_lr <= self.lr:
            raise ConfigError(f"need 0 < min_lr <= lr, got min_lr={self.min_lr}, lr={self.lr}")
        if self.warmup < 0 or self.warmup >= self.steps:
            raise ConfigError(f"warmup must be in 0..steps-1, got {self.warmup}")
        if self.vocab_size > 65_535:
            raise ConfigError("vocab_size must fit uint16 shards (<= 65535)")

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["data"] = list(self.data)
        return out

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> TrainConfig:
        body = dict(body)
        model = body.pop("model", {}) or {}
        unknown = set(body) - {f.name for f in fields(cls)}
        unknown |= {f"model.{k}" for k in set(model) - {f.name for f in fields(GPTConfig)}}
        if unknown:
            raise ConfigError(
                f"unknown GPT config keys: {', '.join(sorted(unknown))}; see "
                "veracity.train.gpt.config.TrainConfig and GPTConfig for the allowed ones"
            )
        if "data" in body:
            body["data"] = tuple(str(d) for d in body["data"])
        return cls(model=GPTConfig(**model), **body)


PRESETS: dict[str, TrainConfig] = {
    # about 1M parameters: a few CPU minutes on one thread reach a validation loss worth sampling
    "tiny": TrainConfig(
        model=GPTConfig(block_size=128, n_layer=4, n_head=4, n_embd=128),
        steps=1500,
        batch_size=16,
        lr=2e-3,
        min_lr=2e-4,
        warmup=50,
        eval_interval=100,
    ),
    # a GPU-sized run (about 20M parameters); too slow for one CPU thread
    "small": TrainConfig(
        model=GPTConfig(block_size=512, n_layer=8, n_head=8, n_embd=512, dropout=0.1),
        vocab_size=8192,
        steps=5000,
        batch_size=32,
        lr=6e-4,
        min_lr=6e-5,
        warmup=200,
        eval_interval=250,
    ),
    # a few seconds: tests and smoke runs
    "test": TrainConfig(
        model=GPTConfig(block_size=32, n_layer=1, n_head=2, n_embd=32),
        vocab_size=300,
        steps=20,
        batch_size=4,
        lr=3e-3,
        min_lr=3e-4,
        warmup=2,
        eval_interval=5,
        eval_batches=2,
    ),
}


def load_config(path: str | Path | None = None, preset: str | None = None,
                **overrides: Any) -> TrainConfig:  # fmt: skip
    """A ``TrainConfig`` from a JSON/TOML file or a preset, with ``overrides`` (``None`` ones
    ignored) applied on top."""
    if path is not None and preset is not None:
        raise ConfigError("give either a config file or a preset, not both")
    if path is not None:
        cfg = TrainConfig.from_dict(_read(Path(path).expanduser()))
    else:
        name = preset or "tiny"
        if name not in PRESETS:
            raise ConfigError(f"unknown preset {name!r}; known: {', '.join(PRESETS)}")
        cfg = PRESETS[name]
    given = {k: v for k, v in overrides.items() if v is not None}
    if "data" in given:
        given["data"] = tuple(str(d) for d in given["data"])
    try:
        return replace(cfg, **given)
    except TypeError as exc:
        raise ConfigError(f"bad GPT config override: {exc}") from exc


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"no GPT config file at {path}; pass a .json or .toml file")
    text = path.read_text(encoding="utf-8")
    try:
        body = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: not valid {path.suffix.lstrip('.') or 'JSON'} ({exc})") from exc
    if not isinstance(body, dict):
        raise ConfigError(f"{path}: expected a table/object of settings")
    return body
