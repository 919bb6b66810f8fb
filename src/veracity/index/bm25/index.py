"""An incremental BM25 index over integer ids (the store's chunk rowids).

Design (measured in ``benchmarks/bm25_speed.py``; see docs/benchmarks.md):

- Documents live in immutable ``Segment`` s (forward and inverted CSR of raw term frequencies).
  ``add`` builds one new segment from the batch with vectorized numpy; ``delete`` sets a tombstone.
  Segments of similar size are merged when ``merge_factor`` of them pile up (a log-structured
  merge, as in Lucene), and a segment that is mostly tombstones is rewritten.
- Global statistics are exact at every moment: the document frequency of every term, the number
  of live documents ``N`` and their total length are updated by each add and delete.
- A query computes idf from the global df and takes each query term's cached term-frequency
  components (recomputed lazily, per term, when the average length changed; see ``Segment``).
  Each segment sums them per document in float32, in the query's canonical term order (idf
  descending: ``kernels``), and keeps its k best in the total order
  (score descending, id ascending), skipping tombstones and ids outside ``allowed``; the index's
  top k is the merge of those lists (``kernels``: a compiled numba kernel, or numpy). Results do
  not depend on segment layout, so an index built incrementally scores bit-identically to a
  rebuild over the same documents. The largest segment goes first; its k-th score per query is a
  floor for the others, which skip a query whose terms' bounds cannot reach it and keep no
  document below it (after adding 1% to SciFact, the 51-document segment cost 3 us per query).
- Why not precomputed impacts (bm25s) or FTS5: a finished score depends on N, df and L_avg, which
  every add and delete changes; precomputing them makes an update cost a full re-index.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import chain, pairwise, repeat
from pathlib import Path

import numpy as np
import numpy.typing as npt

from veracity.errors import ConfigError
from veracity.index.bm25.kernels import Kernels, Result
from veracity.index.bm25.segment import BLOCK, Segment, merge
from veracity.index.bm25.variants import get_variant
from veracity.text.analyzer import Analyzer

I64 = npt.NDArray[np.int64]
F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]


class BM25Index:
    """BM25 over int64 ids with upsert, delete and exact global statistics.

    ``variant`` is one of ``robertson``, ``lucene`` (default), ``atire``, ``bm25l``, ``bm25+``
    (Kamphuis et al. 2020; formulas in ``veracity.index.bm25.variants``). ``delta`` is used by
    bm25l and bm25+ only. ``applied_seq`` is the last store change-log sequence number applied; the
    store integration sets it and ``save``/``load`` keep it. ``backend``: ``numba`` (a compiled
    kernel, needs numba), ``numpy``, or ``auto`` (numba when installed); results are identical.
    ``merge_factor`` segments of one size tier are merged into one. ``prune`` picks a dynamic
    pruning for the numba kernel, with identical results: ``"maxscore"`` (per-term bounds, see
    ``veracity.index.bm25.maxscore``) or ``"blockmax"`` (per-block bounds, see
    ``veracity.index.bm25.blockmax``; ``True`` means this, as before); ``"none"`` (or ``False``,
    the default) scores exhaustively, which measured fastest on the corpora at hand
    (docs/benchmarks.md, bm25-speed).

    Not safe for concurrent updates: the owner serializes ``add``/``delete``/``save`` with its
    own lock (searches from several threads are fine between updates).
    """

    def __init__(
        self,
        analyzer: Analyzer,
        variant: str = "lucene",
        k1: float = 1.2,
        b: float = 0.75,
        delta: float = 0.5,
        merge_factor: int = 8,
        backend: str = "auto",
        prune: str | bool = "none",
    ) -> None:
        if k1 < 0 or not 0 <= b <= 1 or delta < 0:
            raise ConfigError(
                f"BM25 needs k1 >= 0, 0 <= b <= 1, delta >= 0; got {k1=}, {b=}, {delta=}"
            )
        if merge_factor < 2:
            raise ConfigError(f"merge_factor must be >= 2, got {merge_factor}")
        self.analyzer = analyzer
        self.variant = get_variant(variant)
        self.k1, self.b, self.delta = float(k1), float(b), float(delta)
        self.merge_factor = merge_factor
        self.applied_seq = 0
        self.vocab: dict[str, int] = {}
        self._df: I64 = np.zeros(0, dtype=np.int64)
        self._n_live = 0
        self._total_len = 0
        self.segments: list[Segment] = []
        self._where: dict[int, tuple[Segment, int]] = {}
        self._kernels = Kernels(backend)
        self.prune = _prune_mode(prune)

    # ---- statistics -------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._n_live

    def __contains__(self, doc_id: int) -> bool:
        return int(doc_id) in self._where

    @property
    def avg_len(self) -> float:
        """Mean length in terms of the live documents (1.0 when they hold no terms at all, when
        nothing can match and the value only keeps the length norm finite)."""
        return self._total_len / self._n_live if self._total_len else 1.0

    def doc_freq(self, term: str) -> int:
        """Live documents holding the analyzed ``term`` (pass an index term, not raw text)."""
        tid = self.vocab.get(term)
        return 0 if tid is None else int(self._df[tid])

    def term_counts(self, doc_ids: Sequence[int], terms: Sequence[str]) -> npt.NDArray[np.int32]:
        """How often each index term occurs in each document, shape ``(len(doc_ids),
        len(terms))``; 0 for a term the index never saw and for an id it does not hold (pass
        analyzed terms, as ``analyzer.tokens`` gives them)."""
        counts = np.zeros((len(doc_ids), len(terms)), dtype=np.int32)
        tids = np.array([self.vocab.get(t, -1) for t in terms], dtype=np.int64)
        if not len(tids) or tids.max(initial=-1) < 0:
            return counts
        for row, doc_id in enumerate(doc_ids):
            where = self._where.get(int(doc_id))
            if where is None:
                continue
            seg, local = where
            lo, hi = seg.fwd_indptr[local], seg.fwd_indptr[local + 1]
            hit = dict(zip(seg.fwd_terms[lo:hi].tolist(), seg.fwd_tfs[lo:hi].tolist(), strict=True))
            counts[row] = [hit.get(t, 0) for t in tids.tolist()]
        return counts

    # ---- updates ----------------------------------------------------------------------------

    def add(self, ids: Sequence[int], texts: Sequence[str]) -> None:
        """Index ``texts`` under ``ids``; an id already present is replaced (upsert).

        Within one call a repeated id keeps its last text. Takes effect at once.
        """
        if len(ids) != len(texts):
            raise ConfigError(
                f"add() got {len(ids)} ids but {len(texts)} texts; pass one id per text"
            )
        last: dict[int, str] = {}
        for i, t in zip(ids, texts, strict=True):
            last[int(i)] = t
        # Analyze before touching the index, so a failing text leaves it unchanged.
        analyze = self.analyzer.tokens
        self._add_analyzed(list(last), [analyze(t) for t in last.values()])

    def add_terms(self, ids: Sequence[int], term_lists: Sequence[Sequence[str]]) -> None:
        """``add`` for documents already analyzed into index terms (the analyzer is not run)."""
        if len(ids) != len(term_lists):
            raise ConfigError(
                f"add_terms() got {len(ids)} ids but {len(term_lists)} term lists; "
                "pass one id per document"
            )
        if any(isinstance(t, str) for t in term_lists):
            raise ConfigError(
                "add_terms() takes one list of terms per document; for raw text use add()"
            )
        last = dict(zip(map(int, ids), term_lists, strict=True))
        self._add_analyzed(list(last), list(last.values()))

    def _add_analyzed(self, doc_ids: list[int], token_lists: Sequence[Sequence[str]]) -> None:
        """Index unique ``doc_ids`` with their terms, replacing ids already present."""
        if not doc_ids:
            return
        lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
        flat = list(chain.from_iterable(token_lists))
        vocab = self.vocab
        # New terms get the next ids in order of first occurrence; the loops run at C speed.
        new = [t for t in dict.fromkeys(flat) if t not in vocab]
        vocab.update(zip(new, range(len(vocab), len(vocab) + len(new)), strict=True))
        term_ids = np.fromiter(map(vocab.__getitem__, flat), dtype=np.int64, count=len(flat))
        self.delete([i for i in doc_ids if i in self._where])
        seg = Segment.from_terms(
            np.fromiter(doc_ids, dtype=np.int64, count=len(doc_ids)), term_ids, lengths
        )
        self._grow_df(len(vocab))
        self._df += np.bincount(seg.fwd_terms, minlength=len(self._df))
        self._n_live += len(seg)
        self._total_len += int(seg.lengths.sum())
        self._attach(seg)
        self._maybe_merge()

    def delete(self, ids: Sequence[int]) -> None:
        """Remove ``ids``; ids not in the index are ignored. Takes effect at once."""
        gone = []
        for raw in ids:
            found = self._where.pop(int(raw), None)
            if found is None:
                continue
            seg, local = found
            gone.append(seg.doc_terms(local))
            self._n_live -= 1
            self._total_len -= int(seg.lengths[local])
            seg.kill(local)
        if gone:
            np.subtract.at(self._df, np.concatenate(gone), 1)
            self._purge()

    def optimize(self) -> None:
        """Merge every segment into one without tombstones (what a background merge would do)."""
        if len(self.segments) > 1 or any(s.n_dead for s in self.segments):
            self._replace(list(self.segments), merge(self.segments))

    def _grow_df(self, size: int) -> None:
        if size > len(self._df):
            grown = np.zeros(max(size, 2 * len(self._df)), dtype=np.int64)
            grown[: len(self._df)] = self._df
            self._df = grown

    def _attach(self, seg: Segment) -> None:
        self.segments.append(seg)
        if seg.n_dead:
            live = np.flatnonzero(seg.live)
            pairs = zip(
                seg.ids[live].tolist(), zip(repeat(seg), live.tolist(), strict=False), strict=True
            )
        else:
            pairs = zip(
                seg.ids.tolist(), zip(repeat(seg), range(len(seg)), strict=False), strict=True
            )
        with _gc_paused():
            self._where.update(pairs)

    def _replace(self, old: list[Segment], new: Segment) -> None:
        gone = {id(s) for s in old}
        self.segments = [s for s in self.segments if id(s) not in gone]
        if len(new):
            self._attach(new)

    def _maybe_merge(self) -> None:
        """Log-structured merge: ``merge_factor`` segments of one size tier become one."""
        while True:
            tiers: dict[int, list[Segment]] = {}
            for s in self.segments:
                tier = int(np.log(max(s.n_live, 1)) / np.log(self.merge_factor))
                tiers.setdefault(tier, []).append(s)
            full = [group for group in tiers.values() if len(group) >= self.merge_factor]
            if not full:
                return
            self._replace(full[0], merge(full[0]))

    def _purge(self) -> None:
        """Rewrite segments that are more than half tombstones; drop empty ones."""
        for seg in list(self.segments):
            if seg.n_dead and 2 * seg.n_dead > len(seg):
                self._replace([seg], seg.compact())

    # ---- search -----------------------------------------------------------------------------

    def _query_terms(self, per_query: Sequence[Sequence[str]]) -> tuple[I64, I64, F32]:
        """Flattened known query term ids (duplicates kept), per-query pointers, float32 idf.

        Each query's terms come in the canonical order in which every kernel adds them (see
        ``kernels``): by idf, highest first, ties in the query's order."""
        lens = np.fromiter(map(len, per_query), dtype=np.int64, count=len(per_query))
        n_terms = int(lens.sum())
        # vocab.get(term, -1) over all terms at C speed; unknown terms are dropped below.
        found = np.fromiter(
            map(self.vocab.get, chain.from_iterable(per_query), repeat(-1)),
            dtype=np.int64,
            count=n_terms,
        )
        keep = found >= 0
        q_of = np.repeat(np.arange(len(per_query), dtype=np.int64), lens)[keep]
        tids = found[keep]
        q_ptr = np.zeros(len(per_query) + 1, dtype=np.int64)
        np.cumsum(np.bincount(q_of, minlength=len(per_query)), out=q_ptr[1:])
        freq = self._df[tids].astype(np.float64)
        # Terms only in deleted documents have df 0: they match nothing (weight 0, no postings).
        idf = np.where(freq > 0, self.variant.idf(np.maximum(freq, 1.0), float(self._n_live)), 0.0)
        idf32 = idf.astype(np.float32)
        order = _canonical(q_of, idf32)
        return tids[order], q_ptr, idf32[order]

    def _search_batch(
        self, per_query: Sequence[Sequence[str]], k: int, allowed: I64 | None
    ) -> list[tuple[I64, F32]]:
        if k < 1:
            raise ConfigError(f"k must be >= 1, got {k}")
        if not self._n_live:
            empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
            return [empty for _ in per_query]
        tids, q_ptr, q_w = self._query_terms(per_query)
        distinct: tuple[I64, I64] | None = None
        params = (self.k1, self.b, self.delta)
        parts: list[Result] = []
        floor: F64 | None = None
        compiled = self._kernels.name == "numba"
        mode = self.prune if compiled else "none"
        # Largest segment first: its k-th scores let smaller segments skip hopeless queries.
        for seg in sorted(self.segments, key=len, reverse=True):
            # Block metadata first: building it marks the tfc cache stale, and locate refreshes.
            blocks = (*seg.blocks, BLOCK) if mode == "blockmax" else None
            if seg.direct:
                q_pos = seg.locate(tids, self.avg_len, self.variant, params)
            else:  # distinct terms, sorted: a binary search per unsorted term cost ~60 ns
                distinct = distinct or np.unique(tids, return_inverse=True)
                q_pos = seg.locate(distinct[0], self.avg_len, self.variant, params)[distinct[1]]
            if floor is not None:
                q_pos = _drop_hopeless(q_pos, q_ptr, q_w, seg.term_max, floor)
                if not (q_pos >= 0).any():
                    continue
            bounds = seg.term_max if mode == "maxscore" else None
            columns = seg.columns if mode != "blockmax" else None
            eligible = seg.live
            if allowed is not None:
                eligible = eligible & _member(seg.ids, allowed)
            arrays = (seg.inv_indptr, seg.inv_docs, seg.tfc, seg.ids, eligible)
            parts.append(
                self._kernels.segment_top_k(
                    *arrays, q_ptr, q_pos, q_w, k, blocks, bounds, floor, columns
                )
            )
            if floor is None and len(self.segments) > 1:
                floor = _kth_scores(parts[0], k)
        return _split(self._kernels.merge_top_k(parts, k))

    def search(
        self, query: str, k: int, allowed: npt.NDArray[np.int64] | None = None
    ) -> tuple[I64, F32]:
        """The top ``k`` (ids int64, scores float32), best first, ties by ascending id.

        ``allowed`` (sorted int64 ids) is a pre-filter: only those ids can be returned, and the
        result holds min(k, number of allowed documents with a positive score) hits.
        """
        allow = None if allowed is None else np.asarray(allowed, dtype=np.int64)
        return self._search_batch([self.analyzer.tokens(query)], k, allow)[0]

    def search_many(self, queries: Sequence[str], k: int) -> list[tuple[I64, F32]]:
        """``search`` for each query, in order, in one batched pass per segment."""
        analyze = self.analyzer.tokens
        return self._search_batch([analyze(q) for q in queries], k, None)

    def search_terms(self, term_lists: Sequence[Sequence[str]], k: int) -> list[tuple[I64, F32]]:
        """``search_many`` over queries already analyzed into index terms (the analyzer is not
        run): for callers that analyze once and query several indexes, and for benchmarks that
        hand every system the same terms."""
        if isinstance(term_lists, str) or any(map(isinstance, term_lists, repeat(str))):
            raise ConfigError(
                "search_terms() takes one list of terms per query, e.g. [['cell', 'growth']]; "
                "for raw query text use search() or search_many()"
            )
        return self._search_batch(term_lists, k, None)

    # ---- persistence ------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write the index under ``directory`` atomically (see ``veracity.index.bm25.persist``)."""
        from veracity.index.bm25.persist import save

        save(self, Path(directory))

    @classmethod
    def load(cls, directory: Path) -> BM25Index:
        """Read an index written by ``save``; raises ``IndexError_`` if damaged or incompatible."""
        from veracity.index.bm25.persist import load

        return load(Path(directory))


PRUNE_MODES = ("none", "maxscore", "blockmax")


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Cyclic garbage collection paused while a bulk insert creates a tuple per document.

    Each full collection those tuples trigger walks every container of the process, the caller's
    token lists included: on a 300k-document build, 3 full collections took 4.6 of 20 CPU s.
    Nothing becomes garbage here, so nothing is freed later than it would have been."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _prune_mode(prune: str | bool) -> str:
    """``prune`` as one of ``PRUNE_MODES`` (``True``/``False``: the former boolean switch)."""
    if isinstance(prune, bool):
        return "blockmax" if prune else "none"
    if prune not in PRUNE_MODES:
        raise ConfigError(
            f"unknown BM25 prune mode {prune!r}; known: {', '.join(PRUNE_MODES)} "
            "(or True for blockmax, False for none)"
        )
    return prune


def _member(ids: I64, allowed: I64) -> npt.NDArray[np.bool_]:
    """Which of ``ids`` are in the sorted array ``allowed``."""
    if not len(allowed):
        return np.zeros(len(ids), dtype=bool)
    at = np.minimum(np.searchsorted(allowed, ids), len(allowed) - 1)
    same: npt.NDArray[np.bool_] = allowed[at] == ids
    return same


def _kth_scores(result: Result, k: int) -> F64:
    """Per query, the k-th best score of a segment's top-k lists (0.0 where fewer than k): k
    documents of the index score at least that much."""
    ptr, _, scores = result
    full = np.diff(ptr) == k
    if not full.any():
        return np.zeros(len(ptr) - 1)
    return np.where(full, scores[np.maximum(ptr[1:] - 1, 0)], 0.0)


def _canonical(q_of: I64, idf: F32) -> I64:
    """The order that sorts the flattened terms by query, then idf descending, ties in the
    query's order: a float32 sum depends on the order of its terms, and this one depends on
    which terms a query holds (not on their order, unless two share an idf) and never on the
    index's layout or its term ids, so an index built incrementally scores as a rebuild does.
    One stable sort of an int64 key: the query number above the idf's bits, complemented (a
    float32 >= 0 orders as its bits do)."""
    rank = np.int64(0x7FFFFFFF) - idf.view(np.int32).astype(np.int64)
    order: I64 = np.argsort((q_of << 31) | rank, kind="stable")
    return order


def _drop_hopeless(q_pos: I64, q_ptr: I64, q_w: F32, t_max: F32, floor: F64) -> I64:
    """``q_pos`` with the terms of a query marked absent (-1) when no document of the segment can
    reach ``floor`` for it: the sum of its terms' bounds ``float32(t_max * idf)`` (each at least
    a document's contribution; see ``Segment.term_max``) is below it. A document scoring below
    k others can never be in their top k (strictly: one scoring exactly ``floor`` may still win
    on its id). A float32 sum of n terms may round up to ``(1 + 2**-24)**n`` times their exact
    sum; the margin, ``(n + 1) * 2**-23``, covers that."""
    found = (q_pos >= 0) & (q_w > 0)
    if not found.any():  # also a segment without terms, whose t_max is empty
        return np.full_like(q_pos, -1)
    contrib = np.where(found, t_max[np.where(found, q_pos, 0)] * q_w, np.float32(0.0))
    lens = np.diff(q_ptr)
    # reduceat over a trailing 0.0, so an empty last query has a valid start; empty ones sum 0.
    bound = np.add.reduceat(np.r_[contrib.astype(np.float64), 0.0], q_ptr[:-1])
    hopeless = (bound * (1.0 + (lens + 1) * 2.0**-23) < floor) | (lens == 0)
    out: I64 = np.where(np.repeat(hopeless, lens), -1, q_pos)
    return out


def _split(result: Result) -> list[tuple[I64, F32]]:
    """One (ids, float32 scores) pair per query from a batched result."""
    ptr, ids, scores = result
    scores32 = scores.astype(np.float32)
    width = len(ids) // max(len(ptr) - 1, 1)
    if width and np.all(np.diff(ptr) == width):  # every query has k hits: a matrix's rows, faster
        return list(zip(ids.reshape(-1, width), scores32.reshape(-1, width), strict=True))
    return [(ids[s:e], scores32[s:e]) for s, e in pairwise(ptr.tolist())]
