"""Hashed word and character n-gram features for the injection classifier (numpy/scipy only).

Feature hashing (Weinberger et al. 2009) keeps the model a fixed-size weight vector with no
vocabulary to ship: words, word bigrams and character 3-5-grams of the canonical text are hashed
with CRC32 into ``dim`` signed buckets, counts are log-scaled and each row is L2-normalized.
``_tokens`` spells the features out; ``featurize`` computes exactly the same matrix, vectorized.

Why vectorized: the guard scans every chunk at ingest, and hashing ~2,000 feature strings a chunk
one ``zlib.crc32`` call at a time was most of the scan's cost. CRC32 is a byte-at-a-time table
recurrence, so one numpy step advances every n-gram of a batch at once, and an n-gram's register
is its (n-1)-gram's fed one more character (3-, 4- and 5-grams take five steps, not twelve). The
recurrence is linear in the register, so a bigram's register follows from its two words'.
Bucket order matters for bit-identical output: each row's norm is summed in the order buckets
were first hit, as the per-string loop did, and entries are stored sorted by column.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse

from veracity.guard.normalize import canonical

DEFAULT_DIM = 1 << 18
MAX_CHARS = 3000  # features from the first 3000 canonical characters; floods add nothing later
_WORD = re.compile(r"[a-z0-9']+|[^\sa-z0-9]")

_BLOCK_ROWS = 256  # texts hashed and bucketed together (bounds the batch arrays' memory)
_MAX_SPAN = 24  # words longer than this are hashed by zlib, not by a numpy step a character
_UTF8_LEAD = np.array([0, 0x00, 0xC0, 0xE0, 0xF0], dtype=np.uint32)  # by byte count


def _tokens(text: str, char_ngrams: tuple[int, int]) -> list[str]:
    """The features of one canonical text, in order (the definition ``featurize`` vectorizes)."""
    words = _WORD.findall(text)
    feats = [f"w:{w}" for w in words]
    feats += [f"b:{a}_{b}" for a, b in itertools.pairwise(words)]
    lo, hi = char_ngrams
    padded = f" {text} "
    for n in range(lo, hi + 1):
        feats += [f"c:{padded[i : i + n]}" for i in range(len(padded) - n + 1)]
    feats.append(_len_feature(text))
    feats.append(_lines_feature(text))
    return feats


def _len_feature(text: str) -> str:
    return f"len:{int(math.log2(len(text) + 1))}"


def _lines_feature(text: str) -> str:
    return f"lines:{min(text.count(chr(10)), 8)}"


@functools.cache
def _crc_table() -> np.ndarray:
    """zlib's CRC-32 byte table (reflected polynomial 0xEDB88320)."""
    t = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        t = np.where(t & 1, (t >> 1) ^ np.uint32(0xEDB88320), t >> 1).astype(np.uint32)
    return t


@functools.cache
def _register(prefix: str) -> int:
    """The CRC register after ``prefix`` (``zlib.crc32`` returns the register inverted)."""
    return zlib.crc32(prefix.encode("utf-8")) ^ 0xFFFFFFFF


@functools.cache
def _crc(feature: str) -> int:
    """The hash of a feature with few distinct values (length, line count)."""
    return zlib.crc32(feature.encode("utf-8"))


def _step(reg: np.ndarray, byte: np.ndarray | int) -> np.ndarray:
    """Feed one byte to each CRC register."""
    out: np.ndarray = _crc_table()[(reg ^ byte) & 0xFF] ^ (reg >> 8)
    return out


@dataclass(frozen=True, slots=True)
class _Utf8:
    """A string's code points and the first UTF-8 byte of each, so CRC registers can be fed
    whole characters. Continuation bytes are worked out only for the (few) wide characters."""

    cp: np.ndarray  # (n,) uint32 code points
    lead: np.ndarray  # (n,) uint32 first UTF-8 byte
    wide: np.ndarray | None  # (n,) bool, characters of 2-4 bytes; None for ASCII

    @classmethod
    def of(cls, text: str) -> _Utf8:
        # utf-32 refuses lone surrogates exactly where the utf-8 encoding of a feature would
        cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        if text.isascii():
            return cls(cp, cp, None)
        wide = cp >= 0x80
        at = np.flatnonzero(wide)
        size = _utf8_size(cp[at])
        lead = cp.copy()
        lead[at] = _UTF8_LEAD[size] | (cp[at] >> (6 * (size - 1)))
        return cls(cp, lead, wide)

    def feed_run(self, reg: np.ndarray, start: int) -> np.ndarray:
        """``reg[i]`` fed the character at ``start + i``."""
        reg = _step(reg, self.lead[start : start + len(reg)])
        if self.wide is not None:
            i = np.flatnonzero(self.wide[start : start + len(reg)])
            self._continue(reg, i, i + start)
        return reg

    def feed_at(self, reg: np.ndarray, at: np.ndarray) -> np.ndarray:
        """``reg[i]`` fed the character at ``at[i]``."""
        reg = _step(reg, self.lead[at])
        if self.wide is not None:
            i = np.flatnonzero(self.wide[at])
            self._continue(reg, i, at[i])
        return reg

    def byte_lengths(self, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """UTF-8 bytes of each span of characters."""
        if self.wide is None:
            return lengths
        at = np.flatnonzero(self.wide)
        extra = np.zeros(len(self.cp) + 1, dtype=np.int64)
        extra[at + 1] = _utf8_size(self.cp[at]) - 1
        extra = np.cumsum(extra)
        out: np.ndarray = lengths + extra[starts + lengths] - extra[starts]
        return out

    def _continue(self, reg: np.ndarray, i: np.ndarray, at: np.ndarray) -> None:
        """Feed ``reg[i]`` the continuation bytes of the wide characters at ``at``, in place."""
        cp = self.cp[at]
        size = _utf8_size(cp)
        for k in (1, 2, 3):
            j = np.flatnonzero(size > k)
            if not j.size:
                break
            shift = 6 * (size[j] - 1 - k)
            reg[i[j]] = _step(reg[i[j]], 0x80 | ((cp[j] >> shift) & 0x3F))


def _utf8_size(cp: np.ndarray) -> np.ndarray:
    """UTF-8 bytes per code point (all >= 0x80): 2, 3 or 4."""
    size: np.ndarray = (2 + (cp >= 0x800) + (cp >= 0x10000)).astype(np.uint32)
    return size


def _ngram_hashes(chars: _Utf8, prefix: str, lo: int, hi: int) -> dict[int, np.ndarray]:
    """CRC32 of ``prefix`` + the ``n`` characters starting at each position, for lo <= n <= hi.
    The array for ``n`` has one entry per start position with ``n`` characters after it."""
    total = len(chars.cp)
    reg = np.full(total + 1, _register(prefix), dtype=np.uint32)
    out: dict[int, np.ndarray] = {}
    for n in range(hi + 1):
        if n:
            reg = chars.feed_run(reg[: total - n + 1], n - 1)
        if n >= lo:
            out[n] = reg ^ np.uint32(0xFFFFFFFF)
    return out


def _span_hashes(
    text: str, chars: _Utf8, starts: np.ndarray, lengths: np.ndarray, prefix: str
) -> np.ndarray:
    """CRC32 of ``prefix + text[start : start + length]`` for every span (``chars`` is ``text``).

    Spans are fed longest first, so the spans still running after ``k`` characters are a prefix
    of the order and each step is one slice; the rare long span goes to zlib instead.
    """
    out = np.empty(len(starts), dtype=np.uint32)
    long = lengths > _MAX_SPAN
    for i in np.flatnonzero(long):
        a, b = int(starts[i]), int(starts[i] + lengths[i])
        out[i] = zlib.crc32((prefix + text[a:b]).encode("utf-8"))
    short = np.flatnonzero(~long)
    order = short[np.argsort(-lengths[short].astype(np.int16), kind="stable")]  # radix sort
    s, n = starts[order], lengths[order]
    reg = np.full(len(order), _register(prefix), dtype=np.uint32)
    running = np.cumsum(np.bincount(n, minlength=_MAX_SPAN + 1)[::-1])[::-1]  # spans with >= k
    for k in range(int(n.max(initial=0))):
        a = int(running[k + 1])  # spans longer than k characters
        reg[:a] = chars.feed_at(reg[:a], s[:a] + k)
    out[order] = reg ^ np.uint32(0xFFFFFFFF)
    return out


@functools.cache
def _zero_feeds() -> np.ndarray:
    """``[n, j, v]``: the register ``v << 8j`` becomes when fed ``n`` zero bytes, for n up to
    the longest hashed word (4 bytes a character)."""
    z = np.empty((4 * _MAX_SPAN + 1, 4, 256), dtype=np.uint32)
    z[0] = np.arange(256, dtype=np.uint32) << (8 * np.arange(4, dtype=np.uint32))[:, None]
    for n in range(4 * _MAX_SPAN):
        z[n + 1] = _crc_table()[z[n] & 0xFF] ^ (z[n] >> 8)
    return z


def _after_zeros(reg: np.ndarray, n_bytes: np.ndarray) -> np.ndarray:
    """``reg`` fed ``n_bytes`` zero bytes. A CRC step is linear over GF(2) in the register, so
    this is the XOR of what each of the register's four bytes becomes alone."""
    z = _zero_feeds()
    out: np.ndarray = (
        z[n_bytes, 0, reg & 0xFF]
        ^ z[n_bytes, 1, reg >> 8 & 0xFF]
        ^ z[n_bytes, 2, reg >> 16 & 0xFF]
        ^ z[n_bytes, 3, reg >> 24]
    )
    return out


def _bigram_registers(
    w_a: np.ndarray, w_b: np.ndarray, bytes_a: np.ndarray, bytes_b: np.ndarray
) -> np.ndarray:
    """CRC registers of ``b:a_b`` from those of ``w:a`` and ``w:b`` (UTF-8 lengths ``bytes_*``).

    Feeding bytes ``s`` to a register ``r`` gives ``after_zeros(r, len(s)) ^ feed(0, s)``, as
    a CRC step is linear in the register. So ``feed(R_b, a) = feed(R_w, a) ^ after_zeros(R_w ^
    R_b, len(a))`` for the registers ``R_w``, ``R_b`` after the prefixes ``w:`` and ``b:``; the
    second word joins the same way, and no character of either word is fed again.
    """
    w, b = np.uint32(_register("w:")), np.uint32(_register("b:"))
    after_a = w_a ^ _after_zeros(np.full(len(w_a), w ^ b, dtype=np.uint32), bytes_a)  # b:a
    after_sep = _step(after_a, ord("_"))  # b:a_
    out: np.ndarray = _after_zeros(after_sep ^ w, bytes_b) ^ w_b  # b:a_b
    return out


def _word_hashes(words: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of ``w:word`` and ``b:a_b`` for every row's words (rows concatenated)."""
    flat = list(itertools.chain.from_iterable(words))
    joined = "".join(flat)
    lengths = np.fromiter(map(len, flat), dtype=np.int64, count=len(flat))
    starts = np.cumsum(lengths) - lengths
    chars = _Utf8.of(joined)
    hw = _span_hashes(joined, chars, starts, lengths, "w:")
    ends = np.cumsum([len(row) for row in words])  # one past each row's last word
    pair = np.ones(len(flat), dtype=bool)  # words that start a bigram: all but a row's last
    pair[ends[ends > 0] - 1] = False
    a = np.flatnonzero(pair)
    hb = np.empty(len(a), dtype=np.uint32)
    short = (lengths[a] <= _MAX_SPAN) & (lengths[a + 1] <= _MAX_SPAN)
    i = np.flatnonzero(short)
    n_bytes = chars.byte_lengths(starts, lengths)
    reg = hw ^ np.uint32(0xFFFFFFFF)
    pairs = _bigram_registers(reg[a[i]], reg[a[i] + 1], n_bytes[a[i]], n_bytes[a[i] + 1])
    hb[i] = pairs ^ np.uint32(0xFFFFFFFF)
    for k in np.flatnonzero(~short):  # a word too long for the zero-feed table
        hb[k] = zlib.crc32(f"b:{flat[a[k]]}_{flat[a[k] + 1]}".encode())
    return hw, hb


def _concat_ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``np.concatenate([np.arange(s, s + n) for s, n in zip(starts, lengths)])``, vectorized."""
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if len(ends) else 0
    out: np.ndarray = np.arange(total) + np.repeat(starts - (ends - lengths), lengths)
    return out


def _block_hashes(texts: list[str], char_ngrams: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Every text's feature hashes in ``_tokens`` order, rows concatenated, and the row sizes."""
    lo, hi = char_ngrams
    words = [_WORD.findall(t) for t in texts]
    hw, hb = _word_hashes(words)
    padded = [f" {t} " for t in texts]
    grams = _ngram_hashes(_Utf8.of("".join(padded)), "c:", lo, hi)
    tail = [_crc(f(t)) for t in texts for f in (_len_feature, _lines_feature)]
    sources = [hw, hb, *(grams[n] for n in range(lo, hi + 1)), np.array(tail, dtype=np.uint32)]
    # each row takes one slice of every source: (where it starts, how long), row by row
    n_words = np.fromiter(map(len, words), dtype=np.int64, count=len(texts))
    n_chars = np.fromiter(map(len, padded), dtype=np.int64, count=len(texts))
    n_pairs = np.maximum(n_words - 1, 0)
    n_grams = [np.maximum(n_chars - n + 1, 0) for n in range(lo, hi + 1)]
    lengths = np.column_stack([n_words, n_pairs, *n_grams, np.full(len(texts), 2)])
    within = [n_words, n_pairs, *([n_chars] * len(n_grams)), np.full(len(texts), 2)]
    base = np.cumsum([0] + [len(src) for src in sources[:-1]])
    starts = np.column_stack([b + np.cumsum(w) - w for b, w in zip(base, within, strict=True)])
    index = _concat_ranges(starts.ravel(), lengths.ravel())
    return np.concatenate(sources)[index], lengths.sum(axis=1)


def _log_scaled(sums: np.ndarray) -> np.ndarray:
    """``sign(x) * log1p(|x|)`` of integer bucket sums, looked up in a table of the few values
    they take (the same float64 function, so the same bits, at a fraction of the cost)."""
    lo = int(sums.min(initial=0))
    k = np.arange(lo, int(sums.max(initial=0)) + 1, dtype=np.float64)
    table = np.sign(k) * np.log1p(np.abs(k))
    out: np.ndarray = table[sums - lo]
    return out


def _block(texts: list[str], dim: int, char_ngrams: tuple[int, int]) -> scipy.sparse.csr_matrix:
    """The feature rows of a few hundred canonical texts (already cut to ``MAX_CHARS``)."""
    h, counts = _block_hashes(texts, char_ngrams)
    n_rows, total = len(texts), len(h)
    row_start = np.cumsum(counts) - counts
    # One integer per feature: column, position in its row, sign bit. Sorted row by row (in
    # place; all distinct, so any sort gives this order), a row's buckets are its runs of equal
    # columns, each led by its first hit.
    pos_bits = int(counts.max() - 1).bit_length()
    low_bits = pos_bits + 1
    kind = np.dtype(np.uint32 if (dim - 1).bit_length() + low_bits <= 32 else np.uint64)
    pos = np.arange(total) - np.repeat(row_start, counts)
    packed = (h.astype(kind) % dim) << low_bits | pos.astype(kind) << 1 | h >> 31
    for a, b in itertools.pairwise(np.r_[row_start, total]):
        packed[a:b].sort()
    col = packed >> low_bits
    new = np.r_[True, col[1:] != col[:-1]]
    new[row_start] = True
    starts = np.flatnonzero(new)
    indptr = np.r_[np.searchsorted(starts, row_start), len(starts)]
    per_row = np.diff(indptr)
    # each bucket adds +1 for a feature whose hash has the top bit set, -1 otherwise (segment
    # sums as differences of a running sum: reduceat pays a call per bucket)
    edges = np.r_[starts, total]
    ones = np.diff(np.r_[0, np.cumsum(packed & 1, dtype=np.int32)][edges])
    v = _log_scaled(2 * ones - np.diff(edges))
    # a row's norm sums its buckets in first-hit order, as the per-string loop did: summation
    # order can change the last bit
    in_row = (packed[starts] >> 1 & (1 << pos_bits) - 1).astype(np.int64)
    first_hit = in_row + np.repeat(row_start, per_row)
    is_first = np.zeros(total, dtype=bool)
    is_first[first_hit] = True
    by_first_hit = np.empty_like(v)
    by_first_hit[np.cumsum(is_first, dtype=np.int32)[first_hit] - 1] = v
    norms = [float(np.linalg.norm(by_first_hit[a:b])) or 1.0 for a, b in itertools.pairwise(indptr)]
    data = (v / np.repeat(norms, per_row)).astype(np.float32)
    cols = col[starts].astype(np.int32)
    return scipy.sparse.csr_matrix((data, cols, indptr.astype(np.int32)), shape=(n_rows, dim))


def featurize(
    texts: Sequence[str],
    dim: int = DEFAULT_DIM,
    char_ngrams: tuple[int, int] = (3, 5),
    *,
    already_canonical: bool = False,
) -> scipy.sparse.csr_matrix:
    """A ``(len(texts), dim)`` float32 CSR matrix of hashed, log-scaled, L2-normalized features."""
    if char_ngrams[0] < 0:
        raise ValueError(f"char_ngrams must be non-negative lengths, got {char_ngrams}")
    cut = [(t if already_canonical else canonical(t))[:MAX_CHARS] for t in texts]
    blocks = [
        _block(cut[i : i + _BLOCK_ROWS], dim, char_ngrams) for i in range(0, len(cut), _BLOCK_ROWS)
    ]
    if len(blocks) == 1:
        return blocks[0]
    if not blocks:
        return scipy.sparse.csr_matrix((0, dim), dtype=np.float32)
    x: scipy.sparse.csr_matrix = scipy.sparse.vstack(blocks, format="csr")
    return x
