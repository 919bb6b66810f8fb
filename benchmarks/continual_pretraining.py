"""Continual pre-training of the generator on domain text: held-out perplexity before and after.

Run: ``python -m benchmarks.continual_pretraining [--steps N] [--train-docs N] [--heldout-docs N]
[--no-write]``.

SmolLM2-135M-Instruct (the packaged Q4_1 GGUF, dequantized to float32, as ``veracity finetune
generator`` loads it) continues its pre-training (``method="continual"``: every parameter, plain
causal-LM loss, the CLI's default learning rate) on SciFact abstracts, one CPU thread. The corpus is
split **by document** (a hash of each ``_id``): training blocks come from some abstracts, the
perplexity is measured on others, never trained on. Perplexity is ``exp`` of the token-weighted
mean next-token loss over the held-out blocks (``generator.mean_loss``), before and after. A
second held-out set from another domain (SQuAD Wikipedia paragraphs) shows what the adaptation
costs on general text. Also: trainable parameters, training tokens/s, wall and CPU minutes, and
the process's peak resident memory while training (sampled every 50 ms).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VERACITY_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import gzip  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from benchmarks._report import machine_line, write_section  # noqa: E402
from benchmarks.generator_finetune import SQUAD, PeakRss  # noqa: E402
from veracity.train.embedder import batch_order  # noqa: E402
from veracity.train.generator import (  # noqa: E402
    DEFAULT_LR,
    GeneratorTrainConfig,
    finetune_generator,
    mean_loss,
)
from veracity.train.generator_data import lm_blocks  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"
CORPUS = DATA / "scifact" / "corpus.jsonl.gz"
RESULTS = Path(__file__).resolve().parent / "results" / "continual_pretraining.json"


def split_documents(
    docs: Sequence[tuple[str, str]], n_train: int, n_heldout: int
) -> tuple[list[str], list[str]]:
    """``(train texts, held-out texts)`` from ``(id, text)`` pairs, ranked by a hash of the id:
    the first ``n_heldout`` held out, the next ``n_train`` for training; no document in both."""
    ranked = sorted(docs, key=lambda d: hashlib.sha256(d[0].encode()).hexdigest())
    held = [t for _, t in ranked[:n_heldout]]
    train = [t for _, t in ranked[n_heldout : n_heldout + n_train]]
    return train, held


def scifact_docs(path: Path = CORPUS) -> list[tuple[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [(r["_id"], f"{r['title']}\n{r['text']}".strip()) for r in rows if r.get("text")]


def squad_paragraphs(n: int, part: int = 2) -> list[str]:
    """The first ``n`` paragraphs of SQuAD's test articles (``part`` 2; 0: training articles),
    split by article as the reader's."""
    from veracity.train.reader_data import load_articles, split_articles

    articles = split_articles(load_articles(SQUAD))[part]
    return [p.context for a in articles for p in a.paragraphs][:n]


class LoopClock:
    """Wall and CPU time of the training loop alone, read from the run's log lines: the line that
    announces the rows comes after the model load and the 'before' measurements, the last step's
    line before the 'after' ones."""

    def __init__(self, steps: int) -> None:
        self.last = f"step {steps}/{steps} "
        self.start = self.end = (0.0, 0.0)

    def __call__(self, message: str) -> None:
        now = (time.perf_counter(), time.process_time())
        if "training rows" in message:
            self.start = now
        elif message.startswith(self.last):
            self.end = now
        print(message, flush=True)

    @property
    def seconds(self) -> tuple[float, float]:
        """``(wall, CPU)`` seconds between the two lines."""
        return self.end[0] - self.start[0], self.end[1] - self.start[1]


def ppl(loss: float | None) -> float | None:
    return None if loss is None else round(math.exp(loss), 3)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--batch-size", type=int, default=2)
    ap.add_argument("--block-size", type=int, default=256)
    ap.add_argument("--train-docs", type=int, default=200)
    ap.add_argument("--heldout-docs", type=int, default=32)
    ap.add_argument("--general-paragraphs", type=int, default=24)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--train-on", choices=("scifact", "squad"), default="scifact",
                    help="squad: the control run, trained on SQuAD training-article paragraphs "
                    "(stored beside the SciFact run)")  # fmt: skip
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--render-only", action="store_true", help="rewrite the docs from the results")
    args = ap.parse_args(argv)
    if args.render_only:
        write_section("continual_pretraining", render(json.loads(RESULTS.read_text())))
        return 0
    if not CORPUS.is_file():
        print(f"SciFact not found at {CORPUS}; nothing to run")
        return 1
    train, held = split_documents(scifact_docs(), args.train_docs, args.heldout_docs)
    if args.train_on == "squad":
        train = squad_paragraphs(args.train_docs, part=0)
    general = squad_paragraphs(args.general_paragraphs) if SQUAD.is_file() else []
    general_rows: list[tuple[list[int], list[int]]] = []

    with tempfile.TemporaryDirectory() as tmp:
        cfg = GeneratorTrainConfig(
            out=Path(tmp), method="continual", steps=args.steps, batch_size=args.batch_size,
            block_size=args.block_size, seed=args.seed, export=None, save=False,
            checkpoint_every=10**9, threads=1, log=(clock := LoopClock(args.steps)),
        )  # fmt: skip

        def general_loss(model: Any, tokenizer: Any) -> dict[str, Any]:
            if not general_rows:
                general_rows.extend(
                    (b, list(b)) for b in lm_blocks(tokenizer, general, cfg.block_size)
                )
            return {
                "general_loss": mean_loss(model, general_rows, int(tokenizer.pad_token_id), cfg)
            }

        wall, cpu = time.perf_counter(), time.process_time()
        with PeakRss() as mem:
            res = finetune_generator(train, cfg, held, general_loss if general else None)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rows = lm_blocks(res.tokenizer, train, cfg.block_size)
    tokens = sum(len(rows[i]) for batch in batch_order(len(rows), cfg.steps, cfg.batch_size,
                                                       cfg.seed) for i in batch)  # fmt: skip
    r = res.report
    before, after = r["eval"]["before"], r["eval"]["after"]
    held_rows = lm_blocks(res.tokenizer, held, cfg.block_size)
    results = {
        "steps": cfg.steps, "batch_size": cfg.batch_size, "block_size": cfg.block_size,
        "lr": DEFAULT_LR["continual"], "train_docs": len(train), "train_blocks": len(rows),
        "heldout_docs": len(held), "heldout_blocks": len(held_rows),
        "heldout_tokens": sum(len(b) for b in held_rows), "general_paragraphs": len(general),
        "general_blocks": len(general_rows),
        "perplexity_domain": [ppl(before["heldout_loss"]), ppl(after["heldout_loss"])],
        "perplexity_general": [ppl(before.get("general_loss")), ppl(after.get("general_loss"))],
        "loss_first": r["loss_curve"][0],
        "loss_last5": round(sum(r["loss_curve"][-5:]) / len(r["loss_curve"][-5:]), 4),
        "trainable_parameters": r["trainable_parameters"], "train_tokens": tokens,
        "run_wall_s": round(wall, 1), "run_cpu_s": round(cpu, 1),
        "train_wall_s": round(clock.seconds[0], 1), "train_cpu_s": round(clock.seconds[1], 1),
        "peak_rss_mib": round(mem.peak / 2**20),
        "tokens_per_s_wall": round(tokens / clock.seconds[0], 1),
        "tokens_per_cpu_s": round(tokens / clock.seconds[1], 1),
    }  # fmt: skip
    print(json.dumps(results, indent=1), flush=True)
    results = merge(results, args.train_on)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    if not args.no_write:
        write_section("continual_pretraining", render(results))
    return 0


def finding(
    dom: Sequence[float | None], gen: Sequence[float | None], control: dict[str, Any] | None
) -> str:
    """What the perplexity rows say together, derived from them."""
    if dom[0] is None or dom[1] is None or gen[0] is None or gen[1] is None:
        return ""
    d = 100 * (dom[1] - dom[0]) / dom[0]
    g = 100 * (gen[1] - gen[0]) / gen[0]
    out = (
        f"Trained on SciFact, the domain's held-out perplexity moved {d:+.1f}% and the other "
        f"domain's {g:+.1f}%. "
    )
    if control is not None and None not in control["perplexity_domain"]:
        c0, c1 = control["perplexity_domain"]
        c = 100 * (c1 - c0) / c0
        out += (
            f"The control, the same number of steps on general text (SQuAD paragraphs of "
            f"training articles), moved the SciFact perplexity {c:+.1f}%: the part the domain's "
            f"own text adds is the difference, {d - c:+.1f} percentage points, and about "
            f"{100 * c / d:.0f}% of the drop comes from plain text of any kind (the base is an "
            "*instruct* model, its Q4_1 weights dequantized). Control: the same command with "
            "`--train-on squad`. "
        )
    elif d < 0 and g < 0:
        out += (
            "Both fell, so much of the drop is not specific to the domain: the base is an "
            "*instruct* model (its Q4_1 weights dequantized), and a few steps of plain text "
            "likely move it back toward predicting running text. `--train-on squad` runs the "
            "control that separates the two. "
        )
    return out + "\n\n"


SETTINGS = ("steps", "batch_size", "block_size", "heldout_docs", "general_paragraphs", "lr")


def merge(results: dict[str, Any], train_on: str) -> dict[str, Any]:
    """The SciFact run with the control run (trained on SQuAD) beside it, when both used the
    same settings and held-out sets; a control needs the SciFact run first."""
    old = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    if train_on == "squad":
        if not old or any(old.get(k) != results[k] for k in SETTINGS):
            raise SystemExit("run the SciFact benchmark with the same settings first")
        return {**old, "control": results}
    control = old.get("control")
    if control and all(control.get(k) == results[k] for k in SETTINGS):
        results["control"] = control
    return results


def _change(pair: Sequence[float | None]) -> str:
    a, b = pair
    return "–" if a is None or b is None else f"{100 * (b - a) / a:+.1f}%"


def render(res: dict[str, Any]) -> str:
    dom, gen = res["perplexity_domain"], res["perplexity_general"]
    runs = [("SciFact abstracts (the domain)", res)]
    if "control" in res:
        runs.append(("SQuAD paragraphs (control)", res["control"]))
    table = (
        "| trained on | held-out text | blocks | perplexity before | after | change |\n"
        "|---|---|---|---|---|---|\n"
    )
    for name, r in runs:
        d, g = r["perplexity_domain"], r["perplexity_general"]
        table += (
            f"| {name} | SciFact abstracts, documents never trained on | {r['heldout_blocks']} | "
            f"{d[0]} | {d[1]} | {_change(d)} |\n"
            f"| {name} | SQuAD Wikipedia paragraphs, test articles | {r['general_blocks']} | "
            f"{g[0]} | {g[1]} | {_change(g)} |\n"
        )
    cost = (
        "Cost of the SciFact run:\n\n"
        "| trainable params | training tokens | training tokens/s (wall; per CPU s) | training "
        "wall min (CPU min) | whole run wall min (CPU min) | peak RSS MiB |\n"
        "|---|---|---|---|---|---|\n"
        f"| {res['trainable_parameters']:,} | {res['train_tokens']:,} | "
        f"{res['tokens_per_s_wall']} ({res['tokens_per_cpu_s']}) | "
        f"{res['train_wall_s'] / 60:.1f} ({res['train_cpu_s'] / 60:.1f}) | "
        f"{res['run_wall_s'] / 60:.1f} ({res['run_cpu_s'] / 60:.1f}) | {res['peak_rss_mib']} |\n"
    )
    return (
        "## Continual pre-training of the generator: held-out perplexity (few-step CPU run)\n\n"
        f"`python -m benchmarks.continual_pretraining --steps {res['steps']} --train-docs "
        f"{res['train_docs']} --heldout-docs {res['heldout_docs']}` — SmolLM2-135M-Instruct "
        "(packaged GGUF, dequantized to float32), every parameter trained with the causal-LM "
        f"loss (`veracity finetune generator --method continual`, lr {res['lr']:g}, the CLI's "
        f"default) for {res['steps']} steps of {res['batch_size']} blocks of "
        f"{res['block_size']} tokens, one CPU thread. The SciFact corpus is split by document "
        f"(hash of the id): {res['train_docs']} abstracts to train on ({res['train_blocks']} "
        f"blocks, of which the run saw {res['train_tokens']:,} tokens), {res['heldout_docs']} "
        f"others ({res['heldout_tokens']:,} tokens) to measure perplexity on; SQuAD paragraphs "
        "(Wikipedia) show the cost on another domain. Perplexity: exp of the token-weighted "
        "mean next-token loss over the held-out blocks.\n\n"
        + table
        + "\n"
        + cost
        + "\n"
        + finding(dom, gen, res.get("control"))
        + "Training tokens/s and minutes time the training loop alone (forward, backward, AdamW "
        "step); the whole run adds loading the model and the perplexity measurements before and "
        "after. Wall time runs above CPU time when other work shares the two cores. Peak RSS "
        "is this process's, sampled every 50 ms: AdamW keeps two float32 moments per "
        "parameter, so full training holds about four copies of the 135M weights plus "
        "activations. A few dozen steps on one thread: the size and direction of the change, "
        "not what a long run reaches.\n\n"
        f"{machine_line()}\n"
    )


if __name__ == "__main__":
    raise SystemExit(main())
