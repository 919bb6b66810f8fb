"""A BentoML service over one collection: ``ask`` (cited answer or abstention) and ``search``.

Run it with BentoML installed (``pip install 'veracity[deploy]'``)::

    VERACITY_COLLECTION=./.veracity bentoml serve veracity.deploy.bento_service:VeracityService

or build a Bento from ``deploy/bentoml/bentofile.yaml``. The service is configured by environment
variables (``veracity.deploy.service.config_from_env``: ``VERACITY_COLLECTION``,
``VERACITY_MODEL``, ``VERACITY_BASE_URL``, ``VERACITY_LABELS``, ...), read when a worker starts.

The logic is the plain class ``VeracityAPI`` (testable, and usable, without BentoML). The BentoML
class ``VeracityService`` wraps it; it is built on first access (a module ``__getattr__``), so
importing this module neither needs nor imports BentoML.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator, Mapping
from typing import Any

from veracity.deploy.service import AnswerService, DeployConfig, EngineFactory, config_from_env
from veracity.errors import ConfigError, MissingDependency

__all__ = ["VeracityAPI", "VeracityService"]  # noqa: F822 (VeracityService: built lazily)

# One answer may take a while on a CPU (a generative answer from a small local model): BentoML's
# default request timeout (60 s) would cut it off under load.
REQUEST_TIMEOUT_S = 300


class VeracityAPI:
    """The service's endpoints as plain methods over an ``AnswerService``."""

    def __init__(
        self, config: DeployConfig | None = None, *, engine_factory: EngineFactory | None = None
    ) -> None:
        self.service = AnswerService(
            config or config_from_env(os.environ), engine_factory=engine_factory
        )

    def ask(self, question: str, style: str | None = None, k: int | None = None) -> dict[str, Any]:
        """A cited answer, or an abstention with its reason."""
        return self.service.ask(question, style=style, k=k)

    def search(self, query: str, k: int = 10, mode: str = "hybrid") -> list[dict[str, Any]]:
        """The ``k`` best passages with their scores and spans."""
        return self.service.search(query, k=k, mode=mode)

    def ready(self) -> Mapping[str, Any]:
        """Open the collection and build its indexes (a readiness probe that does real work)."""
        status = self.service.collection().status()
        return {"documents": status.documents, "chunks": status.chunks}


def __getattr__(name: str) -> Any:
    if name == "VeracityService":
        return _bento_service()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def _bento_service() -> Any:
    try:
        import bentoml
    except ImportError as exc:
        raise MissingDependency("the BentoML service", "deploy", "'bentoml>=1.4'") from exc

    class VeracityService:
        """Grounded, cited answers over one Veracity collection."""

        def __init__(self) -> None:
            self.api = VeracityAPI()
            self.api.ready()  # fail at start-up, not on a user's first question

        @bentoml.api  # type: ignore[untyped-decorator]
        def ask(
            self, question: str, style: str | None = None, k: int | None = None
        ) -> dict[str, Any]:
            with _bad_request():
                return self.api.ask(question, style, k)

        @bentoml.api  # type: ignore[untyped-decorator]
        def search(self, query: str, k: int = 10, mode: str = "hybrid") -> list[dict[str, Any]]:
            with _bad_request():
                return self.api.search(query, k, mode)

    VeracityService.__module__ = __name__
    VeracityService.__qualname__ = "VeracityService"
    return bentoml.service(name="veracity", traffic={"timeout": REQUEST_TIMEOUT_S})(VeracityService)


@contextlib.contextmanager
def _bad_request() -> Iterator[None]:
    """A request Veracity refuses (an empty question, an unknown style, k out of range) is the
    caller's error: HTTP 400 with the message that says how to fix it, not a 500."""
    from bentoml.exceptions import InvalidArgument

    try:
        yield
    except ConfigError as exc:
        raise InvalidArgument(str(exc)) from exc
