"""The reader network, its adapter file, and the ONNX model the runtime runs.

The network is the packaged all-MiniLM-L6-v2 BERT encoder with two heads: ``qa`` (384 -> 2) gives
start and end logits per token, ``answerable`` (384 -> 1) reads the ``[CLS]`` vector and gives the
logit that the window holds an answer. Training (``veracity train reader``) adapts the encoder with
LoRA and trains the heads and layer norms; what it learned fits in a small adapter file shipped as
package data (``reader_adapter.npz`` with ``reader_adapter.json``, in the format that
``veracity.embed.adapter`` reads and merges).

On first use the adapter is merged into the packaged base weights, exported to ONNX, its MatMul
weights quantized to int8 per channel (the embedder's recipe, ``veracity.embed.onnx_quantize``)
and cached under ``$VERACITY_CACHE``; later processes only load the cached file (no PyTorch).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from veracity.embed.adapter import apply_adapter, build_adapted_onnx, export_onnx
from veracity.embed.adapter import read_adapter as read_any_adapter
from veracity.errors import MissingDependency

ADAPTER_PATH = Path(__file__).with_name("reader_adapter.npz")
FORMAT = "veracity-reader/1"
_RECIPE = "1"  # bump when the export or quantization changes


def reader_net(model_dir: Path) -> Any:
    """A fresh ``ReaderNet`` (a ``torch.nn.Module``) on the BERT weights in ``model_dir``;
    ``forward(ids, mask, types)`` returns ``start (B, T), end (B, T), answerable (B,)``."""
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise MissingDependency("building the reader model", extra="torch") from exc

    class ReaderNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager")
            width = self.bert.config.hidden_size
            self.qa = torch.nn.Linear(width, 2)
            self.answerable = torch.nn.Linear(width, 1)

        def forward(self, ids: Any, mask: Any, types: Any) -> tuple[Any, Any, Any]:
            hidden = self.bert(input_ids=ids, attention_mask=mask, token_type_ids=types)[0]
            logits = self.qa(hidden)  # (B, T, 2)
            # Padding can never be an answer: push its logits far down (not -inf: ONNX-safe).
            pad = (1 - mask.to(logits.dtype)) * -1e4  # (B, T)
            start, end = logits[..., 0] + pad, logits[..., 1] + pad
            return start, end, self.answerable(hidden[:, 0]).squeeze(-1)

    return ReaderNet()


def read_adapter(path: Path = ADAPTER_PATH) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The adapter's arrays and its metadata (``reader_adapter.json`` beside the ``.npz``)."""
    return read_any_adapter(path, FORMAT, "reader", "veracity train reader")


def build_reader_onnx(model_dir: Path, adapter: Path = ADAPTER_PATH, quantize: bool = True) -> Path:
    """The cached ONNX reader for base weights ``model_dir`` plus ``adapter``, built now if absent
    (``veracity.embed.adapter.build_adapted_onnx``)."""

    def export(out: Path) -> None:
        net = reader_net(model_dir)
        apply_adapter(net, read_adapter(adapter)[0])
        axes = {0: "batch", 1: "tokens"}
        export_onnx(net, out, {"start_logits": axes, "end_logits": axes,
                               "answerable_logit": {0: "batch"}})  # fmt: skip

    return build_adapted_onnx(f"reader-{_RECIPE}", model_dir, adapter, quantize, export)
