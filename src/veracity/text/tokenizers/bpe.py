"""Byte-level BPE (GPT-2 / tiktoken style): regex pre-split, then rank-ordered byte-pair merges.

Encoding a text (Radford et al. 2019, GPT-2; Sennrich et al. 2016 for BPE):

1. split it into pieces with a regex (words with their leading space, digit runs, punctuation
   runs, whitespace), so that no token crosses a piece boundary;
2. turn each piece into its UTF-8 bytes, one symbol per byte, so that any text is encodable;
3. repeatedly merge the adjacent pair whose concatenation has the lowest rank (the earliest
   learned merge), until no adjacent pair is in the vocabulary.

The vocabulary is ``ranks``: token bytes -> id, where the id is also the merge priority; the 256
single bytes are always present. That is tiktoken's representation, so the ranks of GPT-2
(``r50k_base``) and GPT-4 (``cl100k_base``) load as they are (``from_tiktoken_file``). A file we
save shows tokens through GPT-2's byte-to-unicode table ("Ġthe" for b" the"), like GPT-2's own
``encoder.json``, so it is readable and diffable.

Encoding caches each piece's ids (GPT-2's ``encoder.py`` does the same): real text repeats its
words, so most pieces are a dictionary hit and the merge loop runs once per distinct word.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from veracity.errors import ConfigError
from veracity.text.tokenizers.base import write_tokenizer_file

__all__ = [
    "CL100K_PATTERN",
    "GPT2_PATTERN",
    "BPETokenizer",
    "bytes_to_unicode",
]

# tiktoken's r50k_base pattern: GPT-2's original one plus ``\s++$`` (trailing whitespace at the
# end of the text stays one piece), with possessive quantifiers; needs the ``regex`` module (\p{L}).
GPT2_PATTERN = (
    r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""
)
# cl100k_base (GPT-3.5/4): case-insensitive contractions, digit runs of at most 3.
CL100K_PATTERN = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""

_CACHE_LIMIT = 200_000  # distinct pieces kept; cleared when full (bounded memory on huge inputs)
_NO_RANK = 1 << 62


@lru_cache(maxsize=1)
def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable character table.

    Printable Latin-1 bytes map to themselves; the other 68 (controls, space, ...) map to
    U+0100 onwards, so every token renders as visible text (a space becomes "Ġ", newline "Ċ").
    """
    keep = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1)]
    keep += list(range(ord("®"), ord("ÿ") + 1))
    table = {b: chr(b) for b in keep}
    extra = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def _compile(pattern: str) -> Any:
    import regex  # the stdlib re has no \p{L} / \p{N} nor possessive quantifiers on 3.11

    try:
        return regex.compile(pattern)
    except regex.error as exc:
        raise ConfigError(f"bad pre-split pattern {pattern!r}: {exc}") from exc


class BPETokenizer:
    """Byte-level BPE over ``ranks`` (token bytes -> id, lower id merges first)."""

    kind = "bpe"

    def __init__(
        self,
        ranks: dict[bytes, int],
        pattern: str = GPT2_PATTERN,
        special_tokens: dict[str, int] | None = None,
    ) -> None:
        missing = [b for b in range(256) if bytes([b]) not in ranks]
        if missing:
            raise ConfigError(
                f"a byte-level BPE vocabulary needs all 256 single bytes; {len(missing)} are "
                f"missing (e.g. byte {missing[0]}); train with `veracity tokenizer train --kind bpe`"
            )
        self.ranks = dict(ranks)
        self.pattern = pattern
        self.special_tokens = dict(special_tokens or {})
        self._split = _compile(pattern)
        self._decoder: dict[int, bytes] = {i: b for b, i in self.ranks.items()}
        self._decoder.update({i: s.encode("utf-8") for s, i in self.special_tokens.items()})
        self._cache: dict[str, list[int]] = {}

    @property
    def vocab_size(self) -> int:
        return len(self._decoder)

    def encode(self, text: str) -> list[int]:
        """Ids of ``text``; special-token strings in it are encoded as ordinary text (safe default)."""
        pieces = self._split.findall(text)
        cache = self._cache
        new = set(pieces).difference(cache)  # the pieces not seen before, found at C speed
        if new:
            if len(cache) + len(new) > _CACHE_LIMIT:
                cache.clear()
                new = set(pieces)
            ranks = self.ranks
            for piece in new:
                raw = piece.encode("utf-8")
                whole = ranks.get(raw)
                cache[piece] = [whole] if whole is not None else self._merge(raw)
        return [i for piece in pieces for i in cache[piece]]

    def _merge(self, raw: bytes) -> list[int]:
        """Merge the lowest-ranked adjacent pair until none is in the vocabulary (as tiktoken).

        ``pair_ranks[i]`` is the rank of ``parts[i] + parts[i + 1]``; after a merge only the two
        neighbouring entries change, and ``min``/``index`` scan the list at C speed.
        """
        get = self.ranks.get
        parts = [raw[i : i + 1] for i in range(len(raw))]
        pair_ranks = [get(parts[i] + parts[i + 1], _NO_RANK) for i in range(len(parts) - 1)]
        while pair_ranks:
            best = min(pair_ranks)
            if best == _NO_RANK:
                break
            i = pair_ranks.index(best)  # leftmost on ties, as tiktoken
            parts[i : i + 2] = [parts[i] + parts[i + 1]]
            del pair_ranks[i]
            if i > 0:
                pair_ranks[i - 1] = get(parts[i - 1] + parts[i], _NO_RANK)
            if i < len(pair_ranks):
                pair_ranks[i] = get(parts[i] + parts[i + 1], _NO_RANK)
        return [self.ranks[p] for p in parts]

    def decode(self, ids: Sequence[int]) -> str:
        """Text of ``ids``; a cut through a multi-byte character decodes to U+FFFD, never raises."""
        return self.decode_bytes(ids).decode("utf-8", errors="replace")

    def decode_bytes(self, ids: Sequence[int]) -> bytes:
        try:
            return b"".join(self._decoder[i] for i in ids)
        except KeyError as exc:
            raise ConfigError(
                f"token id {exc.args[0]} is not in this vocabulary (0..{self.vocab_size - 1})"
            ) from None

    def id_to_token(self, token_id: int) -> str:
        table = bytes_to_unicode()
        return "".join(table[b] for b in self.decode_bytes([token_id]))

    # --- files -------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        table = bytes_to_unicode()
        vocab = {
            "".join(table[b] for b in tok): i for tok, i in sorted(self.ranks.items(), key=_by_id)
        }
        return {"pattern": self.pattern, "vocab": vocab, "special_tokens": self.special_tokens}

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> BPETokenizer:
        decoder = {c: b for b, c in bytes_to_unicode().items()}
        try:
            ranks = {bytes(decoder[c] for c in tok): int(i) for tok, i in body["vocab"].items()}
        except KeyError as exc:
            raise ConfigError(f"BPE tokenizer file: bad or missing entry {exc}") from None
        return cls(ranks, body.get("pattern", GPT2_PATTERN), body.get("special_tokens"))

    def save(self, path: str | Path) -> None:
        write_tokenizer_file(path, self.kind, self.to_dict())

    @classmethod
    def from_tiktoken_file(
        cls, path: str | Path, pattern: str, special_tokens: dict[str, int] | None = None
    ) -> BPETokenizer:
        """Load a ``.tiktoken`` ranks file (lines of ``base64(token) rank``)."""
        return cls(read_tiktoken_ranks(path), pattern, special_tokens)


def _by_id(item: tuple[bytes, int]) -> int:
    return item[1]


def read_tiktoken_ranks(path: str | Path) -> dict[bytes, int]:
    """Parse a ``.tiktoken`` file: one ``base64(token_bytes) rank`` per line."""
    ranks: dict[bytes, int] = {}
    for n, line in enumerate(_lines(Path(path)), 1):
        try:
            tok, rank = line.split()
            ranks[base64.b64decode(tok)] = int(rank)
        except ValueError as exc:
            raise ConfigError(f"{path}:{n}: not a tiktoken ranks line ({exc})") from None
    return ranks


def _lines(path: Path) -> Iterable[str]:
    if not path.is_file():
        raise ConfigError(f"no tiktoken ranks file at {path}")
    return (line for line in path.read_text(encoding="ascii").splitlines() if line.strip())
