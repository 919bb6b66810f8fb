"""Server settings: which collections, which generator, limits, CORS. Fixed at start."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from veracity.errors import ConfigError
from veracity.generate.base import check_generator
from veracity.ingest.isolate import ParseLimits
from veracity.store.location import is_postgres_uri, redact

if TYPE_CHECKING:
    from veracity.collection import Collection
    from veracity.rag.engine import AnswerEngine

EngineFactory = Callable[["Collection"], "AnswerEngine"]
# Where a served collection lives: a directory, or a ``postgresql://`` URI (a str).
Location = Path | str

# Replica delay: a PostgreSQL collection's log head is read at most this often (one indexed
# ``max(seq)`` query, so 4 a second cost the database next to nothing).
DEFAULT_SYNC_INTERVAL = 0.25
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """``collections`` maps the name clients use (also the OpenAI "model" id) to a directory or a
    ``postgresql://`` URI. ``create`` lets a location hold no collection yet (a missing
    directory, a database without one): one is made; otherwise such a location is refused.
    ``sync_interval`` is the replica delay of PostgreSQL collections: how often, in seconds, this
    server reads the collection's change log head to apply what other processes committed
    (``index.sync``); SQLite collections check it on every search.

    ``engine_factory`` builds the answer engine of a collection (tests inject one); by default it
    is ``collection.answer_engine(generator, **generator_options)``. ``rate`` is the sustained
    requests per second each key (or anonymous client address) may make and ``burst`` the bucket
    size. ``cors_origins`` empty means no CORS headers at all (the default). ``max_upload_bytes``
    caps a file upload and ``max_json_bytes`` every other request body, counted as it streams in.
    ``trusted_proxies`` are the peer addresses or networks (``10.0.0.0/8``) whose
    ``X-Forwarded-For`` names the client for the anonymous rate limit; empty, the header is
    ignored (any client could set it). ``parse_limits`` bound the parse of each uploaded file,
    which runs in a worker process (``ingest.isolate``)."""

    collections: Mapping[str, Location]
    generator: str = "smollm2"
    generator_options: Mapping[str, Any] = field(default_factory=dict)
    embedder: str | None = None
    host: str = "127.0.0.1"
    max_upload_bytes: int = 20 * 1024 * 1024
    max_json_bytes: int = 1024 * 1024
    rate: float = 10.0
    burst: int = 40
    cors_origins: tuple[str, ...] = ()
    trusted_proxies: tuple[str, ...] = ()
    engine_factory: EngineFactory | None = None
    parse_limits: ParseLimits = field(default_factory=ParseLimits)
    create: bool = False
    sync_interval: float = DEFAULT_SYNC_INTERVAL

    def __post_init__(self) -> None:
        if not self.collections:
            raise ConfigError("serve needs at least one collection: --collection DIR or URI")
        for name in self.collections:
            if not _NAME.match(name):
                raise ConfigError(
                    f"bad collection name {name!r}: use letters, digits, '.', '_' or '-' "
                    "(name it with --collection NAME=DIR or NAME=URI)"
                )
        if min(self.max_upload_bytes, self.max_json_bytes, self.burst) < 1 or self.rate <= 0:
            raise ConfigError(
                "max upload size, max JSON body size, rate and burst must be positive"
            )
        if not 0 <= self.sync_interval <= 3600:
            raise ConfigError(
                f"the sync interval must be from 0 to 3600 s (--sync-ms 0 to 3600000), got "
                f"{self.sync_interval}"
            )
        self.proxy_networks()  # fail at start, not on the first request
        if self.engine_factory is None:  # the default engine uses ``generator``: check its name
            check_generator(self.generator, **dict(self.generator_options))

    def proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """``trusted_proxies`` parsed; ConfigError names a bad entry."""
        out = []
        for item in self.trusted_proxies:
            try:
                out.append(ipaddress.ip_network(item.strip(), strict=False))
            except ValueError:
                raise ConfigError(
                    f"bad trusted proxy {item!r}: give an IP address (10.0.0.5) or a network "
                    "(10.0.0.0/8), as --trusted-proxy ADDR"
                ) from None
        return tuple(out)

    @property
    def loopback(self) -> bool:
        return self.host in LOOPBACK_HOSTS or self.host.startswith("127.")


def parse_collection_specs(specs: Sequence[str]) -> dict[str, Location]:
    """``DIR``, ``URI``, ``NAME=DIR`` or ``NAME=URI`` items to ``{name: location}``. The name
    defaults to the folder name, or to the database name of a ``postgresql://`` URI (whose query
    may hold ``=``: an item that starts with the scheme has no name before it)."""
    out: dict[str, Location] = {}
    for spec in specs:
        name, sep, location = spec.partition("=")
        if not sep or is_postgres_uri(spec):
            name, location = _default_name(spec), spec
        if name in out:
            raise ConfigError(
                f"two collections are named {name!r}; name them apart with --collection NAME=DIR "
                "(or NAME=URI)"
            )
        out[name] = location if is_postgres_uri(location) else Path(location).expanduser()
    return out


def _default_name(spec: str) -> str:
    if is_postgres_uri(spec):
        from urllib.parse import unquote, urlsplit

        try:
            database = unquote(urlsplit(spec).path.lstrip("/"))
        except ValueError:
            raise ConfigError(f"bad PostgreSQL URI {redact(spec)}") from None
        return database or "default"
    return Path(spec).expanduser().resolve().name.lstrip(".") or "default"


def describe(location: Location) -> str:
    """``location`` for logs and messages: a URI without its password, or the path."""
    return redact(str(location)) if is_postgres_uri(location) else str(location)
