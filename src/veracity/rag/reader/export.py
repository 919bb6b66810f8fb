"""The reader network, its adapter file, and the ONNX model the runtime runs.

The network is the packaged all-MiniLM-L6-v2 BERT encoder with two heads: ``qa`` (384 -> 2) gives
start and end logits per token, ``answerable`` (384 -> 1) reads the ``[CLS]`` vector and gives the
logit that the window holds an answer. Training (``veracity train reader``) adapts the encoder with
LoRA and trains the heads and layer norms; what it learned fits in a small adapter file shipped as
package data (``reader_adapter.npz`` with ``reader_adapter.json``):

- ``<layer>.lora_A`` (r, in) and ``<layer>.lora_B`` (out, r): added to the layer as ``W + B @ A``;
- ``full:<parameter>``: parameters trained outright (heads, layer norms), replacing the base ones.

On first use the adapter is merged into the packaged base weights, exported to ONNX, its MatMul
weights quantized to int8 per channel (the embedder's recipe, ``veracity.embed.onnx_quantize``)
and cached under ``$VERACITY_CACHE``; later processes only load the cached file (no PyTorch).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from veracity.embed.onnx_export import build_cached, cache_dir
from veracity.errors import ConfigError, MissingDependency

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
    meta_path = path.with_suffix(".json")
    if not path.is_file() or not meta_path.is_file():
        raise ConfigError(
            f"reader adapter not found at {path} (and {meta_path.name}); train one with "
            "'veracity train reader' or reinstall veracity"
        )
    meta: dict[str, Any] = json.loads(meta_path.read_text())
    if meta.get("format") != FORMAT:
        raise ConfigError(f"{meta_path} is not a {FORMAT} adapter (format {meta.get('format')!r})")
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    return arrays, meta


def apply_adapter(net: Any, arrays: dict[str, np.ndarray]) -> None:
    """Merge LoRA pairs into ``net``'s weights and copy the fully trained parameters."""
    import torch

    params = dict(net.named_parameters())
    with torch.no_grad():
        for key, value in arrays.items():
            if key.startswith("full:"):
                target = params[key.removeprefix("full:")]
                target.copy_(torch.from_numpy(value.astype(np.float32)))
            elif key.endswith(".lora_A"):
                layer = key.removesuffix(".lora_A")
                a = arrays[key].astype(np.float32)  # (r, in)
                b = arrays[f"{layer}.lora_B"].astype(np.float32)  # (out, r)
                params[f"{layer}.weight"].add_(torch.from_numpy(b @ a))


def export_onnx(net: Any, out: Path) -> None:
    """``net`` as ONNX with dynamic batch and length axes."""
    import torch

    dummy = tuple(torch.ones((2, 8), dtype=torch.int64) for _ in range(3))
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad():
        torch.onnx.export(
            net.eval(),
            dummy,
            str(out),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["start_logits", "end_logits", "answerable_logit"],
            dynamic_axes={
                "input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                "start_logits": axes, "end_logits": axes, "answerable_logit": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )  # fmt: skip


def build_reader_onnx(model_dir: Path, adapter: Path = ADAPTER_PATH, quantize: bool = True) -> Path:
    """The cached ONNX reader for base weights ``model_dir`` plus ``adapter``, built now if absent.

    The cache key hashes the adapter's bytes, so a retrained adapter is rebuilt; the file is written
    under a temporary name and renamed, so concurrent first uses never see half a model."""
    digest = hashlib.sha256(adapter.read_bytes()).hexdigest()[:16]
    weights = (model_dir / "model.safetensors").stat()
    base = hashlib.sha256(f"{model_dir.resolve()}|{weights.st_size}".encode()).hexdigest()[:8]
    precision = "int8" if quantize else "fp32"
    target = cache_dir() / "onnx" / f"reader-{base}-{digest}-{_RECIPE}-{precision}.onnx"

    def export(out: Path) -> None:
        net = reader_net(model_dir)
        apply_adapter(net, read_adapter(adapter)[0])
        export_onnx(net, out)

    return build_cached(target, export, model_dir, quantize)
