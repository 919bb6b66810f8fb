"""Adapter files for MiniLM-based networks: read them and merge them into a PyTorch module.

A network trained here on top of the packaged MiniLM encoder (the extractive reader, the
prompt-injection encoder) ships only what training changed, as an ``.npz`` with a ``.json`` of
metadata beside it:

- ``<layer>.lora_A`` (r, in) and ``<layer>.lora_B`` (out, r): added to the layer as ``W + B @ A``;
- ``full:<parameter>``: parameters trained outright (heads, layer norms), replacing the base ones.

The runtime merges the adapter into a fresh network once, exports it to ONNX and caches that
(``build_adapted_onnx``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from veracity.embed.onnx_export import build_cached, cache_dir
from veracity.errors import ConfigError


def read_adapter(
    path: Path, fmt: str, what: str, command: str
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The arrays of the adapter at ``path`` and its metadata (the ``.json`` beside it), which
    must declare format ``fmt``. ``what`` and ``command`` name the model and the command that
    trains it, for the error when the files are missing."""
    meta_path = path.with_suffix(".json")
    if not path.is_file() or not meta_path.is_file():
        raise ConfigError(
            f"{what} adapter not found at {path} (and {meta_path.name}); train one with "
            f"'{command}' or reinstall veracity"
        )
    meta: dict[str, Any] = json.loads(meta_path.read_text())
    if meta.get("format") != fmt:
        raise ConfigError(f"{meta_path} is not a {fmt} adapter (format {meta.get('format')!r})")
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


def export_onnx(net: Any, out: Path, outputs: Mapping[str, dict[int, str]]) -> None:
    """``net`` (``forward(input_ids, attention_mask, token_type_ids)``) as ONNX with dynamic batch
    and length axes; ``outputs`` names its outputs, each with its dynamic axes."""
    import torch

    dummy = tuple(torch.ones((2, 8), dtype=torch.int64) for _ in range(3))
    axes = {0: "batch", 1: "tokens"}
    inputs = ["input_ids", "attention_mask", "token_type_ids"]
    with torch.no_grad():
        torch.onnx.export(
            net.eval(),
            dummy,
            str(out),
            input_names=inputs,
            output_names=list(outputs),
            dynamic_axes={**{name: axes for name in inputs}, **outputs},
            opset_version=17,
            dynamo=False,
        )


def build_adapted_onnx(
    name: str,
    model_dir: Path,
    adapter: Path,
    quantize: bool,
    export: Callable[[Path], None],
) -> Path:
    """The cached ONNX model ``name`` for base weights ``model_dir`` plus ``adapter``, which
    ``export`` writes (fp32) when the cache lacks it; int8 with ``quantize``. The cache key hashes
    the adapter's bytes, so a retrained adapter is rebuilt; ``build_cached`` writes under a
    temporary name and renames, so concurrent first uses never see half a model. ``name`` carries
    the caller's recipe version (bump it when the export changes)."""
    digest = hashlib.sha256(adapter.read_bytes()).hexdigest()[:16]
    weights = (model_dir / "model.safetensors").stat()
    base = hashlib.sha256(f"{model_dir.resolve()}|{weights.st_size}".encode()).hexdigest()[:8]
    precision = "int8" if quantize else "fp32"
    target = cache_dir() / "onnx" / f"{name}-{base}-{digest}-{precision}.onnx"
    return build_cached(target, export, model_dir, quantize)
