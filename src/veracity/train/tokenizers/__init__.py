"""Training tokenizers: word, character, byte-level BPE, WordPiece and Unigram.

``train_tokenizer(texts, kind, vocab_size)`` returns a tokenizer of ``veracity.text.tokenizers``
(which runs it); ``save`` it and load it anywhere with ``get_tokenizer(path)``. Pure Python, in
the spirit of karpathy/minbpe: meant to be read, and fast enough for a few MB of text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from veracity.errors import ConfigError
from veracity.text.tokenizers import CharTokenizer, Tokenizer, WordTokenizer
from veracity.text.tokenizers.simple import UNK, split_words
from veracity.train.tokenizers.merges import learn_merges, train_bpe, train_wordpiece
from veracity.train.tokenizers.unigram import train_unigram

__all__ = [
    "KINDS",
    "learn_merges",
    "train_bpe",
    "train_char",
    "train_tokenizer",
    "train_unigram",
    "train_word",
    "train_wordpiece",
]


def train_word(texts: Iterable[str], vocab_size: int) -> WordTokenizer:
    """The ``vocab_size - 1`` most frequent words and punctuation marks, after ``<unk>``."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(split_words(text))
    return WordTokenizer([UNK, *(w for w, _ in counts.most_common(vocab_size - 1))])


def train_char(texts: Iterable[str], vocab_size: int) -> CharTokenizer:
    """The ``vocab_size - 1`` most frequent characters, after ``<unk>``."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(text)
    return CharTokenizer([UNK, *(c for c, _ in counts.most_common(vocab_size - 1))])


KINDS: dict[str, Callable[[Iterable[str], int], Tokenizer]] = {
    "bpe": train_bpe,
    "wordpiece": train_wordpiece,
    "unigram": train_unigram,
    "word": train_word,
    "char": train_char,
}
_MIN_VOCAB = {"bpe": 256, "wordpiece": 6, "unigram": 2, "word": 2, "char": 2}


def train_tokenizer(texts: Iterable[str], kind: str, vocab_size: int) -> Tokenizer:
    """Train a tokenizer of ``kind`` (bpe, wordpiece, unigram, word, char) on ``texts``."""
    if kind not in KINDS:
        raise ConfigError(f"unknown tokenizer kind {kind!r}; known: {', '.join(KINDS)}")
    if vocab_size < _MIN_VOCAB[kind]:
        raise ConfigError(
            f"--vocab-size {vocab_size} is too small for {kind}; use at least {_MIN_VOCAB[kind]}"
            + (" (the 256 bytes)" if kind == "bpe" else "")
        )
    return KINDS[kind](texts, vocab_size)
