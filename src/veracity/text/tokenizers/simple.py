"""The two simplest tokenizers: one id per word, one id per character.

Word-level: short sequences, but a huge vocabulary and every unseen word (a typo, a new name,
a rare inflection) is ``<unk>``; decoding can only guess the spacing. Character-level: a tiny
vocabulary and (almost) no unknowns, but sequences about five times longer than words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from veracity.errors import ConfigError
from veracity.text.tokenizers.base import write_tokenizer_file

__all__ = ["UNK", "CharTokenizer", "WordTokenizer", "split_words"]

UNK = "<unk>"
_WORD = re.compile(r"\w+|[^\w\s]")  # a run of letters/digits/underscore, or one symbol
_NO_SPACE_BEFORE = frozenset(".,;:!?%)]}'")


def split_words(text: str) -> list[str]:
    """Words and single punctuation marks, case kept."""
    return _WORD.findall(text)


class _Vocab:
    """A list of tokens whose position is the id; id 0 is ``<unk>``."""

    kind = ""

    def __init__(self, tokens: Sequence[str]) -> None:
        self.tokens = list(tokens)
        if not self.tokens or self.tokens[0] != UNK:
            raise ConfigError(f"a {self.kind} vocabulary must start with {UNK!r} (id 0)")
        self.ids = {t: i for i, t in enumerate(self.tokens)}

    @property
    def vocab_size(self) -> int:
        return len(self.tokens)

    def id_to_token(self, token_id: int) -> str:
        if not 0 <= token_id < len(self.tokens):
            raise ConfigError(
                f"token id {token_id} is not in this vocabulary (0..{len(self.tokens) - 1})"
            )
        return self.tokens[token_id]

    def to_dict(self) -> dict[str, Any]:
        return {"tokens": self.tokens}

    def save(self, path: str | Path) -> None:
        write_tokenizer_file(path, self.kind, self.to_dict())


class WordTokenizer(_Vocab):
    kind = "word"

    def encode(self, text: str) -> list[int]:
        ids = self.ids
        return [ids.get(w, 0) for w in split_words(text)]

    def decode(self, ids: Sequence[int]) -> str:
        out: list[str] = []
        for i in ids:
            tok = self.id_to_token(i)
            if out and tok not in _NO_SPACE_BEFORE:
                out.append(" ")
            out.append(tok)
        return "".join(out)

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> WordTokenizer:
        return cls(body["tokens"])


class CharTokenizer(_Vocab):
    kind = "char"

    def encode(self, text: str) -> list[int]:
        ids = self.ids
        return [ids.get(c, 0) for c in text]

    def decode(self, ids: Sequence[int]) -> str:
        return "".join(self.id_to_token(i) for i in ids)

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> CharTokenizer:
        return cls(body["tokens"])
