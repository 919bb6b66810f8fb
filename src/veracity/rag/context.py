"""Pack the best hits into the model's token budget, numbered as sources."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from veracity.rag.prompt import Source, source_block
from veracity.records import Hit


def pack_context(
    hits: Sequence[Hit], budget_tokens: int, count: Callable[[str], int], max_sources: int
) -> list[Source]:
    """Take hits in order while they fit in ``budget_tokens``; skip one whose span is covered by
    a source already taken (overlapping chunks of one document)."""
    taken: list[Source] = []
    used = 0
    for hit in hits:
        if len(taken) >= max_sources:
            break
        c = hit.chunk
        if any(
            s.hit.chunk.document_id == c.document_id
            and s.hit.chunk.start <= c.start
            and c.end <= s.hit.chunk.end
            for s in taken
        ):
            continue
        source = Source(len(taken) + 1, hit)
        cost = count(source_block(source)) + 2
        if used + cost > budget_tokens:
            if taken:
                break
            continue  # the first hit alone is too long: try the next
        taken.append(source)
        used += cost
    return taken
