"""Show a drafted answer only as far as it has been checked.

A language model's draft streams token by token, but a token is not yet a claim that can be
checked: a sentence is. ``CheckedStream`` takes the draft as it grows, and hands out each sentence
once it is complete (the next one has begun, so no citation marker can still join it) and has
passed the same support check as the final answer (``rag.support.check_support``). What a reader
sees while the model writes is thus always part of the checked answer, never a draft that the
check later removes. The final answer is still decided on the whole draft (it may fall back to a
quote or abstain, when nothing was shown); ``RememberingJudge`` lets that decision reuse the
verdicts given while streaming instead of judging each sentence twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from veracity.guard.grounding import SupportJudge
from veracity.rag.citations import AnswerSentence, split_answer
from veracity.rag.prompt import Source
from veracity.rag.support import check_support
from veracity.records import SentenceSupport

# Citation markers, and a marker still being written ("[2" before its "]").
_MARKERS = re.compile(r"\[[\d,;\s]*\]?")


class RememberingJudge:
    """A ``SupportJudge`` that remembers its scores for the life of one answer."""

    def __init__(self, judge: SupportJudge) -> None:
        self.judge = judge
        self._scores: dict[tuple[str, tuple[str, ...]], float] = {}

    def support(self, claim: str, evidence: Sequence[str]) -> float:
        key = (claim, tuple(evidence))
        if key not in self._scores:
            self._scores[key] = self.judge.support(claim, evidence)
        return self._scores[key]


def repeat_key(sentence: AnswerSentence) -> str:
    """What makes two sentences the same claim: their words, case and punctuation aside."""
    return " ".join(re.findall(r"\w+", sentence.plain.lower()))


def unrepeated(sentences: Sequence[AnswerSentence]) -> list[AnswerSentence]:
    """The sentences without repeats: small models loop ("It is a technique ... It is a
    technique ..."); a sentence whose words were already said goes."""
    seen: set[str] = set()
    out: list[AnswerSentence] = []
    for s in sentences:
        key = repeat_key(s)
        if key and key not in seen:
            seen.add(key)
            out.append(s)
    return out


def with_markers(sentence: AnswerSentence, verdict: SentenceSupport) -> str:
    """The sentence as written, or with its markers rewritten when the checker inferred or
    corrected its citation (the text shown must cite what was actually checked)."""
    if tuple(sentence.cited) == tuple(verdict.citations) or not verdict.citations:
        return sentence.text
    body = sentence.plain.rstrip()
    end = body[-1] if body and body[-1] in ".!?" else ""
    body = body[:-1] if end else body
    marks = "".join(f"[{n}]" for n in verdict.citations)
    return f"{body} {marks}{end}"


def complete_sentences(draft: str) -> list[AnswerSentence]:
    """The sentences of a draft still being written that no later text can change: all but the
    last, and not the one before a last that is only a citation marker so far."""
    sentences = split_answer(draft)
    if sentences and not re.search(r"[^\W\d_]", _MARKERS.sub("", sentences[-1].text)):
        sentences.pop()  # "[2": it may yet be the previous sentence's citation
    return sentences[:-1]


class CheckedStream:
    """Feed the growing draft; get back the text of each newly complete sentence that passed
    the support check (with ``show_unsupported``, every new sentence: the ``flag`` option)."""

    def __init__(
        self,
        question: str,
        sources: Sequence[Source],
        judge: SupportJudge,
        threshold: float,
        *,
        show_unsupported: bool = False,
    ) -> None:
        self.question = question
        self.sources = sources
        self.judge = judge
        self.threshold = threshold
        self.show_unsupported = show_unsupported
        self._decided = 0  # sentences of the draft already shown or held back
        self._seen: set[str] = set()
        self.shown: list[str] = []

    def feed(self, draft: str, *, done: bool = False) -> str:
        """The text to show now (empty when nothing new passed), with a space between it and
        what was shown before. ``done``: the draft is finished, its last sentence complete."""
        sentences = split_answer(draft) if done else complete_sentences(draft)
        new: list[str] = []
        for sentence in sentences[self._decided :]:
            key = repeat_key(sentence)
            if not key or key in self._seen:
                continue
            self._seen.add(key)
            (verdict,) = check_support(
                [sentence], self.sources, self.judge, self.threshold, question=self.question
            )
            if verdict.supported or self.show_unsupported:
                new.append(with_markers(sentence, verdict))
        self._decided = max(self._decided, len(sentences))
        if not new:
            return ""
        text = (" " if self.shown else "") + " ".join(new)
        self.shown.extend(new)
        return text
