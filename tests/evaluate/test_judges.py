"""Triad judges: offline scores on tiny cases, the LLM judge's parse, fallback and cache."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from veracity.evaluate.judges import (
    SCORE_SCHEMA,
    JudgeCache,
    LLMJudge,
    OfflineJudge,
    parse_score,
    term_recall,
)
from veracity.generate.fake import ScriptedGenerator
from veracity.guard.grounding import LexicalJudge
from veracity.records import Decoding, Message


class TableEmbedder:
    """Fixed unit vectors per text: cosines known by construction."""

    name = "table"
    dim = 2

    def __init__(self, table: dict[str, tuple[float, float]]) -> None:
        self.table = table

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        v = np.array([self.table[t] for t in texts], dtype=np.float32)  # (n, 2)
        out: np.ndarray = v / np.linalg.norm(v, axis=1, keepdims=True)
        return out


Q = "How many vacation days do employees get?"
CTX = "Employees get 25 vacation days per year."


def test_term_recall_by_hand() -> None:
    # question content stems: mani, vacat, day, employe, get; the context lacks "mani" -> 4/5
    assert term_recall(Q, CTX) == pytest.approx(0.8)
    assert term_recall("Where is the Lisbon office?", CTX) == 0.0
    assert term_recall(Q, "") == 0.0


def test_offline_context_relevance_averages_recall_and_cosine() -> None:
    emb = TableEmbedder({Q: (1.0, 0.0), CTX: (0.6, 0.8)})  # cosine 0.6
    judge = OfflineJudge(emb, support_judge=LexicalJudge())
    assert judge.context_relevance(Q, CTX) == pytest.approx((0.8 + 0.6) / 2)
    assert judge.answer_relevance(Q, CTX) == pytest.approx(0.6)
    assert judge.answer_relevance(Q, " ") == 0.0


def test_offline_support_reuses_guard_judges() -> None:
    judge = OfflineJudge(None, support_judge=LexicalJudge())
    assert judge.support("Employees get 25 vacation days.", [CTX]) == pytest.approx(1.0)
    assert judge.support("The cafeteria serves sushi.", [CTX]) == 0.0
    assert judge.support("anything", []) == 0.0
    # the default (trained judge, or FactJudge without its weights) penalizes a wrong number
    default = OfflineJudge(None)
    assert default.support("Employees get 30 vacation days.", [CTX]) < 0.5


@pytest.mark.parametrize(
    ("reply", "score"),
    [
        ('{"score": 7}', 0.7),
        ('  {"score": 10}  ', 1.0),
        ('Sure! Here you go: {"score": 3} hope it helps', 0.3),
        ('{"score": 0.9}', 0.9),
        ('{"score": 42}', 1.0),  # clipped
        ("I would rate it 8/10.", 0.8),
        ("score: 6", 0.6),
        ("0.25", 0.25),
        ('{"score": "high"} 4', 0.4),
        ("no number at all", None),
        ("", None),
        ('{"score": true}', None),
        ("}{][", None),
    ],
)
def test_parse_score_is_robust(reply: str, score: float | None) -> None:
    got = parse_score(reply)
    assert got == (None if score is None else pytest.approx(score))


def test_schema_accepts_what_the_judge_asks_for() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate({"score": 7}, SCORE_SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"score": 11}, SCORE_SCHEMA)


def test_llm_judge_parses_and_falls_back_on_garbage(tmp_path: Path) -> None:
    gen = ScriptedGenerator(['{"score": 9}', "¯\\_(ツ)_/¯ lol", '{"score": 2}'])
    fallback = OfflineJudge(None, support_judge=LexicalJudge())
    judge = LLMJudge(gen, fallback=fallback, cache=JudgeCache(tmp_path / "c.sqlite"))
    assert judge.context_relevance(Q, CTX) == pytest.approx(0.9)
    assert judge.context_relevance(Q, "something else") == pytest.approx(
        fallback.context_relevance(Q, "something else")
    )  # garbage -> offline score, no crash
    assert judge.answer_relevance(Q, "25 days") == pytest.approx(0.2)
    assert judge.stats.parse_failures == 1 and judge.stats.failures
    assert all(c.decoding.temperature == 0.0 and c.decoding.seed == 0 for c in gen.calls)


def test_llm_judge_cache_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    first = LLMJudge(ScriptedGenerator(['{"score": 5}']), cache=JudgeCache(path))
    assert first.support("claim", ["evidence"]) == pytest.approx(0.5)
    gen = ScriptedGenerator([])  # would raise if called
    second = LLMJudge(gen, cache=JudgeCache(path))
    assert second.support("claim", ["evidence"]) == pytest.approx(0.5)
    assert gen.calls == [] and second.stats.cached == 1
    assert second.support("claim", []) == 0.0  # nothing cited: no call


class SchemaGenerator(ScriptedGenerator):
    """A backend with constrained decoding: records the schema it was given."""

    def __init__(self) -> None:
        super().__init__(["unused"])
        self.schemas: list[dict[str, Any]] = []

    def generate_json(
        self, messages: list[Message], decoding: Decoding, schema: dict[str, Any]
    ) -> Iterator[str]:
        self.schemas.append(schema)
        return iter(['{"score"', ": 4}"])


def test_llm_judge_uses_constrained_decoding_when_offered() -> None:
    gen = SchemaGenerator()
    judge = LLMJudge(gen)
    assert judge.answer_relevance(Q, "x") == pytest.approx(0.4)
    assert gen.schemas == [SCORE_SCHEMA] and judge.stats.constrained == 1 and gen.calls == []
