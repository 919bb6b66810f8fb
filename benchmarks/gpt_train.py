"""The small GPT: train the ``tiny`` preset on real text on one CPU thread, report losses,
throughput and samples through our decoding loop.

Run: ``python -m benchmarks.gpt_train`` (about 1M parameters, 1,500 steps of 16x128 tokens on
SQuAD v1.1 dev contexts + SciFact abstracts). ``--out DIR`` keeps the run (default a folder under
/tmp); ``--reuse`` reports a finished run in ``--out`` without training again (the figures are
those of the run that wrote it). Equivalent CLI: ``veracity train gpt --preset tiny --out DIR``.
Writes the section ``gpt`` of docs/benchmarks.md and the loss curve to docs/gpt_loss.png.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

from benchmarks._report import machine_line, write_section

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"
FILES = (DATA / "squad" / "dev-v1.1.json.gz", DATA / "scifact" / "corpus.jsonl.gz")
PROMPTS = ("The", "In 1066,", "The results show that")
PLOT = Path(__file__).resolve().parents[1] / "docs" / "gpt_loss.png"


def samples(hf_dir: Path) -> list[tuple[str, str]]:
    from veracity.generate.hf import HFGenerator
    from veracity.records import Decoding

    gen = HFGenerator(hf_dir, n_threads=1)
    out = []
    for prompt in PROMPTS:
        ids = gen.tokenizer.encode(prompt, add_special_tokens=False)
        for name, dec in (("greedy", Decoding(max_tokens=30)),
                          ("top-p 0.9, T 0.8", Decoding(temperature=0.8, top_p=0.9, max_tokens=30,
                                                         seed=0))):  # fmt: skip
            out.append(
                (f"{prompt!r} ({name})", gen.tokenizer.decode(list(gen.generate_ids(ids, dec))))
            )
    return out


def table(report: dict[str, Any]) -> list[str]:
    d = report["data"]
    cpu = report.get("cpu_seconds")
    return [
        "| figure | value |", "|---|---|",
        f"| parameters (tied head counted once, no positions) | {report['params']:,} |",
        f"| documents read / kept train / kept val | {d['read']:,} / {d['documents']['train']:,} / "
        f"{d['documents']['val']:,} |",
        f"| removed by the pipeline | {', '.join(f'{k} {v}' for k, v in d['removed'].items())} |",
        f"| tokens train / val (our BPE, vocab {d['vocab_size']:,}) | {d['tokens']['train']:,} / "
        f"{d['tokens']['val']:,} |",
        f"| steps x batch x context | {report['step']} x 16 x 128 |",
        f"| train loss (mean of last 50 steps) | {report['train_loss_last50']:.3f} |",
        f"| validation loss (final; best) | {report['val_loss']:.3f}; {report['best_val_loss']:.3f} |",
        f"| wall time of the training loop | {report['seconds'] / 60:.1f} min |",
        f"| CPU time | {cpu / 60:.1f} min |" if cpu else "| CPU time | not recorded by this run |",
        f"| throughput (wall) | {report['tokens_per_s']:,.0f} tokens/s |",
    ]  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/tmp/veracity-gpt-tiny")
    ap.add_argument("--reuse", action="store_true")
    args = ap.parse_args()
    out = Path(args.out)
    if args.reuse:
        report = json.loads((out / "report.json").read_text())
    else:
        from veracity.train.gpt import load_config
        from veracity.train.gpt.trainer import train_gpt

        shutil.rmtree(out, ignore_errors=True)
        cfg = load_config(preset="tiny", data=[str(f) for f in FILES], out=str(out), threads=1)
        report = train_gpt(cfg, log=print)
    shutil.copyfile(out / "loss.png", PLOT)
    lines = [
        "## Small GPT from scratch (`veracity train gpt --preset tiny`)",
        "",
        f"Command: `python -m benchmarks.gpt_train` (CLI: `veracity train gpt --preset tiny --out "
        f"DIR`). One PyTorch thread, CPU. {machine_line()} Other jobs shared the 2 cores during "
        "this run, so wall time is an upper bound.",
        "",
        "Data: SQuAD v1.1 dev contexts + SciFact abstracts, through the pipeline of "
        "`veracity.train.gpt.data` (hash dedup, Gopher-style filters), our byte-level BPE trained "
        "on the training split, uint16 shards. Validation: 5% of documents, chosen by hash.",
        "",
        *table(report),
        "",
        "Loss curve: ![GPT loss](gpt_loss.png) (cross-entropy in nats per token; ln(2048) = 7.62 "
        "is a uniform guess).",
        "",
        "Samples from the exported `OUT/hf` folder (`GPT2LMHeadModel`) through our decoding loop:",
        "",
        *[f"- {p}: `{t.strip()!r}`" for p, t in samples(Path(report["hf"]))],
    ]
    write_section("gpt", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
