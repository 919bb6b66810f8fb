"""Offline reranking and the abstention floor: a calibrated blend of bi-encoder and BM25 evidence.

No cross-encoder ships offline, so relevance is estimated from two signals we have for every chunk:

- ``cosine``: the MiniLM bi-encoder similarity of query and chunk, or of query and the chunk's
  best window of two consecutive sentences when that is higher (for the retriever's first
  ``WINDOW_HITS`` hits, embedded at query time: a chunk that answers among other topics embeds
  far from a question about one of them; only the two windows of each that hold the most of the
  query's terms). On SQuAD the windows raised held-out balanced accuracy from 0.937 to 0.946
  (abstention 0.924 to 0.946 at the same answer rate);
- ``coverage``: the share of the query's information the chunk holds: the idf of the query
  terms it contains over the idf of all the query's terms. Query terms the collection never saw
  carry the highest idf and pull coverage down, which is exactly the signal of a question the
  documents cannot answer. A function word the collection never saw does not count
  (``query_coverage``): in a handful of documents "how", "should" or the "often" of "how often"
  may be missing, and that says nothing about whether they cover the question; in a large
  collection every such word is seen, so the feature the model was fitted on is unchanged there.

  Coverage counts a term as present or absent: no term-frequency saturation and no length
  normalisation. An earlier version divided the chunk's BM25 score by the query's bound, which
  normalises by the collection's mean chunk length: in a small folder where one document is a
  single 700-character chunk among 200-character ones, a question that chunk answers word for
  word scored a third of the coverage it would have scored alone, and 8 of 38 answerable
  questions over four such documents fell under the floor (2 with presence). On SQuAD, whose
  paragraphs are the chunks and all of a length, the two fit alike (held-out balanced accuracy
  0.933 before, 0.937 now; `benchmarks/calibrate_relevance.py`).

  In a small collection a term's idf is blended with its idf in general English
  (``rag.background``): among a few documents, "what" in one heading or an everyday verb the
  documents never use ("happen", "bring") would otherwise weigh as much as the words that name
  the subject.

A logistic model over ``(cosine, coverage)`` maps them to a probability that the chunk answers the
question; its weights were fitted on SQuAD v1.1 (questions with their own paragraph present versus
with their article removed) by ``benchmarks/calibrate_relevance.py``, which also chose the floor.
The probability is the rerank score; the best chunk's probability under the floor means abstain.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from veracity.embed.base import Embedder, calibration_name
from veracity.errors import ConfigError, MissingDependency
from veracity.guard.sentences import STOPWORDS
from veracity.index.bm25 import BM25Index
from veracity.index.sync import IndexSet
from veracity.rag.background import BackgroundIdf, background_idf
from veracity.rag.focus import HOW_KINDS, question_focus
from veracity.records import Hit
from veracity.store.protocols import VectorTable
from veracity.text.analyzer import Analyzer
from veracity.text.sentences import split_sentences

MODEL_PATH = Path(__file__).with_name("relevance_model.json")
# The retriever's first hits, whose two-sentence windows are embedded too, and how many windows
# of each (those holding the most of the query's terms; ``BlendReranker``).
WINDOW_HITS = 4
WINDOWS_PER_HIT = 2
# Words that ask rather than name: stopwords, and the kind of answer after "how" ("often").
FUNCTION_WORDS = STOPWORDS | HOW_KINDS


@dataclass(frozen=True, slots=True)
class RelevanceModel:
    """``p = sigmoid(w_cos * cosine + w_cov * coverage + bias)``; ``floor`` is the abstention cut."""

    w_cosine: float
    w_coverage: float
    bias: float
    floor: float
    source: str = ""

    def probability(self, cosine: float, coverage: float) -> float:
        z = self.w_cosine * cosine + self.w_coverage * coverage + self.bias
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))

    @staticmethod
    def load(name: str = "default", path: Path = MODEL_PATH) -> RelevanceModel:
        """The model fitted for embedder ``name`` (``Embedder.name``), else the ``default`` one."""
        try:
            doc: dict[str, Any] = json.loads(path.read_text())
            models: dict[str, Any] = doc["models"]
            entry = models.get(name) or models.get(calibration_name(name)) or models["default"]
            return RelevanceModel(
                float(entry["w_cosine"]), float(entry["w_coverage"]), float(entry["bias"]),
                float(entry["floor"]), str(entry.get("source", "")),
            )  # fmt: skip
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                f"cannot read relevance model {name!r} from {path}: {exc!r}; it needs "
                '{"models": {"default": {"w_cosine", "w_coverage", "bias", "floor"}}}; '
                "regenerate it with `python -m benchmarks.calibrate_relevance`"
            ) from exc


def query_coverage(
    bm25: BM25Index, query: str, ids: Sequence[int], background: BackgroundIdf | None = None
) -> np.ndarray:
    """For each document of ``ids``: the idf of the query terms it holds over the idf of all
    the query's terms (Lucene's idf, ``log(1 + (N - df + .5) / (df + .5))``, blended with the
    term's idf in general English when a ``background`` is given: a small collection's idf is
    noise, see ``rag.background``), where a function word (``FUNCTION_WORDS``) that no indexed
    text holds counts for nothing. Shape ``(len(ids),)``, values in [0, 1]; 0 for an id the
    index does not hold."""
    function_terms = _function_terms(bm25.analyzer)
    n = max(1, len(bm25))
    terms: list[str] = []
    idf: list[float] = []
    for term in dict.fromkeys(bm25.analyzer.tokens(query)):
        df = bm25.doc_freq(term)
        if df == 0 and term in function_terms:
            continue
        terms.append(term)
        own = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
        idf.append(own if background is None else background.blend(term, own, n))
    bound = sum(idf)
    if bound <= 0:
        return np.zeros(len(ids), dtype=np.float64)
    held = bm25.term_counts(ids, terms) > 0  # (len(ids), len(terms))
    share: np.ndarray = held @ np.asarray(idf, dtype=np.float64) / bound
    return share.clip(0.0, 1.0)


@lru_cache(maxsize=8)
def _function_terms(analyzer: Analyzer) -> frozenset[str]:
    """``FUNCTION_WORDS`` as ``analyzer`` indexes them (stemmed: "does" -> "doe")."""
    return frozenset(analyzer.tokens(" ".join(sorted(FUNCTION_WORDS))))


class BlendReranker:
    """Scores hits with the calibrated relevance model; ``Hit.score`` becomes the probability.

    ``bm25`` is a fixed index, or the collection's ``IndexSet``: then each rerank reads its
    current BM25 index (documents added since count) under the set's lock, so a search on
    another thread cannot catch the index up while it is read."""

    def __init__(
        self,
        store: VectorTable,
        bm25: BM25Index | IndexSet,
        embedder: Embedder,
        model: RelevanceModel | None = None,
    ) -> None:
        self.store = store
        self.bm25 = bm25
        self.embedder = embedder
        self.model = model or RelevanceModel.load(embedder.name)

    def features(self, query: str, hits: Sequence[Hit]) -> tuple[np.ndarray, np.ndarray]:
        """``(cosine (n,), coverage (n,))`` for the hits, in order."""
        rids = [_rid(h) for h in hits]
        source = self.bm25
        lock: AbstractContextManager[Any] = (
            source.lock if isinstance(source, IndexSet) else nullcontext()
        )
        with lock:
            bm25 = source.bm25() if isinstance(source, IndexSet) else source
            coverage = query_coverage(bm25, query, rids, background_idf(bm25.analyzer))
        q = self.embedder.embed([query])[0]  # (dim,)
        found, vecs = self.store.vectors(rids, self.embedder.dim)
        cos_by = dict(zip(found.tolist(), (vecs @ q).tolist(), strict=True))
        terms = set(bm25.analyzer.tokens(query))
        for rid, best in self._window_cosines(q, terms, bm25.analyzer, hits[:WINDOW_HITS]).items():
            cos_by[rid] = max(cos_by.get(rid, best), best)
        cosine = np.array([cos_by.get(r, 0.0) for r in rids], dtype=np.float64)
        return cosine, coverage

    def _window_cosines(
        self, q: np.ndarray, terms: set[str], analyzer: Analyzer, hits: Sequence[Hit]
    ) -> dict[int, float]:
        """The best cosine of ``q`` with a window of two consecutive sentences, for each hit of
        three or more sentences, by row id. A chunk that holds the answer among other topics
        (a course page with times, rooms and grades in one paragraph) embeds far from a question
        about one of them: "Where are the labs held?" has cosine 0.27 with the whole page and
        0.50 with its sentence about labs, and the page fell under the floor. Only the
        ``WINDOWS_PER_HIT`` windows holding the most of the query's ``terms`` are embedded (ties
        to the earlier): embedding every window cost 70-120 ms of CPU per question."""
        texts: list[str] = []
        owners: list[int] = []
        for hit in hits:
            text = hit.chunk.text
            spans = split_sentences(text)
            if len(spans) < 3:
                continue
            windows = [text[start:end] for (start, _), (_, end) in pairwise(spans)]
            held = [len(terms.intersection(analyzer.tokens(w))) for w in windows]
            ranked = sorted(range(len(windows)), key=lambda i: -held[i])[:WINDOWS_PER_HIT]
            texts += [windows[i] for i in ranked]
            owners += [_rid(hit)] * len(ranked)
        if not texts:
            return {}
        best: dict[int, float] = {}
        for rid, sim in zip(owners, (self.embedder.embed(texts) @ q).tolist(), strict=True):
            best[rid] = max(best.get(rid, sim), sim)
        return best

    def rerank(self, query: str, hits: list[Hit], k: int) -> list[Hit]:
        """The hits by calibrated relevance. A message with a greeting or a closing around its
        question (``question_focus``) is scored both whole and by its question alone, and each
        hit keeps the better: the model was fitted on bare questions, and "Hi! Sorry if this is
        obvious, but ..." should not count against a passage that answers the question."""
        if not hits:
            return []
        cosine, coverage = self.features(query, hits)
        focus = question_focus(query)
        if focus != query:
            f_cos, f_cov = self.features(focus, hits)
            better = self._probabilities(f_cos, f_cov) > self._probabilities(cosine, coverage)
            cosine, coverage = np.where(better, f_cos, cosine), np.where(better, f_cov, coverage)
        scored = [
            replace(h, score=self.model.probability(c, v), explain={**(h.explain or {}),
                    "relevance": {"cosine": c, "coverage": v}})
            for h, c, v in zip(hits, cosine.tolist(), coverage.tolist(), strict=True)
        ]  # fmt: skip
        scored.sort(key=lambda h: -h.score)
        return scored[:k]

    def _probabilities(self, cosine: np.ndarray, coverage: np.ndarray) -> np.ndarray:
        return np.array(
            [self.model.probability(c, v) for c, v in zip(cosine, coverage, strict=True)]
        )


class CrossEncoderReranker:
    """A sentence-transformers cross-encoder (any Hugging Face id or path, for users with one).

    Its raw scores are squashed with a sigmoid; the abstention floor must be calibrated for the
    model used (``floor``)."""

    def __init__(self, model: str, floor: float = 0.5) -> None:
        try:
            from sentence_transformers import CrossEncoder
        except ImportError as exc:
            raise MissingDependency("the cross-encoder reranker", extra="torch") from exc
        self._model = CrossEncoder(model, device="cpu")
        self.floor = floor

    def rerank(self, query: str, hits: list[Hit], k: int) -> list[Hit]:
        if not hits:
            return []
        raw = self._model.predict([(query, h.chunk.text) for h in hits], show_progress_bar=False)
        probs = 1.0 / (1.0 + np.exp(-np.asarray(raw, dtype=np.float64)))
        out = [replace(h, score=float(p)) for h, p in zip(hits, probs, strict=True)]
        out.sort(key=lambda h: -h.score)
        return out[:k]


def _rid(hit: Hit) -> int:
    rid = hit.rid
    if rid is None:
        raise ConfigError("hits must come from a collection searcher (no row id on the hit)")
    return int(rid)
