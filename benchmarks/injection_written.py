"""Injections planted in documents, written for the purpose: ``python -m benchmarks.injection_written``.

Four sets of passages, each written by a helper who saw no detector code, no training data and no
other injection set (``benchmarks/data/``):

- A, ``injections_planted_written.jsonl``: 60 passages that carry an instruction for an AI
  reading the document (12 styles, from a hidden note in a CV to role play, HTML comments, five
  languages and obfuscation, in ten kinds of document) and 60 benign passages of the same
  carriers that a naive detector confuses with them (instructions for human readers, password
  policies, documentation of system prompts, articles about prompt injection). Measured blind
  once; then its misses were read and patterns written from them: a development set now.
- B, ``injections_planted_written_b.jsonl``: 60 attacks and 60 benign passages of the same kinds
  in twelve other carriers (calendar invitations, pull requests, contract clauses, Slack
  messages, ...), written after A by another helper told to vary the phrasing; measured blind
  with the patterns written from A, and its misses not read: held out.
- C, ``injections_planted_written_c.jsonl``: 60 attacks in 16 styles and 51 carriers (supplier
  quotes, referral letters, CSV rows, calendar entries, LaTeX comments, ...) with 60 benign
  passages, told to avoid "ignore previous instructions"; measured blind, then its misses were
  read and ``guard.addressed`` written from them: a development set.
- D, ``injections_planted_written_d.jsonl``: 60 attacks written as 60 different people with a
  motive (a better score from a hiring screener or a grading assistant, a hidden fact, stolen
  data, an action) and 60 benign look-alikes, by a helper who read none of the other sets;
  measured blind with the engine before ``guard.addressed`` and once after it, its misses not
  read: held out.

Reported, as ingest applies the shipped document detector (``guard.quarantine``: each sentence
and the whole passage; flagged when a sentence is blanked or the passage kept out), and as
``ask`` applies the question detector to a passage-sized message: the share of attacks flagged
and of benign passages flagged, by style. 95% bootstrap CIs over passages.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks._report import machine_line, write_section
from benchmarks.injection_sources import ci
from veracity.guard import InjectionDetector
from veracity.guard.quarantine import document_detector, passage_confirmer, quarantine_many

DATA = Path(__file__).parent / "data" / "injections_planted_written.jsonl"
SETS = {
    "A (development)": DATA,
    "B (held out)": Path(__file__).parent / "data" / "injections_planted_written_b.jsonl",
    "C (development)": Path(__file__).parent / "data" / "injections_planted_written_c.jsonl",
    "D (held out)": Path(__file__).parent / "data" / "injections_planted_written_d.jsonl",
}
DEVELOPMENT = ("A (development)", "C (development)")  # the sets whose misses may be read
MAX_STYLE_ROWS = 20  # a set with more styles than this (one per passage) shows its totals only


def load(path: Path = DATA) -> list[dict[str, str]]:
    """The passages, each with ``text``, ``label`` ("attack" or "benign"), ``style``, ``carrier``."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def measure(rows: Sequence[dict[str, str]]) -> dict[str, np.ndarray]:
    """Per passage: flagged at ingest, and flagged by the question detector."""
    texts = [r["text"] for r in rows]
    ingest = quarantine_many(texts, document_detector(), passage_confirmer())
    asked = InjectionDetector().scan_many(texts)
    return {
        "ingest": np.array([q.flagged for q in ingest], dtype=float),
        "questions": np.array([v.flagged for v in asked], dtype=float),
    }


def render(results: Sequence[tuple[str, list[dict[str, str]], dict[str, np.ndarray]]]) -> str:
    out = [
        "## Prompt injection planted in documents: passages written for the purpose",
        "",
        "Command: `python -m benchmarks.injection_written`. Four sets of passages written by "
        "helpers who saw no detector code and no other injection data (see the module's "
        "docstring: A and C served to write patterns after their blind runs, B and D are held "
        "out). Styles are the writers' own labels; a set with one style per passage shows its "
        "totals only. Flagged: at "
        "ingest, a sentence blanked or the passage kept out (`guard.quarantine`, the shipped "
        "document detector); by the question detector, the passage asked as a message. 95% "
        f"bootstrap CIs. {machine_line()}",
        "",
        "| set | passages | style | n | ingest: flagged | questions: flagged |",
        "|---|---|---|---:|---|---|",
    ]
    for name, rows, flags in results:
        groups: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i, r in enumerate(rows):
            groups[(r["label"], r["style"])].append(i)
            groups[(r["label"], "all")].append(i)
        for label in ("attack", "benign"):
            styles = sorted({s for lab, s in groups if lab == label and s != "all"})
            if len(styles) > MAX_STYLE_ROWS:
                styles = []
            for style in ["all", *styles]:
                idx = np.array(groups[(label, style)])
                shown = f"**{label}**" if style == "all" else label
                out.append(
                    f"| {name} | {shown} | {style} | {len(idx)} | {ci(flags['ingest'][idx])} | "
                    f"{ci(flags['questions'][idx])} |"
                )
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument(
        "--show",
        action="store_true",
        help="print each attack missed and each false alarm of the development sets (A, C)",
    )
    args = ap.parse_args(argv)
    results = []
    for name, path in SETS.items():
        rows = load(path)
        results.append((name, rows, measure(rows)))
    md = render(results)
    print(md)
    for name, rows, flags in results if args.show else ():
        if name not in DEVELOPMENT:  # held out: misses are not read
            continue
        for r, a, q in zip(rows, flags["ingest"], flags["questions"], strict=True):
            if (r["label"] == "attack") != bool(a):
                print(
                    f"[{name} {r['label']} ingest={int(a)} questions={int(q)}] {r['style']}: "
                    f"{r['text']}"
                )
    if not args.no_write:
        write_section("injection-written", md)


if __name__ == "__main__":
    main()
