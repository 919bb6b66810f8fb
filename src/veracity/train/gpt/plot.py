"""The loss-curve PNG of a run (matplotlib, headless)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from veracity.errors import MissingDependency

__all__ = ["plot_losses"]


def plot_losses(history: dict[str, list[list[float]]], path: Path, title: str = "GPT") -> None:
    """Train loss per step (raw, faint, and a 25-step moving mean) and validation loss points."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise MissingDependency("the loss-curve plot", "eval", "matplotlib") from exc
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    steps, train = np.array(history["train"]).T
    ax.plot(steps, train, color="tab:blue", alpha=0.25, linewidth=0.8)
    if len(train) >= 25:
        smooth = np.convolve(train, np.ones(25) / 25, mode="valid")
        ax.plot(steps[24:], smooth, color="tab:blue", label="train (25-step mean)")
    if history["val"]:
        vs, vl = np.array(history["val"]).T
        ax.plot(vs, vl, "o-", color="tab:orange", label="validation")
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (nats/token)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
