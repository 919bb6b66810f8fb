"""Generator fine-tuning on the grounded-answer behaviour: base vs LoRA vs soft prompt vs full.

Run: ``python -m benchmarks.generator_finetune [--steps N] [--eval N] [--methods lora,full]
[--unanswerable-share S] [--no-write]``.

SmolLM2-135M-Instruct (the packaged Q4_1 GGUF, dequantized to float32) is trained for a few steps
on one CPU thread with each method (``veracity.train.generator``) on grounded examples built from
SQuAD v1.1 training articles (``generator_data.squad_examples``: the sentence holding the answer,
cited, or "I don't know." for the reader's unanswerable twins, a third of them by default). The same
held-out questions from
test articles (split by article, ``reader_data.split_articles``) are answered greedily in the
engine's prompt format by the base model and by each tuned one: answer F1 on answerable
questions, abstention on unanswerable ones, unsupported sentences among answers
(``generator_eval``), with bootstrap 95% CIs over questions. Also: trainable parameters, training
wall and CPU time, and the peak resident memory while training (sampled every 50 ms).

A few-step CPU run: it shows the methods side by side and their costs, not what each reaches
when trained to convergence.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VERACITY_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks._report import machine_line, write_section  # noqa: E402
from veracity.evaluate.bootstrap import auc_of_pairs, bootstrap_ci  # noqa: E402
from veracity.train.generator import (  # noqa: E402
    GeneratorTrainConfig,
    finetune_generator,
    load_base,
)
from veracity.train.generator_data import (  # noqa: E402
    UNANSWERABLE_SHARE,
    GroundedExample,
    mix,
    reply_stats,
    squad_examples,
)
from veracity.train.generator_eval import Scored, score_examples  # noqa: E402
from veracity.train.reader_data import load_articles, split_articles  # noqa: E402

SQUAD = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "squad" / "dev-v1.1.json.gz"
RESULTS = Path(__file__).resolve().parent / "results" / "generator_finetune.json"
# Fixed before any run was scored: the usual few-step rates for each method.
LR = {"lora": 5e-4, "prompt": 3e-2, "full": 2e-5}
MAX_NEW = 40  # reply tokens; a cited sentence fits
NAMES = {"lora": "LoRA", "prompt": "soft prompt", "full": "full fine-tuning"}


class PeakRss:
    """Peak resident memory of this process while the block runs (sampled)."""

    def __init__(self) -> None:
        import psutil

        self._proc = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self.peak = self._proc.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def balanced(examples: Sequence[GroundedExample], n: int) -> list[GroundedExample]:
    ans = [e for e in examples if e.answerable][: n - n // 2]
    una = [e for e in examples if not e.answerable][: n // 2]
    return ans + una


def ci(values: Sequence[float]) -> str:
    if not values:
        return "n/a"
    point, lo, hi = bootstrap_ci(np.asarray(values, dtype=float), n=2000, seed=0)
    return f"{point:.3f} [{lo:.3f}, {hi:.3f}]"


def first_step(rows: Sequence[Scored]) -> dict[str, str]:
    """The first reply token's decision: mean probability of the abstention's first token on
    answerable and on unanswerable questions, and how well it separates them (ROC AUC, 0.5 =
    chance), each with a bootstrap CI."""
    if any(r.p_abstain is None for r in rows):
        return {}
    p_ans = [float(r.p_abstain or 0.0) for r in rows if r.answerable]
    p_una = [float(r.p_abstain or 0.0) for r in rows if not r.answerable]
    pairs = np.array([[r.p_abstain, 0.0 if r.answerable else 1.0] for r in rows], dtype=float)
    point, lo, hi = bootstrap_ci(pairs, stat=auc_of_pairs, n=2000, seed=0)
    return {"p_abstain_answerable": ci(p_ans), "p_abstain_unanswerable": ci(p_una),
            "abstain_auc": f"{point:.3f} [{lo:.3f}, {hi:.3f}]"}  # fmt: skip


def figures(rows: Sequence[Scored]) -> dict[str, Any]:
    ans = [r for r in rows if r.answerable]
    una = [r for r in rows if not r.answerable]
    return {
        **first_step(rows),
        "answer_f1": ci([r.f1 for r in ans]),
        "false_abstention": ci([float(r.abstained) for r in ans]),
        "abstention_unanswerable": ci([float(r.abstained) for r in una]),
        "unsupported_sentences": ci([r.unsupported for r in rows if r.unsupported is not None]),
        "replies": [r.reply for r in rows[:3]],
    }


def base_rows(evals: Sequence[GroundedExample], train: Sequence[GroundedExample]
              ) -> tuple[list[Scored], float, dict[str, Any]]:  # fmt: skip
    """The untuned model's scored replies, the seconds they took, and the training data's reply
    statistics under its tokenizer (the model is freed after)."""
    model, tok, _ = load_base(None)
    began = time.perf_counter()
    rows = score_examples(model, tok, evals, MAX_NEW, first_token=True)
    return rows, time.perf_counter() - began, reply_stats(tok, train)


def run_method(cfg: GeneratorTrainConfig, train: Sequence[GroundedExample],
               heldout: Sequence[GroundedExample], evals: Sequence[GroundedExample]
               ) -> dict[str, Any]:  # fmt: skip
    """Train with ``cfg`` (timed, peak memory sampled), then score the held-out replies."""
    wall, cpu = time.perf_counter(), time.process_time()
    with PeakRss() as mem:
        res = finetune_generator(train, cfg, heldout)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    began = time.perf_counter()
    rows = score_examples(res.model, res.tokenizer, evals, MAX_NEW, first_token=True)
    r = res.report
    return {
        **figures(rows), "lr": cfg.lr,
        "trainable_parameters": r["trainable_parameters"],
        "total_parameters": r["total_parameters"],
        "train_wall_s": round(wall, 1), "train_cpu_s": round(cpu, 1),
        "peak_rss_mib": round(mem.peak / 2**20), "loss_first": r["loss_curve"][0],
        "loss_last5": round(float(np.mean(r["loss_curve"][-5:])), 4),
        "heldout_loss": [r["eval"]["before"]["heldout_loss"], r["eval"]["after"]["heldout_loss"]],
        "eval_seconds": round(time.perf_counter() - began, 1),
    }  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=2)
    ap.add_argument("--eval", type=int, default=16, help="held-out questions answered greedily")
    ap.add_argument("--max-length", type=int, default=640)
    ap.add_argument("--methods", default="lora,prompt,full")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--unanswerable-share", type=float, default=UNANSWERABLE_SHARE,
                    help="share of training examples to decline")  # fmt: skip
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--render-only", action="store_true", help="rewrite the docs from the results")
    args = ap.parse_args(argv)
    if args.render_only:
        res = json.loads(RESULTS.read_text())
        for r in (res, res.get("previous")):
            if r and "train_unanswerable" not in r:  # written before the field existed
                backfill(r, args.seed)
        write_section("generator_finetune", render(res))
        return 0
    if not SQUAD.is_file():
        print(f"SQuAD not found at {SQUAD}; nothing to run")
        return 1
    train_articles, _, test_articles = split_articles(load_articles(SQUAD))
    train = squad_examples(train_articles, args.seed, limit=args.steps * args.batch_size,
                           max_chars=500, unanswerable_share=args.unanswerable_share)  # fmt: skip
    # Evaluation keeps the reader's own pool (no share, no reply cap: it scores gold spans), so
    # the held-out questions are those of every earlier run with the same seed.
    test = squad_examples(test_articles, args.seed + 1, max_chars=500, unanswerable_share=None,
                          max_reply_chars=None)  # fmt: skip
    evals = balanced(test, args.eval)
    heldout = mix([e for e in test if e not in evals], args.unanswerable_share, 8)
    results: dict[str, Any] = {"steps": args.steps, "batch_size": args.batch_size,
                               "eval_questions": len(evals), "train_examples": len(train),
                               "train_unanswerable": sum(not e.answerable for e in train),
                               "unanswerable_share": round(args.unanswerable_share, 4),
                               "seed": args.seed,
                               "methods": {}}  # fmt: skip
    if RESULTS.is_file():  # keep the run before the unanswerable share existed, to compare
        prev = json.loads(RESULTS.read_text())
        results["previous"] = prev.get("previous") or (
            None if "unanswerable_share" in prev else prev
        )
        if results["previous"] and "train_unanswerable" not in results["previous"]:
            backfill(results["previous"], args.seed)
        same = ("steps", "batch_size", "eval_questions", "unanswerable_share", "seed")
        if all(prev.get(k) == results.get(k) for k in same):
            # Methods run apart (one per process) on the same data join one table.
            results["methods"] = {m: v for m, v in prev["methods"].items()
                                  if m not in args.methods.split(",")}  # fmt: skip
    rows, wall, stats = base_rows(evals, train)
    results["reply_stats"] = stats
    results["base"] = {**figures(rows), "eval_seconds": round(wall, 1)}
    print("base", results["base"], flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for method in args.methods.split(","):
            cfg = GeneratorTrainConfig(
                out=Path(tmp) / method, method=method, steps=args.steps,
                batch_size=args.batch_size, lr=LR[method], max_length=args.max_length,
                seed=args.seed, export=None, save=False, checkpoint_every=10**9, threads=1,
                log=lambda m: print(m, flush=True),
            )  # fmt: skip
            results["methods"][method] = run_method(cfg, train, heldout, evals)
            print(method, results["methods"][method], flush=True)
            save(results)  # after each method: an interrupted run keeps what it finished
    save(results)
    if not args.no_write:
        write_section("generator_finetune", render(results))
    return 0


def backfill(res: dict[str, Any], seed: int) -> None:
    """The training mix of a run written before results counted it (no share, no reply cap)."""
    train = squad_examples(split_articles(load_articles(SQUAD))[0], seed,
                           limit=res["steps"] * res["batch_size"], max_chars=500,
                           unanswerable_share=None, max_reply_chars=None)  # fmt: skip
    res["train_unanswerable"] = sum(not e.answerable for e in train)
    res["train_examples"] = len(train)


def save(results: dict[str, Any]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    tmp = RESULTS.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=1) + "\n")
    tmp.replace(RESULTS)


def _row(name: str, m: dict[str, Any]) -> str:
    before, after = m["heldout_loss"]
    return (
        f"| {name} (lr {m['lr']:g}) | {m['trainable_parameters']:,} | {m['train_wall_s']} "
        f"({m['train_cpu_s']}) | {m['peak_rss_mib']} | {before} → {after} | {m['answer_f1']} | "
        f"{m['false_abstention']} | {m['abstention_unanswerable']} | "
        f"{m['unsupported_sentences']} |"
    )


def render(res: dict[str, Any]) -> str:
    head = (
        "| model | trainable params | train wall s (CPU s) | peak RSS MiB | held-out loss "
        "before → after | answer F1 | false abstention | abstention (unanswerable) | "
        "unsupported sentences |\n|---|---|---|---|---|---|---|---|---|\n"
    )
    b = res["base"]
    lines = [f"| base SmolLM2-135M-Instruct | 0 | – | – | – | {b['answer_f1']} | "
             f"{b['false_abstention']} | {b['abstention_unanswerable']} | "
             f"{b['unsupported_sentences']} |"]  # fmt: skip
    lines += [_row(name, m) for name, m in res["methods"].items()]
    methods = ",".join(res["methods"])
    share = res.get("unanswerable_share")
    cmd = (
        f"python -m benchmarks.generator_finetune --steps {res['steps']} --eval "
        f"{res['eval_questions']} --methods {methods}"
        + ("" if share is None else f" --unanswerable-share {share:.4g}")
    )
    data = (
        f"{res['train_unanswerable']} of the {res['train_examples']} training examples "
        "unanswerable" + ("" if share is None else f", share {share:.3g}")
    )
    return (
        f"## Generator fine-tuning: {' vs '.join(NAMES.get(m, m) for m in res['methods'])} "
        "(few-step CPU run)\n\n"
        f"`{cmd}` — SmolLM2-135M-Instruct (packaged GGUF, dequantized to float32), "
        f"{res['steps']} steps of batch {res['batch_size']} on grounded examples from SQuAD "
        f"v1.1 training articles ({data}), one CPU thread; {res['eval_questions']} held-out "
        "questions from test articles (half unanswerable; articles never trained on) answered "
        "greedily in the engine's prompt format, 95% bootstrap CIs. **A few-step CPU run**: it "
        "compares the methods' costs and early direction, not their converged quality; with "
        "this few questions the CIs are wide.\n\n"
        + head
        + "\n".join(lines)
        + "\n\n"
        + decision_table(res)
        + notes(res)
        + f"\n\n{machine_line()}\n"
    )


def decision_table(res: dict[str, Any]) -> str:
    """The first reply token's decision per model (empty when no model measured it)."""
    models = [("base SmolLM2-135M-Instruct", res["base"]), *res["methods"].items()]
    if not any("abstain_auc" in m for _, m in models):
        return ""
    rows = [f"| {n} | {m.get('p_abstain_answerable', '–')} | "
            f"{m.get('p_abstain_unanswerable', '–')} | {m.get('abstain_auc', '–')} |"
            for n, m in models]  # fmt: skip
    return (
        "The first step of greedy decoding decides: the probability of the abstention's first "
        "token as the first reply token, on answerable and on unanswerable held-out questions, "
        "and how well it tells them apart (ROC AUC; 0.5 is chance). A model that learned *when* "
        "to decline separates the two; one that learned only *how often* moves both alike.\n\n"
        "| model | P(abstain) answerable | P(abstain) unanswerable | AUC |\n|---|---|---|---|\n"
        + "\n".join(rows)
        + "\n\n"
    )


def previous_table(prev: dict[str, Any]) -> str:
    """The earlier run's figures (same held-out questions, the unfiltered training mix)."""
    rows = [f"| {n} | {m['answer_f1']} | {m['false_abstention']} | {m['abstention_unanswerable']} |"
            for n, m in [("base", prev["base"]), *prev["methods"].items()]]  # fmt: skip
    return (
        "| model (earlier run) | answer F1 | false abstention | abstention (unanswerable) |\n"
        "|---|---|---|---|\n" + "\n".join(rows)
    )


def notes(res: dict[str, Any]) -> str:
    """What the table says, derived from it, and what it does not."""
    collapsed = [n for n, m in res["methods"].items() if m["false_abstention"].startswith("1.000")]
    out = []
    stats = res.get("reply_stats")
    if stats:
        out.append(
            f"Loss tokens: an abstention reply is {stats['abstention_reply_tokens_mean']} tokens "
            f"(with the end-of-turn token), a cited answer {stats['answer_reply_tokens_mean']} on "
            f"average, so the abstentions hold {100 * stats['abstention_loss_token_share']:.0f}% "
            "of the loss tokens (the loss is the mean over reply tokens; prompts are masked)."
        )
    if collapsed:
        share = res.get("unanswerable_share")
        text = f'{" and ".join(collapsed)} collapsed to replying "I don\'t know." to every question'
        if share is not None and stats:
            text += (
                f", although only {res['train_unanswerable']} of {res['train_examples']} training "
                "examples were unanswerable and their replies held "
                f"{100 * stats['abstention_loss_token_share']:.0f}% of the loss tokens: neither "
                "the share nor the loss weight was the cause on its own"
            )
        out.append(
            text + ". Greedy decoding takes the arg-max of the first reply token, where the "
            "abstention is one token that collects every unanswerable example while answers "
            "start in many ways; a few steps raised that token's probability on every question "
            "(the table above) without yet telling the two kinds of question apart."
        )
    for name, m in [("base", res["base"]), *res["methods"].items()]:
        if "abstain_auc" not in m:
            continue
        point, lo, hi = (float(x) for x in m["abstain_auc"].replace("[", "").replace("]", "")
                         .replace(",", "").split())  # fmt: skip
        verdict = (
            "separates unanswerable from answerable questions better than chance: it learned "
            "something of *when* to decline, which a threshold on that probability (calibrated "
            "on dev questions) could use where greedy decoding is all or nothing"
            if lo > 0.5
            else "does not separate unanswerable from answerable questions better than chance "
            "(the CI holds 0.5)"
            + ("" if name == "base" else ": it learned *how often* to decline, not when")
        )
        out.append(f"{name}: the first-token abstention probability (AUC {point:.3f}, 95% CI "
                   f"{lo:.3f}-{hi:.3f}) {verdict}.")  # fmt: skip
    prev = res.get("previous")
    if prev:
        out.append(
            f"The earlier run ({prev['train_unanswerable']} of {prev['train_examples']} training "
            "examples unanswerable: the reader's SQuAD negatives unfiltered, 44% over the whole "
            "split; no reply cap) on the same held-out questions; lora and full collapsed to "
            '"I don\'t know." there:\n\n' + previous_table(prev)
        )
    if prev and "prompt" in prev["methods"] and "prompt" not in res["methods"]:
        out.append(
            "The soft prompt was not rerun on the new mix: its earlier evaluation alone took "
            f"{prev['methods']['prompt']['eval_seconds'] / 60:.0f} minutes (its replies often "
            f"ran to the {MAX_NEW}-token limit), beyond this run's CPU budget."
        )
    prompt = res["methods"].get("prompt")
    if prompt and prompt["heldout_loss"][1] > 0.98 * prompt["heldout_loss"][0]:
        out.append(
            f"The soft prompt ({prompt['trainable_parameters']:,} parameters) barely moved the "
            f"held-out loss in {res['steps']} steps."
        )
    out.append(
        "Peak RSS is this one process's, sampled while each method trained, so it also holds "
        "what earlier stages left allocated (the base evaluation, the previous methods); loading "
        "the dequantized model alone peaks at about 1.2 GiB. Run one method per process "
        "(`--methods lora`) for a clean figure. CPU seconds are below wall seconds because the "
        "two shared cores were busy with other work."
    )
    return "\n\n".join(out)


if __name__ == "__main__":
    raise SystemExit(main())
