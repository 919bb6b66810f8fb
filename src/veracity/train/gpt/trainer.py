"""The training loop: AdamW, warm-up + cosine learning rate, validation loss, checkpoint/resume.

``train_gpt(cfg)`` prepares the data (``prepare``) under ``cfg.out/data``, trains, and writes
into ``cfg.out``: ``ckpt.pt`` (model, optimizer, step, loss history, RNG state; written every
``eval_interval`` steps, on stop and at the end), ``loss.png``, ``report.json`` and ``hf/`` (the
model as a ``GPT2LMHeadModel`` folder, see ``export``). ``resume=True`` continues from
``ckpt.pt``: the batch of step ``s`` is drawn from ``default_rng([seed, s])``, so an interrupted
run and its resumption see the same batches and reach the same weights as one uninterrupted run
(bit for bit on CPU without dropout). ``stop_at`` ends a run early, as a kill would, but cleanly.

Measured throughput and losses are in docs/benchmarks.md (section ``gpt``).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from veracity.errors import ConfigError, MissingDependency
from veracity.train.gpt.config import TrainConfig

__all__ = ["get_batch", "lr_at", "train_gpt"]

Log = Callable[[str], None]


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Linear warm-up over ``warmup`` steps, then cosine decay from ``lr`` to ``min_lr`` at
    ``steps`` (Loshchilov & Hutter 2017, without restarts; nanoGPT's ``get_lr``)."""
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / (cfg.warmup + 1)
    ratio = min(1.0, (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup))
    return cfg.min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (cfg.lr - cfg.min_lr)


def get_batch(
    shards: list[np.ndarray], batch: int, block: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` of shape (batch, block), int64: random windows and the same shifted by one; a
    shard is picked in proportion to its windows, so every window is equally likely."""
    sizes = np.array([max(0, len(s) - block - 1) for s in shards], dtype=np.float64)
    if sizes.sum() <= 0:
        raise ConfigError(
            f"the shards hold fewer than block_size + 2 = {block + 2} tokens; pass more data "
            "or a smaller model.block_size"
        )
    which = rng.choice(len(shards), size=batch, p=sizes / sizes.sum())
    x = np.empty((batch, block), dtype=np.int64)
    y = np.empty((batch, block), dtype=np.int64)
    for row, s in enumerate(which):
        start = int(rng.integers(0, sizes[s] + 1))
        window = np.asarray(shards[s][start : start + block + 1], dtype=np.int64)
        x[row], y[row] = window[:-1], window[1:]
    return x, y


def _torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise MissingDependency("training the GPT", "torch", "torch") from exc
    return torch


def _device(name: str) -> str:
    torch = _torch()
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"--device {name}: PyTorch sees no CUDA device here; use --device cpu")
    if name != "cpu" and not name.startswith("cuda"):
        raise ConfigError(f"--device must be cpu, cuda or cuda:N, got {name!r}")
    return name


class _Run:
    """The state of one run: model, optimizer, data, step, history."""

    def __init__(self, cfg: TrainConfig, device: str) -> None:
        from veracity.train.gpt.data import read_shards
        from veracity.train.gpt.model import GPT

        torch = _torch()
        self.torch, self.cfg, self.device = torch, cfg, device
        torch.manual_seed(cfg.seed)
        self.model = GPT(cfg.model).to(device)
        self.opt = self.model.optimizer(cfg.lr, cfg.weight_decay, cfg.beta2)
        data = Path(cfg.out) / "data"
        self.train, self.val = read_shards(data, "train"), read_shards(data, "val")
        self.step = 0
        self.history: dict[str, list[list[float]]] = {"train": [], "val": []}

    def batch(self, shards: list[np.ndarray], seed: list[int]) -> tuple[Any, Any]:
        x, y = get_batch(shards, self.cfg.batch_size, self.cfg.model.block_size,
                         np.random.default_rng(seed))  # fmt: skip
        t = self.torch
        return t.from_numpy(x).to(self.device), t.from_numpy(y).to(self.device)

    def train_step(self) -> float:
        lr = lr_at(self.step, self.cfg)
        for group in self.opt.param_groups:
            group["lr"] = lr
        x, y = self.batch(self.train, [self.cfg.seed, self.step])
        _, loss = self.model(x, y)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.grad_clip)
        self.opt.step()
        self.step += 1
        value = float(loss.item())
        self.history["train"].append([self.step, value])
        return value

    def val_loss(self) -> float:
        """Mean loss over the same ``eval_batches`` validation batches every time."""
        self.model.eval()
        losses = []
        with self.torch.no_grad():
            for i in range(self.cfg.eval_batches):
                _, loss = self.model(*self.batch(self.val, [self.cfg.seed, 1 << 40, i]))
                losses.append(float(loss.item()))
        self.model.train()
        value = float(np.mean(losses))
        self.history["val"].append([self.step, value])
        return value

    def save(self, path: Path) -> None:
        state = {
            "model": self.model.state_dict(), "optimizer": self.opt.state_dict(),
            "step": self.step, "history": self.history, "config": self.cfg.to_dict(),
            "torch_rng": self.torch.get_rng_state(),
        }  # fmt: skip
        if self.device.startswith("cuda"):  # dropout on the GPU draws from the CUDA generator
            state["cuda_rng"] = self.torch.cuda.get_rng_state_all()
        tmp = path.with_suffix(".tmp")
        self.torch.save(state, tmp)
        tmp.replace(path)  # atomic: a kill mid-write leaves the previous checkpoint

    def load(self, path: Path) -> None:
        state = self.torch.load(path, map_location=self.device, weights_only=False)
        if state["config"]["model"] != self.cfg.to_dict()["model"]:
            raise ConfigError(
                f"{path} was trained with model {state['config']['model']}, not "
                f"{self.cfg.to_dict()['model']}; resume with the same model settings"
            )
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["optimizer"])
        self.step, self.history = int(state["step"]), state["history"]
        self.torch.set_rng_state(state["torch_rng"])
        if "cuda_rng" in state and self.device.startswith("cuda"):
            self.torch.cuda.set_rng_state_all(state["cuda_rng"])


def train_gpt(
    cfg: TrainConfig, *, resume: bool = False, stop_at: int | None = None, log: Log | None = None
) -> dict[str, Any]:
    """Prepare the data, train (or continue) the GPT of ``cfg``, write its files; the report."""
    from veracity.train.gpt.prepare import prepare_data

    say = log or (lambda _m: None)
    out = Path(cfg.out).expanduser()
    ckpt = out / "ckpt.pt"
    if ckpt.exists() and not resume:
        raise ConfigError(
            f"{ckpt} exists; pass --resume to continue it, or another --out for a new run"
        )
    if resume and not ckpt.is_file():
        raise ConfigError(f"--resume: no checkpoint at {ckpt}; start a run there first")
    device = _device(cfg.device)
    torch = _torch()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    meta = prepare_data(cfg, out / "data")
    cfg = replace(cfg, model=replace(cfg.model, vocab_size=int(meta["vocab_size"])))
    (out / "config.json").write_text(json.dumps(cfg.to_dict(), indent=1), encoding="utf-8")
    run = _Run(cfg, device)
    if resume:
        run.load(ckpt)
        say(f"resumed at step {run.step} of {cfg.steps}")
    say(f"{run.model.num_params() / 1e6:.2f}M parameters, {meta['tokens']['train']:,} train "
        f"tokens, {cfg.steps} steps of {cfg.batch_size}x{cfg.model.block_size} on {device}")  # fmt: skip
    start_step, t0, cpu0, interrupted = run.step, time.perf_counter(), time.process_time(), False
    end = cfg.steps if stop_at is None else min(cfg.steps, stop_at)
    try:
        while run.step < end:
            loss = run.train_step()
            if run.step % cfg.eval_interval == 0 or run.step == cfg.steps:
                val = run.val_loss()
                say(f"step {run.step}: train {loss:.3f} val {val:.3f} "
                    f"lr {lr_at(run.step - 1, cfg):.2e}")  # fmt: skip
                run.save(ckpt)
    except KeyboardInterrupt:
        interrupted = True
        say(f"interrupted at step {run.step}; saving {ckpt} (continue with --resume)")
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    run.save(ckpt)
    report = _finish(run, out, meta, seconds, run.step - start_step, interrupted)
    report["cpu_seconds"] = cpu
    (out / "report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    return report


def _finish(run: _Run, out: Path, meta: dict[str, Any], seconds: float, steps: int,
            interrupted: bool) -> dict[str, Any]:  # fmt: skip
    from veracity.text.tokenizers import BPETokenizer, load_tokenizer
    from veracity.train.gpt.export import export_hf
    from veracity.train.gpt.plot import plot_losses

    cfg, hist = run.cfg, run.history
    tokens = steps * cfg.batch_size * cfg.model.block_size
    last = [v for _, v in hist["train"][-50:]]
    report: dict[str, Any] = {
        "out": str(out), "step": run.step, "steps": cfg.steps, "device": run.device,
        "interrupted": interrupted, "params": run.model.num_params(),
        "train_loss_last50": float(np.mean(last)) if last else None,
        "val_loss": hist["val"][-1][1] if hist["val"] else None,
        "best_val_loss": min((v for _, v in hist["val"]), default=None),
        "seconds": seconds, "tokens_per_s": tokens / seconds if seconds > 0 else None,
        "data": {k: meta[k] for k in ("read", "removed", "documents", "tokens", "vocab_size")},
    }  # fmt: skip
    if hist["train"]:
        plot_losses(hist, out / "loss.png", title=f"GPT {report['params'] / 1e6:.2f}M")
        report["plot"] = str(out / "loss.png")
    tok = load_tokenizer(out / "data" / "tokenizer.json")
    assert isinstance(tok, BPETokenizer)  # prepare_data writes only BPE tokenizers
    report["hf"] = str(export_hf(run.model, cfg.model, tok, out / "hf"))
    return report
