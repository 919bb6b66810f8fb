"""Low-rank adaptation (Hu et al. 2021, "LoRA"): train ``W + (alpha / r) * B @ A`` with ``W`` frozen.

``add_lora`` wraps chosen ``nn.Linear`` layers of a module in place; ``lora_arrays`` reads the
trained low-rank factors back as numpy arrays, which is all an adapter file needs to hold: the
runtime adds ``scale * B @ A`` to the base weight once (``veracity.rag.reader.export``), so an
adapted model runs exactly as fast as the base one.

``B`` starts at zero, so a freshly wrapped model computes exactly what the base model did.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from veracity.errors import ConfigError, MissingDependency


def _torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise MissingDependency("training", extra="torch", package="torch==2.13.0") from exc
    return torch


def lora_linear(base: Any, rank: int, alpha: float, dropout: float = 0.0) -> Any:
    """``base`` (an ``nn.Linear``) wrapped with trainable factors ``A`` (r, in) and ``B`` (out, r)."""
    torch = _torch()

    class LoRALinear(torch.nn.Module):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.base = base
            for p in self.base.parameters():
                p.requires_grad_(False)
            self.scale = alpha / rank
            self.lora_A = torch.nn.Parameter(torch.empty(rank, base.in_features))
            self.lora_B = torch.nn.Parameter(torch.zeros(base.out_features, rank))
            torch.nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
            self.drop = torch.nn.Dropout(dropout)

        def forward(self, x: Any) -> Any:
            delta = self.drop(x) @ self.lora_A.T @ self.lora_B.T  # (..., out)
            return self.base(x) + self.scale * delta

    return LoRALinear()


def add_lora(
    model: Any, targets: Sequence[str], rank: int = 16, alpha: float = 32.0, dropout: float = 0.0
) -> list[str]:
    """Wrap every ``nn.Linear`` whose qualified name ends with one of ``targets``; returns the
    wrapped names. Raises when nothing matches (a typo would silently train nothing)."""
    torch = _torch()
    if rank < 1:
        raise ConfigError(f"LoRA rank must be >= 1, got {rank}")
    wrapped: list[str] = []
    for name, module in list(model.named_modules()):
        if isinstance(module, torch.nn.Linear) and name.endswith(tuple(targets)):
            parent_name, _, child = name.rpartition(".")
            parent = model.get_submodule(parent_name) if parent_name else model
            setattr(parent, child, lora_linear(module, rank, alpha, dropout))
            wrapped.append(name)
    if not wrapped:
        raise ConfigError(f"no nn.Linear layer name ends with any of {list(targets)}")
    return wrapped


def lora_arrays(model: Any, dtype: Any = np.float16) -> dict[str, np.ndarray]:
    """``{"<layer>.lora_A": (r, in), "<layer>.lora_B": (out, r)}`` with the scale folded into B,
    so that ``W' = W + B @ A``."""
    out: dict[str, np.ndarray] = {}
    for name, module in model.named_modules():
        if hasattr(module, "lora_A") and hasattr(module, "lora_B"):
            a = module.lora_A.detach().cpu().numpy()
            b = module.lora_B.detach().cpu().numpy() * module.scale
            out[f"{name}.lora_A"] = a.astype(dtype)
            out[f"{name}.lora_B"] = b.astype(dtype)
    return out
