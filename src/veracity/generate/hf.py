"""Hugging Face transformers backend with our own decoding loop.

``transformers`` gives the forward pass and the tokenizer (with its chat template); the loop is
ours (``decoding``: greedy and sampling, one prefill then one token per step through the KV cache;
``beam``: beam search), each token chosen by the pure functions of ``sampling``. Owning the loop
is what lets every backend share the same sampling code, shows each step's candidates, and lets
tests compare ids with ``transformers`` ``generate`` and across runtimes.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from veracity.errors import MissingDependency, ModelNotFound
from veracity.generate.base import apply_stops
from veracity.generate.decoding import Step, decode_steps
from veracity.records import Decoding, Message


class HFGenerator:
    """A causal LM loaded with transformers from a local folder, or a hub id when online.

    ``n_threads`` sets torch's intra-op threads (process-wide: torch has no per-model setting).
    ``local_files_only`` defaults to True: nothing is downloaded unless asked. ``soft_prompt``:
    a folder written by ``veracity finetune generator --method prompt`` (``OUT/adapter``), whose
    learned embeddings then precede every prompt (``generate.soft_prompt``).
    """

    def __init__(
        self,
        model: str | Path,
        *,
        n_threads: int | None = 1,
        dtype: str = "float32",
        local_files_only: bool = True,
        gguf_file: str | None = None,
        name: str | None = None,
        soft_prompt: str | Path | None = None,
    ) -> None:
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as exc:
            raise MissingDependency(
                "the transformers generator", extra="torch", package="torch transformers"
            ) from exc
        if n_threads:
            torch.set_num_threads(n_threads)
        kw: dict[str, Any] = {"local_files_only": local_files_only}
        if gguf_file:
            kw["gguf_file"] = gguf_file
        try:
            self.tokenizer: Any = AutoTokenizer.from_pretrained(str(model), **kw)
            model_: Any = AutoModelForCausalLM.from_pretrained(
                str(model), dtype=getattr(torch, dtype), **kw
            )
        except OSError as exc:
            raise ModelNotFound(
                f"cannot load transformers model {str(model)!r} offline: {exc}. Pass a local "
                "folder with config.json and weights, or allow downloads: local_files_only=False"
            ) from exc
        self.model: Any = model_.eval()
        self.name = name or f"hf:{model}"
        self.context_size = int(getattr(self.model.config, "max_position_embeddings", 2048))
        self._eos_ids = _eos_ids(self.model, self.tokenizer)
        # transformers 5.x renamed ``past_key_values`` to ``cache`` (argument and output field).
        params = inspect.signature(self.model.forward).parameters
        self._cache_arg = "cache" if "cache" in params else "past_key_values"
        if soft_prompt is not None:
            from veracity.generate.soft_prompt import SoftPrompted, load_soft_prompt

            width = int(self.model.get_input_embeddings().weight.shape[1])
            prompted = SoftPrompted(
                self.model, load_soft_prompt(soft_prompt, width), self._cache_arg
            )
            self.model = prompted
            self.context_size -= prompted.n_virtual  # the virtual tokens take window positions
            self.name = name or f"hf:{model}+prompt:{Path(soft_prompt).expanduser().resolve()}"

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def prompt_ids(self, messages: list[Message]) -> list[int]:
        """Token ids of the chat prompt, ending with the assistant turn's opening."""
        chat = [{"role": m.role, "content": m.content} for m in messages]
        if getattr(self.tokenizer, "chat_template", None):
            tok = self.tokenizer
            ids = tok.apply_chat_template(chat, add_generation_prompt=True, tokenize=True)
            if isinstance(ids, dict) or hasattr(ids, "input_ids"):  # a BatchEncoding in v5
                ids = ids["input_ids"]
            return [int(i) for i in ids]
        # No template (a base model): a plain transcript is the best we can do.
        text = "".join(f"{m.role}: {m.content}\n" for m in messages) + "assistant:"
        return [int(i) for i in self.tokenizer.encode(text)]

    def generate(self, messages: list[Message], decoding: Decoding) -> Iterator[str]:
        return apply_stops(self._decode_text(self.prompt_ids(messages), decoding), decoding.stop)

    def generate_ids(self, prompt_ids: list[int], decoding: Decoding) -> Iterator[int]:
        """The decoding loop over ids (no stop strings, the end token left out)."""
        for step in self.generate_steps(prompt_ids, decoding):
            if step.eos:
                return
            yield step.token

    def generate_steps(
        self, prompt_ids: list[int], decoding: Decoding, top_n: int = 0
    ) -> Iterator[Step]:
        """Every chosen token after raw ``prompt_ids`` with, when ``top_n``, the ``top_n`` most
        likely candidates of its step; the last step is the end token when the model chose it."""
        return decode_steps(
            self.model, prompt_ids, decoding, eos_ids=self._eos_ids, cache_arg=self._cache_arg,
            context_size=self.context_size, top_n=top_n,
        )  # fmt: skip

    def token_text(self, token: int) -> str:
        """One token as text (special tokens by name), for showing distributions."""
        return str(self.tokenizer.decode([token], skip_special_tokens=False))

    def _decode_text(self, prompt_ids: list[int], decoding: Decoding) -> Iterator[str]:
        # Decode the whole reply each step and emit the new suffix: token-by-token decoding would
        # split multi-byte characters and lose the spaces some tokenizers attach on decode.
        ids: list[int] = []
        emitted = ""
        for token in self.generate_ids(prompt_ids, decoding):
            ids.append(token)
            text = self.tokenizer.decode(ids, skip_special_tokens=True)
            if text.endswith("\ufffd"):  # maybe an incomplete UTF-8 sequence: wait a token
                continue
            if len(text) > len(emitted) and text.startswith(emitted):
                yield text[len(emitted) :]
                emitted = text
        text = self.tokenizer.decode(ids, skip_special_tokens=True)
        if len(text) > len(emitted) and text.startswith(emitted):  # bytes that never completed
            yield text[len(emitted) :]


def _eos_ids(model: Any, tokenizer: Any) -> frozenset[int]:
    ids: set[int] = set()
    for source in (getattr(model, "generation_config", None), model.config, tokenizer):
        value = getattr(source, "eos_token_id", None)
        if isinstance(value, int):
            ids.add(value)
        elif isinstance(value, list | tuple):
            ids.update(int(v) for v in value)
    return frozenset(ids)
