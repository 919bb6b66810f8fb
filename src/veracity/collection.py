"""The Python API: ``veracity.open(path)`` returns a ``Collection``.

A collection is a directory holding one SQLite store (the source of truth) and derived indexes,
or a PostgreSQL database (``veracity.open("postgresql://user@host/db")``) holding the store, with
its derived indexes in a local cache directory (``store.location.cache_dir``: under
``$VERACITY_CACHE`` or ``~/.cache/veracity``).
This module only wires lower layers together; the work happens in ``store``, ``ingest``, ``index``
and ``retrieve``.
"""

from __future__ import annotations

import dataclasses
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from veracity.embed.base import (
    Embedder,
    check_embedder_name,
    get_embedder,
    load_with_fallback,
)
from veracity.errors import ConfigError, EmbedderMismatch
from veracity.evaluate.ir_metrics import ndcg_at_k
from veracity.generate.base import Generator
from veracity.index.settings import IndexSettings, read_settings, settings_meta
from veracity.index.sync import IndexSet
from veracity.ingest.distributed import ClusterOptions, cluster_options, open_executor
from veracity.ingest.loaders import LoadFailure
from veracity.ingest.pipeline import IngestOptions, Ingestor, ingest_paths
from veracity.ingest.report import IngestReport, Progress
from veracity.ingest.scan import injection_scanner
from veracity.rag.cache import AnswerCache
from veracity.rag.engine import AnswerEngine, AskOptions
from veracity.rag.guards import passage_guard, query_guard
from veracity.rag.reader.base import SpanReader
from veracity.rag.relevance import BlendReranker, CrossEncoderReranker
from veracity.records import Answer, Document, Filter, Hit, MetaValue, as_labels
from veracity.retrieve.search import CollectionSearcher, Reranker, SearchOptions
from veracity.retrieve.tuning.grid import Qrels, TuneResult
from veracity.retrieve.tuning.tune import options_of, resolve_options, tune_collection
from veracity.store.location import cache_dir, is_postgres_uri, redact
from veracity.store.protocols import ChatTable, open_store
from veracity.store.rows import DocumentInfo

DEFAULT_COLLECTION = Path(".veracity")
# Files under ``<collection>/uploads/`` are the collection's own copies (the server stores
# uploads there); each is deleted with the last document read from it.
UPLOADS_DIR = "uploads"
# New collections embed with int8 ONNX MiniLM: 3x PyTorch per CPU second, SciFact dense nDCG@10
# within noise of it (docs/benchmarks.md). Without onnxruntime they fall back to PyTorch MiniLM
# (same model, the collection records which one). Existing collections keep their recorded one.
DEFAULT_EMBEDDER = "minilm-onnx"
FALLBACK_EMBEDDER = "minilm"


@dataclass(frozen=True, slots=True)
class CollectionStatus:
    path: str
    documents: int
    chunks: int
    vectors: int
    text_chars: int
    size_bytes: int
    embedder: str | None
    dim: int | None
    vector_index: str = "auto"  # as chosen (``index.settings``); "auto" follows the size
    bm25_variant: str = "lucene"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class Collection:
    """Documents, chunks and vectors in one directory, with ingest, delete, listing and search.

    ``path`` is the collection directory, or a ``postgresql://`` URI for a collection stored in
    PostgreSQL; ``self.path`` is then the local cache directory of its derived indexes (see the
    module docstring) and ``self.location`` the URI without its password. ``embedder`` is a registry name (``"minilm"``, ``"hash"``), a model path, an ``Embedder``, or
    None to use the one the collection was built with (``"minilm-onnx"`` for a new collection,
    or ``"minilm"`` where onnxruntime is not installed).
    """

    def __init__(
        self,
        path: str | Path = DEFAULT_COLLECTION,
        *,
        embedder: str | Embedder | None = None,
        create: bool = True,
    ) -> None:
        if isinstance(path, str) and is_postgres_uri(path):
            self.store = open_store(path, create=create)
            self.path = cache_dir(path, self.store.get_meta("store_id") or "")
            self.location = redact(path)
        else:
            self.path = Path(path).expanduser()
            self.store = open_store(self.path, create=create)
            self.location = str(self.path)
        self._embedder_spec = embedder
        self._embedder: Embedder | None = embedder if isinstance(embedder, Embedder) else None
        self._indexes: IndexSet | None = None
        self._reader: SpanReader | None = None
        # Threads share a collection (the server): each lazily built part is built once, under
        # its own lock, so a search never waits for the reader or an engine being built.
        self._embedder_lock = threading.Lock()
        self._indexes_lock = threading.Lock()
        self._reader_lock = threading.Lock()
        if isinstance(embedder, str):
            check_embedder_name(embedder)
        self._check_embedder_name()

    # -- embedder -----------------------------------------------------------------------------

    @property
    def embedder_name(self) -> str | None:
        """The embedder the stored vectors come from, or None for an empty new collection."""
        return self.store.get_meta("embedder")

    def _requested_name(self) -> str | None:
        spec = self._embedder_spec
        if spec is None:
            return None
        return spec if isinstance(spec, str) else spec.name

    def _check_embedder_name(self) -> None:
        recorded, requested = self.embedder_name, self._requested_name()
        if recorded and requested and recorded != requested:
            raise EmbedderMismatch(
                f"collection {self.location} was embedded with {recorded!r} "
                f"({self.store.get_meta('dim')}-d) but {requested!r} was asked for. Use "
                f"--embedder {recorded}, or re-embed it: `veracity reembed --collection {self.location} "
                f"--embedder {requested}`"
            )

    def embedder(self) -> Embedder:
        """The collection's embedder, loaded on first use (listing or deleting never loads it)."""
        if self._embedder is not None:
            return self._embedder
        with self._embedder_lock:
            if self._embedder is None:
                spec = self._requested_name() or self.embedder_name
                if spec is None:
                    embedder = load_with_fallback(DEFAULT_EMBEDDER, FALLBACK_EMBEDDER)
                    spec = embedder.name
                else:
                    embedder = get_embedder(spec)
                self._record_embedder(spec, embedder)
                self._embedder = embedder
            return self._embedder

    def _record_embedder(self, spec: str, embedder: Embedder) -> None:
        dim = self.store.get_meta("dim")
        if dim is not None and int(dim) != embedder.dim:
            raise EmbedderMismatch(
                f"embedder {spec!r} makes {embedder.dim}-d vectors but collection {self.location} "
                f"holds {dim}-d vectors; re-embed it with `veracity reembed --embedder {spec}`"
            )
        if self.embedder_name is None:
            self.store.set_meta({"embedder": spec, "dim": str(embedder.dim)})

    # -- writing ------------------------------------------------------------------------------

    def add(
        self,
        items: str | Path | Document | Iterable[str | Path | Document | LoadFailure],
        *,
        labels: Sequence[str] | str = (),
        metadata: dict[str, MetaValue] | None = None,
        options: IngestOptions | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        scan: bool = True,
        workers: int | None = None,
        dask: str | None = None,
        cluster: ClusterOptions | None = None,
    ) -> IngestReport:
        """Ingest files, folders or ``Document`` records; unchanged ones are skipped. ``scan``
        flags chunks that look like prompt injection (kept out of answers unless opted in).
        ``labels`` is a list of ACL labels, or one label as a string. Records may include the
        ``LoadFailure``s of files loaded beforehand (``ingest.isolate.ParsePool``): they are
        reported as failed. ``workers`` (a local Dask cluster of that many processes), ``dask``
        (a scheduler address, ``tcp://host:8786``) or ``cluster`` (every setting, Ray too) load,
        chunk and embed files on a cluster (``pip install 'veracity[distributed]'``); this
        process still decides and writes (``ingest.distributed``)."""
        cluster = cluster_options(workers, dask, cluster)
        if isinstance(items, str | Path | Document):
            items = [items]
        items = list(items)
        options = dataclasses.replace(
            options or IngestOptions(),
            labels=as_labels(labels) or (as_labels(options.labels) if options else ()),
            metadata=metadata or (dict(options.metadata) if options else {}),
        )
        docs = [i for i in items if isinstance(i, Document | LoadFailure)]
        paths = [Path(i) for i in items if not isinstance(i, Document | LoadFailure)]
        if docs and paths:
            raise ConfigError("add() takes either paths or Document records in one call, not both")
        embedder = self.embedder()
        scanner = injection_scanner() if scan else None
        if docs and cluster is not None:
            raise ConfigError("workers/dask ingest files and folders; add Document records without")
        if docs:
            ingestor = Ingestor(
                self.store, embedder, options, on_progress=on_progress, scanner=scanner
            )
            return ingestor.run(docs)
        if cluster is None:
            return ingest_paths(
                self.store, embedder, paths, options, on_progress=on_progress, scanner=scanner
            )
        # Workers load the embedder by name; one given as an object travels pickled.
        name = None if isinstance(self._embedder_spec, Embedder) else self.embedder_name
        with open_executor(cluster) as executor:
            return ingest_paths(
                self.store, embedder, paths, options, on_progress=on_progress, scanner=scanner,
                executor=executor, embedder_name=name,
            )  # fmt: skip

    def delete(
        self,
        *,
        ids: Sequence[str] = (),
        uris: Sequence[str | Path] = (),
        where: Filter | None = None,
    ) -> tuple[int, int]:
        """Delete documents by id, path (a folder removes everything under it) or metadata filter.
        Returns ``(documents, chunks)`` removed."""
        if not ids and not uris and (where is None or where.is_empty()):
            raise ConfigError("delete needs document ids, paths or a --where filter; nothing given")
        uri_list = [_uri_of(u) for u in uris]
        doc_ids = self.store.find_document_ids(ids=ids, uris=uri_list, where=where)
        deleted_uris = self.store.document_uris(doc_ids).values()
        removed = self.store.delete_documents(doc_ids)
        self._remove_own_files(deleted_uris)
        return removed

    def _remove_own_files(self, uris: Iterable[str]) -> None:
        """Delete the uploaded files (under ``UPLOADS_DIR``) no remaining document comes from.
        A ``.jsonl``/``.csv`` upload gives one document per row (``<file>#<row>``), so its file
        goes with its last row."""
        root = (self.path / UPLOADS_DIR).resolve()
        prefix = str(root) + os.sep
        for uri in uris:
            if not uri.startswith(prefix):
                continue  # a file of the user's own, never deleted
            # Upload names are sanitized (no '#'), so a '#' after the prefix starts a row id.
            file = root / uri[len(prefix) :].split("#", 1)[0]
            if file.resolve().is_relative_to(root) and not self.store.find_document_ids(
                uris=[str(file)]
            ):
                file.unlink(missing_ok=True)

    def remove_orphan_uploads(self, older_than: float = 3600.0) -> int:
        """Delete the files under ``UPLOADS_DIR`` that no document comes from any more; return
        how many. ``delete`` removes a document's upload itself, but on a PostgreSQL collection
        served by several replicas, each keeps the uploads it received in its own cache folder,
        and a delete made through another replica cannot reach them: each replica runs this
        from time to time. Files younger than ``older_than`` seconds are kept (an upload is
        saved before its document is committed)."""
        root = (self.path / UPLOADS_DIR).resolve()
        if not root.is_dir():
            return 0
        in_use = {
            uri.split("#", 1)[0]
            for uri in self.store.document_uris(
                self.store.find_document_ids(uris=[str(root) + os.sep])
            ).values()
        }
        cutoff = time.time() - older_than
        removed = 0
        for file in root.rglob("*"):
            if file.is_file() and str(file) not in in_use and file.stat().st_mtime < cutoff:
                file.unlink(missing_ok=True)
                removed += 1
        return removed

    def reembed(self, embedder: str, *, batch: int = 512) -> int:
        """Recompute every vector with another embedder; returns the number of chunks embedded."""
        new = get_embedder(embedder)

        def batches() -> Iterable[tuple[Any, Any]]:
            for rows in self.store.iter_chunk_texts(batch):
                rids = [r for r, _ in rows]
                yield rids, new.embed([t for _, t in rows])

        n = self.store.replace_vectors(iter(batches()), {"embedder": embedder, "dim": str(new.dim)})
        self._embedder_spec, self._embedder, self._indexes = embedder, new, None
        return n

    # -- searching ----------------------------------------------------------------------------

    def indexes(self) -> IndexSet:
        """The collection's derived indexes (BM25, vectors), synced with the store on use."""
        if self._indexes is not None:
            return self._indexes
        with self._indexes_lock:
            if self._indexes is None:
                settings = self.index_settings()
                self._indexes = IndexSet(
                    self.store,
                    self.path / "index",
                    dim=self.embedder().dim,
                    vector_backend=settings.vector_backend(self.store.counts()["chunks"]),
                    bm25_variant=settings.bm25_variant,
                )
            return self._indexes

    def index_settings(self) -> IndexSettings:
        """The vector backend and BM25 variant this collection builds (``index.settings``)."""
        return read_settings(self.store.get_meta)

    def set_index_settings(
        self, *, vector_index: str | None = None, bm25_variant: str | None = None
    ) -> IndexSettings:
        """Choose the vector backend (``"auto"``, ``"exact"``, ``"hnsw"``, ``"faiss"``,
        ``"annoy"``) and/or the BM25 variant; None leaves one as it is. Stored with the
        collection; this object's next search builds (or loads) the chosen indexes."""
        meta = settings_meta(vector_index, bm25_variant)
        with self._indexes_lock:
            if meta:
                self.store.set_meta(dict(meta))
            self._indexes = None
        return self.index_settings()

    def searcher(self, options: SearchOptions | None = None) -> CollectionSearcher:
        """A ``Retriever`` over this collection with the given options."""
        return CollectionSearcher(self.store, self.indexes(), self.embedder(), options)

    def search(
        self,
        query: str,
        k: int = 10,
        *,
        mode: str = "hybrid",
        alpha: float | None = None,
        fusion: str | None = None,
        where: Filter | dict[str, MetaValue] | None = None,
        labels: Sequence[str] | str | None = None,
        explain: bool = False,
        mmr_lambda: float | None = None,
    ) -> list[Hit]:
        """The ``k`` best chunks for ``query``. ``where`` filters on metadata; ``labels`` (a list,
        or one label as a string) restricts to documents the caller may see (unlabelled documents
        are visible to all). ``fusion`` and ``alpha`` left None mean the collection's tuned
        choice (``tune``), else rrf and 0.5."""
        k = positive_k(k)
        where = _filter_of(where, labels)
        options = self.default_options(
            mode, alpha=alpha, fusion=fusion, explain=explain, mmr_lambda=mmr_lambda
        )
        return self.searcher(options).search(query, k, where)

    def default_options(
        self,
        mode: str = "hybrid",
        *,
        alpha: float | None = None,
        fusion: str | None = None,
        explain: bool = False,
        mmr_lambda: float | None = None,
    ) -> SearchOptions:
        """Search options with the tuned fusion and alpha filled in where not given."""
        return resolve_options(
            self.store, mode=mode, alpha=alpha, fusion=fusion, explain=explain,
            mmr_lambda=mmr_lambda,
        )  # fmt: skip

    def tune(
        self,
        qrels: Qrels | None = None,
        queries: dict[str, str] | None = None,
        *,
        n_synthetic: int = 200,
        seed: int = 0,
        save: bool = True,
    ) -> TuneResult:
        """Choose hybrid fusion and alpha by nDCG@10 on labelled queries (``qrels`` keyed by
        document uri, with their ``queries``), else on ``n_synthetic`` synthetic queries drawn
        from the collection; ``save`` keeps the choice for later searches that name no fusion."""
        result = tune_collection(
            self.store, self.indexes(), self.embedder(), ndcg_at_k, queries=queries, qrels=qrels,
            n_synthetic=n_synthetic, seed=seed,
        )  # fmt: skip
        if save:
            self.store.set_meta(options_of(result))
        return result

    # -- answering ----------------------------------------------------------------------------

    def answer_engine(
        self,
        generator: str | Generator = "smollm2",
        *,
        options: AskOptions | None = None,
        reranker: str = "blend",
        cache: bool = True,
        guard: bool = True,
        reader: bool = True,
        **generator_options: Any,
    ) -> AnswerEngine:
        """An answer engine over this collection. ``generator`` is a name, a ``.gguf`` path, an
        ``openai:`` / ``hf:`` model, or a ``Generator``; a named one is loaded on its first
        generative answer (extractive answers never load it). ``reranker`` is ``"blend"``
        (offline, calibrated), ``"none"``, or a cross-encoder model id/path. ``guard`` refuses
        questions that look like prompt injection. ``reader``: use the trained extractive reader
        (needed for the default extractive style; it also picks the generative style's passages)."""
        from veracity.generate.base import get_generator
        from veracity.generate.lazy import LazyGenerator
        from veracity.guard.grounding import best_judge

        gen = (
            LazyGenerator(generator, lambda: get_generator(generator, **generator_options))
            if isinstance(generator, str)
            else generator
        )
        searcher = self.searcher(dataclasses.replace(self.default_options(), candidates=100))
        rer: Reranker | None = None
        if reranker == "blend":
            # The index set, not today's BM25 index: reranking sees documents added later.
            rer = BlendReranker(self.store, self.indexes(), self.embedder())
        elif reranker != "none":
            rer = CrossEncoderReranker(reranker)
        answer_cache = AnswerCache(self.store.answer_cache(), self.embedder()) if cache else None
        floor = rer.model.floor if isinstance(rer, BlendReranker) else 0.5
        opts = options or AskOptions(relevance_floor=floor)
        return AnswerEngine(
            searcher,
            gen,
            best_judge(self.embedder()),
            reader=self.reader() if reader else None,
            reranker=rer,
            cache=answer_cache,
            options=opts,
            query_guard=query_guard() if guard else None,
            passage_guard=passage_guard(),
            documents=self.store,
        )

    def ask(
        self,
        question: str,
        *,
        generator: str | Generator = "smollm2",
        mode: str = "sequence",
        style: str = "extractive",
        where: Filter | dict[str, MetaValue] | None = None,
        history: Sequence[tuple[str, str]] = (),
        labels: Sequence[str] | str | None = None,
    ) -> Answer:
        """Answer ``question`` from this collection with citations, or abstain. ``style``:
        ``"extractive"`` (the reader's span and its sentence, quoted) or ``"generative"`` (the
        language model writes it; every sentence is checked). ``where`` and ``labels`` restrict
        the sources as in ``search``."""
        where = _filter_of(where, labels)
        engine = self.answer_engine(generator)
        opts = dataclasses.replace(engine.options, mode=mode, style=style)
        return engine.ask(question, history, where, opts)

    def reader(self) -> SpanReader:
        """The trained extractive reader, loaded once per collection object (the first use in a
        process builds its ONNX model from the shipped adapter, then it is cached on disk)."""
        if self._reader is not None:
            return self._reader
        with self._reader_lock:
            if self._reader is None:
                from veracity.rag.reader.model import Reader

                self._reader = Reader()
            return self._reader

    def chats(self) -> ChatTable:
        """Chat sessions stored in this collection."""
        return self.store.chats()

    # -- reading ------------------------------------------------------------------------------

    # Every document read takes the same ``where``/``labels`` as ``search``: a document hidden
    # from the caller is filtered in SQL, and reads as absent (NotFound) by id.

    def documents(
        self,
        *,
        where: Filter | dict[str, MetaValue] | None = None,
        labels: Sequence[str] | str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[DocumentInfo]:
        """The documents the filter lets through, by uri; ``limit``/``offset`` page them."""
        return self.store.documents(where=_filter_of(where, labels), limit=limit, offset=offset)

    def document_totals(
        self,
        *,
        where: Filter | dict[str, MetaValue] | None = None,
        labels: Sequence[str] | str | None = None,
    ) -> tuple[int, int]:
        """``(documents, chunks)`` over the documents the filter lets through."""
        return self.store.document_totals(_filter_of(where, labels))

    def document_info(
        self,
        doc_id: str,
        *,
        where: Filter | dict[str, MetaValue] | None = None,
        labels: Sequence[str] | str | None = None,
    ) -> DocumentInfo:
        """One document's listing row; NotFound when absent or filtered out."""
        return self.store.document_info(doc_id, _filter_of(where, labels))

    def document(
        self,
        doc_id: str,
        *,
        where: Filter | dict[str, MetaValue] | None = None,
        labels: Sequence[str] | str | None = None,
    ) -> Document:
        """One document with its text; NotFound when absent or filtered out."""
        return self.store.get_document(doc_id, _filter_of(where, labels))

    def status(self) -> CollectionStatus:
        counts = self.store.counts()
        dim = self.store.get_meta("dim")
        return CollectionStatus(
            path=self.location if is_postgres_uri(self.location) else str(self.path.resolve()),
            documents=counts["documents"],
            chunks=counts["chunks"],
            vectors=counts["vectors"],
            text_chars=counts["text_chars"],
            size_bytes=self.store.size_bytes(),
            embedder=self.embedder_name,
            dim=int(dim) if dim else None,
            **self.index_settings().to_dict(),
        )

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Collection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def positive_k(k: object) -> int:
    """``k`` as a positive int: an int, or an integral float such as 5.0; else ConfigError."""
    if isinstance(k, float) and k.is_integer():
        k = int(k)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ConfigError(f"k must be a positive whole number of results, got {k!r}")
    return k


def _filter_of(
    where: Filter | dict[str, MetaValue] | None, labels: Sequence[str] | str | None
) -> Filter | None:
    """One ``Filter`` from a filter or metadata dict and the caller's labels (a str is one)."""
    if isinstance(where, dict):
        where = Filter(where=where)
    elif where is not None and not isinstance(where, Filter):
        raise ConfigError(
            f"where must be a Filter or a dict of metadata values, got {type(where).__name__}"
        )
    if labels is not None:
        where = dataclasses.replace(where or Filter(), labels=frozenset(as_labels(labels)))
    return where


_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def _uri_of(path: str | Path) -> str:
    """Stored uris are resolved paths; a folder matches everything under it."""
    p = Path(path).expanduser()
    if p.is_dir():
        return str(p.resolve()) + "/"
    if p.exists() or not _URI_SCHEME.match(str(path)):
        return str(p.resolve())
    return str(path)  # http://..., mem://...: a uri as stored, not a path


def open(
    path: str | Path = DEFAULT_COLLECTION,
    *,
    embedder: str | Embedder | None = None,
    create: bool = True,
) -> Collection:
    """Open (or create) the collection in directory ``path``, or in the PostgreSQL database a
    ``postgresql://`` URI names (``pip install 'veracity[postgres]'``)."""
    return Collection(path, embedder=embedder, create=create)
