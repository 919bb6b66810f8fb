"""Multi-part questions: split narrowly, each part read on its own, each answer cited."""

from __future__ import annotations

from pathlib import Path

import pytest

import veracity
from veracity.rag.multipart import split_question
from veracity.rag.reader.fake import TableReader


@pytest.mark.parametrize(
    "question,parts",
    [
        ("How many vacation days are there, and how long must passwords be?",
         ["How many vacation days are there?", "How long must passwords be?"]),
        ("What is the capital of France and what is the population of Spain?",
         ["What is the capital of France?", "What is the population of Spain?"]),
        # a part that points back to the first is no question alone: "its population" is France's
        ("What is the capital of France and what is its population?",
         ["What is the capital of France and what is its population?"]),
        ("When parsing is aborted; which error code is then reported?",
         ["When parsing is aborted; which error code is then reported?"]),
        ("When does the canteen open; is parking free?",
         ["When does the canteen open?", "Is parking free?"]),
        ("Who founded Procter and Gamble?", ["Who founded Procter and Gamble?"]),
        ("What is the difference between BM25 and what TF-IDF does?",
         ["What is the difference between BM25 and what TF-IDF does?"]),
        ("Tell me about cats and how they sleep", ["Tell me about cats and how they sleep"]),
        ("What is X, and who?", ["What is X, and who?"]),
        ("Which event is emitted when the loop empties and has no more work to schedule?",
         ["Which event is emitted when the loop empties and has no more work to schedule?"]),
        ("Which option is deprecated and was removed in version 2?",
         ["Which option is deprecated and was removed in version 2?"]),
        ("Who wrote it and is it still maintained?", ["Who wrote it?", "Is it still maintained?"]),
        ("Who chairs the board and is Fred its secretary?",
         ["Who chairs the board and is Fred its secretary?"]),
    ],
)  # fmt: skip
def test_questions_split_only_where_two_questions_meet(question: str, parts: list[str]) -> None:
    assert split_question(question) == parts


def test_each_part_is_answered_from_its_own_passage(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "leave.md").write_text("Employees get 25 vacation days per year.", "utf-8")
    (folder / "security.md").write_text("Passwords need at least 14 characters.", "utf-8")
    col = veracity.open(tmp_path / "col", embedder="hash")
    col.add([folder])
    reader = TableReader({"vacation": "25 vacation days", "passwords": "14 characters"})
    eng = col.answer_engine(None, reader=reader, reranker="none", cache=False)
    answer = eng.ask("How many vacation days are there, and how long must passwords be?")
    assert not answer.abstained and len(answer.citations) == 2
    assert answer.text.startswith("1. How many vacation days are there? 25 [1]\n")
    assert "2. How long must passwords be? 14 characters [2]" in answer.text
    uris = [c.uri.rsplit("/", 1)[-1] for c in answer.citations]
    assert uris == ["leave.md", "security.md"]


def test_a_part_the_documents_do_not_cover_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "leave.md").write_text("Employees get 25 vacation days per year.", "utf-8")
    col = veracity.open(tmp_path / "col", embedder="hash")
    col.add([folder])
    reader = TableReader({"vacation": "25 vacation days"})
    eng = col.answer_engine(None, reader=reader, reranker="none", cache=False)
    answer = eng.ask("How many vacation days are there, and who approves expense reports?")
    assert not answer.abstained and len(answer.citations) == 1
    assert "2. Who approves expense reports? I don't know: the documents don't say" in answer.text
