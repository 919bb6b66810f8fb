"""Generation speed: llama.cpp (xllamacpp, GGUF Q4_1) vs transformers + torch (our decoding loop)
on SmolLM2-135M-Instruct, one thread.

Run: ``python -m benchmarks.generation_speed`` (``--quick``: 2 prompts, 32 tokens).
There is no HF-format SmolLM2 offline, so the transformers side loads the same GGUF file through
``from_pretrained(dir, gguf_file=...)``, which dequantizes Q4_1 to float32 at every load (transformers
will not save a model loaded from GGUF). Both runtimes get the same chat prompts (a RAG-style
context and a question), greedy decoding, no prompt cache. Per prompt: time to first token (TTFT,
wall clock), prompt processing speed (prompt tokens / TTFT), generation speed (tokens after the first
/ time after the first); medians over prompts. Wall-clock figures on a shared 2-core machine vary
with load; the ratio between runtimes is the robust number, as DESIGN.md says.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import statistics
import sys
import time
from collections.abc import Iterator
from typing import Any

from benchmarks._report import machine_line, write_section
from veracity.generate.gguf import SMOLLM2_FILE, GGUFGenerator, packaged_model_path
from veracity.generate.hf import HFGenerator
from veracity.records import Decoding, Message

FACTS = [
    (
        "The Varnholt Bridge over the river Lenne was opened in 1987 and is 412 metres long.",
        "When was the Varnholt Bridge opened?",
    ),
    (
        "Copper conducts electricity well; it is used in wiring because it is ductile and cheap.",
        "Why is copper used in wiring?",
    ),
    (
        "The museum opens at 9 am on weekdays and at 11 am on Sundays; it is closed on Mondays.",
        "When does the museum open on Sundays?",
    ),
    (
        "Marie Curie won the Nobel Prize in Physics in 1903 and in Chemistry in 1911.",
        "In which years did Marie Curie win Nobel Prizes?",
    ),
    (
        "The recipe needs 200 g of flour, two eggs, 300 ml of milk and a pinch of salt.",
        "How much milk does the recipe need?",
    ),
]
FILLER = (
    "Background: the documents below come from a small collection of notes. Some are relevant, "
    "some are not. Read them carefully before answering. "
) * 4


def messages(context: str, question: str) -> list[Message]:
    return [
        Message("system", "Answer the question using only the context. Be brief."),
        Message("user", f"{FILLER}\nContext: {context}\n\nQuestion: {question}"),
    ]


def clocks() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def timed(stream: Iterator[Any]) -> tuple[tuple[float, float], tuple[float, float], int]:
    """((wall, CPU) seconds to the first item, (wall, CPU) seconds after it, items)."""
    start = clocks()
    first = end = start
    n = 0
    for _ in stream:
        n += 1
        end = clocks()
        if n == 1:
            first = end
    return (first[0] - start[0], first[1] - start[1]), (end[0] - first[0], end[1] - first[1]), n


def rate(count: float, seconds: float) -> float:
    return count / seconds if count > 0 and seconds > 0 else float("nan")


def run(
    name: str, make_stream: Any, prompts: list[list[Message]], n_prompt: list[int]
) -> dict[str, Any]:
    make_stream(prompts[0])  # warm-up (first-call allocations), not timed
    rows = []
    for msgs, n_in in zip(prompts, n_prompt, strict=True):
        first, rest, n = timed(make_stream(msgs))
        rows.append(
            {
                "ttft_ms": 1000 * first[0],
                "ttft_cpu_ms": 1000 * first[1],
                "pp": rate(n_in, first[0]),
                "pp_cpu": rate(n_in, first[1]),
                "tg": rate(n - 1, rest[0]),
                "tg_cpu": rate(n - 1, rest[1]),
                "tokens": n,
            }
        )
    return {"name": name} | {k: statistics.median(r[k] for r in rows) for k in rows[0]}


def load_hf() -> tuple[HFGenerator, float]:
    # transformers refuses to save a model loaded from GGUF, so every run converts again.
    start = time.perf_counter()
    src = packaged_model_path().parent
    gen = HFGenerator(src, n_threads=1, gguf_file=SMOLLM2_FILE, name="hf:smollm2")
    return gen, time.perf_counter() - start


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    max_tokens = 32 if quick else 64
    facts = FACTS[:2] if quick else FACTS
    prompts = [messages(c, q) for c, q in facts]
    d = Decoding(max_tokens=max_tokens)

    t0 = time.perf_counter()
    gguf = GGUFGenerator(n_threads=1, n_ctx=2048, cache_prompt=False)
    gguf_load = time.perf_counter() - t0
    hf, hf_load = load_hf()
    n_prompt = [len(hf.prompt_ids(m)) for m in prompts]
    results = [
        run("llama.cpp (xllamacpp), GGUF Q4_1", lambda m: gguf.generate(m, d), prompts, n_prompt),
        run(
            "transformers + torch, float32 (our loop)",
            lambda m: hf.generate_ids(hf.prompt_ids(m), d),
            prompts,
            n_prompt,
        ),
    ]
    loads = [gguf_load, hf_load]
    lines = [
        "## Generation speed (SmolLM2-135M-Instruct, one thread)",
        "",
        f"`python -m benchmarks.generation_speed{' --quick' if quick else ''}`. {machine_line()} "
        f"{len(prompts)} RAG-style chat prompts of {min(n_prompt)}-{max(n_prompt)} tokens, greedy, "
        f"up to {max_tokens} new tokens, no prompt cache; medians over prompts; wall clock, with process CPU time in brackets.",
        "",
        "| runtime | load s | TTFT ms (CPU ms) | prompt tok/s (per CPU-s) "
        "| generation tok/s (per CPU-s) | new tokens |",
        "|---|---|---|---|---|---|",
    ]
    for r, load in zip(results, loads, strict=True):
        lines.append(
            f"| {r['name']} | {load:.1f} | {r['ttft_ms']:.0f} ({r['ttft_cpu_ms']:.0f}) "
            f"| {r['pp']:.0f} ({r['pp_cpu']:.0f}) | {r['tg']:.1f} ({r['tg_cpu']:.1f}) "
            f"| {r['tokens']:.0f} |"
        )
    g, h = results
    lines += [
        "",
        f"llama.cpp / transformers, per CPU-second: generation {g['tg_cpu'] / h['tg_cpu']:.1f}x, "
        f"prompt processing {g['pp_cpu'] / h['pp_cpu']:.1f}x (torch's batched float32 matmuls "
        "beat llama.cpp's Q4_1 kernels on the prompt, so long packed contexts reach the first "
        "token sooner on torch; every token after that is much cheaper on llama.cpp). Wall-clock figures follow the load "
        "other work puts on the shared cores (load average at the end of this run: "
        f"{os.getloadavg()[0]:.1f}); process CPU time is the steadier measure. The transformers "
        "side dequantizes the GGUF to float32 (no HF copy of SmolLM2 ships offline), so its load "
        "time is mostly that conversion. GGUF tokens are counted as streamed pieces (one per "
        "token for ASCII text).",
    ]
    markdown = "\n".join(lines)
    print(markdown)
    write_section("generation", markdown)


if __name__ == "__main__":
    main(sys.argv[1:])
