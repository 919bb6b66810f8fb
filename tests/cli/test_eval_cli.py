"""``veracity eval beir`` and ``veracity tune``, run in-process."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from veracity.cli.main import main

CORPUS = [
    ("d1", "Aspirin", "Aspirin reduces fever and relieves mild pain in adults. It was first sold "
     "by Bayer late in the nineteenth century. Doctors give a low dose of it to prevent heart "
     "attacks in patients at risk."),
    ("d2", "Penguins", "Penguins are flightless birds of the southern hemisphere. Emperor "
     "penguins breed on the sea ice of Antarctica during the long winter. They dive deep into "
     "cold water to catch fish, squid and krill."),
    ("d3", "", "The Eiffel Tower was built in Paris for the world fair of 1889. Gustave "
     "Eiffel's company designed and built the wrought iron lattice tower. Millions of visitors "
     "climb it every year to look over the city."),
]  # fmt: skip
QUERIES = {"q1": "aspirin fever", "q2": "emperor penguins antarctica", "q3": "eiffel tower paris"}
QRELS = "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\nq3\td2\t1\n"  # q3: a known miss


def write_beir(root: Path, *, gz: bool = False, qrels: str = QRELS) -> Path:
    """A three-document BEIR folder."""
    (root / "qrels").mkdir(parents=True)
    rows = "".join(json.dumps({"_id": i, "title": t, "text": x}) + "\n" for i, t, x in CORPUS)
    if gz:
        (root / "corpus.jsonl.gz").write_bytes(gzip.compress(rows.encode()))
    else:
        (root / "corpus.jsonl").write_text(rows)
    queries = "".join(json.dumps({"_id": q, "text": t}) + "\n" for q, t in QUERIES.items())
    (root / "queries.jsonl").write_text(queries)
    (root / "qrels" / "test.tsv").write_text(qrels)
    return root


METRIC_KEYS = {"ndcg@10", "recall@100", "mrr@10", "latency_ms_p50", "latency_ms_p95", "queries"}


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, object]:
    code = main(argv)
    out = capsys.readouterr().out
    assert code == 0, out
    parsed: dict[str, object] = json.loads(out)
    return parsed


def test_eval_beir_json_scratch_collection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_beir(tmp_path / "b", gz=True)
    out = _json(
        capsys, ["eval", "beir", str(root), "--mode", "bm25", "--embedder", "hash", "--json"]
    )
    assert set(out) >= METRIC_KEYS
    assert out["queries"] == 3 and out["mode"] == "bm25"
    assert out["ndcg@10"] == pytest.approx(2 / 3)


def test_eval_beir_reuses_a_collection_and_tunes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, col = write_beir(tmp_path / "b"), tmp_path / "col"
    argv = ["eval", "beir", str(root), "--collection", str(col), "--embedder", "hash", "--json"]
    first = _json(capsys, argv)
    assert first["fusion"] == "rrf" and (col / "veracity.db").exists()
    tuned = _json(capsys, [*argv, "--tune", "--n-synthetic", "10"])
    assert "synthetic" in tuned["tuned"]["reason"]  # type: ignore[index]
    assert tuned["fusion"] == tuned["tuned"]["fusion"]  # type: ignore[index]


def test_eval_beir_text_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_beir(tmp_path / "b")
    assert main(["eval", "beir", str(root), "--mode", "bm25", "--embedder", "hash"]) == 0
    out = capsys.readouterr().out
    for label in ("nDCG@10", "Recall@100", "MRR@10", "p50", "p95"):
        assert label in out


def test_eval_beir_refuses_tuning_on_the_scored_split(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_beir(tmp_path / "b")
    assert main(["eval", "beir", str(root), "--tune", "--tune-split", "test"]) == 2
    assert "leaks the test labels" in capsys.readouterr().err


def test_eval_beir_malformed_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_beir(tmp_path / "b", qrels="bad header\n")
    assert main(["eval", "beir", str(root), "--embedder", "hash"]) == 2
    assert "qrels header must be" in capsys.readouterr().err


def test_tune_json_persists(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, col = write_beir(tmp_path / "b"), tmp_path / "col"
    _json(capsys, ["eval", "beir", str(root), "-c", str(col), "--embedder", "hash", "--json",
                   "--mode", "bm25"])  # fmt: skip
    out = _json(capsys, ["tune", "--collection", str(col), "--n-synthetic", "10", "--json"])
    assert {"fusion", "alpha", "rrf_k", "reason", "ndcg@10", "top", "saved"} <= set(out)
    assert out["saved"] is True
    assert main(["tune", "--collection", str(col), "--qrels", str(root)]) == 0
    text = capsys.readouterr().out
    assert "chosen: fusion" in text and "labelled queries" in text


def test_tune_missing_collection(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tune", "--collection", str(tmp_path / "none")]) != 0
    assert "no collection" in capsys.readouterr().err
