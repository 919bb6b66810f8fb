"""Text processing for search and chunking: sentence splitting, token counting, chunkers.

The BM25 analyzer lives in ``veracity.text.analyzer``.
"""

from __future__ import annotations

# from veracity.text.analyzer import ...  (exported here by the analyzer's author)
from veracity.text.chunker import ChunkOptions, Section, chunk_document, split_sections
from veracity.text.sentences import split_sentences
from veracity.text.tokens import (
    ApproxWordPieceCounter,
    TokenCounter,
    WordPieceCounter,
    default_counter,
)

__all__ = [
    "ApproxWordPieceCounter",
    "ChunkOptions",
    "Section",
    "TokenCounter",
    "WordPieceCounter",
    "chunk_document",
    "default_counter",
    "split_sections",
    "split_sentences",
]
