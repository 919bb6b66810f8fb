"""One retrieval evaluation as ``veracity eval beir`` runs it: ingest a BEIR folder, tune fusion
if asked, score, and publish (bootstrap CIs always; an HTML report and an MLflow run when asked).

``run_beir_eval(BeirEvalOptions("data/scifact", embedder="hash"), open_collection=veracity.Collection)``
returns a ``BeirEvalResult`` whose ``report`` is the ``--json`` output. The collection comes from
``open_collection`` (``veracity.Collection`` or anything shaped like it) because the Python API sits
above ``evaluate`` in the layer map; a scratch one lives in a temporary directory, deleted after.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from veracity.errors import ConfigError
from veracity.evaluate.beir import BeirResult, Qrels, ingest_beir, load_beir, run_beir, uri_qrels
from veracity.evaluate.beir import Collection as BeirCollection
from veracity.ingest.report import IngestReport
from veracity.retrieve.search import SearchOptions
from veracity.retrieve.tuning.grid import TuneResult
from veracity.retrieve.tuning.tune import describe, options_of

__all__ = [
    "BeirEvalOptions",
    "BeirEvalResult",
    "OpenTunableCollection",
    "TunableCollection",
    "run_beir_eval",
    "tune_summary",
]


class TunableCollection(BeirCollection, Protocol):
    """What ``run_beir_eval`` needs of ``veracity.Collection``."""

    def default_options(
        self, mode: str = "hybrid", *, alpha: float | None = None, fusion: str | None = None
    ) -> SearchOptions: ...
    def tune(
        self, qrels: Qrels | None = None, queries: dict[str, str] | None = None, *,
        n_synthetic: int = 200,
    ) -> TuneResult: ...  # fmt: skip
    def close(self) -> None: ...


class OpenTunableCollection(Protocol):
    """``veracity.Collection`` itself: ``(path, embedder=, create=)`` -> a collection."""

    def __call__(
        self, path: str | Path, *, embedder: str | None, create: bool
    ) -> TunableCollection: ...


@dataclass(frozen=True, slots=True)
class BeirEvalOptions:
    """``dataset``: a BEIR folder (corpus.jsonl[.gz], queries.jsonl, qrels/). ``collection``: ingest
    into (and reuse) this one; None: a scratch collection. ``tune``: choose fusion and alpha first,
    on synthetic queries or on ``tune_split``'s labels (never on ``split``'s)."""

    dataset: str | Path
    split: str = "test"
    mode: str = "hybrid"
    alpha: float | None = None  # 0 = BM25 only, 1 = dense only; None: tuned, else the default
    fusion: str | None = None  # None: tuned, else rrf
    collection: str | Path | None = None
    embedder: str | None = None  # for a new collection; None: minilm-onnx
    limit_queries: int | None = None
    tune: bool = False
    tune_split: str | None = None
    n_synthetic: int = 200
    html: str | Path | None = None  # write the HTML report here
    mlflow: str | None = None  # tracking URI, e.g. sqlite:///runs/mlflow.db
    experiment: str = "veracity-eval"

    def __post_init__(self) -> None:
        if self.tune_split is not None and not self.tune:
            raise ConfigError("--tune-split needs --tune")
        if self.tune_split is not None and self.tune_split == self.split:
            raise ConfigError(
                f"--tune-split {self.tune_split} is the split being scored; tuning on it leaks the "
                "test labels. Give another split (dev, train), or --tune alone for synthetic queries"
            )
        if self.tune and (self.fusion is not None or self.alpha is not None):
            raise ConfigError("--tune chooses --fusion and --alpha; give either --tune or them")
        if self.n_synthetic < 1:
            raise ConfigError(f"--n-synthetic must be >= 1, got {self.n_synthetic}")


@dataclass(frozen=True, slots=True)
class BeirEvalResult:
    """``report``: the ``--json`` output (``result.to_dict()``, dataset, split, bootstrap CIs under
    ``metrics``, ``tuned`` when tuned, ``mlflow_run_id`` when logged)."""

    result: BeirResult
    tuned: TuneResult | None
    report: dict[str, Any]


def tune_summary(result: TuneResult) -> dict[str, Any]:
    """A tuning result as JSON: the choice, its fusion/alpha/rrf_k, why, and the best candidates."""
    meta = options_of(result)
    return {
        "choice": f"{result.method}({', '.join(f'{k}={v}' for k, v in result.params.items())})",
        "method": result.method, "params": dict(result.params), "fusion": meta["fusion"],
        "alpha": float(meta["alpha"]), "rrf_k": float(meta["rrf_k"]), "ndcg@10": result.ndcg,
        "reason": result.reason,
        "top": [{"setting": label, "ndcg@10": s} for label, s in describe(result)],
    }  # fmt: skip


@contextlib.contextmanager
def _collection(
    open_collection: OpenTunableCollection, path: str | Path | None, embedder: str | None
) -> Iterator[TunableCollection]:
    """The given collection, or a scratch one in a temporary directory removed afterwards."""
    with contextlib.ExitStack() as stack:
        if path is None:
            path = stack.enter_context(tempfile.TemporaryDirectory(prefix="veracity-beir-"))
        col = open_collection(path, embedder=embedder, create=True)
        stack.callback(col.close)
        yield col


def run_beir_eval(
    options: BeirEvalOptions,
    *,
    open_collection: OpenTunableCollection,
    on_ingest: Callable[[int, IngestReport], None] | None = None,
) -> BeirEvalResult:
    """Ingest, (tune,) score ``options.split`` and publish; ``on_ingest(rows seen, report)`` after
    each ingested batch."""
    beir = load_beir(options.dataset, options.split)
    tune_set = load_beir(options.dataset, options.tune_split) if options.tune_split else None
    with _collection(open_collection, options.collection, options.embedder) as col:
        ingest_beir(col, beir.corpus(), on_batch=on_ingest)
        tuned: TuneResult | None = None
        if options.tune:
            if tune_set is not None:
                tuned = col.tune(uri_qrels(tune_set.qrels), tune_set.queries)
            else:
                tuned = col.tune(n_synthetic=options.n_synthetic)
        search = col.default_options(options.mode, alpha=options.alpha, fusion=options.fusion)
        result = run_beir(
            col, beir.queries, beir.qrels, search, limit_queries=options.limit_queries
        )
    out = result.to_dict() | {"dataset": os.fspath(options.dataset), "split": options.split}
    if tuned is not None:
        out["tuned"] = tune_summary(tuned)
    out |= _publish(options, out, result, beir.qrels)
    return BeirEvalResult(result, tuned, out)


def _publish(
    options: BeirEvalOptions, out: dict[str, Any], result: BeirResult, qrels: Qrels
) -> dict[str, Any]:
    """Bootstrap CIs (``metrics``, as ``eval rag`` writes them), and with ``html`` / ``mlflow``
    the report and the MLflow run."""
    from veracity.evaluate.report import beir_html, beir_per_query

    per_query, cis = beir_per_query(qrels, result.run)
    extra: dict[str, Any] = {"metrics": cis}
    if not (options.html or options.mlflow):
        return extra
    page = beir_html(out | extra, per_query)
    if options.html:
        Path(options.html).write_text(page, encoding="utf-8")
    if options.mlflow:
        from veracity.evaluate.mlflow_log import log_evaluation

        flat = {k: float(v) for k, v in out.items() if isinstance(v, int | float)}
        flat |= {f"{k}_ci_{s}": v["ci95"][i] for k, v in cis.items() for i, s in enumerate("lh")}
        params = {k: v for k, v in out.items() if isinstance(v, str) or k in ("mode", "alpha")}
        extra["mlflow_run_id"] = log_evaluation(
            options.mlflow, experiment=options.experiment,
            run_name=f"beir:{Path(options.dataset).name}", params=params, metrics=flat,
            artifacts={"beir_eval.json": json.dumps(out | extra, indent=1), "report.html": page},
        )  # fmt: skip
    return extra
