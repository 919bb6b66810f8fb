"""Unigram language-model tokenizer (SentencePiece style; Kudo 2018).

Each piece has a log-probability; a text is cut into the sequence of pieces with the highest total
log-probability (Viterbi over the lattice of every vocabulary piece that matches at each position).

Like SentencePiece's defaults: the text is NFKC-normalized, whitespace runs collapse to one space,
and each word carries its leading space as "▁" (U+2581), so pieces never cross a word boundary and
``decode`` restores the text up to those normalizations. A character no piece covers becomes
``<unk>`` (id 0) and decodes to "⁇", as in SentencePiece.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from veracity.errors import ConfigError
from veracity.text.tokenizers.base import write_tokenizer_file

__all__ = ["SPACE", "UNK", "UnigramTokenizer", "unigram_words", "viterbi"]

SPACE = "\u2581"  # "▁", SentencePiece's visible space
UNK = "<unk>"
UNK_PENALTY = 10.0  # an unknown character costs this much below the rarest piece (as SentencePiece)


def unigram_words(text: str) -> list[str]:
    """The words a Unigram model segments: NFKC, whitespace-split, each prefixed by "▁"."""
    return [SPACE + w for w in unicodedata.normalize("NFKC", text).split()]


def viterbi(word: str, scores: dict[str, float], max_len: int, unk_score: float) -> list[str]:
    """Best segmentation of ``word`` under ``scores`` (piece -> log-probability).

    ``best[i]`` is the best score of ``word[:i]``; an uncovered character is a one-character
    piece scored ``unk_score`` (the caller maps it to ``<unk>``), so a path always exists.
    """
    n = len(word)
    best = [0.0] + [float("-inf")] * n
    back = [0] * (n + 1)
    for end in range(1, n + 1):
        for start in range(max(0, end - max_len), end):
            score = scores.get(word[start:end])
            if score is None:
                if start != end - 1:
                    continue
                score = unk_score
            total = best[start] + score
            if total > best[end]:
                best[end], back[end] = total, start
    pieces: list[str] = []
    end = n
    while end > 0:
        pieces.append(word[back[end] : end])
        end = back[end]
    return pieces[::-1]


class UnigramTokenizer:
    """Viterbi segmentation over ``pieces``: (piece, log-probability) pairs; id 0 is ``<unk>``."""

    kind = "unigram"

    def __init__(self, pieces: Sequence[tuple[str, float]]) -> None:
        items = [(str(p), float(s)) for p, s in pieces]
        if not items or items[0][0] != UNK:
            raise ConfigError(f"a Unigram vocabulary must start with {UNK!r} (id 0)")
        self.pieces = items
        self.ids = {p: i for i, (p, _) in enumerate(items)}
        self.scores = {p: s for p, s in items[1:]}
        self.max_len = max((len(p) for p in self.scores), default=1)
        self.unk_score = min(self.scores.values(), default=0.0) - UNK_PENALTY
        self._cache: dict[str, list[int]] = {}

    @property
    def vocab_size(self) -> int:
        return len(self.pieces)

    def encode(self, text: str) -> list[int]:
        out: list[int] = []
        for word in unigram_words(text):
            ids = self._cache.get(word)
            if ids is None:
                pieces = viterbi(word, self.scores, self.max_len, self.unk_score)
                ids = self._cache[word] = [self.ids.get(p, 0) for p in pieces]
                if len(self._cache) > 200_000:
                    self._cache.clear()
            out.extend(ids)
        return out

    def tokens(self, text: str) -> list[str]:
        return [self.id_to_token(i) for i in self.encode(text)]

    def decode(self, ids: Sequence[int]) -> str:
        text = "".join("\u2047" if i == 0 else self.id_to_token(i) for i in ids)
        return text.replace(SPACE, " ").removeprefix(" ")

    def id_to_token(self, token_id: int) -> str:
        if not 0 <= token_id < len(self.pieces):
            raise ConfigError(
                f"token id {token_id} is not in this vocabulary (0..{len(self.pieces) - 1})"
            )
        return self.pieces[token_id][0]

    def to_dict(self) -> dict[str, Any]:
        return {"pieces": [[p, s] for p, s in self.pieces]}

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> UnigramTokenizer:
        return cls([(p, s) for p, s in body["pieces"]])

    def save(self, path: str | Path) -> None:
        write_tokenizer_file(path, self.kind, self.to_dict())
