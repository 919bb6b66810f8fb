"""Count tokens for a GGUF model without running it: rebuild its BPE tokenizer from the file.

llama.cpp's in-process server has no tokenize call, so ``GGUFGenerator.count_tokens`` uses the
``tokenizers`` library over the vocabulary and merges stored in the GGUF metadata. Pre-tokenizer
regexes differ a little between model families (llama.cpp ``tokenizer.ggml.pre``); GPT-2's
byte-level split is used for all, which is what a token budget needs (counts within a token or two).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from veracity.errors import MissingDependency


def _field_value(reader: Any, key: str) -> Any:
    field = reader.fields.get(key)
    if field is None:
        return None
    return field.contents()


def load_bpe_tokenizer(path: str | Path) -> Any:
    """A ``tokenizers.Tokenizer`` rebuilt from the ``gpt2``-style BPE vocabulary of a GGUF file.

    Raises ``MissingDependency`` without ``gguf``/``tokenizers``, ``ValueError`` for other kinds of
    vocabulary (SentencePiece ``llama``), which callers treat as "estimate instead".
    """
    try:
        import gguf
        from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    except ImportError as exc:
        raise MissingDependency("counting GGUF tokens", extra="gguf") from exc
    reader = gguf.GGUFReader(str(path))
    kind = _field_value(reader, "tokenizer.ggml.model")
    if kind != "gpt2":
        raise ValueError(f"GGUF tokenizer model {kind!r} is not byte-level BPE")
    tokens: list[str] = list(_field_value(reader, "tokenizer.ggml.tokens"))
    merges_raw: list[str] = list(_field_value(reader, "tokenizer.ggml.merges") or [])
    merges = [tuple(m.split(" ", 1)) for m in merges_raw]
    vocab = {tok: i for i, tok in enumerate(tokens)}
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=merges))  # type: ignore[arg-type]
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    return tokenizer
