"""Latency of ``ask`` on a SciFact collection with the default model (SmolLM2-135M GGUF).

Run: ``python -m benchmarks.ask_latency [--collection DIR] [--n 30]``.

Uses the SciFact collection that ``benchmarks.scifact_retrieval`` caches (MiniLM embeddings), asks
the first ``n`` test claims phrased as questions, one thread, answer cache off, and reports time to
first token and total latency (p50/p95, wall and CPU) with the share of answers and abstentions.
The per-stage medians show where the time goes.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VERACITY_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks._report import machine_line, write_section  # noqa: E402
from veracity.collection import Collection  # noqa: E402
from veracity.rag.engine import AskOptions, Final, Token  # noqa: E402

SCIFACT = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "scifact"
DEFAULT_COLLECTION = Path(__file__).resolve().parent / "results" / "scifact-minilm"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--collection", type=Path, default=DEFAULT_COLLECTION)
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    col = Collection(args.collection, create=False)
    engine = col.answer_engine(args.model, cache=False)
    opts = AskOptions(relevance_floor=engine.options.relevance_floor, use_cache=False)
    engine.ask("warm-up question about cells?", options=opts)  # load models, compile kernels
    ttft, total, cpu, answered = [], [], [], 0
    stages: dict[str, list[float]] = {}
    for question in _queries(args.n):
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
    n = len(total)
    stage_line = ", ".join(f"{k} {statistics.median(v):.0f} ms" for k, v in stages.items())
    md = f"""## `ask` latency on SciFact with the default model

Command: `python -m benchmarks.ask_latency --n {args.n}`. Collection `{args.collection.name}`
(SciFact corpus, MiniLM), model `{args.model}`, one thread, answer cache off; {n} test claims
asked as "Is it true that ...?". Time to first token counts only questions that reached the model
({len(ttft)} of {n}; the others abstained at the relevance floor without generating).

| metric | p50 | p95 |
|---|---:|---:|
| time to first token (ms, wall) | {_pct(ttft, 50):.0f} | {_pct(ttft, 95):.0f} |
| total latency (ms, wall) | {_pct(total, 50):.0f} | {_pct(total, 95):.0f} |
| total CPU time (ms) | {_pct(cpu, 50):.0f} | {_pct(cpu, 95):.0f} |

Answered {answered} of {n}, abstained {n - answered}. Median per stage: {stage_line}.
The machine is shared (2 cores, other jobs running), so wall times are pessimistic; CPU time is
the steadier figure. {machine_line()}
"""
    print(md)
    if not args.no_write:
        write_section("ask-latency", md)


if __name__ == "__main__":
    main()
