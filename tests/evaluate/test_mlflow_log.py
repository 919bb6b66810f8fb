"""Logging an evaluation to a real MLflow tracking store (SQLite), read back with MlflowClient."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from veracity.errors import ConfigError
from veracity.evaluate.mlflow_log import log_evaluation

pytestmark = pytest.mark.slow  # importing mlflow and migrating a new SQLite store takes seconds


def test_log_evaluation_round_trip(tmp_path: Path) -> None:
    mlflow = pytest.importorskip("mlflow")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    run_id = log_evaluation(
        uri,
        experiment="veracity-test",
        run_name="rag:tiny",
        params={"model": "fake", "judge": "offline", "long": "x" * 900},
        metrics={"f1": 0.5, "f1_ci_lo": 0.25, "ndcg@10": 0.7},
        artifacts={"rag_eval.json": json.dumps({"n": 2}), "report.html": "<html></html>"},
    )
    client = mlflow.tracking.MlflowClient(tracking_uri=uri)
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED" and run.info.run_name == "rag:tiny"
    assert run.data.params["model"] == "fake" and len(run.data.params["long"]) == 500
    assert run.data.metrics == {"f1": 0.5, "f1_ci_lo": 0.25, "ndcg_at_10": 0.7}
    names = sorted(a.path for a in client.list_artifacts(run_id))
    assert names == ["rag_eval.json", "report.html"]
    local = client.download_artifacts(run_id, "rag_eval.json", str(tmp_path))
    assert json.loads(Path(local).read_text()) == {"n": 2}
    assert (tmp_path / "mlartifacts").is_dir()  # next to the store, not ./mlruns
    second = log_evaluation(uri, experiment="veracity-test", run_name="again", params={},
                            metrics={"f1": 0.6})  # fmt: skip
    exp = client.get_experiment_by_name("veracity-test")
    assert exp is not None
    assert len(client.search_runs([exp.experiment_id])) == 2 and second != run_id


def test_bad_uri_is_a_config_error() -> None:
    pytest.importorskip("mlflow")
    with pytest.raises(ConfigError, match="sqlite:///"):
        log_evaluation("just-a-path", experiment="e", run_name="r", params={}, metrics={})
