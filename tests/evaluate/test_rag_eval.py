"""``evaluate_rag``: triad scores on tiny cases, abstention precision/recall, CIs, HTML report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import veracity
from veracity.collection import Collection
from veracity.evaluate.datasets import EvalItem
from veracity.evaluate.judges import OfflineJudge
from veracity.evaluate.rag import abstention_scores, evaluate_rag
from veracity.evaluate.report import rag_html
from veracity.evaluate.triad import Context, score_question
from veracity.generate.fake import ScriptedGenerator
from veracity.guard.grounding import LexicalJudge
from veracity.rag.engine import AnswerEngine, AskOptions
from veracity.records import Answer, Citation, Document, Message, SentenceSupport
from veracity.retrieve.search import SearchOptions

VACATION = "Employees get 25 vacation days per year. Up to 5 days carry over."
OFFICES = "The Lisbon office is at Rua Augusta 10. The Tallinn office is at Narva mnt 5."
JUDGE = OfflineJudge(None, support_judge=LexicalJudge())


def _answer(*sentences: tuple[str, tuple[int, ...]]) -> Answer:
    cite = Citation(1, "d1", "doc:vacation", 0, len(VACATION), VACATION)
    return Answer(
        text=" ".join(f"{t} [{','.join(map(str, c))}]" if c else t for t, c in sentences),
        abstained=False,
        citations=(cite,),
        sentences=tuple(SentenceSupport(t, c, True) for t, c in sentences),
    )


def test_triad_on_a_tiny_case_by_hand() -> None:
    item = EvalItem("q", "How many vacation days do employees get?", ("25 days",), None,
                    ("doc:vacation",))  # fmt: skip
    answer = _answer(
        ("Employees get 25 vacation days.", (1,)),  # supported by its citation
        ("The cafeteria serves sushi.", (1,)),  # cites, but unsupported
        ("Also 5 days carry over.", ()),  # cites nothing: unsupported
    )
    ctx = [Context("doc:vacation", VACATION, 0.9), Context("doc:offices", OFFICES, 0.1)]
    s = score_question(JUDGE, item, answer, ctx)
    assert s.context_relevance == pytest.approx((0.8 + 0.0) / 2)  # 4/5 question terms, then none
    assert s.groundedness == pytest.approx(1 / 3) and s.unsupported == 2
    assert [x.supported for x in s.sentences] == [True, False, False]
    assert [x.engine_supported for x in s.sentences] == [True, True, True]
    assert s.cites_gold == 1.0 and s.cited_uris == ("doc:vacation",)
    # F1 by hand: the answer has 13 normalized tokens, 2 shared with "25 days" -> P=2/13, R=1
    assert s.exact_match == 0.0 and s.f1 == pytest.approx(2 * (2 / 13) / (2 / 13 + 1))
    # answer relevance without an embedder: question term recall in the answer
    assert s.answer_relevance == pytest.approx(0.8)


def test_abstention_scores_none_and_zero() -> None:
    item = EvalItem("q", "Who is the king of Mars?", (), False)
    s = score_question(JUDGE, item, Answer("I don't know", True, reason="floor"), [])
    assert s.context_relevance is None and s.groundedness is None and s.answer_relevance is None
    assert s.exact_match is None and s.f1 is None and s.cites_gold is None
    gold = EvalItem("g", "How many days?", ("25",), True)
    a = score_question(JUDGE, gold, Answer("I don't know", True), [])
    assert (a.exact_match, a.f1) == (0.0, 0.0)


def test_abstention_precision_recall_by_hand() -> None:
    def q(abstained: bool, should: bool | None) -> object:
        item = EvalItem(str(abstained), "x?", (), should)
        return score_question(JUDGE, item, Answer("t", abstained), [])

    # should abstain: 3; abstained: 2 of them and 1 answerable -> P = 2/3, R = 2/3
    rows = [
        q(True, False),
        q(True, False),
        q(False, False),
        q(True, True),
        q(False, True),
        q(True, None),
    ]  # fmt: skip  (unknown answerability is left out)
    out = abstention_scores(rows)  # type: ignore[arg-type]
    assert out["precision"] is not None and out["recall"] is not None
    assert out["precision"].mean == pytest.approx(2 / 3) and out["recall"].mean == pytest.approx(
        2 / 3
    )
    assert out["precision"].n == 5
    assert out["precision"].lo <= 2 / 3 <= out["precision"].hi
    none = abstention_scores([q(False, True)])  # type: ignore[list-item]
    assert none == {"precision": None, "recall": None}


@pytest.fixture
def col(tmp_path: Path) -> Collection:
    c = veracity.open(tmp_path / "col", embedder="hash")
    c.add([Document.make("doc:vacation", VACATION), Document.make("doc:offices", OFFICES)])
    return c


def _script(messages: list[Message]) -> str:
    user = messages[-1].content
    if "Mars" in user:
        return "The king of Mars is Zork the Great [1]."
    if "vacation" in user:
        return "Employees get 25 vacation days per year [1]."
    return "I don't know."


def test_evaluate_rag_end_to_end(col: Collection) -> None:
    engine = AnswerEngine(
        col.searcher(SearchOptions(mode="hybrid")), ScriptedGenerator(_script), LexicalJudge(),
        options=AskOptions(sources=2, candidates=4),
    )  # fmt: skip
    items = [
        EvalItem("v", "How many vacation days do employees get?", ("25",), True, ("doc:vacation",)),
        EvalItem("m", "Who is the king of Mars?", (), False),
        EvalItem("o", "Where is the Lisbon office?", ("Rua Augusta 10",), True, ("doc:offices",)),
    ]
    seen: list[int] = []
    result = evaluate_rag(
        engine, items, JUDGE, dataset="tiny", on_question=lambda i, _: seen.append(i)
    )
    assert seen == [1, 2, 3]
    v, m, o = result.questions
    assert not v.abstained and v.groundedness == 1.0 and v.cites_gold == 1.0
    assert len(v.contexts) == 2 and v.f1 == pytest.approx(
        2 * (1 / 7) / (1 / 7 + 1)
    )  # 7 tokens, 1 shared
    assert m.abstained  # the made-up sentence is unsupported, so the engine abstains
    assert o.abstained and o.f1 == 0.0  # the model said it does not know
    assert result.abstention["precision"] is not None
    assert result.abstention["precision"].mean == pytest.approx(0.5)  # 1 of 2 abstentions right
    assert result.abstention["recall"] is not None and result.abstention["recall"].mean == 1.0
    agg = result.metrics["f1"]
    assert agg.n == 2 and agg.lo <= agg.mean <= agg.hi
    assert result.metrics["abstention_rate"].mean == pytest.approx(2 / 3)
    out = result.to_dict()
    json.dumps(out)  # JSON-able throughout
    assert set(out) >= {"dataset", "judge", "params", "n", "metrics", "abstention",
                        "latency_ms", "questions"}  # fmt: skip
    assert set(out["metrics"]["groundedness"]) == {"mean", "ci95", "n"}
    flat = result.flat_metrics()
    assert "f1_ci_lo" in flat and "latency_total_p50_ms" in flat
    assert all(np.isfinite(v) for v in flat.values())


def test_html_report_renders(col: Collection) -> None:
    engine = AnswerEngine(
        col.searcher(SearchOptions(mode="hybrid")), ScriptedGenerator(_script), LexicalJudge(),
        options=AskOptions(sources=2, candidates=4),
    )  # fmt: skip
    items = [
        EvalItem("v", "How many vacation days do employees get?", ("25",), True),
        EvalItem("x", "Who is the <b>king</b> of Mars?", (), False),
    ]
    page = rag_html(evaluate_rag(engine, items, JUDGE, dataset="tiny").to_dict())
    assert page.startswith("<!doctype html>") and "<table>" in page
    assert "<svg" in page or "matplotlib" in page
    assert "&lt;b&gt;king&lt;/b&gt;" in page and "<b>king</b>" not in page  # escaped
    assert "Worst" in page and "95% CI" in page
