"""The expensive half of ingest as a pure function: files -> documents with chunks and vectors.

Ingest has two halves. Loading, chunking, embedding and the injection scan depend only on a file
and the settings, so they can run anywhere: in this process, or on the workers of a cluster
(``ingest.distributed``). Deciding what to write (content-hash dedup, upserts, label
inheritance) and writing it depend on the store, so they stay in the one process that holds it
(``ingest.pipeline.Ingestor``). ``prepare_files`` is the first half; a ``FileExecutor`` runs it
over many files and streams back ``Prepared`` records, which the ``Ingestor`` writes exactly as
it writes documents it chunked itself.

A file travels to a worker as its bytes (``FileSource.data``; the worker needs no access to the
driver's disk) or as its path (a shared filesystem). Either way the documents carry the
driver's resolved path as their uri, so ids are the same as a local ingest's.
"""

from __future__ import annotations

import dataclasses
import functools
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from veracity.embed.base import Embedder, get_embedder, token_counter_of
from veracity.errors import LoaderError, VeracityError
from veracity.ingest.isolate import ParseLimits, ParsePool
from veracity.ingest.loaders import LoadFailure, LoadOptions, load
from veracity.records import Chunk, Document, content_id
from veracity.text.chunker import ChunkOptions, chunk_document
from veracity.text.tokens import TokenCounter

Scanner = Callable[[Sequence[str]], list[int]]
# uris -> their stored content hashes (for the uris the store holds).
KnownHashes = Callable[[Sequence[str]], dict[str, str]]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A loaded document with its chunks, vectors ``(n_chunks, dim)`` and injection flags.

    ``chunks`` is None when the work was skipped because the store already held this content
    (its hash was in ``known``), and ``error`` says why a document could not be chunked."""

    document: Document
    chunks: tuple[Chunk, ...] | None = None
    vectors: np.ndarray | None = None
    flags: tuple[int, ...] | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class FileSource:
    """One file for a worker: ``path`` as the driver found it (failures are reported by it),
    ``resolved`` its absolute path (the documents' uri), ``data`` its bytes, or None for a
    worker that reads ``resolved`` itself (a shared filesystem)."""

    path: str
    resolved: str
    data: bytes | None = None


@dataclass(frozen=True, slots=True)
class FileWork:
    """Everything ``prepare_files`` needs besides the files; pickled once per worker.

    ``embedder`` is a registry name or model path (each worker loads it once and keeps it) or a
    picklable ``Embedder``. ``counter`` None counts tokens with the embedder's own counter, as
    the local ingest does; ``chunk`` is already fitted to the model's input length."""

    embedder: str | Embedder
    load: LoadOptions = dataclasses.field(default_factory=LoadOptions)
    chunk: ChunkOptions = dataclasses.field(default_factory=ChunkOptions)
    isolate: ParseLimits | None = None
    scanner: Scanner | None = None
    counter: TokenCounter | None = None


class FileExecutor(Protocol):
    """Runs ``prepare_files`` over files somewhere, streaming the results as they finish."""

    def prepare(
        self, files: Iterable[Path], work: FileWork, known: KnownHashes
    ) -> Iterator[Prepared | LoadFailure]: ...


def load_file(path: Path, options: LoadOptions, pool: ParsePool | None = None) -> Iterator[
    Document | LoadFailure
]:  # fmt: skip
    """The documents of one file; a file that fails becomes a ``LoadFailure``, never an
    exception, so one bad file cannot stop a run. With a ``pool`` the file is parsed in one of
    its worker processes (a parse that overruns its limits is that file's failure)."""
    try:
        yield from load(path, options) if pool is None else pool.load(path, options)
    except LoaderError as exc:
        # Loader messages name the file already; keep the report line readable.
        reason = str(exc).removeprefix(f"{path}: ").removeprefix(f"{path.resolve()}: ")
        yield LoadFailure(str(path), reason)
    except Exception as exc:
        yield LoadFailure(str(path), f"unexpected {type(exc).__name__}: {exc}")


def prepare_files(
    sources: Sequence[FileSource], work: FileWork, known: Mapping[str, str] | None = None
) -> list[Prepared | LoadFailure]:
    """Load, chunk, embed and scan ``sources`` (one embedder call for all their chunks).
    A document whose uri maps to its content hash in ``known`` is returned unchunked: the store
    holds it already. Pure apart from the per-process caches of embedders and parse pools."""
    known = known or {}
    embedder = _embedder(work.embedder) if isinstance(work.embedder, str) else work.embedder
    counter = work.counter if work.counter is not None else token_counter_of(embedder)
    pool = _pool(work.isolate) if work.isolate is not None else None
    out: list[Prepared | LoadFailure] = []
    for source in sources:
        for item in _load_source(source, work.load, pool):
            if isinstance(item, LoadFailure) or known.get(item.uri) == item.content_hash:
                out.append(item if isinstance(item, LoadFailure) else Prepared(item))
                continue
            try:
                chunks = tuple(chunk_document(item, work.chunk, counter))
            except VeracityError as exc:
                out.append(Prepared(item, error=str(exc)))
                continue
            out.append(Prepared(item, chunks))
    return _embed(out, embedder, work.scanner)


def _embed(
    items: list[Prepared | LoadFailure], embedder: Embedder, scanner: Scanner | None
) -> list[Prepared | LoadFailure]:
    texts = [c.text for p in items if isinstance(p, Prepared) for c in p.chunks or ()]
    if not texts:
        return items
    vectors = embedder.embed(texts)  # (n_chunks, dim)
    flags = scanner(texts) if scanner is not None else [0] * len(texts)
    offset = 0
    for i, item in enumerate(items):
        if isinstance(item, Prepared) and item.chunks:
            end = offset + len(item.chunks)
            items[i] = dataclasses.replace(
                item, vectors=vectors[offset:end], flags=tuple(flags[offset:end])
            )
            offset = end
    return items


def _load_source(
    source: FileSource, options: LoadOptions, pool: ParsePool | None
) -> Iterator[Document | LoadFailure]:
    if source.data is None:
        for item in load_file(Path(source.resolved), options, pool):
            yield _relocate(item, source.resolved, source)
        return
    # The loaders read paths: write the bytes under the same file name (titles come from it),
    # then give every document and failure the driver's path back.
    with tempfile.TemporaryDirectory(prefix="veracity-ingest-") as folder:
        tmp = (Path(folder) / Path(source.resolved).name).resolve()
        tmp.write_bytes(source.data)
        for item in load_file(tmp, options, pool):
            yield _relocate(item, str(tmp), source)


def _relocate(
    item: Document | LoadFailure, where: str, source: FileSource
) -> Document | LoadFailure:
    """``item`` as a local ingest of ``source`` reports it: a whole-file failure by the path as
    given, rows and documents by the resolved path (the uri a local ingest stores)."""
    real = source.resolved
    if isinstance(item, LoadFailure):
        uri = source.path if item.uri == where else item.uri.replace(where, real, 1)
        return LoadFailure(uri, item.reason.replace(where, real))
    if where == real or not item.uri.startswith(where):
        return item
    uri = real + item.uri[len(where) :]
    return dataclasses.replace(item, uri=uri, id=content_id("doc", uri))


@functools.lru_cache(maxsize=4)
def _embedder(name: str) -> Embedder:
    """A worker loads each embedder once (a model takes seconds to load), then reuses it."""
    return get_embedder(name)


@functools.lru_cache(maxsize=2)
def _pool(limits: ParseLimits) -> ParsePool:
    """One parse pool per worker process and limits; its processes end with the worker."""
    return ParsePool(limits, keep=1)
