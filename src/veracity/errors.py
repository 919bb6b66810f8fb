"""The one error tree of Veracity.

Every error the core raises on purpose is a ``VeracityError``; the CLI maps it to one message and a
non-zero exit code, the server to an HTTP status with a JSON body. Messages say what was wrong,
what is allowed, and how to fix it.

::

    VeracityError
    ├── ConfigError                 bad argument or setting (unknown backend name, bad filter, ...)
    │   └── MissingDependency       an optional library is not installed; names the extra to install
    ├── LoaderError                 one document could not be read (kept per document in the report)
    ├── StoreError                  the collection on disk cannot be used
    │   ├── SchemaError             written by a newer Veracity, or damaged
    │   ├── EmbedderMismatch        the collection was embedded with another model
    │   └── NotFound                no such document / session / key
    ├── IndexError_                 a derived index is missing or stale and cannot be rebuilt
    ├── GenerationError             a generator backend failed (model file, server, timeout)
    │   └── ModelNotFound           the named model file or id cannot be found offline
    ├── GuardError                  a query was refused by a guard
    └── EvaluationError             a dataset for evaluation is malformed
"""

from __future__ import annotations


class VeracityError(Exception):
    """Base of every error Veracity raises on purpose. ``str(err)`` is a complete user message."""

    exit_code: int = 1


class ConfigError(VeracityError):
    """A bad argument or setting: an unknown backend, an invalid filter, a value out of range."""

    exit_code = 2


class MissingDependency(ConfigError):
    """An optional library is missing; the message names the ``pip install`` that fixes it."""

    def __init__(self, what: str, extra: str, package: str | None = None) -> None:
        hint = f"pip install 'veracity[{extra}]'"
        if package:
            hint += f" (or: pip install {package})"
        super().__init__(f"{what} needs an optional dependency that is not installed. Fix: {hint}")
        self.extra = extra


class LoaderError(VeracityError):
    """One document could not be loaded. The ingest report keeps it with its reason."""


class StoreError(VeracityError):
    """The collection on disk cannot be opened or written."""

    exit_code = 3


class SchemaError(StoreError):
    """The collection was written by a newer Veracity, or its schema is damaged."""


class EmbedderMismatch(StoreError):
    """The collection's vectors come from another embedder than the one asked for."""


class NotFound(StoreError):
    """No document, session or key matches."""

    exit_code = 4


class IndexError_(VeracityError):
    """A derived index is unusable and could not be rebuilt from the store."""

    exit_code = 3


class GenerationError(VeracityError):
    """A generator backend failed: a model file, a remote server, a timeout."""

    exit_code = 5


class ModelNotFound(GenerationError):
    """A model named by path or id cannot be found (and nothing is downloaded unless asked)."""

    exit_code = 2


class GuardError(VeracityError):
    """A guard refused the input (for example a prompt-injection attempt)."""


class EvaluationError(VeracityError):
    """An evaluation dataset is missing or malformed."""

    exit_code = 2
