"""Count-vector / TF-IDF retrieval: the classic sparse "bag of words" embedding.

Each chunk becomes a sparse vector of ``(1 + log tf) * idf`` weights over the analyzer's terms,
L2-normalized (the SMART ``ltc`` scheme, Salton & Buckley 1988); a query is weighted the same way
and scored by cosine similarity, one sparse matrix-vector product. It is rebuilt in memory from the
store whenever the store changed; BM25 is the better ranker, this is the textbook baseline.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import scipy.sparse as sp

from veracity.index.contextual import contextual_rows
from veracity.store.protocols import Store
from veracity.text.analyzer import COLLECTION_ANALYZER, Analyzer, get_analyzer


class TfidfIndex:
    def __init__(self, analyzer: Analyzer, rids: list[int], texts: list[str]) -> None:
        self.analyzer = analyzer
        self.rids = np.asarray(rids, dtype=np.int64)
        self.vocab: dict[str, int] = {}
        rows, cols, tfs = [], [], []
        for row, text in enumerate(texts):
            for term, tf in Counter(analyzer.tokens(text)).items():
                col = self.vocab.setdefault(term, len(self.vocab))
                rows.append(row)
                cols.append(col)
                tfs.append(1.0 + math.log(tf))
        shape = (len(texts), max(1, len(self.vocab)))
        matrix = sp.csr_matrix((tfs, (rows, cols)), shape=shape, dtype=np.float32)
        df = np.bincount(np.asarray(cols, dtype=np.int64), minlength=shape[1])
        self.idf = np.log((1 + len(texts)) / (1 + df)).astype(np.float32) + 1.0  # (V,)
        matrix = matrix.multiply(self.idf).tocsr()
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        self.matrix = sp.diags(1.0 / norms).dot(matrix).tocsr()  # (N, V)

    def search(
        self, query: str, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        counts = Counter(t for t in self.analyzer.tokens(query) if t in self.vocab)
        if not counts or len(self.rids) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        cols = np.array([self.vocab[t] for t in counts], dtype=np.int64)
        weights = np.array([1 + math.log(c) for c in counts.values()], np.float32) * self.idf[cols]
        weights /= np.linalg.norm(weights)
        scores = np.asarray(self.matrix[:, cols] @ weights).ravel()  # (N,)
        if allowed is not None:
            scores = np.where(np.isin(self.rids, allowed), scores, 0.0)
        hits = np.flatnonzero(scores > 0)
        top = hits[np.argsort(-scores[hits], kind="stable")[:k]]
        return self.rids[top], scores[top].astype(np.float32)


class TfidfCache:
    """A ``TfidfIndex`` rebuilt whenever the store has changed since it was built."""

    def __init__(self, store: Store, analyzer: str = COLLECTION_ANALYZER) -> None:
        self.store = store
        self.analyzer = get_analyzer(analyzer)
        self._index: TfidfIndex | None = None
        self._seq = -1

    def get(self) -> TfidfIndex:
        head = self.store.last_seq()
        if self._index is None or head != self._seq:
            rids: list[int] = []
            texts: list[str] = []
            for rows in self.store.iter_chunk_contexts():
                batch_rids, batch_texts = contextual_rows(rows)
                rids.extend(batch_rids)
                texts.extend(batch_texts)
            self._index, self._seq = TfidfIndex(self.analyzer, rids, texts), head
        return self._index
