"""Injections planted in documents, written for the purpose: ``python -m benchmarks.injection_written``.

Fourteen sets of passages, each written by a helper who saw no detector code, no training data and no
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
- E to J, ``injections_planted_written_{e..j}.jsonl``: six more sets of 60 attacks and 60
  look-alikes, each by its own helper from one angle (E workplace documents, F web and user
  content, G professional and regulated documents, H software and IT material, I personal and
  multilingual text, J 60 people across every domain), none reading another set or the detector.
  All six were measured blind once at 60d941f. Then a helper marked the planted span of each
  attack of A, C and E to I (``injections_planted_written_spans.jsonl``) and those spans trained
  the injection encoder (``benchmarks/train_injection_encoder.py``): A, C and E to I are training
  data now. B, D and J are held out: never trained on, their misses not read.
- K to N, ``injections_planted_written_{k..n}.jsonl``: four more, each helper marking its own
  planted spans (a ``planted`` field), from four angles (K education and research, L commerce
  and marketing, M messages read by assistants that can act, N structured and machine-made text:
  CSV, JSON, logs, metadata, hidden HTML). Measured blind at 8c5a3d0 (ingest flagged K 0.433,
  L 0.483, M 0.533, N 0.400 of attacks, 0.083 of each set's look-alikes); then K, L and M trained
  the encoder and N joined the held-out sets.

Reported, as ingest applies the shipped document detector (``guard.quarantine``: each sentence
and the whole passage, the injection encoder reading again what the patterns and the n-gram model
let through; flagged when a sentence is blanked or the passage kept out), the same without the
encoder, and as ``ask`` applies the question detector to a passage-sized message: the share of
attacks flagged and of benign passages flagged, by style. Then the false positives of ingest
with and without the encoder on benign text no detector was trained on. 95% bootstrap CIs.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks._guard_data import DATASETS
from benchmarks._report import machine_line, write_section
from benchmarks.injection_sources import as_chunks, ci, corpus
from veracity.guard import InjectionDetector
from veracity.guard.quarantine import (
    document_detector,
    passage_confirmer,
    quarantine_many,
    sentence_encoder,
)

DATA = Path(__file__).parent / "data" / "injections_planted_written.jsonl"
SETS = {
    "A (training)": DATA,
    "B (held out)": DATA.with_name("injections_planted_written_b.jsonl"),
    "C (training)": DATA.with_name("injections_planted_written_c.jsonl"),
    "D (held out)": DATA.with_name("injections_planted_written_d.jsonl"),
    **{f"{s.upper()} (training)": DATA.with_name(f"injections_planted_written_{s}.jsonl")
       for s in "efghi"},
    "J (held out)": DATA.with_name("injections_planted_written_j.jsonl"),
    **{f"{s.upper()} (training)": DATA.with_name(f"injections_planted_written_{s}.jsonl")
       for s in "klm"},
    "N (held out)": DATA.with_name("injections_planted_written_n.jsonl"),
}  # fmt: skip
DEVELOPMENT = tuple(name for name in SETS if "held out" not in name)  # misses may be read
# benign text never trained on (``injection_sources.corpus``), as ingest sees it
UNSEEN = {
    "security_docs": "Django security and password docs, sentences",
    "security_chunks": "the same as chunks of up to 1,000 characters",
    "news_chunks": "CoNLL-2003 news, chunks",
    "man_l10n_chunks": "translated manual pages, 25 languages, chunks",
    "handmade": "hand-written instruction-like requests",
    "doc_requests": "hand-written questions about a document's instructions, rules, passwords",
}
MAX_STYLE_ROWS = 20  # a set with more styles than this (one per passage) shows its totals only


def load(path: Path = DATA) -> list[dict[str, str]]:
    """The passages, each with ``text``, ``label`` ("attack" or "benign"), ``style``, ``carrier``."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def ingest_flags(texts: Sequence[str], encoder: bool = True) -> np.ndarray:
    """Per text: flagged as ingest flags it (with or without the injection encoder)."""
    found = quarantine_many(list(texts), document_detector(), passage_confirmer(),
                            sentence_encoder() if encoder else None)  # fmt: skip
    return np.array([q.flagged for q in found], dtype=float)


def measure(rows: Sequence[dict[str, str]]) -> dict[str, np.ndarray]:
    """Per passage: flagged at ingest, at ingest without the encoder, by the question detector."""
    texts = [r["text"] for r in rows]
    asked = InjectionDetector().scan_many(texts)
    return {
        "ingest": ingest_flags(texts),
        "no_encoder": ingest_flags(texts, encoder=False),
        "questions": np.array([v.flagged for v in asked], dtype=float),
    }


def unseen_benign() -> dict[str, list[str]]:
    """``UNSEEN``'s texts by kind."""
    _, unseen = corpus(DATASETS)
    kinds: dict[str, list] = defaultdict(list)
    for e in unseen:
        kinds[e.kind].append(e)
    for k in ("man_l10n", "news"):
        kinds[f"{k}_chunks"] = as_chunks(kinds[k], f"{k}_chunks")
    return {k: [e.text for e in kinds[k]] for k in UNSEEN}


def render(results: Sequence[tuple[str, list[dict[str, str]], dict[str, np.ndarray]]]) -> str:
    out = [
        "## Prompt injection planted in documents: passages written for the purpose",
        "",
        "Command: `python -m benchmarks.injection_written`. Fourteen sets of passages, each "
        "written by a helper who saw no detector code and no other set (see the module's "
        "docstring: A and C served to write patterns after their blind runs; the planted spans "
        "of A, C, E to I and K to M trained the injection encoder; B, D, J and N are held out). "
        "Styles are the "
        "writers' own labels; a set with one style per passage shows its totals only. Flagged: "
        "at ingest, a sentence blanked or the passage kept out (`guard.quarantine`, the shipped "
        "document detector with the injection encoder, and without it); by the question "
        "detector, the passage asked as a message. 95% "
        f"bootstrap CIs. {machine_line()}",
        "",
        "| set | passages | style | n | ingest: flagged | ingest without the encoder | "
        "questions: flagged |",
        "|---|---|---|---:|---|---|---|",
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
                    f"{ci(flags['no_encoder'][idx])} | {ci(flags['questions'][idx])} |"
                )
    return "\n".join(out) + "\n"


def render_unseen(flags: dict[str, tuple[np.ndarray, np.ndarray]]) -> str:
    out = [
        "False positives at ingest on benign text no detector was trained on:",
        "",
        "| benign text | n | ingest: flagged | ingest without the encoder |",
        "|---|---:|---|---|",
    ]
    for kind, (with_encoder, without) in flags.items():
        out.append(f"| {UNSEEN[kind]} | {len(with_encoder)} | {ci(with_encoder)} | {ci(without)} |")
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
    unseen = {k: (ingest_flags(t), ingest_flags(t, encoder=False))
              for k, t in unseen_benign().items()}  # fmt: skip
    md = render(results) + "\n" + render_unseen(unseen)
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
