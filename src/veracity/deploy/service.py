"""The plain core every deployment face wraps: one collection, its answer engine, ask and search.

``AnswerService`` opens the collection and builds the engine once, on first use, under a lock
(a model server calls it from several threads). Its inputs and outputs are plain JSON-able dicts,
so the MLflow model, the BentoML service and a test all see the same behaviour.

Access control: a deployed model has no per-caller API keys. ``DeployConfig.labels`` fixes, when
the model is made, which labelled documents it may read (unlabelled documents are visible to
all, as everywhere in Veracity); ``None`` means every document. A caller can never widen it.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from veracity.errors import ConfigError
from veracity.records import Filter, as_labels

if TYPE_CHECKING:
    from veracity.collection import Collection
    from veracity.rag.engine import AnswerEngine

__all__ = ["AnswerService", "DeployConfig", "config_from_env", "hit_row", "question_rows"]

STYLES = ("auto", "extractive", "generative")
SEARCH_MODES = ("bm25", "dense", "hybrid")
MAX_K = 100  # a request asking for more sources or hits than this is refused, not truncated

EngineFactory = Callable[["Collection", "DeployConfig"], "AnswerEngine"]


@dataclass(frozen=True, slots=True)
class DeployConfig:
    """What a deployed model serves. ``collection``: a directory or a ``postgresql://`` URI
    (give a password through ``PGPASSWORD``, never in the URI: this config is written into the
    model's files). ``generator``: a generator name or ``.gguf`` path (see
    ``veracity.generate.base.GENERATOR_FORMS``), loaded on its first generative answer.
    ``labels``: the labelled documents this model may read (``None``: all). ``style`` and ``k``
    (sources an answer may cite) are defaults a request may override."""

    collection: str
    generator: str = "smollm2"
    generator_options: Mapping[str, Any] = field(default_factory=dict)
    embedder: str | None = None
    labels: tuple[str, ...] | None = None
    style: str = "auto"
    k: int = 4

    def __post_init__(self) -> None:
        if not str(self.collection).strip():
            raise ConfigError("the deployed collection is empty: give a directory or a URI")
        _check_style(self.style)
        _check_k(self.k, "k")

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["generator_options"] = dict(self.generator_options)
        d["labels"] = None if self.labels is None else list(self.labels)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DeployConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ConfigError(
                f"unknown deployment setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        labels = d.get("labels")
        return cls(
            collection=str(d.get("collection", "")),
            generator=str(d.get("generator", "smollm2")),
            generator_options=dict(d.get("generator_options") or {}),
            embedder=d.get("embedder"),
            labels=None if labels is None else tuple(as_labels(labels)),
            style=str(d.get("style", "auto")),
            k=int(d.get("k", 4)),
        )


class AnswerService:
    """Answers and searches over one collection; the engine is built on the first request.

    ``engine_factory(collection, config)`` builds the engine (tests inject a scripted one); by
    default it is ``collection.answer_engine(config.generator, **config.generator_options)``:
    the same engine ``veracity ask`` and ``veracity serve`` use.
    """

    def __init__(self, config: DeployConfig, *, engine_factory: EngineFactory | None = None):
        self.config = config
        self._factory = engine_factory or _default_engine
        self._collection: Collection | None = None
        self._engine: AnswerEngine | None = None
        self._lock = threading.Lock()

    @property
    def where(self) -> Filter | None:
        labels = self.config.labels
        return None if labels is None else Filter(labels=frozenset(labels))

    def collection(self) -> Collection:
        with self._lock:
            if self._collection is None:
                import veracity

                self._collection = veracity.open(
                    self.config.collection, embedder=self.config.embedder, create=False
                )
            return self._collection

    def engine(self) -> AnswerEngine:
        collection = self.collection()
        with self._lock:
            if self._engine is None:
                self._engine = self._factory(collection, self.config)
            return self._engine

    def ask(
        self, question: str, *, style: str | None = None, k: int | None = None
    ) -> dict[str, Any]:
        """One answer as a dict: ``answer`` (text with ``[n]`` markers), ``abstained``,
        ``reason``, ``citations`` (document, uri, exact character span, quoted text), ``style``,
        ``warnings``."""
        from veracity.rag.serialize import answer_to_dict

        if not isinstance(question, str) or not question.strip():
            raise ConfigError("the question is empty; send {'question': '...'} with some text")
        engine = self.engine()
        opts = dataclasses.replace(
            engine.options,
            style=_check_style(style or self.config.style),
            sources=_check_k(self.config.k if k is None else k, "k"),
        )
        answer = answer_to_dict(engine.ask(question, (), self.where, opts))
        keep = ("answer", "abstained", "reason", "citations", "style", "warnings")
        return {"question": question, **{key: answer[key] for key in keep}}

    def ask_rows(self, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """``ask`` for each row of ``question_rows``, in order."""
        return [self.ask(r["question"], style=r.get("style"), k=r.get("k")) for r in rows]

    def search(self, query: str, *, k: int = 10, mode: str = "hybrid") -> list[dict[str, Any]]:
        """The ``k`` best chunks for ``query`` as dicts (chunk, document, uri, score, text, span)."""
        if not isinstance(query, str) or not query.strip():
            raise ConfigError("the query is empty; send {'query': '...'} with some text")
        if mode not in SEARCH_MODES:
            raise ConfigError(f"unknown search mode {mode!r}; known: {', '.join(SEARCH_MODES)}")
        hits = self.collection().search(query, _check_k(k, "k"), mode=mode, where=self.where)
        return [hit_row(h) for h in hits]

    def close(self) -> None:
        with self._lock:
            if self._collection is not None:
                self._collection.close()
            self._collection, self._engine = None, None


def _default_engine(collection: Collection, config: DeployConfig) -> AnswerEngine:
    return collection.answer_engine(config.generator, **dict(config.generator_options))


def hit_row(hit: Any) -> dict[str, Any]:
    c = hit.chunk
    return {
        "chunk": c.id, "document": c.document_id, "uri": hit.uri, "score": float(hit.score),
        "text": c.text, "start": c.start, "end": c.end, "page": c.page,
    }  # fmt: skip


def question_rows(data: Any) -> list[dict[str, Any]]:
    """Requests in any shape a model server hands over, as ``[{"question", "style", "k"}]``: a
    pandas DataFrame, a list of dicts, one dict (of values or of column lists), a list of
    strings, or one string. Missing optional values (None, NaN) take the configured default."""
    if hasattr(data, "to_dict") and hasattr(data, "columns"):  # a pandas DataFrame
        records = data.to_dict(orient="records")
    elif isinstance(data, str):
        records = [{"question": data}]
    elif isinstance(data, Mapping):
        records = _columns_to_records(data)
    elif isinstance(data, Sequence) and all(isinstance(x, str) for x in data):
        records = [{"question": q} for q in data]
    elif isinstance(data, Sequence) and all(isinstance(x, Mapping) for x in data):
        records = [dict(x) for x in data]
    else:
        raise ConfigError(
            f"cannot read questions from a {type(data).__name__}; send a table with a "
            "'question' column (optional 'style', 'k'), e.g. [{'question': 'When ...?'}]"
        )
    return [_row(r, i) for i, r in enumerate(records)]


def _columns_to_records(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    values = list(data.values())
    if values and all(isinstance(v, list | tuple) for v in values):  # {"question": [...], ...}
        n = len(values[0])
        if any(len(v) != n for v in values):
            raise ConfigError("every column of the request must have the same number of rows")
        return [{key: data[key][i] for key in data} for i in range(n)]
    return [dict(data)]


def _row(record: Mapping[str, Any], i: int) -> dict[str, Any]:
    if "question" not in record:
        raise ConfigError(
            f"request row {i} has no 'question' column (it has: {', '.join(map(str, record)) or 'none'}); "
            "send e.g. {'question': 'When was it built?', 'style': 'extractive', 'k': 4}"
        )
    question, style, k = record["question"], _given(record.get("style")), _given(record.get("k"))
    if not isinstance(question, str) or not question.strip():
        raise ConfigError(f"request row {i}: 'question' must be non-empty text, got {question!r}")
    extra = sorted(set(record) - {"question", "style", "k"})
    if extra:
        raise ConfigError(
            f"request row {i} has unknown column(s) {', '.join(map(str, extra))}; "
            "known: question, style, k"
        )
    return {
        "question": question,
        "style": None if style is None else _check_style(str(style)),
        "k": None if k is None else _check_k(k, f"row {i}: k"),
    }


def _given(value: Any) -> Any:
    """None for a missing optional value (a DataFrame fills gaps with None or NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _check_style(style: str) -> str:
    if style not in STYLES:
        raise ConfigError(f"unknown answer style {style!r}; known: {', '.join(STYLES)}")
    return style


def _check_k(k: Any, name: str) -> int:
    if isinstance(k, float) and k.is_integer():
        k = int(k)
    if hasattr(k, "item") and not isinstance(k, bool | int):  # a numpy integer from a DataFrame
        k = k.item()
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise ConfigError(f"{name} must be a whole number from 1 to {MAX_K}, got {k!r}")
    return k


def config_from_env(environ: Mapping[str, str]) -> DeployConfig:
    """A ``DeployConfig`` from environment variables (how a container or a BentoML service is
    configured): ``VERACITY_COLLECTION`` (required: a directory or a ``postgresql://`` URI, its
    password in ``PGPASSWORD``), ``VERACITY_MODEL`` (generator, default smollm2),
    ``VERACITY_BASE_URL`` (OpenAI-compatible server), ``VERACITY_THREADS``, ``VERACITY_LABELS``
    (comma-separated; unset: every document), ``VERACITY_EMBEDDER``, ``VERACITY_STYLE``,
    ``VERACITY_K``."""
    collection = environ.get("VERACITY_COLLECTION", "").strip()
    if not collection:
        raise ConfigError(
            "set VERACITY_COLLECTION to the collection to serve: a directory or a "
            "postgresql://user@host/db URI (with the password in PGPASSWORD)"
        )
    options: dict[str, Any] = {}
    if environ.get("VERACITY_BASE_URL"):
        options["base_url"] = environ["VERACITY_BASE_URL"]
    elif environ.get("VERACITY_THREADS"):
        options["n_threads"] = _env_int(environ, "VERACITY_THREADS")
    labels = environ.get("VERACITY_LABELS")
    return DeployConfig(
        collection=collection,
        generator=environ.get("VERACITY_MODEL", "smollm2"),
        generator_options=options,
        embedder=environ.get("VERACITY_EMBEDDER") or None,
        labels=None if labels is None else labels_of(labels),
        style=environ.get("VERACITY_STYLE", "auto"),
        k=_env_int(environ, "VERACITY_K") if environ.get("VERACITY_K") else 4,
    )


def _env_int(environ: Mapping[str, str], name: str) -> int:
    try:
        return int(environ[name])
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {environ[name]!r}") from None


def labels_of(labels: Sequence[str] | str | None) -> tuple[str, ...] | None:
    """Labels from a list or a comma-separated string; None stays None (every document)."""
    if labels is None:
        return None
    if isinstance(labels, str):
        return tuple(x.strip() for x in labels.split(",") if x.strip())
    return tuple(as_labels(labels))
