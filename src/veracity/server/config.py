"""Server settings: which collections, which generator, limits, CORS. Fixed at start."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from veracity.errors import ConfigError

if TYPE_CHECKING:
    from veracity.collection import Collection
    from veracity.rag.engine import AnswerEngine

EngineFactory = Callable[["Collection"], "AnswerEngine"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """``collections`` maps the name clients use (also the OpenAI "model" id) to a directory.

    ``engine_factory`` builds the answer engine of a collection (tests inject one); by default it
    is ``collection.answer_engine(generator, **generator_options)``. ``rate`` is the sustained
    requests per second each key (or anonymous client address) may make and ``burst`` the bucket
    size. ``cors_origins`` empty means no CORS headers at all (the default)."""

    collections: Mapping[str, Path]
    generator: str = "smollm2"
    generator_options: Mapping[str, Any] = field(default_factory=dict)
    embedder: str | None = None
    host: str = "127.0.0.1"
    max_upload_bytes: int = 20 * 1024 * 1024
    rate: float = 10.0
    burst: int = 40
    cors_origins: tuple[str, ...] = ()
    engine_factory: EngineFactory | None = None

    def __post_init__(self) -> None:
        if not self.collections:
            raise ConfigError("serve needs at least one collection: --collection DIR")
        for name in self.collections:
            if not _NAME.match(name):
                raise ConfigError(
                    f"bad collection name {name!r}: use letters, digits, '.', '_' or '-' "
                    "(name it with --collection NAME=DIR)"
                )
        if self.max_upload_bytes < 1 or self.rate <= 0 or self.burst < 1:
            raise ConfigError("max upload size, rate and burst must be positive")

    @property
    def loopback(self) -> bool:
        return self.host in LOOPBACK_HOSTS or self.host.startswith("127.")


def parse_collection_specs(specs: Sequence[str]) -> dict[str, Path]:
    """``DIR`` or ``NAME=DIR`` items to ``{name: path}``; the name defaults to the folder name."""
    out: dict[str, Path] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep:
            path = spec
            name = Path(spec).expanduser().resolve().name.lstrip(".") or "default"
        if name in out:
            raise ConfigError(
                f"two collections are named {name!r}; name them apart with --collection NAME=DIR"
            )
        out[name] = Path(path).expanduser()
    return out
