"""Rerankers for tests of the answer engine, which needs calibrated scores to answer at all."""

from __future__ import annotations

import dataclasses

from veracity.records import Hit


class TopScore:
    """A reranker that keeps the retriever's order and calls every hit relevant."""

    def rerank(self, query: str, hits: list[Hit], k: int) -> list[Hit]:
        return [dataclasses.replace(h, score=0.9) for h in hits][:k]
