"""Extractive, cited summaries with the hash embedder and the lexical support judge."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from veracity.cli.main import main
from veracity.collection import Collection
from veracity.embed.hashing import HashEmbedder
from veracity.errors import ConfigError
from veracity.guard.grounding import LexicalJudge
from veracity.records import Document
from veracity.tasks.feedback import FeedbackItem
from veracity.tasks.summarize import file_passages, summarize

EMB = HashEmbedder(256)
MAIN = [
    "The battery of the phone drains within a day of normal use.",
    "Users report the phone battery drains quickly when the screen is on.",
    "A firmware update was meant to fix the battery drain on the phone.",
    "After the update the phone battery still drains faster than before.",
]
OFF = "Zebras graze on the savanna grasslands of eastern Africa at dawn."


def _doc(sentences: Sequence[str]) -> tuple[str, list[FeedbackItem]]:
    """One document whose passages are its sentences, spans in document offsets."""
    text, items, at = "", [], 0
    for s in sentences:
        text += s + " "
        items.append(
            FeedbackItem(s, "mem://doc", at, at + len(s), document_id="d", chunk_id=f"c{at}")
        )
        at = len(text)
    return text, items


def test_central_sentences_cited_in_source_order() -> None:
    text, passages = _doc([MAIN[0], OFF, *MAIN[1:]])
    summary = summarize(passages, sentences=2, embedder=EMB, judge=LexicalJudge())
    assert len(summary.sentences) == 2
    assert all(OFF not in s.text for s in summary.sentences)
    assert [s.n for s in summary.sentences] == [1, 2]
    assert [s.start for s in summary.sentences] == sorted(s.start for s in summary.sentences)
    for s in summary.sentences:
        assert text[s.start : s.end] == s.text  # citations round-trip to the document
        assert s.chunk_id == f"c{s.start}" and s.support >= 0.5
    assert summary.text.endswith("[2]") and summary.unsupported == 0


def test_map_reduce_over_many_passages_keeps_the_main_topic() -> None:
    order = [*MAIN, OFF, *MAIN[::-1], *MAIN] * 3  # repeated passages at new offsets
    text, passages = _doc(order)
    one = summarize(passages, sentences=2, embedder=EMB, judge=LexicalJudge(), group_size=100)
    many = summarize(passages, sentences=2, embedder=EMB, judge=LexicalJudge(), group_size=2)
    assert one.rounds == 2 and many.rounds > one.rounds
    for summary in (one, many):
        assert all(OFF not in s.text for s in summary.sentences)
        assert all(text[s.start : s.end] == s.text for s in summary.sentences)
    assert many.candidates == len(order)


class RejectWord:
    """A judge that supports every claim except those holding ``word``."""

    def __init__(self, word: str) -> None:
        self.word, self.calls = word, 0

    def support(self, claim: str, evidence: Sequence[str]) -> float:
        self.calls += 1
        return 0.0 if self.word in claim else 1.0


def test_unsupported_picks_are_dropped_and_replaced() -> None:
    _, passages = _doc(MAIN)
    first = summarize(passages, sentences=2, embedder=EMB, judge=LexicalJudge())
    word = first.sentences[0].text.split()[-1]  # a word of a sentence that was picked
    judge = RejectWord(word)
    summary = summarize(passages, sentences=2, embedder=EMB, judge=judge)
    assert len(summary.sentences) == 2 and summary.unsupported >= 1
    assert all(word not in s.text for s in summary.sentences)
    assert judge.calls == 2 + summary.unsupported


def test_tables_headings_and_short_lines_are_not_summary_material() -> None:
    _, passages = _doc(
        ["# Battery drain report for the phone", "| battery | drains | fast | phone |", MAIN[0]]
    )
    summary = summarize(passages, sentences=3, embedder=EMB, judge=LexicalJudge())
    assert [s.text for s in summary.sentences] == [MAIN[0]]


def test_errors() -> None:
    with pytest.raises(ConfigError, match="nothing to summarize"):
        summarize([], embedder=EMB, judge=LexicalJudge())
    with pytest.raises(ConfigError, match="nothing to summarize"):
        summarize(_doc(["too short", "ok"])[1], embedder=EMB, judge=LexicalJudge())
    with pytest.raises(ConfigError, match="must be >= 1"):
        summarize(_doc(MAIN)[1], sentences=0, embedder=EMB, judge=LexicalJudge())


def test_file_passages_cite_document_offsets(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text("# Notes\n\n" + " ".join(MAIN) + "\n\n" + OFF + "\n")
    passages = file_passages([tmp_path])
    summary = summarize(passages, sentences=2, embedder=EMB, judge=LexicalJudge())
    text = path.read_text()
    assert all(text[s.start : s.end] == s.text for s in summary.sentences)
    assert all(s.source == passages[0].source for s in summary.sentences)


def test_cli_file_and_collection_respects_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notes.txt"
    path.write_text(" ".join(MAIN))
    assert main(["summarize", str(path), "-n", "2", "--embedder", "hash", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["sentences"]) == 2 and out["sentences"][0]["text"] in MAIN
    col = tmp_path / "col"
    secret = "The merger with Initech closes in March and stays confidential until then."
    with Collection(col, embedder="hash") as c:
        c.add([Document.make("mem://pub", " ".join(MAIN))], scan=False)
        c.add([Document.make("mem://sec", secret, labels=("board",))], scan=False)
    base = ["summarize", "-c", str(col), "-n", "5", "--json"]
    assert main([*base, "--labels", ""]) == 0
    texts = [s["text"] for s in json.loads(capsys.readouterr().out)["sentences"]]
    assert texts and secret not in texts and set(texts) <= set(MAIN)
    assert main([*base, "--labels", "board", "--query", "merger Initech", "-k", "1"]) == 0
    texts = [s["text"] for s in json.loads(capsys.readouterr().out)["sentences"]]
    assert texts == [secret]
    assert main(["summarize", str(path), "-c", str(col)]) == 2
    assert "one of them" in capsys.readouterr().err
