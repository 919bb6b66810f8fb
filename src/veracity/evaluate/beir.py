"""The BEIR runner: load a BEIR-format folder, ingest its corpus, score retrieval on its qrels.

A BEIR folder (Thakur et al. 2021) holds ``corpus.jsonl`` or ``corpus.jsonl.gz`` (``_id``,
``title``, ``text`` per line), ``queries.jsonl`` (``_id``, ``text``) and ``qrels/<split>.tsv``
(``query-id``, ``corpus-id``, ``score``, with that header). Each corpus row becomes one
``Document`` with uri ``beir:<_id>``; retrieval runs over chunks, and a document's rank is that of
its best chunk (the first occurrence in the ranked chunk list, i.e. max-score aggregation).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from veracity.errors import ConfigError, EvaluationError
from veracity.evaluate.files import json_objects
from veracity.evaluate.ir_metrics import mrr_at_k, ndcg_at_k, recall_at_k
from veracity.ingest.report import IngestReport
from veracity.records import Document
from veracity.retrieve.search import CollectionSearcher, SearchOptions

URI_PREFIX = "beir:"
QRELS_HEADER = ("query-id", "corpus-id", "score")

Qrels = dict[str, dict[str, int]]


class Collection(Protocol):
    """What the runner needs of ``veracity.Collection`` (a protocol: evaluate sits below the
    Python API in the layer map and does not import it)."""

    def add(self, items: list[Document]) -> IngestReport: ...
    def searcher(self, options: SearchOptions | None = None) -> CollectionSearcher: ...
    def default_options(self, mode: str = "hybrid") -> SearchOptions: ...


@dataclass(frozen=True, slots=True)
class BeirDoc:
    """One corpus row."""

    id: str
    title: str
    text: str

    def document(self) -> Document:
        """The ``Document`` this row is ingested as: ``title + "\\n\\n" + text`` (or the text)."""
        body = f"{self.title}\n\n{self.text}" if self.title else self.text
        return Document.make(
            uri=URI_PREFIX + self.id, text=body, title=self.title, metadata={"beir_id": self.id}
        )


@dataclass(frozen=True, slots=True)
class BeirSet:
    """A loaded BEIR folder: the corpus stays a file read on demand (``corpus()`` streams it)."""

    root: Path
    corpus_path: Path
    queries: dict[str, str]
    qrels: Qrels
    split: str = "test"

    def corpus(self) -> Iterator[BeirDoc]:
        return read_corpus(self.corpus_path)


def doc_uri(beir_id: str) -> str:
    return URI_PREFIX + beir_id


def beir_id_of(uri: str) -> str:
    """The BEIR ``_id`` of a document uri (uris not made by this module are returned as is)."""
    return uri.removeprefix(URI_PREFIX)


# ---------------------------------------------------------------------------------------------
# Loading


def _json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` per non-blank line, each object with an ``_id``."""
    for n, row in json_objects(path):
        if "_id" not in row:
            raise EvaluationError(f'{path}:{n}: expected a JSON object with an "_id" field')
        yield n, row


def read_corpus(path: Path) -> Iterator[BeirDoc]:
    """Stream the corpus rows of ``corpus.jsonl[.gz]`` (bounded memory for big corpora)."""
    for n, row in _json_lines(path):
        title, text = row.get("title") or "", row.get("text") or ""
        if not isinstance(title, str) or not isinstance(text, str):
            raise EvaluationError(f'{path}:{n}: "title" and "text" must be strings')
        yield BeirDoc(str(row["_id"]), title.strip(), text.strip())


def read_queries(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for n, row in _json_lines(path):
        text = row.get("text")
        if not isinstance(text, str):
            raise EvaluationError(f'{path}:{n}: a query needs a string "text" field')
        out[str(row["_id"])] = text
    return out


def read_qrels(path: Path) -> Qrels:
    """``{query_id: {corpus_id: score}}`` from a BEIR qrels TSV (header required)."""
    qrels: Qrels = {}
    with path.open(encoding="utf-8") as fh:
        header = tuple(c.strip() for c in fh.readline().rstrip("\n").split("\t"))
        if header != QRELS_HEADER:
            raise EvaluationError(
                f"{path}:1: the qrels header must be {'<TAB>'.join(QRELS_HEADER)!r}, got "
                f"{'<TAB>'.join(header)!r}; BEIR qrels start with that line"
            )
        for n, line in enumerate(fh, start=2):
            if not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            try:
                qid, did, score = cols[0].strip(), cols[1].strip(), int(cols[2])
            except (IndexError, ValueError):
                raise EvaluationError(
                    f"{path}:{n}: expected 3 tab-separated columns query-id, corpus-id, "
                    f"integer score; got {line.strip()[:80]!r}"
                ) from None
            qrels.setdefault(qid, {})[did] = score
    if not qrels:
        raise EvaluationError(f"{path}: no judgements after the header; nothing to evaluate")
    return qrels


def _corpus_path(root: Path) -> Path:
    for name in ("corpus.jsonl", "corpus.jsonl.gz"):
        if (root / name).is_file():
            return root / name
    raise EvaluationError(
        f"{root}: no corpus.jsonl or corpus.jsonl.gz; a BEIR folder holds the corpus, "
        "queries.jsonl and qrels/<split>.tsv"
    )


def load_beir(root: str | Path, split: str = "test") -> BeirSet:
    """Check and load a BEIR folder; the corpus is streamed later by ``BeirSet.corpus()``."""
    root = Path(root).expanduser()
    if not root.is_dir():
        raise EvaluationError(f"{root}: not a directory; give a BEIR dataset folder")
    corpus = _corpus_path(root)
    queries_path, qrels_path = root / "queries.jsonl", root / "qrels" / f"{split}.tsv"
    for p in (queries_path, qrels_path):
        if not p.is_file():
            raise EvaluationError(f"{root}: missing {p.relative_to(root)}; a BEIR folder needs it")
    queries, qrels = read_queries(queries_path), read_qrels(qrels_path)
    return BeirSet(root, corpus, queries, qrels, split)


# ---------------------------------------------------------------------------------------------
# Ingest and evaluate


def ingest_beir(
    collection: Collection,
    docs: Iterator[BeirDoc],
    *,
    batch: int = 1000,
    on_batch: Callable[[int, IngestReport], None] | None = None,
) -> int:
    """Add the corpus to ``collection`` in batches of ``batch`` documents (content-hash dedup
    makes a re-run cheap); returns the number of corpus rows seen."""
    if batch < 1:
        raise ConfigError(f"batch must be >= 1, got {batch}")
    seen = 0
    while part := list(itertools.islice(docs, batch)):
        report = collection.add([d.document() for d in part])
        seen += len(part)
        if on_batch is not None:
            on_batch(seen, report)
    return seen


@dataclass(frozen=True, slots=True)
class BeirResult:
    """Mean metrics over the judged queries, per-query latency, the run (doc ids, best first)."""

    ndcg_at_10: float
    recall_at_100: float
    mrr_at_10: float
    latency_ms_p50: float
    latency_ms_p95: float
    queries: int
    options: SearchOptions
    run: Mapping[str, Sequence[str]] = field(repr=False, default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        o = self.options
        return {
            "ndcg@10": self.ndcg_at_10, "recall@100": self.recall_at_100,
            "mrr@10": self.mrr_at_10, "latency_ms_p50": self.latency_ms_p50,
            "latency_ms_p95": self.latency_ms_p95, "queries": self.queries, "mode": o.mode,
            "fusion": o.fusion, "alpha": o.alpha, "rrf_k": o.rrf_k, "candidates": o.candidates,
        }  # fmt: skip


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default method), ``q`` in [0, 100]."""
    if not values:
        return 0.0
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def ranked_documents(searcher: CollectionSearcher, query: str, k: int) -> list[str]:
    """The ``k`` best distinct documents (BEIR ids) for ``query``: chunks are retrieved ``3 * k``
    at a time, doubling while fewer than ``k`` documents came back and more chunks may exist."""
    depth = 3 * k
    while True:
        hits = searcher.search(query, depth)
        docs = list(dict.fromkeys(beir_id_of(h.uri) for h in hits))
        if len(docs) >= k or len(hits) < depth:
            return docs[:k]
        depth *= 2


def run_beir(
    collection: Collection,
    queries: Mapping[str, str],
    qrels: Qrels,
    options: SearchOptions | None = None,
    *,
    k: int = 100,
    limit_queries: int | None = None,
) -> BeirResult:
    """Search every judged query (those in both ``qrels`` and ``queries``), in qrels order, and
    score nDCG@10, Recall@100, MRR@10 on the documents; latency is per query, wall clock."""
    options = options or collection.default_options()
    qids = [q for q in qrels if q in queries]
    if limit_queries is not None:
        if limit_queries < 1:
            raise ConfigError(f"--limit-queries must be >= 1, got {limit_queries}")
        qids = qids[:limit_queries]
    if not qids:
        raise EvaluationError("no query of the qrels is in queries.jsonl; nothing to evaluate")
    searcher = collection.searcher(options)
    searcher.search(queries[qids[0]], 1)  # warm up: load the indexes and the model
    run: dict[str, list[str]] = {}
    latency: list[float] = []
    for qid in qids:
        start = time.perf_counter()
        run[qid] = ranked_documents(searcher, queries[qid], k)
        latency.append((time.perf_counter() - start) * 1000)
    judged = {q: qrels[q] for q in qids}
    return BeirResult(
        ndcg_at_10=ndcg_at_k(judged, run, 10),
        recall_at_100=recall_at_k(judged, run, 100),
        mrr_at_10=mrr_at_k(judged, run, 10),
        latency_ms_p50=percentile(latency, 50),
        latency_ms_p95=percentile(latency, 95),
        queries=len(qids),
        options=options,
        run=run,
    )


def uri_qrels(qrels: Qrels) -> Qrels:
    """BEIR qrels keyed by document uri (``beir:<id>``), the keys ``Collection.tune`` matches."""
    return {q: {doc_uri(d): s for d, s in rels.items()} for q, rels in qrels.items()}
