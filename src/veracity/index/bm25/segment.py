"""An immutable segment of the BM25 index: a batch of documents as forward and inverted CSR.

A segment never changes after it is built, except for two things that cost O(1) per document or
per query term: its tombstones (``live``) and its cache of term-frequency components. It holds
raw term frequencies and document lengths, not finished scores: idf is computed per query from the
index's exact global document frequencies, and the term-frequency component ``tfc(tf, L/L_avg)``
is cached per term and recomputed, lazily and only for query terms, when ``L_avg`` has changed.
That keeps statistics exact under adds and deletes while a query on a stable index only
multiplies a cached slice by one idf.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from veracity.index.bm25.variants import Variant

I32 = npt.NDArray[np.int32]
# Local document positions: uint16 in segments of at most 65,536 documents, else int32. The
# postings are most of what a query reads; two bytes fewer per posting made SciFact's k=10
# queries about 15% faster in the numba kernel.
Docs = npt.NDArray[np.integer[Any]]
I64 = npt.NDArray[np.int64]
F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]

# Documents per block of the block-max metadata (``Segment.blocks``). On the 200k-document Zipf
# corpus of benchmarks/bm25_speed.py at k=10, blocks of 16/32/64/128 documents whose bound
# reaches the final k-th score hold 4/10/20/34% of the query's postings; 64-256 were no faster.
BLOCK = 32
COLUMN_FROM = 4  # a term in 1/4 of a segment's documents or more gets a dense row (``columns``)
COLUMNS_UP_TO = 32_768  # documents: larger segments get no rows (as ``numba_kernel.TILE``)


class Segment:
    """Documents ``ids`` with their terms; doc ``i`` of the segment is local position ``i``.

    Forward CSR (doc -> terms): ``fwd_indptr`` (n+1,), ``fwd_terms`` (nnz,) global term ids,
    unique within a doc, ``fwd_tfs`` (nnz,). Inverted CSR (term -> docs): ``terms`` (u,) sorted
    global term ids, ``inv_indptr`` (u+1,), ``inv_docs`` (nnz,) local doc positions ascending
    within a term, ``inv_tfs`` (nnz,).
    """

    def __init__(
        self,
        ids: I64,
        lengths: I64,
        fwd_indptr: I64,
        fwd_terms: I32,
        fwd_tfs: I32,
        live: Bool | None = None,
    ) -> None:
        self.ids = ids
        self.lengths = lengths
        self.fwd_indptr = fwd_indptr
        self.fwd_terms = fwd_terms
        self.fwd_tfs = fwd_tfs
        self.live: Bool = np.ones(len(ids), dtype=bool) if live is None else live
        self.n_dead = int(len(ids) - np.count_nonzero(self.live))
        self._build_inverted()

    def _build_inverted(self) -> None:
        small = len(self.ids) <= 1 << 16
        # A stable sort keeps documents ascending within each term's postings.
        order, doc_of_entry = _invert(self.fwd_indptr, self.fwd_terms)
        sorted_terms = self.fwd_terms[order]
        self.inv_docs: Docs = doc_of_entry.astype(np.uint16 if small else np.int32)
        self.inv_tfs: I32 = self.fwd_tfs[order]  # int32: half the memory of float64
        starts = np.flatnonzero(np.r_[True, sorted_terms[1:] != sorted_terms[:-1]])
        if len(sorted_terms) == 0:
            starts = np.zeros(0, dtype=np.int64)
        self.terms: I32 = sorted_terms[starts]
        self.inv_indptr: I64 = np.r_[starts, len(sorted_terms)].astype(np.int64)
        # Where the segment holds most term ids below its largest, a direct map from term id to
        # position: a binary search per query term costs ~60 ns in cache misses (a fifth of a
        # SciFact query's Python time); 4 bytes per id, 16 at most per term held. The last slot
        # answers -1 for every id above the segment's.
        span = int(self.terms[-1]) + 1 if len(self.terms) else 0
        self._pos_of: I32 | None = None
        if span and span <= 4 * len(self.terms):
            self._pos_of = np.full(span + 1, -1, dtype=np.int32)
            self._pos_of[self.terms] = np.arange(len(self.terms), dtype=np.int32)
        # Cache of tfc per posting, valid for a term when _valid_for[term] == the current L_avg.
        self._tfc: F32 = np.zeros(len(sorted_terms), dtype=np.float32)
        self._blocks: tuple[I64, I32, I64, F32] | None = None  # built by ``blocks`` on demand
        self._columns: tuple[I32, F32] | None = None  # built by ``columns`` on demand
        # Per term: the largest cached tfc of its postings, refreshed with them.
        self._t_max: F32 = np.zeros(len(self.terms), dtype=np.float32)
        self._valid_for: F64 = np.full(len(self.terms), np.nan)

    @classmethod
    def from_terms(cls, ids: I64, term_ids: I64, lengths: I64) -> Segment:
        """Build from every document's term ids laid end to end (``lengths`` per document)."""
        n = len(ids)
        vocab = int(term_ids.max(initial=0)) + 1
        compiled = _compiled(len(term_ids))
        if compiled is not None:
            indptr, terms, tfs = compiled.doc_term_counts(term_ids, lengths, vocab)
            return cls(ids, lengths, indptr, terms, tfs)
        doc_of = np.repeat(np.arange(n, dtype=np.int64), lengths)
        # Unique (doc, term) pairs with their counts, sorted by doc then term.
        keys, counts = np.unique(doc_of * vocab + term_ids, return_counts=True)
        indptr = np.searchsorted(keys // vocab, np.arange(n + 1)).astype(np.int64)
        terms = (keys % vocab).astype(np.int32)
        return cls(ids, lengths, indptr, terms, counts.astype(np.int32))

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def n_live(self) -> int:
        return len(self.ids) - self.n_dead

    def doc_terms(self, local: int) -> I32:
        """The unique term ids of local document ``local``."""
        return self.fwd_terms[self.fwd_indptr[local] : self.fwd_indptr[local + 1]]

    def kill(self, local: int) -> None:
        """Tombstone local document ``local`` (the caller updates the global statistics)."""
        if self.live[local]:
            self.live[local] = False
            self.n_dead += 1

    def live_term_counts(self, vocab_size: int) -> I64:
        """Document frequency of every term over this segment's live documents, shape (vocab,)."""
        per_doc = np.diff(self.fwd_indptr)
        mask = np.repeat(self.live, per_doc)
        return np.bincount(self.fwd_terms[mask], minlength=vocab_size).astype(np.int64)

    def locate(
        self,
        term_ids: I64,
        avg_len: float,
        variant: Variant,
        params: tuple[float, float, float],
    ) -> I64:
        """Position of each query term in ``terms`` (-1 when absent), its tfc cache made fresh."""
        n_terms = len(self.terms)
        if not n_terms:
            return np.full(len(term_ids), -1, dtype=np.int64)
        if self._pos_of is not None:
            pos = self._pos_of[np.minimum(term_ids, len(self._pos_of) - 1)].astype(np.int64)
        else:
            pos = np.searchsorted(self.terms, term_ids).astype(np.int64)
            clipped = np.minimum(pos, n_terms - 1)
            pos = np.where(self.terms[clipped] == term_ids, clipped, -1)
        found = pos[pos >= 0]
        stale = np.unique(found[self._valid_for[found] != avg_len])
        if len(stale):
            self._refresh(stale, avg_len, variant, params)
        return pos

    @property
    def direct(self) -> bool:
        """Whether ``locate`` maps term ids directly (no binary search)."""
        return self._pos_of is not None

    @property
    def tfc(self) -> F32:
        """The cached term-frequency components, aligned with ``inv_docs``."""
        return self._tfc

    @property
    def term_max(self) -> F32:
        """(u,) The largest cached tfc of each term's postings (tombstoned ones included), fresh
        for the terms ``locate`` made fresh; so ``idf * term_max`` bounds what a term adds to any
        live document (``maxscore``, and ``BM25Index``'s skipping of hopeless segments)."""
        return self._t_max

    @property
    def blocks(self) -> tuple[I64, I32, I64, F32]:
        """Block-max metadata for pruning: (``blk_ptr`` (u+1,), ``blk_ids`` (e,), ``blk_start``
        (e+1,), ``blk_max`` (e,)). Entry ``e`` is one term's postings in one block of ``BLOCK``
        consecutive local documents: the term at position ``t`` owns entries
        ``blk_ptr[t]:blk_ptr[t+1]`` (blocks ascending), entry ``e`` covers postings
        ``blk_start[e]:blk_start[e+1]``, and ``blk_max[e]`` is their largest cached tfc
        (tombstoned postings included), refreshed with the term's tfc; so ``idf * blk_max``
        bounds what the term adds to any live document of the block.

        Built on first use (it costs about 9 bytes per posting, so an index that never prunes
        never pays for it); building marks every term's cache stale, so read it *before*
        ``locate`` makes the query terms fresh.
        """
        if self._blocks is None:
            self._blocks = self._build_blocks()
            self._valid_for[:] = np.nan  # block maxima are fresh only after a refresh
        return self._blocks

    @property
    def columns(self) -> tuple[I32, F32]:
        """Dense copies of the commonest terms' cached tfc: (``col_of`` (u,), ``cols`` (c, n)).
        The term at position ``t`` has row ``col_of[t]`` of ``cols`` (-1: none), whose entry per
        local document is the tfc of its posting there, 0.0 where the document lacks the term.

        A term in at least 1/``COLUMN_FROM`` of the documents gets a row, in a segment of at
        most ``COLUMNS_UP_TO`` documents (``numba_kernel`` scores larger ones a tile at a time,
        without rows). Adding a row of floats runs in SIMD and costs less than adding as many
        postings one scattered document at a time: on SciFact the 24 terms in a quarter of the
        documents hold 41% of the queries' postings, and rows for them took the kernel's sums
        from 3.1 to 2.5 us per query for 0.5 MB (docs/benchmarks.md, ``bm25-speed``). Adding
        0.0 leaves a float32 sum unchanged, so scores are the same bit for bit. Rows are
        refreshed with their terms' tfc; built on first use.
        """
        if self._columns is None:
            df = np.diff(self.inv_indptr)
            n = len(self.ids)
            wide = (df * COLUMN_FROM >= n) & (n <= COLUMNS_UP_TO)
            col_of = np.where(wide, np.cumsum(wide) - 1, -1).astype(np.int32)
            self._columns = col_of, np.zeros((int(wide.sum()), n), dtype=np.float32)
            self._fill_rows(np.flatnonzero(wide))  # from the cache as it is, stale or fresh
        return self._columns

    def _fill_rows(self, terms: I64) -> None:
        """Copy the cached tfc of the term positions ``terms`` that have rows into their rows."""
        assert self._columns is not None
        col_of, cols = self._columns
        for t in terms[col_of[terms] >= 0]:
            lo, hi = self.inv_indptr[t], self.inv_indptr[t + 1]
            cols[col_of[t], self.inv_docs[lo:hi]] = self._tfc[lo:hi]

    def _build_blocks(self) -> tuple[I64, I32, I64, F32]:
        nnz = len(self.inv_docs)
        term_of = np.repeat(np.arange(len(self.terms)), np.diff(self.inv_indptr))
        blk = self.inv_docs // BLOCK
        first = np.ones(nnz, dtype=bool)
        first[1:] = (term_of[1:] != term_of[:-1]) | (blk[1:] != blk[:-1])
        starts = np.flatnonzero(first)
        # Every term's first posting starts an entry, so this finds each term's first entry.
        blk_ptr = np.searchsorted(starts, self.inv_indptr).astype(np.int64)
        blk_ids = blk[starts].astype(np.int32)
        blk_start = np.r_[starts, nnz].astype(np.int64)
        return blk_ptr, blk_ids, blk_start, np.zeros(len(starts), dtype=np.float32)

    def _refresh(
        self,
        stale: I64,
        avg_len: float,
        variant: Variant,
        params: tuple[float, float, float],
    ) -> None:
        """Recompute the tfc cache of the terms at positions ``stale``, in one vectorized step."""
        k1, b, delta = params
        starts, ends = self.inv_indptr[stale], self.inv_indptr[stale + 1]
        counts = ends - starts
        # Every posting index of the stale terms: ranges [start, end) laid end to end.
        at = np.repeat(starts - np.r_[0, np.cumsum(counts)[:-1]], counts) + np.arange(counts.sum())
        rel_len = self.lengths[self.inv_docs[at]] / avg_len
        tf = self.inv_tfs[at].astype(np.float64)
        fresh = variant.tfc(tf, rel_len, k1, b, delta).astype(np.float32)
        self._tfc[at] = fresh
        offsets = np.r_[0, np.cumsum(counts)[:-1]]  # every term holds >= 1 posting
        self._t_max[stale] = np.maximum.reduceat(fresh, offsets)
        if self._blocks is not None:
            self._refresh_blocks(stale, starts, counts, fresh)
        if self._columns is not None:
            self._fill_rows(stale)
        self._valid_for[stale] = avg_len

    def _refresh_blocks(self, stale: I64, starts: I64, counts: I64, fresh: F32) -> None:
        """Block maxima of the ``stale`` terms from their fresh tfc (laid end to end)."""
        assert self._blocks is not None
        blk_ptr, _, blk_start, blk_max = self._blocks
        e_lo = blk_ptr[stale]
        n_e = blk_ptr[stale + 1] - e_lo
        entries = np.repeat(e_lo - np.r_[0, np.cumsum(n_e)[:-1]], n_e) + np.arange(n_e.sum())
        # Where each entry starts inside ``fresh``; no entry is empty, nor any reduceat range.
        base = np.repeat(np.r_[0, np.cumsum(counts)[:-1]] - starts, n_e)
        blk_max[entries] = np.maximum.reduceat(fresh, blk_start[entries] + base)

    def compact(self) -> Segment:
        """A new segment holding only the live documents."""
        return merge([self])


COMPILED_FROM = 1_000_000  # entries: below this the numpy build is quick and numba not loaded


def _compiled(n_entries: int) -> Any:
    """``numba_build`` for inputs of ``COMPILED_FROM`` entries or more, when numba is installed
    (its results are the same as the numpy code's); else None."""
    if n_entries < COMPILED_FROM:
        return None
    try:
        from veracity.index.bm25 import numba_build
    except ImportError:
        return None
    return numba_build


def _invert(fwd_indptr: I64, fwd_terms: I32) -> tuple[I64, npt.NDArray[np.integer[Any]]]:
    """The stable order of the forward entries by term, and each sorted entry's document."""
    compiled = _compiled(len(fwd_terms))
    if compiled is not None:
        n_terms = int(fwd_terms.max(initial=-1)) + 1
        order, docs = compiled.invert(fwd_indptr, fwd_terms, n_terms)
        return order, docs
    doc_of_entry = np.repeat(np.arange(len(fwd_indptr) - 1), np.diff(fwd_indptr))
    order = np.argsort(fwd_terms, kind="stable").astype(np.int64)
    return order, doc_of_entry[order]


def merge(segments: Sequence[Segment]) -> Segment:
    """One segment holding the live documents of ``segments``, in order."""
    ids, lengths, indptrs, terms, tfs = [], [], [], [], []
    offset = 0
    for seg in segments:
        keep = np.flatnonzero(seg.live)
        starts, ends = seg.fwd_indptr[keep], seg.fwd_indptr[keep + 1]
        counts = ends - starts
        # Gather the forward entries of the kept documents in one vectorized step.
        take = np.repeat(starts - np.r_[0, np.cumsum(counts)[:-1]], counts) + np.arange(
            int(counts.sum())
        )
        ids.append(seg.ids[keep])
        lengths.append(seg.lengths[keep])
        terms.append(seg.fwd_terms[take])
        tfs.append(seg.fwd_tfs[take])
        indptrs.append(offset + np.cumsum(counts))
        offset += int(counts.sum())
    return Segment(
        np.concatenate(ids).astype(np.int64),
        np.concatenate(lengths).astype(np.int64),
        np.r_[0, np.concatenate(indptrs)].astype(np.int64),
        np.concatenate(terms).astype(np.int32),
        np.concatenate(tfs).astype(np.int32),
    )
