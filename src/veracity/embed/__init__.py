"""Embedders: the ``Embedder`` protocol, a registry by name, and backends."""

from veracity.embed.base import EMBEDDERS, Embedder, get_embedder, normalize

__all__ = ["EMBEDDERS", "Embedder", "get_embedder", "normalize"]
