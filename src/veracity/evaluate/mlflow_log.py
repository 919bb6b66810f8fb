"""Log an evaluation to an MLflow tracking store: parameters, metrics, and the report files.

``log_evaluation("sqlite:///runs/mlflow.db", ...)`` needs ``mlflow`` (the ``eval`` extra) and no
server. For a ``sqlite:`` or ``file:`` store the experiment's artifacts go next to it
(``<folder>/mlartifacts``) rather than into ``./mlruns`` of whatever directory the command ran in.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from veracity.errors import ConfigError, MissingDependency

MAX_PARAM = 500  # MLflow rejects longer parameter values


def _artifact_root(uri: str) -> str | None:
    if uri.startswith("sqlite:///"):
        return (
            Path(uri.removeprefix("sqlite:///")).expanduser().resolve().parent / "mlartifacts"
        ).as_uri()
    if uri.startswith("file:"):
        return None  # file stores keep artifacts inside themselves
    return None


def start_run(uri: str, experiment: str, run_name: str) -> tuple[Any, str]:
    """``(client, run id)`` of a new run in ``experiment`` (made if missing) at tracking ``uri``;
    the caller logs to it and ends it."""
    try:
        from mlflow.tracking import MlflowClient
    except ImportError as exc:
        raise MissingDependency("--mlflow", extra="eval", package="mlflow") from exc
    if "://" not in uri and not uri.startswith("file:"):
        raise ConfigError(
            f"--mlflow {uri!r} is not a tracking URI; use e.g. sqlite:///path/mlflow.db"
        )
    client = MlflowClient(tracking_uri=uri)
    found = client.get_experiment_by_name(experiment)
    exp_id = (
        found.experiment_id
        if found is not None
        else client.create_experiment(experiment, artifact_location=_artifact_root(uri))
    )
    run_id: str = client.create_run(exp_id, run_name=run_name).info.run_id
    return client, run_id


def log_evaluation(
    uri: str,
    *,
    experiment: str,
    run_name: str,
    params: Mapping[str, Any],
    metrics: Mapping[str, float],
    artifacts: Mapping[str, str] | None = None,
) -> str:
    """Create a run in ``experiment`` at tracking ``uri``; returns the run id. ``artifacts`` maps
    file names to their text (the JSON result, the HTML report)."""
    client, rid = start_run(uri, experiment, run_name)
    try:
        for k, v in params.items():
            client.log_param(rid, k, str(v)[:MAX_PARAM])
        for k, v in metrics.items():
            client.log_metric(rid, k.replace("@", "_at_"), float(v))
        with tempfile.TemporaryDirectory() as tmp:
            for name, text in (artifacts or {}).items():
                path = Path(tmp) / name
                path.write_text(text, encoding="utf-8")
                client.log_artifact(rid, str(path))
    except Exception:
        client.set_terminated(rid, status="FAILED")
        raise
    client.set_terminated(rid, status="FINISHED")
    return rid
