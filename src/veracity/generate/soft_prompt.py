"""Soft prompts at inference: learned input embeddings put before every prompt.

``veracity finetune generator --method prompt`` trains a soft prompt with ``peft`` (prompt tuning,
Lester et al. 2021) and saves it as a peft adapter folder: ``adapter_config.json`` and the
``(virtual tokens, hidden size)`` matrix ``prompt_embeddings`` in ``adapter_model.safetensors``.
A soft prompt cannot be folded into the weights (as LoRA can) nor written as tokens, so llama.cpp
cannot run it; our own decoding loop can (``hf:`` models). ``SoftPrompted`` wraps the causal LM
so that the first forward of a reply (the prefill, no KV cache yet) reads the soft prompt's
embeddings followed by the prompt's token embeddings; later steps go through the cache, which
then holds the virtual tokens, unchanged. This is what peft's ``PeftModelForCausalLM`` does at
generation, without peft at run time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from veracity.errors import ConfigError, ModelNotFound

WEIGHTS = "adapter_model.safetensors"


def load_soft_prompt(folder: str | Path, hidden_size: int) -> Any:
    """The ``(n, hidden_size)`` float tensor of the soft prompt saved in ``folder``."""
    root = Path(folder).expanduser()
    config_path, weights = root / "adapter_config.json", root / WEIGHTS
    if not config_path.is_file() or not weights.is_file():
        raise ModelNotFound(
            f"no soft prompt in {root}: it needs adapter_config.json and {WEIGHTS}, as "
            "`veracity finetune generator --method prompt` writes them under OUT/adapter"
        )
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {config_path}: {exc}") from None
    kind = config.get("peft_type") if isinstance(config, dict) else None
    if kind != "PROMPT_TUNING":
        hint = (
            "a LoRA adapter applies to GGUF models with --lora ADAPTER.gguf"
            if kind == "LORA"
            else "train one with `veracity finetune generator --method prompt`"
        )
        raise ConfigError(f"{root} holds a {kind or 'unknown'} adapter, not a soft prompt; {hint}")
    from safetensors.torch import load_file

    tensors = load_file(str(weights))
    if "prompt_embeddings" not in tensors:
        raise ConfigError(f"{weights} has no 'prompt_embeddings' tensor; is it a soft prompt?")
    prompt = tensors["prompt_embeddings"].float()
    if prompt.ndim != 2 or prompt.shape[1] != hidden_size or prompt.shape[0] < 1:
        raise ConfigError(
            f"the soft prompt in {root} is {tuple(prompt.shape)}, but this model's embeddings "
            f"are {hidden_size} wide: it was trained for another base model"
        )
    return prompt


class SoftPrompted:
    """A causal LM that reads ``prompt`` ``(n, hidden)`` before the tokens of every prefill.

    Called as the decoding loop calls a model (``input_ids``, ``use_cache``, the cache under
    ``cache_arg``); other attributes are the wrapped model's.
    """

    def __init__(self, model: Any, prompt: Any, cache_arg: str) -> None:
        self.model = model
        self.prompt = prompt.to(model.get_input_embeddings().weight.dtype)
        self.cache_arg = cache_arg

    @property
    def n_virtual(self) -> int:
        return int(self.prompt.shape[0])

    def __call__(self, input_ids: Any, **kwargs: Any) -> Any:
        if kwargs.get(self.cache_arg) is not None:  # a step through the cache
            return self.model(input_ids=input_ids, **kwargs)
        import torch

        tokens = self.model.get_input_embeddings()(input_ids)  # (batch, len, hidden)
        virtual = self.prompt.unsqueeze(0).expand(tokens.shape[0], -1, -1)
        return self.model(inputs_embeds=torch.cat([virtual, tokens], dim=1), **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)
