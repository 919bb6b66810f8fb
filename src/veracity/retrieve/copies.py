"""Copies of one passage among search hits: the same text (whitespace aside) in several
documents, as a book's one-page print version repeats every chapter or a folder holds a file
twice. The answer engine reads each passage once; ``veracity search`` lists it once and names the
copies."""

from __future__ import annotations

from collections.abc import Sequence

from veracity.records import Hit


def distinct_passages(hits: Sequence[Hit]) -> list[Hit]:
    """The hits with each passage once: the same text (whitespace aside) in several documents,
    as a book's one-page print version repeats every chapter, or a folder holds two copies of a
    file, takes the place of its best-ranked copy once. The copy kept is the one nearest the
    start of its document: the chapter itself rather than the page that compiles them all, a
    citation a reader can open at the right place."""
    return [kept for kept, _ in passage_copies(hits)]


def passage_copies(hits: Sequence[Hit]) -> list[tuple[Hit, list[Hit]]]:
    """``distinct_passages`` with, beside each hit kept, the other copies it stands for (in
    rank order)."""
    copies: dict[str, list[Hit]] = {}
    for hit in hits:
        copies.setdefault(" ".join(hit.chunk.text.split()), []).append(hit)
    out = []
    for group in copies.values():
        kept = min(group, key=lambda h: h.chunk.start)
        out.append((kept, [h for h in group if h is not kept]))
    return out
