"""Train the injection encoder (``veracity.guard.encoder``): MiniLM + LoRA + a linear head.

``train_encoder(texts, labels, cfg)`` adapts the packaged all-MiniLM-L6-v2 encoder with LoRA on
every attention and feed-forward projection (layer norms and the head trained outright) to give the
logit that a text carries an instruction for an AI reader, with a class-balanced binary
cross-entropy, linear warm-up and decay; it writes the adapter the runtime merges.
``calibrate_threshold`` then runs that adapter as the runtime does (ONNX, int8) on benign text and
stores the threshold: the lowest score at which no benign kind is flagged more often than
``max_fpr``. The data (attacks, spans planted in documents, benign text of many kinds) is put
together by ``benchmarks/train_injection_encoder.py``, the one command that makes the shipped file.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from veracity.errors import ConfigError, MissingDependency
from veracity.guard.encoder import (
    ADAPTER_PATH,
    FORMAT,
    InjectionEncoder,
    encoder_net,
    encoder_tokenizer,
)
from veracity.train.lora import add_lora, lora_arrays

LORA_TARGETS = ("query", "key", "value", "attention.output.dense", "intermediate.dense",
                "output.dense")  # fmt: skip
_TRAINED_OUTRIGHT = ("LayerNorm", "head.")


@dataclass(frozen=True)
class EncoderTrainConfig:
    """One training run. ``out``: the adapter ``.npz`` (its ``.json`` is written beside it)."""

    out: Path = ADAPTER_PATH
    epochs: int = 2
    batch_size: int = 32
    lr: float = 5e-4
    rank: int = 8
    alpha: float = 16.0
    max_length: int = 128
    seed: int = 0
    threads: int | None = None
    device: str = "cpu"
    model_dir: Path | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)  # written into the adapter's .json
    log: Callable[[str], None] = print

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or self.rank < 1 or self.max_length < 8:
            raise ConfigError("epochs, batch size and rank must be >= 1, max_length >= 8")
        if not self.lr > 0:
            raise ConfigError(f"the learning rate must be positive, got {self.lr}")


def _torch() -> Any:
    try:
        import torch
        from tokenizers import Tokenizer  # noqa: F401
    except ImportError as exc:
        raise MissingDependency("training the injection encoder", extra="torch") from exc
    return torch


def train_encoder(
    texts: Sequence[str], labels: Sequence[int], cfg: EncoderTrainConfig
) -> list[float]:
    """Train on ``texts`` (label 1: carries an injection), write the adapter to ``cfg.out``, and
    return the loss of every step. The threshold written is a placeholder (0.5) until
    ``calibrate_threshold`` replaces it."""
    if len(texts) != len(labels) or not texts:
        raise ConfigError("texts and labels must be non-empty and of the same length")
    if set(labels) != {0, 1}:
        raise ConfigError("training needs both labels: 1 (injection) and 0 (benign)")
    torch = _torch()
    from veracity.embed.minilm import packaged_minilm_path

    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    model_dir = cfg.model_dir or packaged_minilm_path()
    tok = encoder_tokenizer(model_dir, cfg.max_length)
    net = encoder_net(model_dir)
    for p in net.parameters():
        p.requires_grad_(False)
    add_lora(net.bert, LORA_TARGETS, cfg.rank, cfg.alpha)
    for name, p in net.named_parameters():
        if any(k in name for k in _TRAINED_OUTRIGHT) and "lora_" not in name:
            p.requires_grad_(True)
    net.to(cfg.device).train()
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.01)
    order = list(range(len(texts)))
    steps = cfg.epochs * ((len(order) + cfg.batch_size - 1) // cfg.batch_size)
    warmup = max(1, min(50, steps // 10))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, 1.0 - s / steps)
    )
    n_pos = sum(labels)
    pos_weight = torch.tensor((len(labels) - n_pos) / n_pos, device=cfg.device)
    encodings = tok.encode_batch(list(texts))
    losses: list[float] = []
    t0 = time.perf_counter()
    for epoch in range(cfg.epochs):
        rng.shuffle(order)
        for lo in range(0, len(order), cfg.batch_size):
            rows = order[lo : lo + cfg.batch_size]
            width = max(len(encodings[i].ids) for i in rows)
            ids = torch.zeros((len(rows), width), dtype=torch.int64)  # (B, T)
            mask = torch.zeros((len(rows), width), dtype=torch.int64)  # (B, T)
            for r, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[r, :n] = torch.tensor(encodings[i].ids)
                mask[r, :n] = 1
            y = torch.tensor([float(labels[i]) for i in rows], device=cfg.device)
            ids, mask = ids.to(cfg.device), mask.to(cfg.device)
            logit = net(ids, mask, torch.zeros_like(ids))
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logit, y, pos_weight=pos_weight
            )
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(float(loss.item()))
            if len(losses) % 50 == 0:
                cfg.log(f"epoch {epoch} step {len(losses)}/{steps} loss "
                        f"{np.mean(losses[-50:]):.4f} ({time.perf_counter() - t0:.0f}s)")  # fmt: skip
    net.cpu().eval()
    arrays = lora_arrays(net)
    arrays.update({f"full:{n}": p.detach().numpy().astype(np.float16)
                   for n, p in net.named_parameters()
                   if p.requires_grad and "lora_" not in n})  # fmt: skip
    cfg.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = cfg.out.with_name(cfg.out.stem + ".tmp.npz")  # written whole, then renamed
    np.savez_compressed(tmp, **arrays)  # type: ignore[arg-type]
    meta = {
        "format": FORMAT,
        "max_length": cfg.max_length,
        "threshold": 0.5,
        "pooling": "mean",
        "lora": {"rank": cfg.rank, "alpha": cfg.alpha, "targets": list(LORA_TARGETS)},
        "epochs": cfg.epochs, "batch_size": cfg.batch_size, "lr": cfg.lr, "seed": cfg.seed,
        "examples": {"injection": n_pos, "benign": len(labels) - n_pos},
        "loss_per_epoch": [float(np.mean(c)) for c in np.array_split(losses, cfg.epochs)],
        "train_seconds": round(time.perf_counter() - t0, 1),
        **cfg.meta,
    }  # fmt: skip
    meta_tmp = cfg.out.with_suffix(".json.tmp")
    meta_tmp.write_text(json.dumps(meta, indent=1) + "\n")
    tmp.replace(cfg.out)
    meta_tmp.replace(cfg.out.with_suffix(".json"))
    return losses


def threshold_for_fpr(scores: np.ndarray, max_fpr: float) -> float:
    """The lowest threshold with ``mean(scores >= t) <= max_fpr``."""
    s = np.sort(np.asarray(scores, dtype=np.float64))[::-1]
    k = int(np.floor(max_fpr * len(s)))
    return 0.0 if k >= len(s) else float(np.nextafter(s[k], np.inf))


def calibrate_threshold(
    adapter: Path,
    benign: Mapping[str, Sequence[str]],
    max_fpr: float,
    floor: float = 0.5,
    model_dir: Path | None = None,
) -> tuple[float, dict[str, float]]:
    """Score each benign kind with the runtime encoder built from ``adapter``; store and return
    the threshold (at least ``floor``) that keeps every kind's false-positive rate at or under
    ``max_fpr``, and each kind's own threshold. ``model_dir``: the base weights (default: the
    packaged MiniLM)."""
    encoder = InjectionEncoder(adapter, model_dir=model_dir)
    per_kind = {k: threshold_for_fpr(encoder.probabilities(list(v)), max_fpr)
                for k, v in benign.items() if v}  # fmt: skip
    threshold = max([floor, *per_kind.values()])
    meta_path = adapter.with_suffix(".json")
    meta = json.loads(meta_path.read_text())
    meta["threshold"] = threshold
    meta["calibration"] = {"max_fpr": max_fpr, "floor": floor, "per_kind": per_kind,
                           "n": {k: len(v) for k, v in benign.items()}}  # fmt: skip
    tmp = meta_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(meta, indent=1) + "\n")
    tmp.replace(meta_path)
    return threshold, per_kind
