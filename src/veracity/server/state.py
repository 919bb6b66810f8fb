"""What the server holds for its lifetime: open collections, their answer engines, keys, limits.

Building an answer engine loads the embedder and the generator, so each collection's engine is
built once, on first use, and kept. The indexes and in-process generators are not reentrant, so
work that touches them (search, answers, ingest) runs under the collection's lock: one such
request at a time per collection, the others wait their turn.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from veracity.collection import Collection
from veracity.errors import NotFound
from veracity.rag.engine import AnswerEngine
from veracity.records import Filter
from veracity.server.config import ServerConfig
from veracity.server.metrics import Metrics
from veracity.server.ratelimit import RateLimiter
from veracity.store.keys import KeyStore

LOCAL_ADMIN = ""  # the principal id (and chat-session owner) of unauthenticated loopback use


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: an API key, or the local admin when no key exists (loopback only).

    ``labels`` None means no ACL check (the local admin); otherwise the caller sees documents
    that carry no labels or share one with ``labels``."""

    id: str
    labels: frozenset[str] | None
    collections: frozenset[str]

    @property
    def admin(self) -> bool:
        return self.labels is None

    def where(self) -> Filter | None:
        """The retrieval pre-filter of this caller (None: everything)."""
        return None if self.labels is None else Filter(labels=self.labels)

    def sees(self, doc_labels: Iterable[str]) -> bool:
        """Document visibility, the same rule the retrieval filter applies in SQL."""
        if self.labels is None:
            return True
        doc = set(doc_labels)
        return not doc or bool(doc & self.labels)


@dataclass(slots=True)
class Served:
    """One served collection with its lock and its lazily built engine."""

    name: str
    collection: Collection
    keys: KeyStore
    lock: threading.Lock
    engine: AnswerEngine | None = None

    @property
    def uploads(self) -> Path:
        return self.collection.path / "uploads"


class ServerState:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.served: dict[str, Served] = {}
        for name, path in config.collections.items():
            col = Collection(path, embedder=config.embedder, create=True)
            self.served[name] = Served(name, col, KeyStore(col.store), threading.Lock())
        self.limiter = RateLimiter(config.rate, config.burst)
        self.metrics = Metrics()
        self._engine_lock = threading.Lock()
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

    def local_admin(self) -> Principal:
        """The caller in open local mode: every collection, no ACL."""
        return Principal(LOCAL_ADMIN, None, frozenset(self.served))

    def authenticate(self, token: str | None) -> Principal | None:
        """The caller behind ``token``, or None when it is missing or valid nowhere."""
        if not self.auth_required():
            return self.local_admin()
        if not token:
            return None
        allowed: list[str] = []
        labels: frozenset[str] = frozenset()
        key_id = ""
        for name, served in self.served.items():
            key = served.keys.verify(token)
            if key is not None:
                allowed.append(name)
                labels, key_id = frozenset(key.labels), key.id
        if not allowed:
            return None
        return Principal(key_id, labels, frozenset(allowed))

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

    def close(self) -> None:
        for served in self.served.values():
            served.collection.close()
