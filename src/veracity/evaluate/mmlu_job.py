"""One MMLU evaluation as ``veracity eval mmlu`` runs it: pick the scorer for a model spec (with
its thread count), score (``mmlu.evaluate_mmlu``), and publish (an HTML report when asked).

``run_mmlu_eval(MMLUEvalOptions("../shared/datasets/mmlu", model="smollm2", limit=10))`` returns an
``MMLUEvalResult`` whose ``report`` is the ``--json`` output; pass ``scorer=`` to score with your
own ``mmlu.Scorer`` instead of the one ``model`` names.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from veracity.evaluate.mmlu import MMLUResult, Scorer, evaluate_mmlu, mmlu_html

__all__ = ["MMLUEvalOptions", "MMLUEvalResult", "run_mmlu_eval"]


@dataclass(frozen=True, slots=True)
class MMLUEvalOptions:
    """``data``: an MMLU folder (dev/ for the shots, test/ scored). ``model``: ``smollm2``,
    ``FILE.gguf`` (llama.cpp), ``hf:DIR``, ``hf:FILE.gguf``, or ``openai:NAME`` with ``base_url``
    (generation scoring). ``subjects``: None or empty for all; ``limit``: test questions per
    subject; ``seed``: the bootstrap's."""

    data: str | Path
    model: str = "smollm2"
    shots: int = 5
    subjects: tuple[str, ...] | None = None
    limit: int | None = None
    threads: int = 1
    base_url: str | None = None
    seed: int = 0
    html: str | Path | None = None  # write the HTML report here


@dataclass(frozen=True, slots=True)
class MMLUEvalResult:
    """``report``: the ``--json`` output (``result.to_dict()``, ``limit``, ``data``,
    ``letters_outside_top_n`` for scorers that count them, ``html`` when written)."""

    result: MMLUResult
    report: dict[str, Any]


def run_mmlu_eval(
    options: MMLUEvalOptions,
    *,
    scorer: Scorer | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> MMLUEvalResult:
    """Score ``options`` with ``scorer`` (default: the one ``options.model`` names);
    ``progress(subject, i, n)`` after each question."""
    if scorer is None:
        from veracity.evaluate.mmlu_scorers import get_scorer

        scorer = get_scorer(options.model, n_threads=options.threads, base_url=options.base_url)
    result = evaluate_mmlu(
        scorer, options.data, subjects=options.subjects, shots=options.shots,
        limit=options.limit, seed=options.seed, progress=progress,
    )  # fmt: skip
    out = result.to_dict() | {"limit": options.limit, "data": os.fspath(options.data)}
    if hasattr(scorer, "missing"):
        out["letters_outside_top_n"] = scorer.missing
    if options.html:
        Path(options.html).write_text(mmlu_html(out), encoding="utf-8")
        out["html"] = os.fspath(options.html)
    return MMLUEvalResult(result, out)
