"""An MLflow ``pyfunc`` model over a collection's answer engine.

``save_model(collection, path)`` writes an MLflow model folder that ``mlflow.pyfunc.load_model``,
``mlflow models serve`` and the managed endpoints that take MLflow models (SageMaker, Azure ML,
Databricks) can load; ``log_model`` logs the same to the active run. The model answers a table
with a ``question`` column (optional ``style``, ``k``) and returns one row per question:
``answer``, ``abstained``, ``reason``, ``citations``, ``style``, ``warnings``.

What the folder holds:

- a local collection directory is *bundled*: a consistent snapshot of its SQLite store (the
  SQLite backup API, safe while a server writes to it) under the ``collection`` artifact; its
  indexes are derived data and are rebuilt when the model loads;
- a ``postgresql://`` collection is *referenced*: the URI (without a password: give it through
  ``PGPASSWORD`` in the serving environment) goes into the model config;
- a ``.gguf`` generator path is bundled as the ``generator`` artifact; a named one (``smollm2``,
  ``openai:NAME``) is resolved where the model is served;
- the settings live in the MLmodel file's ``model_config``, so a deployment can override them at
  load time: ``mlflow.pyfunc.load_model(uri, model_config={"generator": "openai:gpt-4o-mini",
  "generator_options": {"base_url": "..."}})``.

No pickle is written: the model is saved "from code" (``veracity/deploy/mlflow_entry.py``,
MLflow's recommended form), so the serving environment needs Veracity installed (the model's
``pip_requirements``) and loading a model never unpickles anything.

MLflow is imported only inside these functions; the ``VeracityModel`` class is built on first
access (a module ``__getattr__``), so importing this module needs no MLflow.
"""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from veracity.deploy.service import AnswerService, DeployConfig, labels_of, question_rows
from veracity.errors import ConfigError, MissingDependency

__all__ = ["VeracityModel", "default_requirements", "log_model", "save_model"]  # noqa: F822

COLLECTION_ARTIFACT = "collection"
GENERATOR_ARTIFACT = "generator"
# Overrides the collection location where the model is served (a URI that differs per
# environment, say); it wins over the bundled snapshot and the saved URI.
COLLECTION_ENV = "VERACITY_COLLECTION"
_OUTPUT_COLUMNS = ("question", "answer", "abstained", "reason", "citations", "style", "warnings")


def __getattr__(name: str) -> Any:
    if name == "VeracityModel":
        return _model_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _mlflow() -> Any:
    try:
        import mlflow
        import mlflow.pyfunc
    except ImportError as exc:
        raise MissingDependency("the MLflow model", "deploy", "'mlflow>=2.14'") from exc
    return mlflow


@functools.cache
def _model_class() -> type:
    """``VeracityModel``, an ``mlflow.pyfunc.PythonModel``; built once, on first access."""
    mlflow = _mlflow()

    class VeracityModel(mlflow.pyfunc.PythonModel):  # type: ignore[misc, name-defined]
        """Answers questions from one collection with citations, or abstains."""

        def load_context(self, context: Any) -> None:
            config = dict(context.model_config or {})
            artifacts = dict(context.artifacts or {})
            if os.environ.get(COLLECTION_ENV):
                config["collection"] = os.environ[COLLECTION_ENV]
            elif COLLECTION_ARTIFACT in artifacts:
                config["collection"] = str(_working_copy(Path(artifacts[COLLECTION_ARTIFACT])))
            if GENERATOR_ARTIFACT in artifacts:
                config["generator"] = artifacts[GENERATOR_ARTIFACT]
            self.service = AnswerService(DeployConfig.from_dict(config))
            # Open the store and build the indexes now, so the first request does not pay it
            # and a broken deployment fails at load rather than on a user's question.
            self.service.collection().indexes()

        # No annotations: MLflow reads predict's type hints as an input schema, and the
        # signature saved with the model already says what a request holds.
        def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
            import pandas as pd

            rows = question_rows(model_input)
            defaults = dict(params or {})
            for row in rows:
                row["style"] = row["style"] or defaults.get("style")
                row["k"] = row["k"] if row["k"] is not None else defaults.get("k")
            return pd.DataFrame(self.service.ask_rows(rows), columns=list(_OUTPUT_COLUMNS))

    VeracityModel.__module__ = __name__
    VeracityModel.__qualname__ = "VeracityModel"
    return VeracityModel


def default_requirements() -> list[str]:
    """What the serving environment installs: Veracity with the extras the default engine needs
    (ONNX MiniLM, the trained reader, GGUF generation) and MLflow. Veracity is not on PyPI:
    where it is installed from a wheel or a private index, pass your own list."""
    from veracity import __version__

    return [f"veracity[onnx,gguf]=={__version__}", "mlflow>=2.14", "pandas"]


def save_model(
    collection: str | os.PathLike[str],
    path: str | os.PathLike[str],
    *,
    generator: str = "smollm2",
    generator_options: Mapping[str, Any] | None = None,
    labels: Sequence[str] | str | None = None,
    style: str = "auto",
    k: int = 4,
    pip_requirements: Sequence[str] | None = None,
    **mlflow_kwargs: Any,
) -> Path:
    """Write an MLflow pyfunc model for ``collection`` (a directory or a ``postgresql://`` URI)
    to the new folder ``path``; returns it. ``labels``: the labelled documents the model may read
    (None: all). Other keyword arguments go to ``mlflow.pyfunc.save_model``."""
    mlflow = _mlflow()
    out = Path(path)
    if out.exists():
        raise ConfigError(f"{out} already exists; MLflow writes a model into a new folder")
    with tempfile.TemporaryDirectory(prefix="veracity-mlflow-") as tmp:
        kwargs = _model_kwargs(
            str(collection), Path(tmp), generator, generator_options, labels, style, k,
            pip_requirements,
        )  # fmt: skip
        mlflow.pyfunc.save_model(path=str(out), **kwargs, **mlflow_kwargs)
    return out


def log_model(
    collection: str | os.PathLike[str],
    name: str = "veracity",
    *,
    generator: str = "smollm2",
    generator_options: Mapping[str, Any] | None = None,
    labels: Sequence[str] | str | None = None,
    style: str = "auto",
    k: int = 4,
    pip_requirements: Sequence[str] | None = None,
    **mlflow_kwargs: Any,
) -> Any:
    """``save_model`` into the active MLflow run (started if none) under ``name``; returns
    MLflow's ``ModelInfo`` (its ``model_uri`` loads the model). ``registered_model_name=...``
    also registers it."""
    mlflow = _mlflow()
    with tempfile.TemporaryDirectory(prefix="veracity-mlflow-") as tmp:
        kwargs = _model_kwargs(
            str(collection), Path(tmp), generator, generator_options, labels, style, k,
            pip_requirements,
        )  # fmt: skip
        return mlflow.pyfunc.log_model(name=name, **kwargs, **mlflow_kwargs)


def _model_kwargs(
    collection: str,
    tmp: Path,
    generator: str,
    generator_options: Mapping[str, Any] | None,
    labels: Sequence[str] | str | None,
    style: str,
    k: int,
    pip_requirements: Sequence[str] | None,
) -> dict[str, Any]:
    from veracity.store.location import is_postgres_uri

    artifacts: dict[str, str] = {}
    if is_postgres_uri(collection):
        _refuse_password(collection)
        location = collection
    else:
        artifacts[COLLECTION_ARTIFACT] = str(snapshot_collection(collection, tmp / "collection"))
        location = COLLECTION_ARTIFACT  # replaced by the artifact's path when the model loads
    if generator.lower().endswith(".gguf"):
        if not Path(generator).expanduser().is_file():
            raise ConfigError(f"generator file {generator} does not exist; check the path")
        artifacts[GENERATOR_ARTIFACT] = str(Path(generator).expanduser().resolve())
    config = DeployConfig(
        collection=location, generator=generator, generator_options=dict(generator_options or {}),
        labels=labels_of(labels), style=style, k=k,
    )  # fmt: skip
    return {
        "python_model": str(Path(__file__).with_name("mlflow_entry.py")),
        "artifacts": artifacts,
        "model_config": config.to_dict(),
        "signature": _signature(config),
        "pip_requirements": list(pip_requirements or default_requirements()),
    }


def snapshot_collection(directory: str | os.PathLike[str], out: Path) -> Path:
    """A consistent copy of a collection's SQLite store in the new folder ``out`` (the backup
    API copies a committed state even while another process writes). Indexes are left out:
    they are derived, and rebuilt from the store on first use."""
    from veracity.store.sqlite import DB_NAME

    source = Path(directory).expanduser() / DB_NAME
    if not source.is_file():
        raise ConfigError(
            f"no collection at {directory} (no {DB_NAME} there); give a collection directory "
            "(`veracity ingest PATH --collection DIR` makes one) or a postgresql:// URI"
        )
    out.mkdir(parents=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(out / DB_NAME)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return out


def _working_copy(snapshot: Path) -> Path:
    """A private, writable copy of the bundled store: the model folder may be read-only (a
    managed endpoint) or a registry's copy that must not change, while a collection writes its
    derived indexes, answer cache and chats next to its store."""
    from veracity.store.sqlite import DB_NAME

    work = Path(tempfile.mkdtemp(prefix="veracity-model-"))
    shutil.copy2(snapshot / DB_NAME, work / DB_NAME)
    return work


def _refuse_password(uri: str) -> None:
    from urllib.parse import parse_qsl, urlsplit

    parts = urlsplit(uri)
    if parts.password or any(k.lower() == "password" for k, _ in parse_qsl(parts.query)):
        raise ConfigError(
            "the collection URI holds a password, and the model config is written in clear into "
            "the model's files; drop it from the URI and give it where the model is served "
            "(PGPASSWORD, or a ~/.pgpass file)"
        )


def _signature(config: DeployConfig) -> Any:
    from mlflow.models import ModelSignature
    from mlflow.types.schema import ColSpec, ParamSchema, ParamSpec, Schema

    inputs = Schema(
        [
            ColSpec("string", "question"),
            ColSpec("string", "style", required=False),
            ColSpec("long", "k", required=False),
        ]
    )
    # MLflow fills every parameter a request leaves out with its default: the saved ones.
    params = ParamSchema(
        [ParamSpec("style", "string", config.style), ParamSpec("k", "long", config.k)]
    )
    return ModelSignature(inputs=inputs, params=params)
