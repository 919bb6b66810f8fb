"""Train the shipped injection encoder: ``python -m benchmarks.train_injection_encoder``.

Writes ``src/veracity/guard/injection_encoder.npz`` (and its ``.json``); see
``veracity.guard.encoder`` for what it is and ``veracity.train.injection_encoder`` for the recipe.

Data (label 1): the instructions planted in the written development sets (A, C, E to I and K to M
of ``benchmarks/injection_written.py``), each the exact span a helper marked in its passage
(``data/injections_planted_written_spans.jsonl``, or the passage's ``planted`` field), so the
encoder learns the instruction and not the invoice around it; the same passages cut as ingest cuts
them (``labelled_units``: each sentence and, in a sentence over several lines, each line), the units
that hold the planted text labelled 1 and the units around it 0, so the encoder meets an
instruction in the company it keeps at ingest; and 1,500 attacks drawn from Tensor Trust and the
four other attack families (``benchmarks/_attack_sources.py``). Benign (label 0): the written sets'
benign look-alike passages, whole and unit by unit; 2,000 units of the documents of the written
answer rounds r2 to r30 (price lists, terms, manuals, API references, tables; ``document_units``);
and samples of SQuAD paragraph sentences, questions and requests, Flask's documentation, review
sentences, MMLU questions and SciFact claims. Sets B, D, J and N are held out: no passage of them
is read here. Benign text is drawn from four of five groups (SQuAD by
article, the others by their groups); the fifth is where the threshold is calibrated: the lowest
score at which no benign kind is flagged more often than ``MAX_FPR``, and at least the floor at
which ingest acts on the n-gram classifier alone (``guard.policy.CHUNK_CLASSIFIER_FLOOR``).
"""

from __future__ import annotations

import argparse
import json
import random
import time
import zlib
from collections.abc import Sequence
from pathlib import Path

from benchmarks._guard_data import DATASETS
from benchmarks.train_injection import training_corpus
from veracity.guard.encoder import ADAPTER_PATH
from veracity.guard.policy import CHUNK_CLASSIFIER_FLOOR
from veracity.guard.quarantine import encoder_units
from veracity.guard.sentences import sentence_spans
from veracity.ingest.loaders.base import LoadFailure, LoadOptions
from veracity.ingest.prepare import load_file
from veracity.text.lines import BLANK_LINE
from veracity.train.injection_encoder import EncoderTrainConfig, calibrate_threshold, train_encoder

DATA = Path(__file__).parent / "data"
SPANS = DATA / "injections_planted_written_spans.jsonl"
TRAIN_SETS = ("", "c", "e", "f", "g", "h", "i", "k", "l", "m")  # "" is set A (..._written.jsonl)
OTHER_ATTACKS = 1500
# benign documents as ingest cuts them: the written answer rounds r2 to r30 (the later rounds,
# and every real-documents corpus, stay unseen for measuring what the encoder blanks)
WRITTEN = DATA / "written"
DOCUMENT_ROUNDS = tuple(f"r{i}" for i in range(2, 31))
DOCUMENT_SAMPLE = 2000
BENIGN_SAMPLE = {"sentence": 1200, "docs": 1200, "question": 500, "request": 500,
                 "sentiment": 300, "mmlu": 200, "scifact": 150}  # fmt: skip
CALIBRATE_SAMPLE = 1000  # per benign kind, from the calibration group
MAX_FPR = 0.002
# The encoder acts at ingest only when near-certain, as the n-gram classifier does: the benign
# kinds here are easy (their highest score is about 0.5), documents are not.
FLOOR = CHUNK_CLASSIFIER_FLOOR
MIN_SPAN = 12  # characters; shorter marked spans are fragments of a longer instruction
SEED = 0


def written_sets(sets: Sequence[str] = TRAIN_SETS) -> list[dict[str, str]]:
    rows = []
    for s in sets:
        path = DATA / f"injections_planted_written{'_' + s if s else ''}.jsonl"
        rows += [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]
    return rows


def planted_spans() -> dict[str, list[str]]:
    """Per attack id, its planted spans: marked in the spans file (sets A, C, E to I) or in the
    passage's own ``planted`` field (the sets written since)."""
    rows = [json.loads(x) for x in SPANS.read_text(encoding="utf-8").splitlines() if x]
    spans = {r["id"]: r["planted"] for r in rows}
    spans.update({r["id"]: r["planted"] for r in written_sets() if r.get("planted")})
    return spans


def ingest_units(text: str) -> list[tuple[int, int]]:
    """The spans of ``text`` the encoder reads at ingest: each sentence and its lines."""
    return [(a + x, a + y) for a, b in sentence_spans(text) for x, y in encoder_units(text[a:b])]


def labelled_units(text: str, planted: Sequence[str]) -> tuple[list[str], list[str]]:
    """The ingest units of an attack passage as the encoder meets them: those that are mostly
    planted text, or hold a whole planted span, are injections; those with no planted character
    are the document around it (benign); the rest, partly both, are left out."""
    marked = [0] * len(text)
    spans = []
    for p in planted:
        at = text.find(p)
        if at < 0 or len(p.strip()) < MIN_SPAN:
            continue
        spans.append((at, at + len(p)))
        marked[at : at + len(p)] = [1] * len(p)
    if not spans:
        return [], []
    pos, neg = [], []
    for a, b in ingest_units(text):
        covered = sum(marked[a:b])
        holds = any(a <= x and y <= b for x, y in spans)
        if covered == 0:
            neg.append(text[a:b])
        elif covered >= 0.5 * (b - a) or holds:
            pos.append(text[a:b])
    return pos, neg


def document_units(rounds: Sequence[str] = DOCUMENT_ROUNDS, n: int = DOCUMENT_SAMPLE) -> list[str]:
    """A sample of the ingest units of real-looking documents (the written answer rounds'
    folders: price lists, terms, manuals, API references, as the loaders read them), cut into
    paragraphs: table rows, code and data lines, headings and notices that are no injection."""
    units: list[str] = []
    for name in rounds:
        for path in sorted((WRITTEN / name / "docs").iterdir()):
            for doc in load_file(path, LoadOptions()):
                if isinstance(doc, LoadFailure):
                    continue
                for para in (p for p in BLANK_LINE.split(doc.text) if p.strip()):
                    units += [para[a:b] for a, b in ingest_units(para) if b - a > 20]
    units = list(dict.fromkeys(units))
    return random.Random(SEED).sample(units, min(n, len(units)))


def _calibration_group(group: str) -> bool:
    return zlib.crc32(("calibrate:" + group).encode()) % 5 == 0


def training_data(root: Path = DATASETS) -> tuple[list[str], list[int], dict[str, list[str]]]:
    """Texts, labels, and the benign texts to calibrate on (by kind)."""
    rng = random.Random(SEED)
    spans = planted_spans()
    pos: list[str] = []
    neg: list[str] = []
    for r in written_sets():
        if r["label"] == "attack":
            marked = spans.get(r["id"]) or [r["text"]]
            pos += [s for s in marked if len(s.strip()) >= MIN_SPAN]
            as_read, around = labelled_units(r["text"], marked)
            pos += as_read
            neg += [s for s in around if len(s) > 20]
        else:
            neg += [r["text"], *(r["text"][a:b] for a, b in ingest_units(r["text"]) if b - a > 20)]
    pos, neg = list(dict.fromkeys(pos)), list(dict.fromkeys(neg))
    neg += document_units()
    base = training_corpus(root)
    attacks = [e.text for e in base if e.label == 1]
    pos += rng.sample(attacks, min(OTHER_ATTACKS, len(attacks)))
    calibrate: dict[str, list[str]] = {}
    for kind, n in BENIGN_SAMPLE.items():
        rows = [e for e in base if e.label == 0 and e.kind == kind]
        train = [e.text for e in rows if not _calibration_group(e.group)]
        held = [e.text for e in rows if _calibration_group(e.group)]
        neg += rng.sample(train, min(n, len(train)))
        calibrate[kind] = rng.sample(held, min(CALIBRATE_SAMPLE, len(held)))
    texts = pos + neg
    labels = [1] * len(pos) + [0] * len(neg)
    return texts, labels, calibrate


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=ADAPTER_PATH)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    texts, labels, calibrate = training_data()
    meta = {"script": "python -m benchmarks.train_injection_encoder",
            "held_out": "written sets B, D, J and N (benchmarks/injection_written.py)"}  # fmt: skip
    cfg = EncoderTrainConfig(out=args.out, epochs=args.epochs, threads=args.threads,
                             device=args.device, meta=meta)  # fmt: skip
    print(f"{sum(labels)} injection and {len(labels) - sum(labels)} benign texts", flush=True)
    train_encoder(texts, labels, cfg)
    threshold, per_kind = calibrate_threshold(args.out, calibrate, MAX_FPR, FLOOR)
    size = args.out.stat().st_size / 1e6
    print(f"wrote {args.out} ({size:.2f} MB), threshold {threshold:.4f} "
          f"(per kind {per_kind}), {time.perf_counter() - t0:.0f}s")  # fmt: skip


if __name__ == "__main__":
    main()
