"""One answer-quality evaluation as ``veracity eval rag`` runs it: load a question set, pick the
questions (first N or a seeded sample), ingest its passages, build the answer engine and the judge,
score every answer (``rag.evaluate_rag``), and publish (an HTML report, an MLflow run).

``run_rag_eval(RagEvalOptions("squad.json", model="fake", embedder="hash"),
open_collection=veracity.Collection)`` returns a ``RagEvalResult`` whose ``report`` is the ``--json``
output. The collection comes from ``open_collection`` (``veracity.Collection`` or anything shaped
like it) because the Python API sits above ``evaluate`` in the layer map.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from veracity.embed.base import Embedder
from veracity.errors import ConfigError
from veracity.evaluate.datasets import EvalItem, EvalSet, load_dataset
from veracity.evaluate.judges import JudgeCache, LLMJudge, OfflineJudge, TriadJudge
from veracity.evaluate.rag import RagEvaluation, check_limit, evaluate_rag
from veracity.evaluate.triad import QuestionScore
from veracity.generate.base import Generator, get_generator
from veracity.ingest.report import IngestReport
from veracity.rag.engine import MODES, AnswerEngine, AskOptions
from veracity.records import Decoding, Document

__all__ = [
    "JUDGES",
    "AnsweringCollection",
    "OpenAnsweringCollection",
    "RagEvalOptions",
    "RagEvalResult",
    "generator_options",
    "pick_items",
    "run_rag_eval",
]

JUDGES = ("offline", "llm")


class AnsweringCollection(Protocol):
    """What ``run_rag_eval`` needs of ``veracity.Collection``."""

    path: Path

    @property
    def embedder_name(self) -> str | None: ...
    def embedder(self) -> Embedder: ...
    def add(self, items: list[Document]) -> IngestReport: ...
    def answer_engine(self, generator: str | Generator = "smollm2") -> AnswerEngine: ...
    def close(self) -> None: ...


class OpenAnsweringCollection(Protocol):
    """``veracity.Collection`` itself: ``(path, embedder=, create=)`` -> a collection."""

    def __call__(
        self, path: str | Path, *, embedder: str | None, create: bool
    ) -> AnsweringCollection: ...


@dataclass(frozen=True, slots=True)
class RagEvalOptions:
    """``dataset``: SQuAD .json[.gz], a BEIR folder with answers, or .jsonl (questions only: give
    ``collection``). ``collection``: answer from it (dataset passages are ingested into it);
    None: a scratch collection. ``judge``: ``offline`` (embedding and lexical scores) or ``llm``
    (``judge_model``, default ``model``, with an on-disk cache, default
    ``<collection>/judge-cache.sqlite``). ``limit``: the first N questions, or with ``sample`` a
    random N seeded by ``seed`` (which also seeds decoding and the bootstrap)."""

    dataset: str | Path
    collection: str | Path | None = None
    embedder: str | None = None  # for a new collection; None: minilm-onnx
    model: str = "smollm2"  # answer generator: smollm2, a .gguf, fake, openai:NAME, hf:DIR
    threads: int | None = None  # generator threads; None or 0: $VERACITY_THREADS, else 1
    mode: str = "sequence"
    max_tokens: int = 160
    judge: str = "offline"
    judge_model: str | None = None
    judge_cache: str | Path | None = None
    limit: int | None = None
    sample: bool = False
    seed: int = 0
    html: str | Path | None = None  # write the HTML report here
    mlflow: str | None = None  # tracking URI, e.g. sqlite:///runs/mlflow.db
    experiment: str = "veracity-eval"

    def __post_init__(self) -> None:
        check_limit(self.limit)
        if self.max_tokens < 1:
            raise ConfigError(f"--max-tokens must be >= 1, got {self.max_tokens}")
        if self.judge not in JUDGES:
            raise ConfigError(f"--judge must be one of {', '.join(JUDGES)}, got {self.judge!r}")
        if self.mode not in MODES:
            raise ConfigError(f"--mode must be one of {', '.join(MODES)}, got {self.mode!r}")


@dataclass(frozen=True, slots=True)
class RagEvalResult:
    """``report``: the ``--json`` output (``evaluation.to_dict()``, plus ``mlflow_run_id`` when
    logged)."""

    evaluation: RagEvaluation
    report: dict[str, Any]


def generator_options(name: str, threads: int | None) -> dict[str, Any]:
    """Constructor options for generator ``name``: a local model gets ``n_threads`` (``threads``,
    else ``$VERACITY_THREADS``, else 1: one thread is the safe default on shared machines);
    fakes and remote or transformers models take none."""
    if name in ("fake", "scripted") or name.startswith(("openai:", "hf:")):
        return {}
    return {"n_threads": threads or int(os.environ.get("VERACITY_THREADS", "1"))}


def pick_items(items: Sequence[EvalItem], limit: int | None, *, sample: bool = False,
               seed: int = 0) -> list[EvalItem]:  # fmt: skip
    """All ``items``; with ``limit`` the first ``limit``, or with ``sample`` a random ``limit``
    of them seeded by ``seed``."""
    chosen = list(items)
    if limit and sample:
        return random.Random(seed).sample(chosen, min(limit, len(chosen)))
    return chosen[:limit] if limit else chosen


@contextlib.contextmanager
def _collection(
    options: RagEvalOptions, data: EvalSet, open_collection: OpenAnsweringCollection
) -> Iterator[AnsweringCollection]:
    with contextlib.ExitStack() as stack:
        path = options.collection
        if path is None:
            if not data.documents:
                raise ConfigError(
                    f"{os.fspath(options.dataset)} holds questions only; give --collection DIR "
                    "with the documents to answer from"
                )
            path = stack.enter_context(tempfile.TemporaryDirectory(prefix="veracity-rag-"))
        col = open_collection(path, embedder=options.embedder, create=bool(data.documents))
        stack.callback(col.close)
        if data.documents:
            col.add(list(data.documents))
        yield col


def _judge(options: RagEvalOptions, col: AnsweringCollection, answer_gen: Generator) -> TriadJudge:
    offline = OfflineJudge(col.embedder())
    if options.judge == "offline":
        return offline
    name = options.judge_model or options.model
    gen = (
        answer_gen
        if name == options.model
        else get_generator(name, **generator_options(name, options.threads))
    )
    cache = JudgeCache(options.judge_cache or Path(col.path) / "judge-cache.sqlite")
    return LLMJudge(gen, fallback=offline, cache=cache, seed=options.seed)


def run_rag_eval(
    options: RagEvalOptions,
    *,
    open_collection: OpenAnsweringCollection,
    on_question: Callable[[int, int, QuestionScore], None] | None = None,
) -> RagEvalResult:
    """Load, ingest, answer, score and publish; ``on_question(i, n, score)`` after each of the
    ``n`` questions (``i`` from 1)."""
    data = load_dataset(options.dataset)
    items = pick_items(data.items, options.limit, sample=options.sample, seed=options.seed)

    def progress(i: int, q: QuestionScore) -> None:
        if on_question is not None:
            on_question(i, len(items), q)

    with _collection(options, data, open_collection) as col:
        gen = get_generator(options.model, **generator_options(options.model, options.threads))
        engine = col.answer_engine(gen)
        decoding = Decoding(max_tokens=options.max_tokens, seed=options.seed)
        engine.options = AskOptions(
            mode=options.mode, relevance_floor=engine.options.relevance_floor, decoding=decoding
        )
        judge = _judge(options, col, gen)
        params = {"model": options.model, "embedder": col.embedder_name, "judge": options.judge,
                  "limit": options.limit, "seed": options.seed, "dataset_kind": data.kind}  # fmt: skip
        result = evaluate_rag(
            engine, items, judge, dataset=os.fspath(options.dataset), params=params,
            seed=options.seed, on_question=progress,
        )  # fmt: skip
    return RagEvalResult(result, _publish(options, result))


def _publish(options: RagEvalOptions, result: RagEvaluation) -> dict[str, Any]:
    """``result.to_dict()``; with ``html`` the report written, with ``mlflow`` the run logged."""
    out = result.to_dict()
    page = None
    if options.html or options.mlflow:
        from veracity.evaluate.report import rag_html

        page = rag_html(out)
    if options.html:
        Path(options.html).write_text(page or "", encoding="utf-8")
    if options.mlflow:
        from veracity.evaluate.mlflow_log import log_evaluation

        dataset = os.fspath(options.dataset)
        out["mlflow_run_id"] = log_evaluation(
            options.mlflow, experiment=options.experiment, run_name=f"rag:{Path(dataset).name}",
            params=result.params | {"dataset": dataset, "n": len(result.questions)},
            metrics=result.flat_metrics(),
            artifacts={"rag_eval.json": json.dumps(out, indent=1), "report.html": page or ""},
        )  # fmt: skip
    return out
