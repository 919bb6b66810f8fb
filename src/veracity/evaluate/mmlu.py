r"""MMLU (Hendrycks et al. 2021): multiple-choice accuracy by log-likelihood of the answer letter.

The folder is the one of ``../shared/datasets/mmlu``: ``dev/{subject}_dev.csv`` (5 questions per
subject, the few-shot examples) and ``test/{subject}_test.csv`` (scored), each a CSV with header
``question,choice0,choice1,choice2,choice3,answer`` and ``answer`` in 0..3.

Prompt: lighteval 0.13.0's ``mmlu`` task rendered as plain text (its ``PromptManager``), byte
for byte. With one shot, as a Python string::

    "The following are multiple choice questions (with answers) about high school biology.\n\n"
    "\n\nQuestion: <shot>\nA. <a>\nB. <b>\nC. <c>\nD. <d>\nAnswer: B"
    "\n\nQuestion: <question>\nA. <a>\nB. <b>\nC. <c>\nD. <d>\nAnswer:"

(lighteval's instruction ends in a blank line and is then joined with one more, hence four
newlines after it.) Where we differ from lighteval 0.13.0, on purpose:

- shots: the first ``shots`` dev questions in file order. lighteval's default ("balanced") is a
  seeded shuffle of the dev pool; with 5 shots from a 5-question dev split both use the same
  five questions, possibly in another order;
- scoring: the letter among ``" A" " B" " C" " D"`` with the highest log-likelihood after the
  prompt (the original MMLU harness of Hendrycks et al., and lighteval's choices for this
  prompt), not lighteval 0.13's exact match on up to 5 generated tokens: for small models a
  free generation is mostly unparseable, and log-likelihood needs one forward pass. The letters
  are one token in the tokenizers we use; longer continuations are summed over their tokens.

``lighteval`` itself is not used: 0.13.0 pulls ``datasets``, ``inspect-ai``, pinned ``nltk`` and
more, and its MMLU task reads the ``lighteval/mmlu`` dataset from the Hugging Face Hub, which these
machines cannot reach; we match its prompt instead (``tests/evaluate/test_mmlu.py`` checks it).

Accuracy: per subject, micro (all questions) and macro (mean of subject accuracies, the figure
papers report), each with a 95% percentile bootstrap interval (``bootstrap``); the macro one
resamples questions within each subject.
"""

from __future__ import annotations

import csv
import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from veracity.errors import ConfigError, EvaluationError
from veracity.evaluate.bootstrap import bootstrap_ci

__all__ = [
    "CHANCE",
    "LETTERS",
    "MMLUResult",
    "Question",
    "Scorer",
    "build_prompt",
    "evaluate_mmlu",
    "format_question",
    "list_subjects",
    "load_questions",
    "macro_ci",
    "mmlu_html",
]

LETTERS = ("A", "B", "C", "D")
CONTINUATIONS = tuple(f" {x}" for x in LETTERS)
CHANCE = 0.25


class Scorer(Protocol):
    """Log-likelihood of each continuation after a context (``veracity.evaluate.mmlu_scorers``)."""

    name: str

    def loglikelihoods(self, prefix: str, context: str,
                       continuations: Sequence[str]) -> list[float]: ...  # fmt: skip


@dataclass(frozen=True, slots=True)
class Question:
    subject: str
    question: str
    choices: tuple[str, str, str, str]
    answer: int  # 0..3


def list_subjects(root: str | Path) -> list[str]:
    """Subjects with a test file under ``root/test``, sorted."""
    test = Path(root).expanduser() / "test"
    if not test.is_dir():
        raise ConfigError(
            f"no MMLU folder at {root} (expected {test}/<subject>_test.csv); pass --data DIR"
        )
    return sorted(p.name.removesuffix("_test.csv") for p in test.glob("*_test.csv"))


def load_questions(root: str | Path, subject: str, split: str) -> list[Question]:
    """The questions of ``root/{split}/{subject}_{split}.csv``."""
    path = Path(root).expanduser() / split / f"{subject}_{split}.csv"
    if not path.is_file():
        raise ConfigError(f"no MMLU file {path}; subjects are the file names under {root}/test")
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh), 2):
            try:
                choices = tuple(row[f"choice{i}"] for i in range(4))
                answer = int(row["answer"])
                question = row["question"]
            except (KeyError, TypeError, ValueError) as exc:
                raise EvaluationError(
                    f"{path}:{n}: expected columns question,choice0..choice3,answer ({exc!r})"
                ) from exc
            if not 0 <= answer <= 3:
                raise EvaluationError(f"{path}:{n}: answer must be 0..3, got {answer}")
            out.append(Question(subject, question, choices, answer))  # type: ignore[arg-type]
    return out


def instruction(subject: str) -> str:
    return (
        "The following are multiple choice questions (with answers) about "
        f"{subject.replace('_', ' ')}.\n\n"
    )


def format_question(q: Question, with_answer: bool = False) -> str:
    """``Question: ...`` with lettered choices, ending ``Answer:`` (and `` X`` for a shot)."""
    body = f"Question: {q.question}" + "".join(
        f"\n{letter}. {choice}" for letter, choice in zip(LETTERS, q.choices, strict=True)
    )
    return body + "\nAnswer:" + (f" {LETTERS[q.answer]}" if with_answer else "")


def build_prompt(q: Question, shots: Sequence[Question]) -> tuple[str, str]:
    """``(prefix, prompt)``: the full lighteval prompt and its part shared by every question of
    the subject (instruction and shots), which scorers may cache."""
    parts = [instruction(q.subject), *(format_question(s, True) for s in shots)]
    prefix = "\n\n".join(parts) + "\n\n"
    return prefix, prefix + format_question(q)


@dataclass(frozen=True, slots=True)
class MMLUResult:
    model: str
    shots: int
    per_subject: dict[str, dict[str, Any]]  # accuracy, ci95, n
    micro: dict[str, Any]
    macro: dict[str, Any]
    predictions: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model, "shots": self.shots, "chance": CHANCE, "n": self.micro["n"],
            "micro": self.micro, "macro": self.macro, "per_subject": self.per_subject,
            # a small model often answers one letter whatever the question: show it
            "predicted_letters": {x: sum(p["pred"] == i for p in self.predictions)
                                  for i, x in enumerate(LETTERS)},
        }  # fmt: skip


def macro_ci(correct_by_subject: Sequence[np.ndarray], n: int = 1000, alpha: float = 0.05,
             seed: int = 0) -> tuple[float, float, float]:  # fmt: skip
    """Macro accuracy (mean of the subjects' accuracies) and its percentile bootstrap interval,
    resampling the questions within each subject (a stratified bootstrap)."""
    groups = [np.asarray(g, dtype=np.float64) for g in correct_by_subject if len(g)]
    if not groups:
        raise ConfigError("macro_ci needs at least one subject with questions")
    rng = np.random.default_rng(seed)
    stats = np.array(
        [np.mean([g[rng.integers(0, len(g), len(g))].mean() for g in groups]) for _ in range(n)]
    )
    lo, hi = np.quantile(stats, [alpha / 2, 1 - alpha / 2])
    return float(np.mean([g.mean() for g in groups])), float(lo), float(hi)


def _summary(correct: np.ndarray, seed: int) -> dict[str, Any]:
    acc, lo, hi = bootstrap_ci(correct.astype(np.float64), seed=seed)
    return {"accuracy": acc, "ci95": [lo, hi], "n": len(correct)}


def evaluate_mmlu(
    scorer: Scorer, root: str | Path, *, subjects: Sequence[str] | None = None, shots: int = 5,
    limit: int | None = None, seed: int = 0, progress: Callable[[str, int, int], None] | None = None,
) -> MMLUResult:  # fmt: skip
    """Score ``limit`` (default: all) test questions of each subject with ``shots`` dev shots."""
    known = list_subjects(root)
    chosen = list(subjects) if subjects else known
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise ConfigError(f"unknown MMLU subjects {unknown}; known: {', '.join(known)}")
    if not 0 <= shots <= 5:
        raise ConfigError(f"--shots must be 0..5 (the dev split has 5 per subject), got {shots}")
    if limit is not None and limit < 1:
        raise ConfigError(f"--limit must be >= 1, got {limit}")
    preds: list[dict[str, Any]] = []
    per_subject: dict[str, dict[str, Any]] = {}
    groups = []
    for subject in chosen:
        dev = load_questions(root, subject, "dev")[:shots] if shots else []
        test = load_questions(root, subject, "test")[:limit]
        correct = np.zeros(len(test), dtype=bool)
        for i, q in enumerate(test):
            prefix, prompt = build_prompt(q, dev)
            lls = scorer.loglikelihoods(prefix, prompt, CONTINUATIONS)
            # no finite score (a server's reply without a letter): no choice, counted wrong
            pred = int(np.argmax(lls)) if np.isfinite(np.max(lls)) else -1
            correct[i] = pred == q.answer
            preds.append({"subject": subject, "answer": q.answer, "pred": pred,
                          "loglikelihoods": [float(x) for x in lls]})  # fmt: skip
            if progress:
                progress(subject, i + 1, len(test))
        per_subject[subject] = _summary(correct, seed)
        groups.append(correct)
    everything = np.concatenate(groups) if groups else np.zeros(0, dtype=bool)
    if not len(everything):
        raise ConfigError("no test questions were scored; check --subjects and --limit")
    acc, lo, hi = macro_ci(groups, seed=seed)
    macro = {"accuracy": acc, "ci95": [lo, hi], "subjects": len([g for g in groups if len(g)])}
    return MMLUResult(scorer.name, shots, per_subject, _summary(everything, seed), macro,
                      tuple(preds))  # fmt: skip


def mmlu_html(result: dict[str, Any], reference: dict[str, float] | None = None) -> str:
    """A one-file HTML report: macro and micro accuracy with CIs, chance, references, subjects."""
    from veracity.evaluate.report import STYLE

    def pct(x: float) -> str:
        return "-" if x is None or math.isnan(x) else f"{100 * x:.1f}%"

    def row(name: str, s: dict[str, Any]) -> str:
        lo, hi = s["ci95"]
        n = s.get("n", s.get("subjects", ""))
        return (f"<tr><td>{html.escape(name)}</td><td class=num>{pct(s['accuracy'])}</td>"
                f"<td class=num>{pct(lo)} - {pct(hi)}</td><td class=num>{n}</td></tr>")  # fmt: skip

    head = "<tr><th>set</th><th>accuracy</th><th>95% CI</th><th>n</th></tr>"
    summary = row("macro (mean of subjects)", result["macro"]) + row("micro", result["micro"])
    refs = "".join(
        f"<tr><td>{html.escape(k)}</td><td class=num>{pct(v)}</td><td></td><td></td></tr>"
        for k, v in {"chance": CHANCE, **(reference or {})}.items()
    )
    subjects = "".join(row(k, v) for k, v in sorted(result["per_subject"].items()))
    title = f"MMLU {result['shots']}-shot: {html.escape(str(result['model']))}"
    return (
        f"<!doctype html><html><head><meta charset=utf-8><title>{title}</title>"
        f"<style>{STYLE}</style></head><body><h1>{title}</h1>"
        f"<table>{head}{summary}{refs}</table><h2>Subjects</h2><table>{head}{subjects}</table>"
        "</body></html>"
    )
