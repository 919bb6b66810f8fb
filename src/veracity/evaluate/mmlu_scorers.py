"""Log-likelihood scorers for ``evaluate.mmlu``: transformers models and GGUF files.

``get_scorer(spec)``:

- ``hf:DIR`` (a transformers folder, e.g. our GPT's ``OUT/hf``) or ``hf:FILE.gguf`` (transformers
  de-quantizes the GGUF to float32): ``HFScorer``, exact log-likelihoods from the logits. The
  instruction and shots shared by a subject's questions go through the model once; each question
  continues from a copy of that KV cache (when the question's ids extend the prefix's ids, so the
  result is identical to scoring the whole prompt). Prompts longer than the model's window keep
  their last tokens (left truncation).
- ``smollm2`` (the packaged SmolLM2-135M-Instruct Q4_1) or ``FILE.gguf``: ``GGUFScorer``, llama.cpp
  in process through ``xllamacpp``. Its completion API returns log-probabilities of the top
  ``top_n`` next tokens only (no full logits), so a letter outside the top ``top_n`` scores
  ``-inf``; ``missing`` counts how often that happened. llama.cpp's prompt cache reuses the
  shared prefix by itself.
- ``openai:NAME`` (with ``base_url``; any OpenAI-compatible server) or any ``Generator``:
  ``GenerationScorer``. Servers give no log-likelihoods of a given continuation, so the model
  answers greedily in a few tokens and the first letter A-D of its reply is its choice (score 0,
  the others -inf); a reply with no letter counts as wrong (``missing``), as lighteval's
  generative MMLU scores it.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from veracity.errors import ConfigError, GenerationError

__all__ = ["GGUFScorer", "GenerationScorer", "HFScorer", "get_scorer"]


class HFScorer:
    """Exact log-likelihoods from a transformers causal LM (via ``generate.hf.HFGenerator``)."""

    def __init__(self, model: str | Path, *, n_threads: int | None = 1, name: str | None = None):
        from veracity.generate.hf import HFGenerator

        path = Path(str(model)).expanduser()
        if path.suffix == ".gguf":
            gen = HFGenerator(path.parent, gguf_file=path.name, n_threads=n_threads)
        else:
            gen = HFGenerator(model, n_threads=n_threads)
        self.name = name or f"hf:{model}"
        self.model, self.tokenizer = gen.model, gen.tokenizer
        self.window = gen.context_size
        self._cache_arg = gen._cache_arg  # "cache" or "past_key_values" (transformers 5 vs 4)
        self._prefix: tuple[str, list[int], Any, Any] | None = None  # text, ids, cache, logits

    def _ids(self, text: str) -> list[int]:
        return [int(i) for i in self.tokenizer.encode(text, add_special_tokens=False)]

    def _forward(self, ids: list[int], cache: Any = None) -> tuple[Any, Any]:
        """(log-probs (T, V), cache) of ``ids`` continuing ``cache``."""
        import torch

        with torch.no_grad():
            out = self.model(torch.tensor([ids]), use_cache=True, **{self._cache_arg: cache})
        new_cache = getattr(out, self._cache_arg, None)
        if new_cache is None:
            new_cache = getattr(out, "past_key_values", None)
        return torch.log_softmax(out.logits[0].float(), dim=-1), new_cache

    def _prefix_state(self, prefix: str) -> tuple[list[int], Any, Any]:
        if self._prefix is None or self._prefix[0] != prefix:
            ids = self._ids(prefix)
            logp, cache = self._forward(ids) if ids else (None, None)
            self._prefix = (prefix, ids, cache, logp)
        return self._prefix[1], self._prefix[2], self._prefix[3]

    def loglikelihoods(self, prefix: str, context: str,
                       continuations: Sequence[str]) -> list[float]:  # fmt: skip
        ctx = self._ids(context)
        conts = [self._ids(c) for c in continuations]
        if any(not c for c in conts):
            raise ConfigError("every continuation must be at least one token")
        if all(len(c) == 1 for c in conts):
            last = self._last_logprobs(prefix, ctx)
            return [float(last[c[0]]) for c in conts]
        return [self._sequence_ll(ctx, c) for c in conts]

    def _last_logprobs(self, prefix: str, ctx: list[int]) -> Any:
        """Log-probs of the token after ``ctx``, from the cached prefix when possible."""
        if len(ctx) + 1 <= self.window:
            p_ids, p_cache, p_logp = self._prefix_state(prefix)
            n = len(p_ids)
            if n > 0 and ctx[:n] == p_ids:
                if n == len(ctx):
                    return p_logp[-1]
                logp, _ = self._forward(ctx[n:], copy.deepcopy(p_cache))
                return logp[-1]
        logp, _ = self._forward(ctx[-(self.window - 1) :])
        return logp[-1]

    def _sequence_ll(self, ctx: list[int], cont: list[int]) -> float:
        ids = (ctx + cont)[-self.window :]
        logp, _ = self._forward(ids)
        start = len(ids) - len(cont)
        return float(sum(logp[start - 1 + j, t] for j, t in enumerate(cont)))


class GGUFScorer:
    """Top-``top_n`` next-token log-probabilities from llama.cpp (``xllamacpp``)."""

    def __init__(self, model: str | Path | None = None, *, n_threads: int = 1, n_ctx: int = 4096,
                 top_n: int = 50) -> None:  # fmt: skip
        from veracity.generate.gguf import GGUFGenerator

        self._gen = GGUFGenerator(model, n_threads=n_threads, n_ctx=n_ctx)
        self.name = self._gen.name
        self.top_n = top_n
        self.missing = 0  # letters outside the top ``top_n`` (scored -inf)

    def loglikelihoods(self, prefix: str, context: str,
                       continuations: Sequence[str]) -> list[float]:  # fmt: skip
        request = {"prompt": context, "max_tokens": 1, "temperature": 0.0, "logprobs": self.top_n,
                   "cache_prompt": True, "stop": []}  # fmt: skip
        # GGUFGenerator has no public log-prob call yet; its server is llama.cpp's own.
        result = self._gen._server.handle_completions(request)
        if not isinstance(result, dict) or "error" in result:
            raise GenerationError(f"llama.cpp refused the scoring request: {result}")
        content = result["choices"][0].get("logprobs", {}).get("content", [])
        if not content:
            raise GenerationError("llama.cpp returned no log-probabilities for the next token")
        top = {str(t["token"]): float(t["logprob"]) for t in content[0].get("top_logprobs", [])}
        out = [top.get(c, -math.inf) for c in continuations]
        self.missing += sum(1 for x in out if x == -math.inf)
        return out


class GenerationScorer:
    """A model that only generates (an API): its reply's first letter is its choice."""

    # "B", " (B) because", "The answer is B": a letter that opens the reply or follows "answer"
    # (an opening "A" followed by a lowercase word is the article: "A good question ...")
    _LETTER = re.compile(
        r"^\W*([ABCD])(?=$|[.):\],\n]|\s+[A-Z(])|(?i:answer)\W+(?:is\W+)?\(?([ABCD])(?![A-Za-z])"
    )

    def __init__(self, generator: Any, *, max_tokens: int = 4) -> None:
        self._gen = generator
        self.name = str(getattr(generator, "name", type(generator).__name__))
        self.max_tokens = max_tokens
        self.missing = 0  # replies without a letter (counted wrong)

    def loglikelihoods(self, prefix: str, context: str,
                       continuations: Sequence[str]) -> list[float]:  # fmt: skip
        from veracity.records import Decoding, Message

        decoding = Decoding(temperature=0.0, max_tokens=self.max_tokens)
        reply = "".join(self._gen.generate([Message("user", context)], decoding)).strip()
        found = self._LETTER.search(reply)
        if found is None:
            self.missing += 1
            return [-math.inf] * len(continuations)
        letter = found.group(1) or found.group(2)
        return [0.0 if c.strip() == letter else -math.inf for c in continuations]


def get_scorer(
    spec: str, *, n_threads: int = 1, base_url: str | None = None
) -> HFScorer | GGUFScorer | GenerationScorer:
    """``hf:DIR``, ``hf:FILE.gguf``, ``smollm2``, ``FILE.gguf`` or ``openai:NAME`` with
    ``base_url`` (see the module docstring)."""
    spec = spec.strip()
    if spec.startswith("openai:") or base_url:
        from veracity.generate.base import get_generator

        options = {"base_url": base_url} if base_url else {}
        return GenerationScorer(get_generator(spec, **options))
    if spec.startswith("hf:") and spec[3:].strip():
        return HFScorer(spec[3:].strip(), n_threads=n_threads)
    if spec == "smollm2":
        return GGUFScorer(None, n_threads=n_threads)
    if spec.lower().endswith(".gguf"):
        return GGUFScorer(spec, n_threads=n_threads)
    raise ConfigError(
        f"unknown MMLU model {spec!r}: use hf:<folder>, hf:<file.gguf> (transformers), smollm2 or "
        "<file.gguf> (llama.cpp), or openai:<name> --base-url URL (generation scoring)"
    )
