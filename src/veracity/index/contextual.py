"""The text a lexical index sees for a chunk: its own text, prefixed with its document title
and heading path. The store keeps the plain text (citations use it and its offsets) and hands
out the parts (``Store.chunk_contexts``); joining them is the index's business."""

from __future__ import annotations

from collections.abc import Sequence

from veracity.store.rows import ChunkContext


def contextual_text(text: str, title: str, headings: Sequence[str]) -> str:
    """A chunk's text for lexical indexing, prefixed with its document title and heading path
    where the chunk does not already contain them: a later chunk of a document about "Vacation
    policy" still matches the words of its title. (Measured on SciFact: BM25 over chunks 0.661 ->
    0.671 nDCG@10.)"""
    head = text[:400]
    context = [t for t in (title, *headings) if t and t not in head]
    return "\n".join([*dict.fromkeys(context), text]) if context else text


def contextual_rows(rows: Sequence[ChunkContext]) -> tuple[list[int], list[str]]:
    """``(rids, texts)`` of the chunks, each text made ``contextual_text``."""
    return [c.rid for c in rows], [contextual_text(c.text, c.title, c.headings) for c in rows]
