"""Answers over small folders of documents written for the purpose, with their questions.

Run: ``python -m benchmarks.written_answers [--show] [--no-write] [--rounds r17 ...]``.

``benchmarks/data/written/`` holds the rounds, each a folder of three or four short documents
in a genre the engine had not met when the round was written (a lease, a medicine leaflet, an
API's limits page, car hire terms, a hospital's visitor page, ...: the folder's README lists
them), and ``questions.jsonl``:
questions in a user's words, written with the documents before any was asked, some of them
near misses the documents do not answer
(``answerable: false``: the adult ticket's price for "a family ticket", a setting of the next
major version). See the folder's README for which rounds were asked blind and which were then
used to fix what they found.

Each round is ingested into its own fresh collection with the default settings, as a user
would point Veracity at a small folder, and every question is asked with the answer cache off.
An answerable question is *right* when the answer's text (short answer and quote) contains a
gold answer (normalised as SQuAD does), *wrong* when the answer does not, *declined* when the
engine abstained; an unanswerable one is *declined* or *answered*. Systems: the default
extractive engine and the extractive baseline (the best source sentence of the top reranked
passages, above the same relevance floor).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VERACITY_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

import veracity  # noqa: E402
from benchmarks._report import machine_line, write_section  # noqa: E402
from benchmarks.real_docs_answers import contains  # noqa: E402
from veracity.evaluate.bootstrap import bootstrap_ci  # noqa: E402
from veracity.rag.extractive import best_quote  # noqa: E402
from veracity.rag.prompt import Source  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "written"
SYSTEMS = ("extractive baseline", "reader (default, extractive)")


def rounds(root: Path = DATA) -> list[tuple[str, Path, list[dict[str, Any]]]]:
    """``(name, documents folder, questions)`` for each round folder under ``root``."""
    out = []
    folders = [p for p in root.iterdir() if (p / "questions.jsonl").is_file()]
    for folder in sorted(folders, key=lambda p: (len(p.name), p.name)):  # r2 ... r10
        lines = (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()
        out.append((folder.name, folder / "docs", [json.loads(x) for x in lines if x.strip()]))
    return out


def outcome(question: dict[str, Any], text: str, abstained: bool) -> str:
    """``right``, ``wrong`` or ``declined`` for an answerable question; ``declined`` or
    ``answered`` for an unanswerable one."""
    if abstained:
        return "declined"
    if not question["answerable"]:
        return "answered"
    return "right" if contains(text, question["answers"]) else "wrong"


def ask_round(folder: Path, questions: list[dict[str, Any]], tmp: Path) -> dict[str, list[str]]:
    """Every question of one round, per system: the outcomes in question order, and the CPU
    milliseconds of the default engine's answers (appended last, as strings)."""
    col = veracity.open(tmp / folder.parent.name)
    col.add([folder])
    engine = col.answer_engine("smollm2", cache=False, n_threads=1)
    opts = dataclasses.replace(engine.options, use_cache=False, style="extractive")
    reranker = engine.reranker
    assert reranker is not None

    def baseline(question: str) -> tuple[str, bool]:
        hits = reranker.rerank(question, engine.retriever.retrieve(question, 30), 30)
        if not hits or hits[0].score < engine.options.relevance_floor:
            return "", True
        sources = [Source(i + 1, h) for i, h in enumerate(hits[:4])]
        quote = best_quote(question, sources, col.embedder())
        return ("", True) if quote is None else (quote.text, False)

    def reader(question: str) -> tuple[str, bool]:
        answer = engine.ask(question, options=opts)
        return answer.text, answer.abstained

    asks: dict[str, Callable[[str], tuple[str, bool]]] = {SYSTEMS[0]: baseline, SYSTEMS[1]: reader}
    out: dict[str, list[str]] = {}
    for name, ask in asks.items():
        got = []
        for q in questions:
            cpu = time.process_time()
            text, abstained = ask(q["question"])
            got.append(outcome(q, text, abstained))
            if name == SYSTEMS[-1]:
                out.setdefault("cpu_ms", []).append(f"{(time.process_time() - cpu) * 1000:.1f}")
                out.setdefault("texts", []).append(text)
        out[name] = got
    return out


def _share(flags: list[bool]) -> str:
    if not flags:
        return "-"
    p, lo, hi = bootstrap_ci(np.asarray(flags, dtype=np.float64))
    return f"{p * 100:.0f}% [{lo * 100:.0f}, {hi * 100:.0f}]"


def _count(outcomes: list[str], kind: str) -> int:
    return sum(o == kind for o in outcomes)


def report(results: list[tuple[str, list[dict[str, Any]], dict[str, list[str]]]]) -> str:
    lines = [
        "| round | system | answerable | right | wrong | declined | unanswerable | declined |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    pooled: dict[str, list[tuple[bool, str]]] = {s: [] for s in SYSTEMS}
    for name, questions, got in results:
        for system in SYSTEMS:
            pos = [o for q, o in zip(questions, got[system], strict=True) if q["answerable"]]
            neg = [o for q, o in zip(questions, got[system], strict=True) if not q["answerable"]]
            pooled[system] += [(q["answerable"], o) for q, o in zip(questions, got[system],
                                                                    strict=True)]  # fmt: skip
            lines.append(
                f"| {name} | {system} | {len(pos)} | {_count(pos, 'right')} | "
                f"{_count(pos, 'wrong')} | {_count(pos, 'declined')} | {len(neg)} | "
                f"{_count(neg, 'declined')} |"
            )
    lines += ["", "| system | right (answerable) | wrong (answerable) | declined (answerable) "
              "| declined (unanswerable) |", "|---|---|---|---|---|"]  # fmt: skip
    for system, rows in pooled.items():
        pos = [o for a, o in rows if a]
        neg = [o for a, o in rows if not a]
        lines.append(
            f"| {system} | {_share([o == 'right' for o in pos])} ({_count(pos, 'right')} of "
            f"{len(pos)}) | {_share([o == 'wrong' for o in pos])} ({_count(pos, 'wrong')}) | "
            f"{_share([o == 'declined' for o in pos])} ({_count(pos, 'declined')}) | "
            f"{_share([o == 'declined' for o in neg])} ({_count(neg, 'declined')} of {len(neg)}) |"
        )
    cpu = [float(ms) for _, _, got in results for ms in got["cpu_ms"]]
    lines += ["", f"CPU per answer of the default engine: p50 {np.percentile(cpu, 50):.0f} ms."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--show", action="store_true", help="print every answer not right")
    parser.add_argument(
        "--rounds",
        nargs="+",
        metavar="NAME",
        help="ask only these rounds (e.g. r17); implies "
        "--no-write, since the section reports every round",
    )
    args = parser.parse_args()
    chosen = rounds()
    if args.rounds:
        unknown = sorted(set(args.rounds) - {name for name, _, _ in chosen})
        if unknown:
            parser.error(f"no round named {', '.join(unknown)} under {DATA}")
        chosen = [r for r in chosen if r[0] in args.rounds]
        args.no_write = True
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, folder, questions in chosen:
            got = ask_round(folder, questions, Path(tmp) / name)
            results.append((name, questions, got))
            if args.show:
                for q, o, text in zip(questions, got[SYSTEMS[-1]], got["texts"], strict=True):
                    if o not in ("right", "declined") or (o == "declined" and q["answerable"]):
                        print(f"[{o}] {q['id']} {q['question']} | {text[:160]!r}")
    table = report(results)
    print(table)
    if args.no_write:
        return
    n = sum(len(q) for _, q, _ in results)
    body = (
        "Command: `python -m benchmarks.written_answers`. "
        f"{len(results)} rounds of documents written for the purpose (`benchmarks/data/written/`, "
        f"see its README: which rounds were asked blind, which then served to fix what they "
        f"found), {n} questions in a user's words, each round in its own fresh collection with "
        "the default settings, answer cache off. Right: the answer's text contains a gold "
        "answer; wrong: it does not; declined: the engine abstained. 95% bootstrap intervals "
        f"over questions. {machine_line()}\n\n{table}\n"
    )
    title = "## Answers over small folders of written documents (`written_answers`)"
    write_section("written-answers", f"{title}\n\n{body}")


if __name__ == "__main__":
    main()
