"""Score one answered question: the RAG triad, exact match / F1, abstention, citation of gold.

Definitions (per question; None where undefined, left out of the means):

- ``context_relevance``: mean judge relevance of the passages the engine considered (the top
  ``sources`` reranked hits), whether or not it then answered (TruLens: relevance per context,
  averaged). None when nothing was retrieved.
- ``groundedness``: share of answer sentences whose cited text the judge says supports them
  (score >= ``threshold``); a sentence citing nothing counts as unsupported. None on abstention.
- ``answer_relevance``: judge relevance of the answer text (citation markers removed) to the
  question. None on abstention.
- ``exact_match`` / ``f1``: SQuAD-official, best over gold answers, for questions that should be
  answered and have gold answers; an abstention scores 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from veracity.evaluate.datasets import EvalItem
from veracity.evaluate.judges import TriadJudge
from veracity.evaluate.qa_metrics import qa_scores, strip_citations
from veracity.records import Answer

SUPPORT_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True)
class Context:
    uri: str
    text: str
    score: float  # the reranker's (or retriever's) score


@dataclass(frozen=True, slots=True)
class SentenceScore:
    text: str
    citations: tuple[int, ...]
    support: float
    supported: bool
    engine_supported: bool  # the answer engine's own verdict, for comparison


@dataclass(frozen=True, slots=True)
class QuestionScore:
    id: str
    question: str
    gold: tuple[str, ...]
    should_answer: bool | None
    answer: str
    abstained: bool
    reason: str
    contexts: tuple[Context, ...]
    cited_uris: tuple[str, ...]
    sentences: tuple[SentenceScore, ...]
    context_relevance: float | None
    groundedness: float | None
    answer_relevance: float | None
    exact_match: float | None
    f1: float | None
    cites_gold: float | None  # 1.0 when a citation points at a gold document
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def unsupported(self) -> int:
        return sum(not s.supported for s in self.sentences)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["unsupported_sentences"] = self.unsupported
        return d


def context_relevance(judge: TriadJudge, question: str, contexts: Sequence[str]) -> float | None:
    if not contexts:
        return None
    return sum(judge.context_relevance(question, c) for c in contexts) / len(contexts)


def sentence_scores(
    judge: TriadJudge, answer: Answer, threshold: float = SUPPORT_THRESHOLD
) -> tuple[SentenceScore, ...]:
    """Each answer sentence judged against the text of the sources it cites."""
    text_of = {c.n: c.text for c in answer.citations}
    out: list[SentenceScore] = []
    for s in answer.sentences:
        evidence = [text_of[n] for n in s.citations if n in text_of]
        score = judge.support(s.text, evidence) if evidence else 0.0
        out.append(
            SentenceScore(s.text, tuple(s.citations), score, score >= threshold, s.supported)
        )
    return tuple(out)


def groundedness(sentences: Sequence[SentenceScore]) -> float | None:
    if not sentences:
        return None
    return sum(s.supported for s in sentences) / len(sentences)


def score_question(
    judge: TriadJudge,
    item: EvalItem,
    answer: Answer,
    contexts: Sequence[Context],
    threshold: float = SUPPORT_THRESHOLD,
) -> QuestionScore:
    """All per-question figures for ``answer`` to ``item`` given what was retrieved."""
    sentences = () if answer.abstained else sentence_scores(judge, answer, threshold)
    plain = strip_citations(" ".join(s.text for s in answer.sentences) or answer.text)
    em = f1 = None
    if item.answers and item.should_answer is not False:
        em, f1 = (0.0, 0.0) if answer.abstained else qa_scores(plain, item.answers)
    cited = tuple(dict.fromkeys(c.uri for c in answer.citations))
    cites_gold = None
    if item.gold_uris:
        cites_gold = float(bool(set(cited) & set(item.gold_uris)))
    return QuestionScore(
        id=item.id,
        question=item.question,
        gold=item.answers,
        should_answer=item.should_answer,
        answer=answer.text,
        abstained=answer.abstained,
        reason=answer.reason,
        contexts=tuple(contexts),
        cited_uris=cited,
        sentences=sentences,
        context_relevance=context_relevance(judge, item.question, [c.text for c in contexts]),
        groundedness=None if answer.abstained else groundedness(sentences),
        answer_relevance=None if answer.abstained else judge.answer_relevance(item.question, plain),
        exact_match=em,
        f1=f1,
        cites_gold=cites_gold,
        timings_ms=dict(answer.timings_ms),
    )
