"""Where a collection lives: a local directory (SQLite) or a PostgreSQL URI.

A PostgreSQL collection keeps its documents, chunks, vectors and change log in the database; what
is derived from them (the BM25 and vector indexes, uploads received by a local server) still needs
a local directory. That directory is a cache, rebuildable from the database at any time:
``$VERACITY_CACHE/pg/<hash>`` when ``VERACITY_CACHE`` is set, else
``~/.cache/veracity/pg/<hash>``, where ``<hash>`` names the URI without its password and the
database's own store id (so two databases never share a cache, and a recreated database gets a
fresh one).

Passwords never leave this module in a message: ``redact`` replaces them with ``***``.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

__all__ = ["POSTGRES_SCHEMES", "cache_dir", "is_postgres_uri", "redact"]

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
_SECRET_PARAMS = {"password", "sslpassword"}
# A libpq keyword string (``host=... password=...``) written inside a message.
_KEYWORD_PASSWORD = re.compile(r"(password\s*=\s*)('[^']*'|\S+)", re.IGNORECASE)


def is_postgres_uri(location: object) -> bool:
    """Whether ``location`` names a PostgreSQL database rather than a directory."""
    return isinstance(location, str) and location.lower().startswith(POSTGRES_SCHEMES)


def redact(uri: str) -> str:
    """``uri`` with any password (in the user info or a ``password=`` parameter) as ``***``."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return _KEYWORD_PASSWORD.sub(r"\1***", uri)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, sep, _password = userinfo.partition(":")
        netloc = f"{user}:***@{hostport}" if sep else f"{user}@{hostport}"
    query = urlencode(
        [(k, "***" if k.lower() in _SECRET_PARAMS else v) for k, v in parse_qsl(parts.query)],
        safe="/:*",
    )
    # Built by hand: urlunsplit drops the ``//`` of an empty host (``postgresql:///db``).
    return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")


def scrub(message: str, uri: str) -> str:
    """``message`` with the password of ``uri`` (and any ``password=`` value) removed."""
    secrets: list[str] = []
    try:
        parts = urlsplit(uri)
        secrets.append(parts.password or "")
        secrets.extend(v for k, v in parse_qsl(parts.query) if k.lower() in _SECRET_PARAMS)
    except ValueError:
        pass
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        message = message.replace(secret, "***")
    return _KEYWORD_PASSWORD.sub(r"\1***", message)


def cache_dir(uri: str, store_id: str) -> Path:
    """The local directory for what a PostgreSQL collection derives (see the module docstring)."""
    root = os.environ.get("VERACITY_CACHE")
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "veracity"
    digest = hashlib.sha256(f"{redact(uri)}\n{store_id}".encode()).hexdigest()[:16]
    return base / "pg" / digest
