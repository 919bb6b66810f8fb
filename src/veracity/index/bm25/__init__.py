"""Incremental BM25 with exact global statistics (Kamphuis et al. 2020 variants)."""

from veracity.index.bm25.index import BM25Index
from veracity.index.bm25.variants import VARIANTS, Variant, get_variant

__all__ = ["VARIANTS", "BM25Index", "Variant", "get_variant"]
