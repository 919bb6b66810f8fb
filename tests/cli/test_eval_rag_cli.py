"""``veracity eval rag`` and ``eval beir --html`` in-process, with the scripted generator."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from veracity.cli.main import main
from veracity.guard import grounding
from veracity.guard.grounding import LexicalJudge

SQUAD = {
    "data": [
        {
            "title": "Offices",
            "paragraphs": [
                {
                    "context": "The Lisbon office is at Rua Augusta 10. It opened in 2019.",
                    "qas": [
                        {"id": "a", "question": "Where is the Lisbon office?",
                         "answers": [{"text": "Rua Augusta 10", "answer_start": 24}]},
                        {"id": "b", "question": "When did the Lisbon office open?",
                         "answers": [{"text": "2019", "answer_start": 53}]},
                    ],
                },
                {
                    "context": "Employees get 25 vacation days per year.",
                    "qas": [{"id": "c", "question": "How many vacation days?",
                             "answers": [{"text": "25", "answer_start": 14}]}],
                },
            ],
        }
    ]
}  # fmt: skip


def write_beir(root: Path) -> Path:
    (root / "qrels").mkdir(parents=True)
    docs = [("d1", "Aspirin reduces fever and pain."), ("d2", "Penguins live in Antarctica.")]
    (root / "corpus.jsonl").write_text(
        "".join(json.dumps({"_id": i, "title": "", "text": t}) + "\n" for i, t in docs)
    )
    (root / "queries.jsonl").write_text(
        json.dumps({"_id": "q1", "text": "aspirin fever"})
        + "\n"
        + json.dumps({"_id": "q2", "text": "penguins"})
        + "\n"
    )
    (root / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n")
    return root


KEYS = {"dataset", "judge", "params", "n", "metrics", "abstention", "latency_ms", "questions"}


@pytest.fixture(autouse=True)
def _lexical_support(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine's support judge without the trained weights file (fast, deterministic)."""
    monkeypatch.setattr(grounding, "best_judge", lambda embedder=None: LexicalJudge())


def test_eval_rag_squad_json_and_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "squad.json"
    data.write_text(json.dumps(SQUAD))
    report = tmp_path / "r.html"
    argv = ["eval", "rag", str(data), "--model", "fake", "--embedder", "hash", "--json",
            "--html", str(report), "--limit", "2"]  # fmt: skip
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= KEYS and out["n"] == 2 and out["judge"] == "offline"
    assert {"context_relevance", "abstention_rate"} <= set(out["metrics"])
    q = out["questions"][0]
    assert {"answer", "abstained", "contexts", "sentences", "exact_match", "f1"} <= set(q)
    page = report.read_text()
    assert "<table>" in page
    if importlib.util.find_spec("matplotlib") is not None:
        assert "<svg" in page  # score distributions and means with CIs
    else:
        assert "pip install 'veracity[eval]'" in page


def test_eval_rag_text_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "squad.json"
    data.write_text(json.dumps(SQUAD))
    assert main(["eval", "rag", str(data), "--model", "fake", "--embedder", "hash"]) == 0
    out = capsys.readouterr().out
    assert "abstention_rate" in out and "questions, judge offline" in out


def test_eval_rag_seeded_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "squad.json"
    data.write_text(json.dumps(SQUAD))
    argv = ["eval", "rag", str(data), "--model", "fake", "--embedder", "hash", "--json",
            "--limit", "2", "--sample", "--seed", "3"]  # fmt: skip
    assert main(argv) == 0
    first = [q["id"] for q in json.loads(capsys.readouterr().out)["questions"]]
    assert main(argv) == 0
    assert [q["id"] for q in json.loads(capsys.readouterr().out)["questions"]] == first
    assert len(first) == 2 and set(first) <= {"a", "b", "c"}


def test_eval_rag_jsonl_needs_a_collection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "q.jsonl"
    data.write_text('{"question": "Where?"}\n')
    assert main(["eval", "rag", str(data), "--model", "fake"]) == 2
    assert "--collection" in capsys.readouterr().err


def test_eval_rag_bad_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "q.jsonl"
    data.write_text('{"question": "Where?"}\n')
    assert main(["eval", "rag", str(data), "--limit", "0"]) == 2


def test_eval_beir_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_beir(tmp_path / "beir")
    report = tmp_path / "b.html"
    argv = ["eval", "beir", str(root), "--embedder", "hash", "--json", "--html", str(report)]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"ndcg@10", "recall@100", "mrr@10", "queries"} <= set(out)  # the colleague's keys
    assert set(out["metrics"]["ndcg@10"]) == {"mean", "ci95", "n"}
    assert out["metrics"]["ndcg@10"]["mean"] == pytest.approx(out["ndcg@10"])
    page = report.read_text()
    assert "<table>" in page and ("<svg" in page or "matplotlib" in page)


def test_eval_rag_llm_judge_with_cache(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "squad.json"
    data.write_text(json.dumps(SQUAD))
    cache = tmp_path / "judge.sqlite"
    argv = ["eval", "rag", str(data), "--model", "fake", "--embedder", "hash", "--json",
            "--judge", "llm", "--judge-cache", str(cache), "--limit", "1"]  # fmt: skip
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["judge"] == "llm" and out["judge_stats"]["calls"] >= 1 and cache.exists()
    assert main(argv) == 0  # the second run is served from the judge cache
    again = json.loads(capsys.readouterr().out)
    assert again["judge_stats"]["calls"] == 0 and again["judge_stats"]["cached"] >= 1
    assert again["metrics"] == out["metrics"]


@pytest.mark.slow
def test_eval_rag_logs_to_mlflow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mlflow = pytest.importorskip("mlflow")
    data = tmp_path / "squad.json"
    data.write_text(json.dumps(SQUAD))
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    argv = ["eval", "rag", str(data), "--model", "fake", "--embedder", "hash", "--json",
            "--mlflow", uri]  # fmt: skip
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    run = mlflow.tracking.MlflowClient(tracking_uri=uri).get_run(out["mlflow_run_id"])
    assert run.data.params["model"] == "fake" and "abstention_rate" in run.data.metrics
    assert run.data.metrics["abstention_rate"] == pytest.approx(
        out["metrics"]["abstention_rate"]["mean"]
    )
