"""Fakes and builders for tests of the answer engine over a small real collection: a reranker
that calls every hit relevant (the engine needs calibrated scores to answer at all), a
collection of one file, and an extractive engine whose reader reads from a table."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import veracity
from veracity.collection import Collection
from veracity.guard.grounding import LexicalJudge
from veracity.rag.engine import AnswerEngine, AskOptions
from veracity.rag.reader import TableReader
from veracity.records import Hit
from veracity.retrieve.search import SearchOptions


class TopScore:
    """A reranker that keeps the retriever's order and calls every hit relevant."""

    def rerank(self, query: str, hits: list[Hit], k: int) -> list[Hit]:
        return [dataclasses.replace(h, score=0.9) for h in hits][:k]


def one_file_collection(tmp_path: Path, folder: str, name: str, text: str) -> Collection:
    """A collection (hash embedder) of ``folder/name`` holding ``text``."""
    where = tmp_path / folder
    where.mkdir()
    (where / name).write_text(text, encoding="utf-8")
    col = veracity.open(tmp_path / "col", embedder="hash")
    col.add([where])
    return col


def table_engine(col: Collection, table: dict[str, str], documents: bool = True) -> AnswerEngine:
    """The extractive engine over ``col`` with a ``TableReader`` of ``table``; with
    ``documents``, it reads whole documents through the collection's store."""
    return AnswerEngine(
        col.searcher(SearchOptions(mode="hybrid")), None, LexicalJudge(),
        reader=TableReader(table), reranker=TopScore(), options=AskOptions(style="extractive"),
        documents=col.store if documents else None,
    )  # fmt: skip
