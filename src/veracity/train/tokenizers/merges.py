"""Learning merges: byte-level BPE (Sennrich et al. 2016; GPT-2) and WordPiece vocabularies.

Both start from words cut into single symbols and repeatedly join the most frequent adjacent
pair. A naive loop recounts every pair of every word after each merge (minbpe does, for clarity);
here pair counts are kept up to date incrementally: only the words that contain the merged pair
are recounted, a ``where`` index finds them, and a max-heap with lazy deletion finds the best pair
(an entry whose count is stale is skipped). Ties go to the smallest pair, so runs are deterministic.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from veracity.text.tokenizers.bpe import GPT2_PATTERN, BPETokenizer
from veracity.text.tokenizers.wordpiece import SPECIAL_TOKENS, WordPieceTokenizer, basic_tokenize

__all__ = ["learn_merges", "train_bpe", "train_wordpiece"]

S = TypeVar("S", bound=Hashable)


def _merge_word(word: list[S], pair: tuple[S, S], new: S) -> list[S]:
    out: list[S] = []
    i, n = 0, len(word)
    while i < n:
        if i < n - 1 and word[i] == pair[0] and word[i + 1] == pair[1]:
            out.append(new)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return out


def learn_merges(
    word_counts: dict[tuple[S, ...], int],
    num_merges: int,
    join: Callable[[S, S], S],
    min_count: int = 2,
) -> list[tuple[S, S]]:
    """The first ``num_merges`` merges (in order), or fewer once no pair occurs ``min_count`` times."""
    words = [list(w) for w in word_counts]
    freqs = list(word_counts.values())
    counts: Counter[tuple[S, S]] = Counter()
    where: defaultdict[tuple[S, S], set[int]] = defaultdict(set)
    for i, word in enumerate(words):
        for pair in itertools.pairwise(word):
            counts[pair] += freqs[i]
            where[pair].add(i)
    heap = [(-c, pair) for pair, c in counts.items()]
    heapq.heapify(heap)
    merges: list[tuple[S, S]] = []
    while heap and len(merges) < num_merges:
        neg, pair = heapq.heappop(heap)
        if counts.get(pair, 0) != -neg:
            continue  # stale entry: the pair's count changed after it was pushed
        if -neg < min_count:
            break
        new = join(*pair)
        merges.append(pair)
        delta: Counter[tuple[S, S]] = Counter()
        for i in where.pop(pair, ()):
            word, f = words[i], freqs[i]
            merged = _merge_word(word, pair, new)
            if len(merged) == len(word):
                continue  # the index is a superset: this word lost the pair in an earlier merge
            for p in itertools.pairwise(word):
                delta[p] -= f
            for p in itertools.pairwise(merged):
                delta[p] += f
                where[p].add(i)
            words[i] = merged
        for p, d in delta.items():
            if d:
                counts[p] += d
                if counts[p] > 0:
                    heapq.heappush(heap, (-counts[p], p))
        counts.pop(pair, None)
    return merges


def train_bpe(texts: Iterable[str], vocab_size: int, pattern: str = GPT2_PATTERN) -> BPETokenizer:
    """Byte-level BPE: 256 byte tokens, then ``vocab_size - 256`` merges learned within pieces."""
    split = BPETokenizer({bytes([b]): b for b in range(256)}, pattern)._split
    pieces: Counter[str] = Counter()
    for text in texts:
        pieces.update(split.findall(text))
    words: dict[tuple[bytes, ...], int] = {}
    for piece, c in pieces.items():
        raw = piece.encode("utf-8")
        key = tuple(raw[i : i + 1] for i in range(len(raw)))
        words[key] = words.get(key, 0) + c
    ranks = {bytes([b]): b for b in range(256)}
    for a, b in learn_merges(words, max(0, vocab_size - 256), _join_bytes):
        # Two merge paths can build the same bytes (a+bc, ab+c); the first one keeps its rank.
        ranks.setdefault(a + b, len(ranks))
    return BPETokenizer(ranks, pattern)


def _join_bytes(a: bytes, b: bytes) -> bytes:
    return a + b


def train_wordpiece(
    texts: Iterable[str], vocab_size: int, *, lowercase: bool = True, prefix: str = "##"
) -> WordPieceTokenizer:
    """A WordPiece vocabulary learned by frequency merges, as Hugging Face's ``WordPieceTrainer``.

    Words come from BERT's basic tokenizer; a word starts as its first character followed by
    "##"-prefixed characters. (Google's original scores a pair by the likelihood gain
    count(ab) / (count(a) count(b)); HF and we use the plain pair count.)
    """
    words: Counter[str] = Counter()
    for text in texts:
        words.update(basic_tokenize(text, lowercase))
    symbols: dict[tuple[str, ...], int] = {}
    alphabet: dict[str, None] = {}
    for word, c in words.items():
        key = (word[0], *(prefix + ch for ch in word[1:]))
        symbols[key] = symbols.get(key, 0) + c
        alphabet.update(dict.fromkeys(key))
    vocab: dict[str, None] = dict.fromkeys(SPECIAL_TOKENS)
    vocab.update(dict.fromkeys(sorted(alphabet)))

    def join(a: str, b: str) -> str:
        return a + b.removeprefix(prefix)

    for a, b in learn_merges(symbols, max(0, vocab_size - len(vocab)), join):
        vocab.setdefault(join(a, b), None)
    return WordPieceTokenizer(list(vocab), prefix=prefix, lowercase=lowercase)
