"""Which derived indexes a collection builds: its vector backend and its BM25 variant.

Both are kept in the store's meta (``vector_index``, ``bm25_variant``), so every process that
opens the collection, on any machine, builds the same indexes from the same store. Unset, the
vector backend follows the collection's size (``auto``: exact search up to ``HNSW_ABOVE_CHUNKS``
chunks, HNSW above) and BM25 uses Lucene's variant, the usual default (on SciFact the five
variants lie within 0.004 nDCG@10 of each other: the ``bm25-quality`` section of
docs/benchmarks.md; other corpora may prefer another).

``veracity indexes --collection DIR --vector faiss --bm25 bm25+`` and
``Collection.set_index_settings`` change them; the indexes are derived data, rebuilt from the
store under their own directory names, so switching back loads the old ones again. A server
that already has the collection open keeps its indexes until it restarts.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from veracity.errors import ConfigError
from veracity.index.bm25.variants import VARIANTS
from veracity.index.vector import VECTOR_INDEXES

VECTOR_META = "vector_index"
BM25_META = "bm25_variant"
AUTO = "auto"
DEFAULT_BM25 = "lucene"

# Exact search reads every vector per query (about 12 GB/s here, so ~1.5 ms per 10k 384-d
# vectors); past this many chunks HNSW (hnswlib, recall@10 0.98 at ef 64) answers far faster.
HNSW_ABOVE_CHUNKS = 50_000

# The module each optional backend needs, and where it comes from.
_NEEDS = {"hnsw": "hnswlib", "faiss": "faiss", "annoy": "annoy"}


def vector_choices() -> tuple[str, ...]:
    return (AUTO, *VECTOR_INDEXES)


@dataclass(frozen=True, slots=True)
class IndexSettings:
    """A collection's index choices: ``vector_index`` is a backend name or ``"auto"``."""

    vector_index: str = AUTO
    bm25_variant: str = DEFAULT_BM25

    def vector_backend(self, n_chunks: int) -> str:
        """The backend to build for a collection of ``n_chunks`` chunks."""
        if self.vector_index != AUTO:
            return self.vector_index
        return default_vector_backend(n_chunks)

    def to_dict(self) -> dict[str, str]:
        return {"vector_index": self.vector_index, "bm25_variant": self.bm25_variant}


def default_vector_backend(n_chunks: int) -> str:
    """``"exact"`` for small collections, ``"hnsw"`` for large ones when hnswlib is installed."""
    if n_chunks <= HNSW_ABOVE_CHUNKS:
        return "exact"
    return "hnsw" if _installed("hnswlib") else "exact"


def read_settings(get_meta: Callable[[str], str | None]) -> IndexSettings:
    """The settings stored in a collection's meta (``store.get_meta``), defaults when unset."""
    return IndexSettings(
        vector_index=get_meta(VECTOR_META) or AUTO,
        bm25_variant=get_meta(BM25_META) or DEFAULT_BM25,
    )


def settings_meta(
    vector_index: str | None = None, bm25_variant: str | None = None
) -> Mapping[str, str]:
    """The meta entries that set the given choices (None: leave as is), checked: an unknown
    name, or a backend whose library is not installed, raises ``ConfigError`` saying how to fix
    it, before anything is stored."""
    meta: dict[str, str] = {}
    if vector_index is not None:
        if vector_index not in vector_choices():
            raise ConfigError(
                f"unknown vector index {vector_index!r}; choose one of "
                f"{', '.join(vector_choices())} ({AUTO}: exact up to {HNSW_ABOVE_CHUNKS:,} "
                "chunks, hnsw above)"
            )
        module = _NEEDS.get(vector_index)
        if module is not None and not _installed(module):
            raise ConfigError(
                f"the {vector_index!r} vector index needs the {module} package, which is not "
                "installed; pip install 'veracity[ann]' installs it"
            )
        meta[VECTOR_META] = vector_index
    if bm25_variant is not None:
        if bm25_variant not in VARIANTS:
            raise ConfigError(
                f"unknown BM25 variant {bm25_variant!r}; choose one of {', '.join(VARIANTS)}"
            )
        meta[BM25_META] = bm25_variant
    return meta


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None
