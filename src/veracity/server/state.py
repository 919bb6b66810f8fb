"""What the server holds for its lifetime: open collections, their answer engines, keys, limits.

Building an answer engine loads the embedder and the generator, so each collection's engine is
built once, on first use, and kept.

Readers (search, answers, document lists) take no server lock, and the health check no lock at
all. A search waits at most for its collection's index lock (``IndexSet.lock``: held for index
lookups and for applying committed changes to the in-memory indexes) and for the store's
connection lock (held for one statement, or one batch's write transaction: never across a parse
or an embedding). Generators serialize themselves where they must (llama.cpp queues requests on
its one slot). Uploads are parsed in a worker process (``parser``, outside any lock); only
writers then take ``Served.lock``, so two ingests or deletes of one collection do not
interleave. Nothing a reader needs waits for a parse, an embedding or a generation.

Replicas: several servers may serve one PostgreSQL collection. Each keeps its own indexes,
caught up from the store's change log at most ``ServerConfig.sync_interval`` after another
process's commit, and at once after its own writes (``Served.wrote``). See ``index.sync``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from veracity.collection import Collection
from veracity.errors import ConfigError, NotFound
from veracity.index.sync import IndexSet
from veracity.ingest.isolate import ParsePool
from veracity.rag.engine import AnswerEngine
from veracity.records import Filter
from veracity.server.config import Location, ServerConfig, describe
from veracity.server.errors import ApiError
from veracity.server.metrics import Metrics
from veracity.server.ratelimit import RateLimiter
from veracity.store.keys import READ, RIGHTS, UPLOAD, ApiKey
from veracity.store.location import is_postgres_uri
from veracity.store.protocols import KeyTable

LOCAL_ADMIN = ""  # the principal id (and chat-session owner) of unauthenticated loopback use


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: an API key, or the local admin when no key exists (loopback only).

    ``labels`` None means no ACL check (the local admin); otherwise the caller sees documents
    that carry no labels or share one with ``labels``. ``rights`` are the key's rights (see
    ``store.keys``; the local admin has them all) and ``key_labels`` its labels in the order they
    were given (the first is its default upload label)."""

    id: str
    labels: frozenset[str] | None
    collections: frozenset[str]
    rights: frozenset[str] = frozenset({READ})
    key_labels: tuple[str, ...] = ()

    @property
    def admin(self) -> bool:
        return self.labels is None

    def can(self, right: str) -> bool:
        return self.admin or right in self.rights

    def require(self, right: str, action: str) -> None:
        """403 naming the missing right and the command that grants it, unless the caller has
        ``right``."""
        if not self.can(right):
            raise ApiError(
                403,
                f"this API key may not {action}: it lacks the {right!r} right (it has "
                f"{', '.join(sorted(self.rights))}). On the server, grant it with `veracity keys "
                f"grant {self.id} --collections DIR --can {right}`",
            )

    def upload_labels(self, requested: Sequence[str]) -> tuple[str, ...]:
        """The labels an upload by this caller gets: for a key, exactly its first label unless
        ``requested`` names labels of its own (anything else is 403); a key without labels may
        not upload (its document would be visible to every key of the collection). The local
        admin (open loopback mode) uploads with ``requested`` as given, unlabelled by default."""
        wanted = tuple(dict.fromkeys(x.strip() for x in requested if x.strip()))
        if self.admin:
            return wanted
        self.require(UPLOAD, "upload documents")
        if not self.key_labels:
            raise ApiError(
                403,
                "this API key has no labels, so its uploads would carry none and be visible to "
                "every key of the collection, including keys made later; uploads need a key "
                "with a label: `veracity keys create --collections DIR --labels TEAM --can "
                "upload`",
            )
        outside = [x for x in wanted if x not in self.key_labels]
        if outside:
            raise ApiError(
                403,
                f"this key may not label documents {outside}: an upload may carry only the "
                f"key's own labels {list(self.key_labels)} (by default its first, "
                f"{self.key_labels[0]!r})",
            )
        return wanted or self.key_labels[:1]

    def where(self) -> Filter | None:
        """The access filter of this caller (None: everything), for searches and every document
        read: the store applies the one label rule (``store.filters``) in SQL."""
        return None if self.labels is None else Filter(labels=self.labels)


@dataclass(slots=True)
class Served:
    """One served collection with its writers' lock and its lazily built engine. ``lock``
    serializes the writes of this collection (ingest, delete); readers never take it.
    ``indexes`` is set for a collection whose log is checked at intervals (PostgreSQL)."""

    name: str
    collection: Collection
    keys: KeyTable
    lock: threading.Lock
    engine: AnswerEngine | None = None
    indexes: IndexSet | None = None

    def wrote(self) -> None:
        """After a write of this server's own: its next search applies it, whatever the sync
        interval (a client reads its own writes on the replica it wrote to)."""
        if self.indexes is not None:
            self.indexes.expire()

    @property
    def uploads(self) -> Path:
        return self.collection.path / "uploads"

    def sweep_uploads(self) -> int:
        """On a replica (``indexes`` set): delete the uploads this replica holds whose documents
        were deleted through another replica (``Collection.remove_orphan_uploads``). Skipped,
        to be tried at the next sweep, while a write of this server holds the lock."""
        if self.indexes is None or not self.lock.acquire(blocking=False):
            return 0
        try:
            return self.collection.remove_orphan_uploads()
        finally:
            self.lock.release()


class ServerState:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.served: dict[str, Served] = {}
        for name, location in config.collections.items():
            self.served[name] = _open_served(name, location, config)
        self.limiter = RateLimiter(config.rate, config.burst)
        self.metrics = Metrics()
        self._engine_lock = threading.Lock()
        # Uploads are parsed in worker processes under the configured time and memory limits.
        self.parser = ParsePool(config.parse_limits)
        # The auth mode, fixed here at start (see auth_required).
        self._keys_required = not config.loopback or self.has_active_keys()

    def has_active_keys(self) -> bool:
        """True when any served collection holds an unrevoked key (a database read)."""
        return any(s.keys.has_active() for s in self.served.values())

    def auth_required(self) -> bool:
        """Whether callers need a key. Decided at start and only ever tightened: a server bound
        beyond loopback, or started with a key, requires one for its whole life, even once every
        key is revoked (then it refuses everyone until a key is created). A loopback server started
        with no key is open until a key appears (``veracity keys create`` while it runs), and from
        then on requires one too. Never re-derived from the current key count, which revoking the
        last key would turn back into an open server."""
        if not self._keys_required and self.has_active_keys():
            self._keys_required = True  # one way only: open -> keys, never back
        return self._keys_required

    def auth_known(self) -> bool:
        """``auth_required()`` as last decided, without reading the database: what the health
        check reports, so that it takes no lock of any kind. A key created while an open
        server runs shows here once any other request has been checked."""
        return self._keys_required

    def local_admin(self) -> Principal:
        """The caller in open local mode: every collection, no ACL."""
        return Principal(LOCAL_ADMIN, None, frozenset(self.served), frozenset(RIGHTS))

    def authenticate(self, token: str | None) -> Principal | None:
        """The caller behind ``token``, or None when it is missing or valid nowhere."""
        if not self.auth_required():
            return self.local_admin()
        if not token:
            return None
        allowed: list[str] = []
        found: ApiKey | None = None
        rights = frozenset(RIGHTS)
        for name, served in self.served.items():
            key = served.keys.verify(token)
            if key is not None:
                allowed.append(name)
                found = key
                rights &= frozenset(key.rights)  # a right held in every collection it opens
        if found is None:
            return None
        return Principal(
            found.id, frozenset(found.labels), frozenset(allowed), rights, found.labels
        )

    def get(self, name: str, principal: Principal) -> Served:
        """The collection ``name`` if the caller may use it; unknown and forbidden look the same."""
        served = self.served.get(name)
        if served is None or name not in principal.collections:
            known = ", ".join(sorted(principal.collections)) or "none"
            raise NotFound(f"no collection {name!r}; collections you can use: {known}")
        return served

    def engine(self, served: Served) -> AnswerEngine:
        with self._engine_lock:
            if served.engine is None:
                factory = self.config.engine_factory
                served.engine = (
                    factory(served.collection)
                    if factory is not None
                    else served.collection.answer_engine(
                        self.config.generator, **dict(self.config.generator_options)
                    )
                )
            return served.engine

    def sweep_uploads(self) -> int:
        """``Served.sweep_uploads`` for every served collection; how many files went."""
        return sum(served.sweep_uploads() for served in self.served.values())

    def close(self) -> None:
        self.parser.close()
        for served in self.served.values():
            served.collection.close()


def _open_served(name: str, location: Location, config: ServerConfig) -> Served:
    """Open one configured collection. A mistyped location must not silently serve a new, empty
    collection: unless ``config.create``, a directory must exist (an existing empty one is taken
    as made for the purpose) and a database must hold a collection already."""
    if is_postgres_uri(location):
        return _open_database(name, str(location), config)
    if not config.create and not Path(location).expanduser().is_dir():
        raise ConfigError(
            f"collection {name!r}: {location} is not an existing directory; check the path, "
            f"create the collection first with `veracity ingest PATH --collection {location}`, "
            "or start the server with --create to serve a new, empty one"
        )
    col = Collection(location, embedder=config.embedder, create=True)
    return Served(name, col, col.store.api_keys(), threading.Lock())


def _open_database(name: str, uri: str, config: ServerConfig) -> Served:
    """A PostgreSQL collection, served as one replica among any number: its indexes are built
    now (not loaded: that waits for the first search) with the configured sync interval."""
    try:
        col = Collection(uri, embedder=config.embedder, create=config.create)
    except NotFound:
        shown = describe(uri)
        raise ConfigError(
            f"collection {name!r}: database {shown} holds no Veracity collection; check the "
            f"URI, create the collection with `veracity ingest PATH --collection {shown}`, or "
            "start the server with --create to serve a new, empty one"
        ) from None
    indexes = col.indexes()
    indexes.sync_interval = config.sync_interval
    return Served(name, col, col.store.api_keys(), threading.Lock(), indexes=indexes)
