"""Streaming only checked sentences (``rag.checked``)."""

from __future__ import annotations

from collections.abc import Sequence

from veracity.guard.grounding import LexicalJudge
from veracity.rag.checked import CheckedStream, RememberingJudge, complete_sentences
from veracity.rag.prompt import Source
from veracity.records import Chunk, Hit

PASSAGE = "Employees get 25 vacation days per year. Up to 5 days carry over."


def _sources() -> list[Source]:
    chunk = Chunk(id="c1", document_id="d1", ordinal=0, text=PASSAGE, start=0, end=len(PASSAGE))
    return [Source(1, Hit(chunk=chunk, score=1.0, uri="mem://v.md"))]


def test_a_sentence_is_complete_once_the_next_has_begun() -> None:
    assert complete_sentences("Employees get 25 days") == []
    assert complete_sentences("Employees get 25 days.") == []  # a marker may follow
    assert complete_sentences("Employees get 25 days. [1") == []
    assert complete_sentences("Employees get 25 days. [1]") == []
    (done,) = complete_sentences("Employees get 25 days. [1] Up")
    assert done.text == "Employees get 25 days. [1]" and done.cited == (1,)


def test_only_supported_sentences_are_shown_word_by_word() -> None:
    draft = (
        "Employees get 25 vacation days per year. [1] The moon is made of cheese [1]. "
        "Employees get 25 vacation days per year [1]. Up to 5 days carry over [1]."
    )
    stream = CheckedStream("How many vacation days?", _sources(), LexicalJudge(), 0.5)
    shown, words = [], draft.split(" ")
    for i in range(1, len(words) + 1):
        shown.append(stream.feed(" ".join(words[:i])))
    shown.append(stream.feed(draft, done=True))
    assert [s for s in shown if s] == [
        "Employees get 25 vacation days per year. [1]",
        " Up to 5 days carry over [1].",
    ]  # the unsupported one never, the repeat once
    assert stream.shown == ["Employees get 25 vacation days per year. [1]",
                            "Up to 5 days carry over [1]."]  # fmt: skip


def test_the_flag_option_shows_every_sentence() -> None:
    stream = CheckedStream("q", _sources(), LexicalJudge(), 0.5, show_unsupported=True)
    assert stream.feed("The moon is made of cheese [1].", done=True) == (
        "The moon is made of cheese [1]."
    )


def test_a_remembering_judge_judges_each_claim_once() -> None:
    class Counting:
        calls = 0

        def support(self, claim: str, evidence: Sequence[str]) -> float:
            self.calls += 1
            return 0.9

    inner = Counting()
    judge = RememberingJudge(inner)
    assert judge.support("a", ["b"]) == judge.support("a", ["b"]) == 0.9
    judge.support("a", ["c"])
    assert inner.calls == 2
