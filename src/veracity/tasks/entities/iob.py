"""IOB2 tag sequences to entity chunks, the way conlleval and seqeval read them.

A chunk of type ``X`` starts at ``B-X``, or at ``I-X`` right after ``O`` or after a tag of another
type (conlleval's lenient reading, seqeval's default mode); it runs while ``I-X`` follows. Any tag
that is not ``B-...`` or ``I-...`` counts as ``O``. Entity-level scores (Tjong Kim Sang & De
Meulder 2003) count a predicted chunk as correct only when its type, start and end all match.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["ENTITY_TYPES", "iob_chunks"]

# The CoNLL-2003 types: persons, organizations, locations, and miscellaneous names.
ENTITY_TYPES = ("PER", "ORG", "LOC", "MISC")


def iob_chunks(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """``(type, start, end)`` of each chunk in ``tags``; ``end`` is exclusive, in token indices."""
    chunks: list[tuple[str, int, int]] = []
    kind: str | None = None
    begin = 0
    for i, tag in enumerate(tags):
        prefix, _, label = tag.partition("-")
        inside = prefix == "I" and label == kind
        if kind is not None and not inside:
            chunks.append((kind, begin, i))
            kind = None
        if prefix in ("B", "I") and label and not inside:
            kind, begin = label, i
    if kind is not None:
        chunks.append((kind, begin, len(tags)))
    return chunks
