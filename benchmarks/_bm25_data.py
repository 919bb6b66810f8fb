"""Data for the BM25 benchmarks: SciFact (BEIR) from ../shared and a synthetic Zipfian corpus."""

from __future__ import annotations

import csv
import gzip
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SCIFACT = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "scifact"


@dataclass(frozen=True)
class Corpus:
    doc_ids: list[str]
    texts: list[str]
    query_ids: list[str]
    queries: list[str]
    qrels: dict[str, dict[str, int]]


def scifact(root: Path = SCIFACT) -> Corpus:
    """SciFact test split; documents are ``title + " " + text`` as in BEIR's BM25 runs."""
    if not root.exists():
        raise SystemExit(f"SciFact not found at {root}; it lives in ../shared/datasets/scifact")
    doc_ids, texts = [], []
    with gzip.open(root / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            doc_ids.append(str(row["_id"]))
            texts.append(f"{row.get('title', '')} {row.get('text', '')}")
    qrels: dict[str, dict[str, int]] = {}
    with open(root / "qrels" / "test.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            qrels.setdefault(str(row["query-id"]), {})[str(row["corpus-id"])] = int(row["score"])
    queries = {}
    with open(root / "queries.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            queries[str(row["_id"])] = row["text"]
    qids = [q for q in qrels if q in queries]
    return Corpus(doc_ids, texts, qids, [queries[q] for q in qids], qrels)


def synthetic(n_docs: int, n_queries: int = 1000, vocab: int = 100_000, seed: int = 0) -> Corpus:
    """A deterministic corpus: Zipf(1.1)-distributed words, lengths ~ 20..200, 2-5 word queries."""
    rng = np.random.default_rng(seed)
    words = np.array([f"w{i:x}q" for i in range(vocab)])  # letters+digits, no stop words
    ranks = np.arange(1, vocab + 1, dtype=np.float64)
    p = ranks**-1.1
    p /= p.sum()
    lengths = rng.integers(20, 200, size=n_docs)
    flat = words[rng.choice(vocab, size=int(lengths.sum()), p=p)]
    bounds = np.r_[0, np.cumsum(lengths)]
    texts = [" ".join(flat[bounds[i] : bounds[i + 1]]) for i in range(n_docs)]
    # Queries skip the 50 most frequent words (stop-word-like), like real keyword queries.
    q_p = p.copy()
    q_p[:50] = 0.0
    q_p /= q_p.sum()
    qlen = rng.integers(2, 6, size=n_queries)
    qwords = words[rng.choice(vocab, size=int(qlen.sum()), p=q_p)]
    qb = np.r_[0, np.cumsum(qlen)]
    queries = [" ".join(qwords[qb[i] : qb[i + 1]]) for i in range(n_queries)]
    return Corpus(
        [str(i) for i in range(n_docs)], texts, [str(i) for i in range(n_queries)], queries, {}
    )
