"""Evaluate an answer engine on a question set: every question asked, scored, and summarized.

``evaluate_rag(engine, items, judge)`` asks each question, records what the engine retrieved
(by wrapping its reranker, or its retriever when it has none), scores the answer with
``triad.score_question`` and summarizes every figure as a mean with a percentile-bootstrap 95%
confidence interval (``bootstrap.bootstrap_ci``, resampling questions).

Abstention is scored as a detection task whose positive class is "should abstain" (questions
marked ``answerable: false``): precision = correct abstentions / abstentions, recall = correct
abstentions / unanswerable questions; both over the questions whose answerability is known.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from veracity.errors import ConfigError, EvaluationError
from veracity.evaluate.beir import percentile
from veracity.evaluate.bootstrap import bootstrap_ci
from veracity.evaluate.datasets import EvalItem
from veracity.evaluate.judges import TriadJudge
from veracity.evaluate.triad import SUPPORT_THRESHOLD, Context, QuestionScore, score_question
from veracity.rag.engine import AnswerEngine
from veracity.records import Filter, Hit

SCORES = (
    "context_relevance", "groundedness", "answer_relevance", "exact_match", "f1", "cites_gold",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Aggregate:
    mean: float
    lo: float
    hi: float
    n: int

    def to_dict(self) -> dict[str, Any]:
        return {"mean": self.mean, "ci95": [self.lo, self.hi], "n": self.n}


@dataclass
class RagEvaluation:
    """Per-question scores and their summaries; ``to_dict`` is the ``--json`` output."""

    dataset: str
    judge: str
    params: dict[str, Any]
    questions: list[QuestionScore]
    metrics: dict[str, Aggregate]
    abstention: dict[str, Aggregate | None]
    latency_ms: dict[str, float]
    judge_stats: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "judge": self.judge,
            "params": self.params,
            "n": len(self.questions),
            "metrics": {k: v.to_dict() for k, v in self.metrics.items()},
            "abstention": {k: v.to_dict() if v else None for k, v in self.abstention.items()},
            "latency_ms": self.latency_ms,
            "judge_stats": self.judge_stats,
            "questions": [q.to_dict() for q in self.questions],
        }

    def flat_metrics(self) -> dict[str, float]:
        """Means and CI bounds as flat ``name -> value`` pairs (MLflow metrics)."""
        out: dict[str, float] = {}
        for name, agg in [*self.metrics.items(), *self.abstention.items()]:
            if agg is not None and not np.isnan(agg.mean):
                out[name] = agg.mean
                out[f"{name}_ci_lo"], out[f"{name}_ci_hi"] = agg.lo, agg.hi
        out.update({f"latency_{k}_ms": v for k, v in self.latency_ms.items()})
        return out


class _Recorder:
    """Passes calls through to a reranker or retriever and keeps the last list of hits."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.last: list[Hit] = []

    def rerank(self, query: str, hits: list[Hit], k: int) -> list[Hit]:
        self.last = list(self.inner.rerank(query, hits, k))
        return self.last

    def retrieve(self, query: str, k: int, where: Filter | None = None) -> list[Hit]:
        self.last = list(self.inner.retrieve(query, k, where))
        return self.last


def recording_engine(engine: AnswerEngine) -> tuple[AnswerEngine, _Recorder]:
    """A copy of ``engine`` whose reranker (or retriever) records the hits it returns."""
    if engine.reranker is not None:
        rec = _Recorder(engine.reranker)
        retriever, reranker = engine.retriever, rec
    else:
        rec = _Recorder(engine.retriever)
        retriever, reranker = rec, None
    copy = AnswerEngine(
        retriever, engine.llm, engine.judge, reader=engine.reader, reranker=reranker,
        cache=engine.cache, options=engine.options, query_guard=engine.query_guard,
        passage_guard=engine.passage_guard, condense_with_model=engine.condense_with_model,
        documents=engine.documents,
    )  # fmt: skip
    return copy, rec


def evaluate_rag(
    engine: AnswerEngine,
    items: Sequence[EvalItem],
    judge: TriadJudge,
    *,
    dataset: str = "",
    params: dict[str, Any] | None = None,
    threshold: float = SUPPORT_THRESHOLD,
    seed: int = 0,
    on_question: Callable[[int, QuestionScore], None] | None = None,
) -> RagEvaluation:
    """Ask every question of ``items`` and score the answers; see the module docstring."""
    if not items:
        raise EvaluationError("no questions to evaluate")
    opts = dataclasses.replace(engine.options, use_cache=False)  # fresh answers, honest timings
    eng, rec = recording_engine(engine)
    scores: list[QuestionScore] = []
    for i, item in enumerate(items):
        rec.last = []
        answer = eng.ask(item.question, options=opts)
        contexts = [Context(h.uri, h.chunk.text, float(h.score)) for h in rec.last[: opts.sources]]
        scores.append(score_question(judge, item, answer, contexts, threshold))
        if on_question is not None:
            on_question(i + 1, scores[-1])
    stats = getattr(judge, "stats", None)
    return RagEvaluation(
        dataset=dataset,
        judge=judge.name,
        params={"mode": opts.mode, "sources": opts.sources, "support_threshold": threshold,
                "relevance_floor": opts.relevance_floor, **(params or {})},
        questions=scores,
        metrics=summarize(scores, seed=seed),
        abstention=abstention_scores(scores, seed=seed),
        latency_ms=latency(scores),
        judge_stats=_stats_dict(stats),
    )  # fmt: skip


def aggregate(values: Sequence[float], seed: int = 0) -> Aggregate | None:
    """Mean and bootstrap 95% CI of ``values``; None when there are none."""
    if not values:
        return None
    mean, lo, hi = bootstrap_ci(np.asarray(values, dtype=np.float64), seed=seed)
    return Aggregate(mean, lo, hi, len(values))


def summarize(scores: Sequence[QuestionScore], seed: int = 0) -> dict[str, Aggregate]:
    out: dict[str, Aggregate] = {}
    for name in SCORES:
        values = [v for q in scores if (v := getattr(q, name)) is not None]
        if (agg := aggregate(values, seed)) is not None:
            out[name] = agg
    sentences = [float(s.supported) for q in scores for s in q.sentences]
    if (agg := aggregate([1 - v for v in sentences], seed)) is not None:
        out["unsupported_sentence_share"] = agg
    if (agg := aggregate([float(q.abstained) for q in scores], seed)) is not None:
        out["abstention_rate"] = agg
    return out


def _stats_dict(stats: object) -> dict[str, Any]:
    if dataclasses.is_dataclass(stats) and not isinstance(stats, type):
        return dataclasses.asdict(stats)
    return {}


def _precision(rows: np.ndarray) -> float:  # rows: (n, 2) of (abstained, should_abstain)
    abst = rows[:, 0] > 0
    return float(rows[abst, 1].mean()) if abst.any() else float("nan")


def _recall(rows: np.ndarray) -> float:
    pos = rows[:, 1] > 0
    return float(rows[pos, 0].mean()) if pos.any() else float("nan")


def abstention_scores(
    scores: Sequence[QuestionScore], seed: int = 0
) -> dict[str, Aggregate | None]:
    """Abstention precision and recall (positive: should abstain) with bootstrap CIs; None
    where undefined (no abstention, or no unanswerable question)."""
    rows = np.array(
        [[float(q.abstained), float(not q.should_answer)] for q in scores
         if q.should_answer is not None],
        dtype=np.float64,
    ).reshape(-1, 2)  # fmt: skip
    out: dict[str, Aggregate | None] = {}
    for name, stat, defined in (
        ("precision", _precision, rows[:, 0].any()),
        ("recall", _recall, rows[:, 1].any()),
    ):
        if rows.shape[0] == 0 or not defined:
            out[name] = None
            continue
        mean, lo, hi = bootstrap_ci(rows, stat, seed=seed)
        out[name] = Aggregate(mean, lo, hi, int(rows.shape[0]))
    return out


def latency(scores: Sequence[QuestionScore]) -> dict[str, float]:
    """p50/p95 of total ``ask`` time over all questions, and of time to first token and total
    time over the questions that reached the generator (an early abstention never does)."""
    total = [q.timings_ms["total"] for q in scores if "total" in q.timings_ms]
    first = [q.timings_ms["first_token"] for q in scores if "first_token" in q.timings_ms]
    answered = [q.timings_ms["total"] for q in scores if "first_token" in q.timings_ms]
    out = {"total_p50": percentile(total, 50), "total_p95": percentile(total, 95)}
    if first:
        out |= {"first_token_p50": percentile(first, 50), "first_token_p95": percentile(first, 95),
                "answered_total_p50": percentile(answered, 50),
                "answered_total_p95": percentile(answered, 95)}  # fmt: skip
    return out


def check_limit(limit: int | None) -> None:
    if limit is not None and limit < 1:
        raise ConfigError(f"--limit must be >= 1, got {limit}")
