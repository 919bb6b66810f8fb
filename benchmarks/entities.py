"""Entity tagger benchmark: ``python -m benchmarks.entities`` writes the ``entities`` section.

CoNLL-2003 validation split, entity-level precision/recall/F1 (exact type and span, the way
conlleval and seqeval count), per type and overall, with 95% percentile-bootstrap CIs that resample
whole documents (sentences of one news story are not independent). Side by side in the same run:

- the shipped CRF (``python -m benchmarks.train_entities``, trained on the train split only);
- the CoNLL-2003 shared task's own baseline (Tjong Kim Sang & De Meulder 2003): tag complete
  entity phrases seen in the training data with a single class, longest match first;
- the CRF end to end through ``extract()`` on raw text (sentences re-joined with spaces), scored
  on character spans, so our tokenizer and sentence splitter are measured too.

No named peer is run: spaCy's en_core_web_sm is not published on PyPI by its authors (only
third-party re-uploads of the weights are), and the other ready taggers (flair, stanza, NLTK's
``ne_chunk``) download their models at first use, which these machines cannot.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from benchmarks._report import machine_line, write_section
from benchmarks.train_entities import CONLL
from veracity.evaluate.bootstrap import bootstrap_ci
from veracity.evaluate.ner_metrics import entity_counts, f1_of_counts, prf_from_counts
from veracity.tasks.entities import ENTITY_TYPES, extract
from veracity.tasks.entities.iob import iob_chunks
from veracity.tasks.entities.tagger import default_model_path, load_tagger
from veracity.train.entities import Sentence, read_conll

ROWS = (*ENTITY_TYPES, "overall")
Tagger = Callable[[Sequence[str]], list[str]]


def memorized_baseline(train: Sequence[Sentence]) -> Tagger:
    """The CoNLL-2003 baseline: phrases seen as entities in training with exactly one class."""
    classes: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for s in train:
        for kind, a, b in iob_chunks(s.tags):
            classes[s.tokens[a:b]].add(kind)
    known = {phrase: next(iter(k)) for phrase, k in classes.items() if len(k) == 1}
    longest = max(map(len, known))

    def tag(tokens: Sequence[str]) -> list[str]:
        tags = ["O"] * len(tokens)
        i = 0
        while i < len(tokens):
            for n in range(min(longest, len(tokens) - i), 0, -1):
                kind = known.get(tuple(tokens[i : i + n]))
                if kind:
                    tags[i : i + n] = ["B-" + kind] + ["I-" + kind] * (n - 1)
                    i += n
                    break
            else:
                i += 1
        return tags

    return tag


def document_counts(
    valid: Sequence[Sentence], predicted: Sequence[Sequence[str]]
) -> dict[int, np.ndarray]:
    """Per document: (types + 1, 3) counts of (correct, predicted, gold) entities."""
    by_doc: dict[int, np.ndarray] = {}
    for s, p in zip(valid, predicted, strict=True):
        c = entity_counts([s.tags], [p], ENTITY_TYPES)
        by_doc[s.document] = by_doc.get(s.document, 0) + c
    return by_doc


def scores(by_doc: dict[int, np.ndarray], n: int = 1000) -> dict[str, dict[str, float]]:
    """P/R/F1 per row of ROWS, with a bootstrap CI on F1 over documents."""
    stacked = np.stack(list(by_doc.values()))  # (docs, types + 1, 3)
    out: dict[str, dict[str, float]] = {}
    for k, name in enumerate(ROWS):
        prf = prf_from_counts(*stacked[:, k].sum(axis=0))
        _, lo, hi = bootstrap_ci(stacked[:, k], f1_of_counts, n=n)
        out[name] = {"p": prf.precision, "r": prf.recall, "f1": prf.f1, "lo": lo, "hi": hi,
                     "gold": prf.gold}  # fmt: skip
    return out


def timed(
    tagger: Tagger, sentences: Sequence[Sentence], runs: int = 3
) -> tuple[list[list[str]], float]:
    """Predictions and the median CPU seconds of ``runs`` passes over ``sentences``."""
    times = []
    predicted: list[list[str]] = []
    for _ in range(runs):
        t0 = time.process_time()
        predicted = [tagger(s.tokens) for s in sentences]
        times.append(time.process_time() - t0)
    return predicted, statistics.median(times)


def end_to_end(valid: Sequence[Sentence]) -> dict[int, np.ndarray]:
    """``extract()`` on each sentence joined with spaces, scored on (type, char start, char end)."""
    by_doc: dict[int, np.ndarray] = {}
    index = {t: i for i, t in enumerate(ENTITY_TYPES)}
    for s in valid:
        text = " ".join(s.tokens)
        starts = np.cumsum([0] + [len(t) + 1 for t in s.tokens])
        gold = {(k, int(starts[a]), int(starts[b] - 1)) for k, a, b in iob_chunks(s.tags)}
        pred = {(e.label, e.start, e.end) for e in extract(text)}
        c = np.zeros((len(ENTITY_TYPES) + 1, 3), dtype=np.int64)
        for column, spans in ((0, gold & pred), (1, pred), (2, gold)):
            for kind, _, _ in spans:
                c[index[kind], column] += 1
                c[-1, column] += 1
        by_doc[s.document] = by_doc.get(s.document, 0) + c
    return by_doc


def render(results: dict[str, dict[str, dict[str, float]]], extra: dict[str, object]) -> str:
    def cell(r: dict[str, float]) -> str:
        return f"{r['f1']:.4f} [{r['lo']:.4f}, {r['hi']:.4f}]"

    names = list(results)
    lines = [
        "## Named entities (CoNLL-2003)",
        "",
        "Command: `python -m benchmarks.train_entities` (ships "
        "`src/veracity/tasks/entities/conll2003_crf.npz`), then `python -m benchmarks.entities`. "
        + machine_line()
        + " One thread.",
        "",
        f"CoNLL-2003 validation split: {extra['sentences']} sentences, {extra['documents']} "
        f"documents, {extra['tokens']} tokens, {results[names[0]]['overall']['gold']:.0f} "
        "entities. Entity-level F1 (exact type and span, conlleval/seqeval counting); "
        "95% percentile-bootstrap CIs resampling documents (1000 resamples). Every system is "
        "built from the train split only.",
        "",
        "| entity type | gold | " + " | ".join(names) + " |",
        "|---|---:|" + "---|" * len(names),
    ]
    for row in ROWS:
        gold = results[names[0]][row]["gold"]
        lines.append(
            f"| {row} | {gold:.0f} | " + " | ".join(cell(results[n][row]) for n in names) + " |"
        )
    crf = results[names[0]]["overall"]
    base = results[names[1]]["overall"]
    lines += [
        "",
        f"CRF overall precision {crf['p']:.4f}, recall {crf['r']:.4f}; baseline precision "
        f"{base['p']:.4f}, recall {base['r']:.4f}.",
        "",
        f"Model: linear-chain CRF, {extra['features']} features with {extra['weights']} "
        f"non-zero weights (L1 c1={extra['c1']}, L2 c2={extra['c2']}, {extra['iterations']} "
        f"L-BFGS iterations), {extra['size_mb']:.2f} MB; training took {extra['train_cpu']:.0f} "
        f"CPU s. Tagging: {extra['crf_tps']:,.0f} tokens/s (median of 3 passes, CPU time, "
        f"pre-tokenized); `extract()` on raw text: {extra['e2e_tps']:,.0f} tokens/s including "
        "sentence splitting, tokenizing and marginals.",
        "",
        "Anchors: issue 16's goal is F1 >= 0.85 on validation. Published figures are on the test "
        "split, which is harder than validation (the shared task's baseline scored 71.91 on "
        "validation but 59.61 on test; Tjong Kim Sang & De Meulder 2003): CRF taggers with "
        "hand-built features report about 84-89 F1 on test, and fine-tuned BERT-base about 95 on "
        "validation (Devlin et al. 2019: 96.4 dev for BERT-large). Our baseline re-implements the "
        "shared task's rule from its one-line description (longest match first, phrases with "
        "one class only), so its figure need not equal the published 71.91. The hyperparameters were fixed before looking at "
        "validation; one other setting tried afterwards (c1=0.02, 300 iterations) scored "
        "0.898 overall, so the table is not tuned on the split it reports.",
        "",
        "No named peer: spaCy's en_core_web_sm is not on PyPI from its authors (only "
        "third-party re-uploads of the weights), and flair, stanza and NLTK's ne_chunk "
        "download their models at first use, which these offline machines cannot.",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--conll", type=Path, default=CONLL, help="folder with train.txt, valid.txt")
    ap.add_argument("--model", type=Path, default=default_model_path(), help="tagger .npz")
    ap.add_argument("--no-write", action="store_true", help="print instead of writing the docs")
    args = ap.parse_args(argv)
    train = read_conll(args.conll / "train.txt")
    valid = read_conll(args.conll / "valid.txt")
    report = json.loads(args.model.with_suffix(".json").read_text())
    if report["train"]["sentences"] != len(train):
        print(f"note: {args.model} was trained on {report['train']['sentences']} sentences, "
              f"the train split has {len(train)}")  # fmt: skip
    crf = load_tagger(args.model)
    crf_pred, crf_cpu = timed(crf.tag, valid)
    base_pred, _ = timed(memorized_baseline(train), valid, runs=1)
    tokens = sum(len(s.tokens) for s in valid)
    t0 = time.process_time()
    e2e = end_to_end(valid)
    e2e_cpu = time.process_time() - t0
    results = {
        "CRF (shipped)": scores(document_counts(valid, crf_pred)),
        "baseline: memorized phrases": scores(document_counts(valid, base_pred)),
        "CRF via extract() on raw text": scores(e2e),
    }
    extra: dict[str, object] = {
        "sentences": len(valid),
        "documents": len(Counter(s.document for s in valid)),
        "tokens": tokens,
        "features": report["attributes"],
        "weights": report["state_weights"],
        "c1": report["config"]["c1"],
        "c2": report["config"]["c2"],
        "iterations": report["train"]["iterations"],
        "train_cpu": report["train"]["cpu_seconds"],
        "size_mb": args.model.stat().st_size / 1e6,
        "crf_tps": tokens / crf_cpu,
        "e2e_tps": tokens / e2e_cpu,
    }
    md = render(results, extra)
    print(md)
    if not args.no_write:
        write_section("entities", md)


if __name__ == "__main__":
    main()
