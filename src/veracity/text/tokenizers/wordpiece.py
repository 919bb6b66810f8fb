"""WordPiece (BERT): the basic tokenizer, then greedy longest-match-first over a vocabulary.

Encoding follows Google's BERT ``tokenization.py`` (Devlin et al. 2019) and Hugging Face's
``BertNormalizer`` + ``BertPreTokenizer`` + ``WordPiece`` model, which agree:

1. clean: drop NUL, U+FFFD and control/format/unassigned characters, turn every whitespace character into " ";
2. put spaces around CJK ideographs, so each one is its own word;
3. lowercase and strip accents (NFD, then drop combining marks), for uncased vocabularies;
4. split on whitespace, then split off every punctuation character as its own word;
5. special tokens written in the text ("[SEP]") are matched first, verbatim, as HF does;
6. per word: take the longest vocabulary prefix, then the longest "##"-prefixed continuation,
   and so on; a word with any unmatched rest, or longer than 100 characters, is one ``[UNK]``.

Known differences from HF, in characters only: its Rust classifies categories (control, mark,
punctuation) with an older Unicode table than Python's (3.11 ships Unicode 14) and assignment with
a newer one, so a character added to Unicode in recent versions can be kept, dropped or split
differently. Characters assigned by Unicode 3.2 agree (a property test checks it).

Decoding joins the pieces (a "##" piece glues to the one before): lossy, since case, accents
and the spacing around punctuation are gone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from veracity.errors import ConfigError
from veracity.text.tokenizers.base import write_tokenizer_file

__all__ = ["WordPieceTokenizer", "basic_tokenize"]

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def _is_whitespace(ch: str) -> bool:
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def _is_control(ch: str) -> bool:
    # Hugging Face drops every "other" character (Cc, Cf, Cs, Co, Cn: controls, format,
    # surrogates, private use, unassigned); Google's Python drops only Cc and Cf. We follow HF.
    if ch in "\t\n\r":
        return False  # whitespace, handled above
    return unicodedata.category(ch).startswith("C")


def _is_punctuation(ch: str) -> bool:
    # ASCII symbols such as "$", "^", "`" are not Unicode punctuation but BERT splits them too.
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    # The CJK Unified Ideographs blocks only; Hangul and kana are ordinary letters to BERT.
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def _normalize(text: str, lowercase: bool) -> str:
    out: list[str] = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or _is_control(ch):
            continue
        if _is_whitespace(ch):
            out.append(" ")
        elif _is_cjk(cp):
            out.append(f" {ch} ")
        else:
            out.append(ch)
    cleaned = "".join(out)
    if lowercase:  # BERT strips accents exactly when it lowercases (strip_accents=None)
        cleaned = unicodedata.normalize("NFD", cleaned)
        # Per character, as HF does: str.lower() would turn a word-final "Σ" into "ς".
        cleaned = "".join(ch.lower() for ch in cleaned if unicodedata.category(ch) != "Mn")
    return cleaned


def basic_tokenize(text: str, lowercase: bool = True) -> list[str]:
    """BERT's basic tokenizer: normalized words with each punctuation character split off."""
    words: list[str] = []
    for chunk in _normalize(text, lowercase).split():
        start = 0
        for i, ch in enumerate(chunk):
            if _is_punctuation(ch):
                if i > start:
                    words.append(chunk[start:i])
                words.append(ch)
                start = i + 1
        if start < len(chunk):
            words.append(chunk[start:])
    return words


class WordPieceTokenizer:
    """Greedy longest-match-first WordPiece over ``vocab`` (a list: the id is the position)."""

    kind = "wordpiece"

    def __init__(
        self,
        vocab: Sequence[str],
        *,
        unk_token: str = "[UNK]",
        prefix: str = "##",
        lowercase: bool = True,
        max_chars: int = 100,
        special_tokens: Sequence[str] = SPECIAL_TOKENS,
    ) -> None:
        self.vocab = list(vocab)
        self.ids = {tok: i for i, tok in enumerate(self.vocab)}
        if unk_token not in self.ids:
            raise ConfigError(f"the WordPiece vocabulary has no unknown token {unk_token!r}")
        self.unk_token, self.prefix = unk_token, prefix
        self.lowercase, self.max_chars = lowercase, max_chars
        self._unk = self.ids[unk_token]
        self._longest = max(len(t) for t in self.vocab)
        self._cache: dict[str, list[int]] = {}
        # Special tokens written verbatim in the text ("[SEP]") are matched before normalizing,
        # as BERT tokenizers do; longest first so that no special hides a longer one.
        self.special_tokens = [t for t in special_tokens if t in self.ids]
        alternation = "|".join(map(re.escape, sorted(self.special_tokens, key=len, reverse=True)))
        self._specials = re.compile(f"({alternation})") if alternation else None

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def encode(self, text: str) -> list[int]:
        """Ids of ``text``, without [CLS]/[SEP] (add them where a model wants them)."""
        if self._specials is None or not self._specials.search(text):
            return self._encode_ordinary(text)
        out: list[int] = []
        for i, part in enumerate(self._specials.split(text)):
            out.extend([self.ids[part]] if i % 2 else self._encode_ordinary(part))
        return out

    def _encode_ordinary(self, text: str) -> list[int]:
        out: list[int] = []
        for word in basic_tokenize(text, self.lowercase):
            ids = self._cache.get(word)
            if ids is None:
                ids = self._cache[word] = self._word(word)
                if len(self._cache) > 200_000:
                    self._cache.clear()
            out.extend(ids)
        return out

    def _word(self, word: str) -> list[int]:
        if len(word) > self.max_chars:
            return [self._unk]
        ids, start, n = [], 0, len(word)
        while start < n:
            pre = self.prefix if start > 0 else ""
            # Longest match first: try the longest candidate the vocabulary could hold.
            end = min(n, start + self._longest)
            while end > start and (pre + word[start:end]) not in self.ids:
                end -= 1
            if end == start:
                return [self._unk]  # one unmatched character makes the whole word unknown
            ids.append(self.ids[pre + word[start:end]])
            start = end
        return ids

    def tokens(self, text: str) -> list[str]:
        return [self.vocab[i] for i in self.encode(text)]

    def decode(self, ids: Sequence[int]) -> str:
        words: list[str] = []
        for i in ids:
            tok = self.id_to_token(i)
            if tok.startswith(self.prefix) and words:
                words[-1] += tok[len(self.prefix) :]
            else:
                words.append(tok)
        return " ".join(words)

    def id_to_token(self, token_id: int) -> str:
        if not 0 <= token_id < len(self.vocab):
            raise ConfigError(
                f"token id {token_id} is not in this vocabulary (0..{len(self.vocab) - 1})"
            )
        return self.vocab[token_id]

    # --- files -------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "vocab": self.vocab,
            "unk_token": self.unk_token,
            "prefix": self.prefix,
            "lowercase": self.lowercase,
            "max_chars": self.max_chars,
            "special_tokens": self.special_tokens,
        }

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> WordPieceTokenizer:
        return cls(
            body["vocab"],
            unk_token=body.get("unk_token", "[UNK]"),
            prefix=body.get("prefix", "##"),
            lowercase=body.get("lowercase", True),
            max_chars=body.get("max_chars", 100),
            special_tokens=body.get("special_tokens", SPECIAL_TOKENS),
        )

    def save(self, path: str | Path) -> None:
        write_tokenizer_file(path, self.kind, self.to_dict())

    @classmethod
    def from_vocab_txt(cls, path: str | Path, *, lowercase: bool = True) -> WordPieceTokenizer:
        """Load a BERT ``vocab.txt`` (one token a line; the line number is the id)."""
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"no WordPiece vocab.txt at {path}")
        return cls(path.read_text(encoding="utf-8").splitlines(), lowercase=lowercase)
