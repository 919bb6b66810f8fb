"""A small GPT trained from scratch, nanoGPT-style (Karpathy's nanoGPT; Radford et al. 2019).

Four steps, one module each, all driven by ``veracity train gpt``:

- ``data``: a data-preparation pipeline (read, exact dedup by content hash, quality filters with
  counts of what each removed, a byte-level BPE of ours trained on the training split, ``uint16``
  token shards on disk);
- ``model``: the decoder (causal self-attention, MLP, pre-norm residual blocks, tied embeddings);
- ``trainer``: AdamW with linear warm-up and cosine decay, validation loss, checkpoint and resume
  (optimizer and RNG state included), a loss-curve PNG, ``--device cpu|cuda``;
- ``export``: the trained weights as a Hugging Face ``GPT2LMHeadModel`` folder with a
  ``tokenizers`` copy of our BPE, so ``generate_text(..., model="hf:DIR")`` and
  ``veracity eval mmlu --model hf:DIR`` run it (training code never runs a model).

Only ``config`` is imported here; torch is imported by the modules that need it.
"""

from __future__ import annotations

from veracity.train.gpt.config import PRESETS, GPTConfig, TrainConfig, load_config

__all__ = ["PRESETS", "GPTConfig", "TrainConfig", "load_config"]
