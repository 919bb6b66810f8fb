"""The evaluation workflows from Python, without the CLI: ``run_beir_eval``, ``run_rag_eval`` and
``run_mmlu_eval`` on tiny inline data with the hash embedder, the scripted generator and a table
scorer."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from veracity.collection import Collection
from veracity.errors import ConfigError
from veracity.evaluate import mmlu_scorers
from veracity.evaluate.beir_job import BeirEvalOptions, run_beir_eval
from veracity.evaluate.datasets import EvalItem
from veracity.evaluate.mmlu_job import MMLUEvalOptions, run_mmlu_eval
from veracity.evaluate.rag_job import RagEvalOptions, generator_options, pick_items, run_rag_eval
from veracity.guard import grounding
from veracity.guard.grounding import LexicalJudge
from veracity.records import Document

CORPUS = {
    "d1": "Aspirin reduces fever and relieves mild pain in adults.",
    "d2": "Emperor penguins breed on the sea ice of Antarctica in winter.",
    "d3": "The Eiffel Tower was built in Paris for the world fair of 1889.",
}
QUERIES = {"q1": "aspirin fever", "q2": "emperor penguins antarctica", "q3": "eiffel tower paris"}


def write_beir(root: Path, qrels: dict[str, str]) -> Path:
    """A three-document BEIR folder with one qrels file per ``split: rows``."""
    (root / "qrels").mkdir(parents=True)
    (root / "corpus.jsonl").write_text(
        "".join(json.dumps({"_id": i, "title": "", "text": t}) + "\n" for i, t in CORPUS.items())
    )
    (root / "queries.jsonl").write_text(
        "".join(json.dumps({"_id": q, "text": t}) + "\n" for q, t in QUERIES.items())
    )
    for split, rows in qrels.items():
        (root / "qrels" / f"{split}.tsv").write_text("query-id\tcorpus-id\tscore\n" + rows)
    return root


TEST_QRELS = "q1\td1\t1\nq2\td2\t1\nq3\td2\t1\n"  # q3's only relevant document is a miss


class Opener:
    """``veracity.Collection`` as ``open_collection``, keeping what it opened."""

    def __init__(self) -> None:
        self.opened: list[Collection] = []

    def __call__(self, path: str | Path, *, embedder: str | None, create: bool) -> Collection:
        self.opened.append(Collection(path, embedder=embedder, create=create))
        return self.opened[-1]


# -- BEIR ---------------------------------------------------------------------------------------


def test_beir_eval_scores_by_hand_and_writes_the_report(tmp_path: Path) -> None:
    root = write_beir(tmp_path / "b", {"test": TEST_QRELS})
    page, opener, seen = tmp_path / "r.html", Opener(), []
    options = BeirEvalOptions(root, mode="bm25", embedder="hash", html=page)
    done = run_beir_eval(options, open_collection=opener, on_ingest=lambda n, _r: seen.append(n))
    # q1 and q2 find their one relevant document first, q3 never: every mean is 2/3
    for key in ("ndcg@10", "recall@100", "mrr@10"):
        assert done.report[key] == pytest.approx(2 / 3)
        assert done.report["metrics"][key]["mean"] == pytest.approx(2 / 3)
        assert done.report["metrics"][key]["n"] == 3
    assert done.result.ndcg_at_10 == pytest.approx(2 / 3) and done.tuned is None
    assert done.report["dataset"] == str(root) and done.report["split"] == "test"
    assert seen == [3] and "<table>" in page.read_text()
    assert "mlflow_run_id" not in done.report
    assert not opener.opened[0].path.exists()  # the scratch collection is gone


def test_beir_eval_reuses_a_collection_and_tunes_on_a_labelled_split(tmp_path: Path) -> None:
    root = write_beir(tmp_path / "b", {"test": TEST_QRELS, "dev": "q1\td1\t1\nq2\td2\t1\n"})
    col = tmp_path / "col"
    options = BeirEvalOptions(root, collection=col, embedder="hash", tune=True, tune_split="dev")
    done = run_beir_eval(options, open_collection=Collection)
    assert done.tuned is not None and "over 2 queries" in done.tuned.reason  # dev, not test
    assert done.report["tuned"]["reason"] == done.tuned.reason
    assert done.report["fusion"] == done.report["tuned"]["fusion"]
    assert {"choice", "alpha", "rrf_k", "ndcg@10", "top"} <= set(done.report["tuned"])
    assert (col / "veracity.db").exists()


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"tune_split": "dev"}, "--tune-split needs --tune"),
        ({"tune": True, "tune_split": "test"}, "leaks the test labels"),
        ({"tune": True, "alpha": 0.3}, "give either --tune or them"),
        ({"n_synthetic": 0}, "--n-synthetic must be >= 1"),
    ],
)
def test_beir_eval_options_refuse(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        BeirEvalOptions("anywhere", **kwargs)


@pytest.mark.slow
def test_beir_eval_logs_to_mlflow(tmp_path: Path) -> None:
    mlflow = pytest.importorskip("mlflow")
    root = write_beir(tmp_path / "b", {"test": TEST_QRELS})
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    options = BeirEvalOptions(root, mode="bm25", embedder="hash", mlflow=uri, experiment="x")
    done = run_beir_eval(options, open_collection=Collection)
    client = mlflow.tracking.MlflowClient(tracking_uri=uri)
    run = client.get_run(done.report["mlflow_run_id"])
    assert run.data.metrics["ndcg_at_10"] == pytest.approx(2 / 3)
    assert run.data.params["dataset"] == str(root) and run.info.run_name == "beir:b"
    names = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert names == {"beir_eval.json", "report.html"}


# -- RAG ----------------------------------------------------------------------------------------

SQUAD = {"data": [{"title": "Offices", "paragraphs": [
    {"context": "The Lisbon office is at Rua Augusta 10. It opened in 2019.",
     "qas": [{"id": "a", "question": "Where is the Lisbon office?",
              "answers": [{"text": "Rua Augusta 10", "answer_start": 24}]},
             {"id": "b", "question": "When did the Lisbon office open?",
              "answers": [{"text": "2019", "answer_start": 53}]}]},
    {"context": "Employees get 25 vacation days per year.",
     "qas": [{"id": "c", "question": "How many vacation days?",
              "answers": [{"text": "25", "answer_start": 14}]}]},
]}]}  # fmt: skip


@pytest.fixture(autouse=True)
def _lexical_support(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine's support judge without the trained weights file (fast, deterministic)."""
    monkeypatch.setattr(grounding, "best_judge", lambda embedder=None: LexicalJudge())


@pytest.fixture
def squad(tmp_path: Path) -> Path:
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(SQUAD))
    return path


def test_rag_eval_from_python(squad: Path, tmp_path: Path) -> None:
    page, opener, seen = tmp_path / "r.html", Opener(), []
    options = RagEvalOptions(squad, model="fake", embedder="hash", html=page)
    done = run_rag_eval(
        options, open_collection=opener, on_question=lambda i, n, q: seen.append((i, n, q.id))
    )
    assert seen == [(1, 3, "a"), (2, 3, "b"), (3, 3, "c")]
    report = done.report
    assert report == done.evaluation.to_dict() and report["n"] == 3
    assert report["params"] | {"model": "fake", "embedder": "hash", "judge": "offline",
                               "dataset_kind": "squad"} == report["params"]  # fmt: skip
    abstained = [q["abstained"] for q in report["questions"]]
    assert report["metrics"]["abstention_rate"]["mean"] == pytest.approx(sum(abstained) / 3)
    assert "<table>" in page.read_text() and report["dataset"] in page.read_text()
    assert not opener.opened[0].path.exists()  # the scratch collection is gone


def test_pick_items_first_n_or_a_seeded_sample() -> None:
    items = [EvalItem(str(i), f"question {i}?", (), None, ()) for i in range(10)]
    assert pick_items(items, None) == items and pick_items(items, None, sample=True) == items
    assert pick_items(items, 3) == items[:3]
    sampled = pick_items(items, 3, sample=True, seed=7)
    assert sampled == random.Random(7).sample(items, 3) and sampled != items[:3]
    assert pick_items(items, 3, sample=True, seed=7) == sampled
    assert sorted(q.id for q in pick_items(items, 99, sample=True)) == sorted(q.id for q in items)


def test_generator_options_thread_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VERACITY_THREADS", raising=False)
    assert generator_options("smollm2", None) == {"n_threads": 1}
    assert generator_options("model.gguf", 3) == {"n_threads": 3}
    monkeypatch.setenv("VERACITY_THREADS", "2")
    assert generator_options("smollm2", None) == {"n_threads": 2}
    for name in ("fake", "scripted", "openai:gpt", "hf:some/dir"):
        assert generator_options(name, 4) == {}


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"limit": 0}, "--limit must be >= 1"),
        ({"max_tokens": 0}, "--max-tokens must be >= 1"),
        ({"judge": "gpt"}, "--judge must be one of offline, llm"),
        ({"mode": "beam"}, "--mode must be one of sequence, token"),
    ],
)
def test_rag_eval_options_refuse(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        RagEvalOptions("q.jsonl", **kwargs)


def test_rag_eval_questions_only_answer_from_a_collection(tmp_path: Path) -> None:
    data = tmp_path / "q.jsonl"
    data.write_text('{"question": "Where is the Lisbon office?", "answers": ["Rua Augusta 10"]}\n')
    with pytest.raises(ConfigError, match="--collection DIR"):
        run_rag_eval(RagEvalOptions(data, model="fake"), open_collection=Collection)
    col = tmp_path / "col"
    with Collection(col, embedder="hash") as c:
        c.add([Document.make("doc:offices", "The Lisbon office is at Rua Augusta 10.")])
    done = run_rag_eval(RagEvalOptions(data, collection=col, model="fake"),
                        open_collection=Collection)  # fmt: skip
    assert done.report["n"] == 1 and done.report["params"]["dataset_kind"] == "jsonl"


def test_rag_eval_llm_judge_caches_in_the_collection(squad: Path, tmp_path: Path) -> None:
    col = tmp_path / "col"
    options = RagEvalOptions(squad, collection=col, embedder="hash", model="fake", judge="llm",
                             limit=1)  # fmt: skip
    first = run_rag_eval(options, open_collection=Collection).report
    assert first["judge"] == "llm" and first["judge_stats"]["calls"] >= 1
    assert (col / "judge-cache.sqlite").exists()  # the default cache lives in the collection
    again = run_rag_eval(options, open_collection=Collection).report
    assert again["judge_stats"]["calls"] == 0 and again["judge_stats"]["cached"] >= 1
    assert again["metrics"] == first["metrics"]


# -- MMLU ---------------------------------------------------------------------------------------

HEADER = "question,choice0,choice1,choice2,choice3,answer\n"


@pytest.fixture
def mmlu_dir(tmp_path: Path) -> Path:
    """``toy_math`` (answers B, A) and ``toy_geo`` (answer C), one dev shot each."""
    root = tmp_path / "mmlu"
    for split, subject, rows in (
        ("dev", "toy_math", "1+1?,1,2,3,4,1\n"),
        ("test", "toy_math", "2+2?,3,4,5,6,1\n3+3?,6,7,8,9,0\n"),
        ("dev", "toy_geo", "Capital of France?,Rome,Paris,Oslo,Bern,1\n"),
        ("test", "toy_geo", "Capital of Norway?,Rome,Paris,Oslo,Bern,2\n"),
    ):
        (root / split).mkdir(parents=True, exist_ok=True)
        (root / split / f"{subject}_{split}.csv").write_text(HEADER + rows)
    return root


class AlwaysB:
    """Prefers B for every question; counts two letters outside its top list, as GGUFScorer."""

    name = "always-b"
    missing = 2

    def loglikelihoods(self, prefix: str, context: str, conts: Sequence[str]) -> list[float]:
        return [-1.0, -0.5, -2.0, -math.inf]


def test_mmlu_eval_with_own_scorer(mmlu_dir: Path, tmp_path: Path) -> None:
    page, seen = tmp_path / "m.html", []
    options = MMLUEvalOptions(mmlu_dir, shots=1, html=page, seed=1)
    done = run_mmlu_eval(options, scorer=AlwaysB(), progress=lambda s, i, n: seen.append((s, i)))
    report = done.report
    # B is right for 2+2 only: toy_math 1/2, toy_geo 0/1; micro 1/3, macro (1/2 + 0) / 2
    assert report["per_subject"]["toy_math"]["accuracy"] == pytest.approx(0.5)
    assert report["per_subject"]["toy_geo"]["accuracy"] == 0.0
    assert report["micro"]["accuracy"] == pytest.approx(1 / 3)
    assert report["macro"]["accuracy"] == pytest.approx(0.25)
    assert report["predicted_letters"] == {"A": 0, "B": 3, "C": 0, "D": 0}
    assert report["letters_outside_top_n"] == 2 and report["model"] == "always-b"
    assert report["data"] == str(mmlu_dir) and report["limit"] is None
    assert report["html"] == str(page) and "MMLU 1-shot: always-b" in page.read_text()
    assert seen == [("toy_geo", 1), ("toy_math", 1), ("toy_math", 2)]


def test_mmlu_eval_picks_the_named_scorer_with_its_threads(
    mmlu_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, int, str | None]] = []

    def get_scorer(spec: str, *, n_threads: int = 1, base_url: str | None = None) -> AlwaysB:
        calls.append((spec, n_threads, base_url))
        return AlwaysB()

    monkeypatch.setattr(mmlu_scorers, "get_scorer", get_scorer)
    options = MMLUEvalOptions(mmlu_dir, model="x.gguf", threads=3, subjects=("toy_geo",), limit=1)
    report = run_mmlu_eval(options).report
    assert calls == [("x.gguf", 3, None)]
    assert set(report["per_subject"]) == {"toy_geo"} and report["n"] == 1 and "html" not in report
