"""Latency of ``ask`` on SciFact (12k chunks), in each answer style, one thread.

Run: ``python -m benchmarks.ask_latency [--collection DIR] [--n 30] [--styles extractive,generative]``.

Builds (once, cached under ``benchmarks/results``) a SciFact collection with the default embedder,
asks the first ``n`` test claims phrased as questions in each style (the default extractive
reader; the generative style with SmolLM2-135M GGUF), answer cache off, after one warm-up
question per style, and reports time to first token and total latency (p50/p95, wall and CPU),
the share answered, and the per-stage medians that show where the time goes. The first question
of a fresh process is timed separately (it pays for loading the indexes once).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VERACITY_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks._report import machine_line, write_section  # noqa: E402
from veracity.collection import Collection  # noqa: E402
from veracity.rag.engine import AskOptions, Final, Token  # noqa: E402

SCIFACT = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "scifact"
DEFAULT_COLLECTION = Path(__file__).resolve().parent / "results" / "scifact-latency"


def _queries(n: int) -> list[str]:
    qrels = SCIFACT / "qrels" / "test.tsv"
    wanted = {line.split("\t")[0] for line in qrels.read_text().splitlines()[1:]}
    out: list[str] = []
    with (SCIFACT / "queries.jsonl").open() as fh:
        for line in fh:
            q = json.loads(line)
            if q["_id"] in wanted:
                out.append(f"Is it true that {q['text'].rstrip('.')}?")
            if len(out) >= n:
                break
    return out


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def _collection(path: Path) -> Collection:
    """The SciFact corpus with the default embedder, ingested on first use."""
    from veracity.evaluate.beir import read_corpus

    col = Collection(path)
    if col.status().documents == 0:
        t0 = time.process_time()
        col.add([row.document() for row in read_corpus(SCIFACT / "corpus.jsonl.gz")])
        print(f"ingested SciFact in {time.process_time() - t0:.0f} CPU s")
    return col


def _measure(engine: Any, questions: list[str], opts: AskOptions) -> dict[str, Any]:
    ttft, total, cpu, answered = [], [], [], 0
    stages: dict[str, list[float]] = {}
    for question in questions:
        start, cpu0, first = time.perf_counter(), time.process_time(), None
        answer = None
        for event in engine.stream(question, options=opts):
            if isinstance(event, Token) and first is None:
                first = time.perf_counter() - start
            if isinstance(event, Final):
                answer = event.answer
        total.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - cpu0) * 1000)
        assert answer is not None
        if first is not None:
            ttft.append(first * 1000)
        answered += not answer.abstained
        for name, ms in answer.timings_ms.items():
            if name not in ("total", "first_token"):
                stages.setdefault(name, []).append(ms)
    return {"ttft": ttft, "total": total, "cpu": cpu, "answered": answered, "stages": stages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--collection", type=Path, default=DEFAULT_COLLECTION)
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--styles", default="extractive,generative")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    col = _collection(args.collection)
    questions = _queries(args.n)
    t0, c0 = time.perf_counter(), time.process_time()
    engine = col.answer_engine(args.model, cache=False, n_threads=1)
    base = AskOptions(relevance_floor=engine.options.relevance_floor, use_cache=False)
    first_answer = engine.ask(questions[0], options=base)
    cold = ((time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000)
    rows, notes = [], []
    for style in args.styles.split(","):
        opts = dataclasses.replace(base, style=style)
        engine.ask("warm-up question about cells?", options=opts)  # load the model, if any
        m = _measure(engine, questions, opts)
        n = len(m["total"])
        rows.append(
            f"| {style} | {_pct(m['ttft'], 50):.0f} | {_pct(m['ttft'], 95):.0f} "
            f"| {_pct(m['total'], 50):.0f} | {_pct(m['total'], 95):.0f} "
            f"| {_pct(m['cpu'], 50):.0f} | {_pct(m['cpu'], 95):.0f} | {m['answered']}/{n} |"
        )
        stage_line = ", ".join(f"{k} {statistics.median(v):.0f}" for k, v in m["stages"].items())
        notes.append(f"- {style}: median ms per stage: {stage_line}.")
    chunks = col.status().chunks
    table = "\n".join(rows)
    md = f"""## `ask` latency on SciFact, by answer style

Command: `python -m benchmarks.ask_latency --n {args.n} --styles {args.styles}`. SciFact corpus
({chunks:,} chunks, default embedder), generator `{args.model}` for the generative style, one
thread, answer cache off, {len(questions)} test claims asked as "Is it true that ...?" after one
warm-up per style. Wall and CPU milliseconds. First token: answered questions only (an
abstention sends no token); an extractive answer arrives whole, so its first token is its total. The first question of the process (indexes loaded, reader model loaded, answered
extractively: "{first_answer.text[:40].strip()}...") took {cold[0]:.0f} ms wall, {cold[1]:.0f} ms CPU.

| style | first token p50 | p95 | total p50 | p95 | CPU p50 | p95 | answered |
|---|---:|---:|---:|---:|---:|---:|---:|
{table}

{chr(10).join(notes)}

The machine is shared (2 cores, other jobs running), so wall times are pessimistic; CPU time is
the steadier figure. {machine_line()}
"""
    print(md)
    if not args.no_write:
        write_section("ask-latency", md)


if __name__ == "__main__":
    main()
