"""The streaming ingest pipeline: files -> documents -> chunks -> vectors -> one transaction per batch.

Memory stays bounded by the batch (``batch_chunks`` chunks or ``batch_chars`` characters), never by
the size of the input: a 10 GB folder streams through. Each batch is committed in one transaction, so
an interruption loses at most the batch in flight, and a re-run skips everything already committed
(content-hash dedup) and finishes the rest: the pipeline is resumable by construction.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from veracity.embed.base import Embedder, token_counter_of
from veracity.errors import VeracityError
from veracity.ingest.isolate import ParseLimits, ParsePool
from veracity.ingest.loaders import LoadFailure, LoadOptions, iter_files
from veracity.ingest.prepare import FileExecutor, FileWork, Prepared, load_file
from veracity.ingest.report import Failure, IngestReport, Progress
from veracity.records import Chunk, Document, MetaValue, as_labels
from veracity.store.protocols import Store
from veracity.store.rows import DocumentWrite
from veracity.text.chunker import ChunkOptions, chunk_document
from veracity.text.tokens import TokenCounter


@dataclass(frozen=True, slots=True)
class IngestOptions:
    """What to attach to every document, and how to read, chunk and batch them. ``isolate``:
    parse each file in a worker process under these limits (``ingest.isolate``), for files
    that may be hostile; None parses in this process."""

    load: LoadOptions = field(default_factory=LoadOptions)
    isolate: ParseLimits | None = None
    chunk: ChunkOptions = field(default_factory=ChunkOptions)
    labels: tuple[str, ...] = ()
    metadata: Mapping[str, MetaValue] = field(default_factory=dict)
    batch_chunks: int = 256
    batch_chars: int = 4_000_000
    # How many loaded documents to look up in the store at once (dedup check).
    lookup_window: int = 64

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", as_labels(self.labels))  # "secret" is one label


def read_paths(
    paths: Sequence[Path],
    options: LoadOptions,
    skipped: Counter[str] | None = None,
    pool: ParsePool | None = None,
) -> Iterator[Document | LoadFailure]:
    """Every document under ``paths``; a file that fails becomes a ``LoadFailure``, never an
    exception, so one bad file cannot stop a run. Files of unsupported types in folders are
    counted in ``skipped`` by extension. With a ``pool`` each file is parsed in one of its
    worker processes (a parse that overruns its limits is that file's failure)."""
    for path in iter_files(paths, skipped):
        yield from load_file(path, options, pool)


def _decorate(doc: Document, options: IngestOptions) -> Document:
    if not options.labels and not options.metadata:
        return doc
    labels = tuple(sorted(set(doc.labels) | set(options.labels)))
    return dataclasses.replace(doc, labels=labels, metadata={**doc.metadata, **options.metadata})


SPECIAL_TOKENS = 2  # [CLS] and [SEP], which the model reads besides the chunk's own tokens
SUM_SLACK = 4  # chunk counts are sums of sentence counts; the joined text may differ by a token


def fit_model(chunk: ChunkOptions, max_seq_length: int | None) -> ChunkOptions:
    """``chunk`` with its budget cut so that an exactly counted chunk, with the special tokens,
    fits the model's input (``max_seq_length``); unchanged when it fits or the limit is unknown.
    MiniLM (256) allows 250."""
    if not max_seq_length:
        return chunk
    ceiling = max_seq_length - SPECIAL_TOKENS - SUM_SLACK
    if ceiling < 1 or chunk.max_tokens <= ceiling:
        return chunk
    overlap = min(chunk.overlap_tokens, ceiling - 1)
    return dataclasses.replace(chunk, max_tokens=ceiling, overlap_tokens=overlap)


@dataclass(slots=True)
class _Pending:
    """A document to write: its chunks, and its vectors and flags when a worker made them."""

    doc: Document
    chunks: Sequence[Chunk]
    is_update: bool
    vectors: np.ndarray | None = None  # (n_chunks, dim)
    flags: Sequence[int] | None = None


class _Batch:
    """Documents waiting to be written, bounded in chunks and characters."""

    def __init__(self) -> None:
        self.items: list[_Pending] = []
        self.n_chunks = 0
        self.n_chars = 0

    def add(self, item: _Pending) -> None:
        self.items.append(item)
        self.n_chunks += len(item.chunks)
        self.n_chars += len(item.doc.text)

    def full(self, options: IngestOptions) -> bool:
        return self.n_chunks >= options.batch_chunks or self.n_chars >= options.batch_chars


class Ingestor:
    """One ingest run over a store with an embedder; ``run`` consumes a stream of documents,
    which may come ``Prepared`` (chunked and embedded elsewhere, ``ingest.prepare``)."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        options: IngestOptions | None = None,
        counter: TokenCounter | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        scanner: Callable[[Sequence[str]], list[int]] | None = None,
    ) -> None:
        self.scanner = scanner
        self.store = store
        self.embedder = embedder
        self.options = options or IngestOptions()
        # Chunk budgets count the embedder's own tokens when it offers an exact counter (the
        # model-free estimate over-counts by about a fifth, so chunks would be under-filled).
        self.counter = counter if counter is not None else token_counter_of(embedder)
        if counter is None and self.counter is not None:
            chunk = fit_model(self.options.chunk, getattr(embedder, "max_seq_length", None))
            self.options = dataclasses.replace(self.options, chunk=chunk)
        self.on_progress = on_progress
        self._counts = {"added": 0, "updated": 0, "unchanged": 0, "chunks": 0}
        self._failures: list[Failure] = []
        self._started = time.perf_counter()
        self._cpu = time.process_time()

    def run(
        self, stream: Iterable[Document | Prepared | LoadFailure], interrupted_runs: int = 0
    ) -> IngestReport:
        batch = _Batch()
        window: list[Document | Prepared] = []
        pending_uris: dict[str, str] = {}
        for item in stream:
            if isinstance(item, LoadFailure):
                self._failures.append(Failure(item.uri, item.reason))
                self._progress()
                continue
            if isinstance(item, Prepared):
                item = dataclasses.replace(item, document=_decorate(item.document, self.options))
            else:
                item = _decorate(item, self.options)
            window.append(item)
            if len(window) >= self.options.lookup_window:
                batch = self._triage(window, batch, pending_uris)
                window = []
        batch = self._triage(window, batch, pending_uris)
        self._flush(batch)
        if self._counts["added"] or self._counts["updated"]:
            self.store.optimize()  # e.g. PostgreSQL builds its vector index once, after a load
        return self._report(interrupted_runs)

    def _triage(
        self, window: list[Document | Prepared], batch: _Batch, pending: dict[str, str]
    ) -> _Batch:
        """Sort a window of documents into unchanged, metadata-only updates and (re)embeds.

        ``pending`` maps the uris this run has queued to their content hashes, so that a file
        named twice is embedded once. Only the unwritten ones need it (a written one is in the
        store, and ``states`` finds it), so the rest are dropped here: the map stays as small as
        a batch, however many documents the run ingests."""
        queued = {p.doc.uri for p in batch.items}
        for uri in [u for u in pending if u not in queued]:
            del pending[uri]
        docs = [w.document if isinstance(w, Prepared) else w for w in window]
        states = self.store.states([d.uri for d in docs])
        for doc, item in zip(docs, window, strict=True):
            state = states.get(doc.uri)
            if state is not None:
                doc = self._inherit(doc, state)
            if pending.get(doc.uri) == doc.content_hash:
                self._counts["unchanged"] += 1  # the same file named twice in one run
            elif state is not None and state[1] == doc.content_hash:
                self._metadata_only(doc, state)
            else:
                # A worker's chunks fit ``doc`` after ``_inherit``: they depend on the text and
                # the uri, never on labels or metadata.
                todo = self._pending(doc, item, is_update=state is not None)
                if todo is None:
                    continue
                pending[doc.uri] = doc.content_hash
                batch.add(todo)
                if batch.full(self.options):
                    self._flush(batch)
                    batch = _Batch()
            self._progress()
        return batch

    def _pending(
        self, doc: Document, item: Document | Prepared, is_update: bool
    ) -> _Pending | None:
        """``doc`` with its chunks (and vectors, when prepared), or None after recording why it
        cannot be indexed. A prepared document skipped as already stored, whose stored copy
        changed since, is chunked here."""
        if isinstance(item, Prepared) and item.error is not None:
            self._failures.append(Failure(doc.uri, item.error))
            return None
        if isinstance(item, Prepared) and item.chunks is not None:
            todo = _Pending(doc, item.chunks, is_update, item.vectors, item.flags)
        else:
            try:
                todo = _Pending(
                    doc, chunk_document(doc, self.options.chunk, self.counter), is_update
                )
            except VeracityError as exc:
                self._failures.append(Failure(doc.uri, str(exc)))
                return None
        if not todo.chunks:
            self._failures.append(Failure(doc.uri, "no text to index after chunking"))
            return None
        return todo

    def _inherit(self, doc: Document, state: tuple[str, str, str, str]) -> Document:
        """A re-ingest that names no labels (or metadata) keeps the stored ones: forgetting
        ``--labels`` must never make a restricted document visible to everyone."""
        labels, metadata = doc.labels, dict(doc.metadata)
        if not self.options.labels:
            labels = tuple(sorted(set(labels) | set(json.loads(state[3]))))
        if not self.options.metadata:
            metadata = {**json.loads(state[2]), **metadata}
        return dataclasses.replace(doc, labels=labels, metadata=metadata)

    def _metadata_only(self, doc: Document, state: tuple[str, str, str, str]) -> None:
        meta = dict(doc.metadata)
        if json.loads(state[2]) == meta and tuple(json.loads(state[3])) == doc.labels:
            self._counts["unchanged"] += 1
            return
        self.store.update_labels_and_metadata(state[0], doc.labels, meta)
        self._counts["updated"] += 1

    def _flush(self, batch: _Batch) -> None:
        if not batch.items:
            return
        self._complete([p for p in batch.items if p.vectors is None])
        self.store.write([_write_of(p) for p in batch.items])
        for p in batch.items:
            self._counts["updated" if p.is_update else "added"] += 1
            self._counts["chunks"] += len(p.chunks)
        self._progress()

    def _complete(self, items: list[_Pending]) -> None:
        """Embed and scan the chunks of ``items`` (one embedder call for them all)."""
        texts = [c.text for p in items for c in p.chunks]
        if not texts:
            return
        vectors = self.embedder.embed(texts)  # (n_chunks, dim)
        flags = self.scanner(texts) if self.scanner is not None else [0] * len(texts)
        offset = 0
        for p in items:
            end = offset + len(p.chunks)
            p.vectors, p.flags = vectors[offset:end], flags[offset:end]
            offset = end

    def _progress(self) -> None:
        if self.on_progress is not None:
            c = self._counts
            self.on_progress(
                Progress(
                    added=c["added"], updated=c["updated"], unchanged=c["unchanged"],
                    failed=len(self._failures), chunks=c["chunks"],
                    seconds=time.perf_counter() - self._started,
                )
            )  # fmt: skip

    def _report(self, interrupted_runs: int) -> IngestReport:
        c = self._counts
        return IngestReport(
            added=c["added"], updated=c["updated"], unchanged=c["unchanged"],
            failed=tuple(self._failures), chunks_written=c["chunks"],
            seconds=time.perf_counter() - self._started,
            cpu_seconds=time.process_time() - self._cpu,
            resumed_after_interruption=interrupted_runs > 0,
        )  # fmt: skip


def _write_of(p: _Pending) -> DocumentWrite:
    assert p.vectors is not None  # _complete embedded every document that came without
    return DocumentWrite(p.doc, list(p.chunks), p.vectors, list(p.flags or ()))


def ingest_paths(
    store: Store,
    embedder: Embedder,
    paths: Sequence[Path],
    options: IngestOptions | None = None,
    *,
    counter: TokenCounter | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    scanner: Callable[[Sequence[str]], list[int]] | None = None,
    executor: FileExecutor | None = None,
    embedder_name: str | None = None,
) -> IngestReport:
    """Ingest files and folders; the run is recorded so an interrupted one is noticed next time.

    With an ``executor`` (``ingest.distributed``) files are loaded, chunked, embedded and
    scanned where it runs them, each worker with its own copy of the embedder called
    ``embedder_name`` (or of ``embedder`` itself, pickled, when no name is given); this process
    decides and writes exactly as without one."""
    options = options or IngestOptions()
    run = store.ingest_runs().start([str(p) for p in paths])
    # With an executor each worker parses in a pool of its own (``prepare_files``).
    pool = ParsePool(options.isolate) if executor is None and options.isolate else None
    try:
        ingestor = Ingestor(store, embedder, options, counter, on_progress, scanner)
        skipped: Counter[str] = Counter()
        documents: Iterable[Document | Prepared | LoadFailure]
        if executor is None:
            documents = read_paths(paths, options.load, skipped, pool)
        else:
            work = FileWork(
                embedder_name or embedder, ingestor.options.load, ingestor.options.chunk,
                options.isolate, scanner, counter,
            )  # fmt: skip
            documents = executor.prepare(iter_files(paths, skipped), work, _known_hashes(store))
        report = ingestor.run(documents, run.interrupted)
        report = dataclasses.replace(report, skipped=dict(skipped))
        run.finish(report.to_dict())
    finally:
        run.release()  # an exception leaves the run ``running``: the next one reports it
        if pool is not None:
            pool.close()
    return report


def _known_hashes(store: Store) -> Callable[[Sequence[str]], dict[str, str]]:
    def known(uris: Sequence[str]) -> dict[str, str]:
        return {uri: state[1] for uri, state in store.states(uris).items()}

    return known
