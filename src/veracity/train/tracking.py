"""Record a training run: a JSON report next to the output always, and MLflow when asked.

``record_run(report, out, mlflow_uri=...)`` writes ``out/<name>`` (the report as JSON) and, with a
tracking URI (``sqlite:///runs/mlflow.db`` works offline, no server), creates one MLflow run with:

- parameters: ``report["params"]`` (nested keys joined with dots);
- the loss curve, one point per step: ``report["loss_curve"]`` as a list of losses (step = index
  + 1) or of ``(step, loss)`` pairs;
- metrics: every number under ``report["eval"]`` (nested keys joined with dots);
- artifacts: the JSON report and the given files (a folder is logged with its contents).

Trainers build the report; this module only files it, so any trainer (generator, embedder) can use
it with a few lines. The MLflow run id is added to the report as ``mlflow_run_id``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from veracity.evaluate.mlflow_log import MAX_PARAM, start_run

REPORT_NAME = "finetune_report.json"


def flatten(tree: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(dotted.key, leaf)`` for every leaf of nested mappings."""
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from flatten(value, name + ".")
        else:
            yield name, value


def curve_points(curve: Sequence[Any]) -> list[tuple[int, float]]:
    """``(step, value)`` pairs from a list of values (step = index + 1) or of pairs."""
    points: list[tuple[int, float]] = []
    for i, item in enumerate(curve):
        if isinstance(item, (list, tuple)):
            points.append((int(item[0]), float(item[1])))
        else:
            points.append((i + 1, float(item)))
    return points


def write_report(report: Mapping[str, Any], out: Path, name: str = REPORT_NAME) -> Path:
    """Write ``report`` as ``out/name`` atomically; returns the path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(report, indent=1, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def record_run(
    report: dict[str, Any],
    out: Path,
    *,
    mlflow_uri: str | None = None,
    experiment: str = "veracity-finetune",
    run_name: str = "finetune",
    artifacts: Sequence[Path] = (),
    name: str = REPORT_NAME,
) -> dict[str, Any]:
    """Write the JSON report (and log to MLflow when ``mlflow_uri`` is given); returns the report,
    with ``mlflow_run_id`` added when logged."""
    if mlflow_uri:
        path = write_report(report, out, name)
        report["mlflow_run_id"] = log_mlflow(
            mlflow_uri, report, experiment=experiment, run_name=run_name,
            artifacts=[path, *artifacts],
        )  # fmt: skip
    write_report(report, out, name)
    return report


def log_mlflow(
    uri: str,
    report: Mapping[str, Any],
    *,
    experiment: str,
    run_name: str,
    artifacts: Sequence[Path] = (),
) -> str:
    """One MLflow run for ``report`` (see the module doc); returns its id."""
    client, run_id = start_run(uri, experiment, run_name)
    from mlflow.entities import Metric, Param  # importable: start_run imported mlflow

    now = int(time.time() * 1000)
    try:
        params = [Param(k, str(v)[:MAX_PARAM]) for k, v in flatten(report.get("params", {}))]
        metrics = [
            Metric("loss", v, now, step) for step, v in curve_points(report.get("loss_curve", []))
        ]
        metrics += [
            Metric(k.replace("@", "_at_"), float(v), now, 0)
            for k, v in flatten(report.get("eval", {}))
            if isinstance(v, (int, float)) and not isinstance(v, bool)
        ]
        for i in range(0, len(params), 100):  # MLflow's batch limits: 100 params, 1000 metrics
            client.log_batch(run_id, params=params[i : i + 100])
        for i in range(0, len(metrics), 1000):
            client.log_batch(run_id, metrics=metrics[i : i + 1000])
        for path in artifacts:
            if path.is_dir():
                client.log_artifacts(run_id, str(path), artifact_path=path.name)
            elif path.is_file():
                client.log_artifact(run_id, str(path))
    except Exception:
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id, status="FINISHED")
    return run_id
