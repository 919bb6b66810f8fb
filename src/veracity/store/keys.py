"""API keys of a collection: random bearer tokens stored only as their SHA-256.

A token looks like ``vk_<id>_<secret>``: ``id`` (12 hex) names the key in listings, logs and as
the owner of chat sessions; ``secret`` is 32 random bytes, url-safe. Only ``sha256(token)`` is
stored, so a stolen database reveals no usable key; the token is shown once, when created.

A key lives in each collection it grants access to (the same id and hash written to every one):
a key is valid for a collection exactly when that collection's store holds it unrevoked. ``labels``
are the ACL labels the key may see: a document is visible to the key when it carries no labels or
shares one with the key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass

from veracity.errors import ConfigError, NotFound
from veracity.store.sqlite import SQLiteStore

TOKEN_PREFIX = "vk_"


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    name: str
    labels: tuple[str, ...]
    created_at: float
    revoked_at: float | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True, slots=True)
class NewKey:
    """A freshly made key and its token (the only time the token exists outside its holder)."""

    key: ApiKey
    token: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def make_token() -> tuple[str, str]:
    """A new ``(key id, token)``."""
    key_id = secrets.token_hex(6)
    return key_id, f"{TOKEN_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"


def clean_labels(labels: Sequence[str]) -> tuple[str, ...]:
    out = tuple(sorted({x.strip() for x in labels if x.strip()}))
    for label in out:
        if len(label) > 100 or any(c in label for c in ",\n\r\t"):
            raise ConfigError(f"bad label {label!r}: labels are short words without commas")
    return out


class KeyStore:
    """The ``api_keys`` table of one collection's store."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store

    def add(self, key_id: str, token: str, name: str, labels: Sequence[str]) -> ApiKey:
        """Store key ``key_id`` (hash of ``token`` only). Use ``create_key`` to make a new one."""
        key = ApiKey(key_id, name[:200], clean_labels(labels), time.time())
        with self.store._write() as db:
            db.execute(
                "INSERT INTO api_keys (id, token_sha256, name, labels, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (key.id, hash_token(token), key.name, json.dumps(list(key.labels)), key.created_at),
            )
        return key

    def all_keys(self, *, include_revoked: bool = True) -> list[ApiKey]:
        sql = "SELECT id, name, labels, created_at, revoked_at FROM api_keys"
        if not include_revoked:
            sql += " WHERE revoked_at IS NULL"
        with self.store._lock:
            rows = self.store._db.execute(sql + " ORDER BY created_at").fetchall()
        return [ApiKey(r[0], r[1], tuple(json.loads(r[2])), r[3], r[4]) for r in rows]

    def has_active(self) -> bool:
        with self.store._lock:
            row = self.store._db.execute(
                "SELECT 1 FROM api_keys WHERE revoked_at IS NULL LIMIT 1"
            ).fetchone()
        return row is not None

    def verify(self, token: str) -> ApiKey | None:
        """The active key whose token this is, or None (unknown, malformed or revoked)."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        digest = hash_token(token)
        with self.store._lock:
            row = self.store._db.execute(
                "SELECT id, name, labels, created_at, revoked_at, token_sha256 FROM api_keys"
                " WHERE token_sha256 = ?",
                (digest,),
            ).fetchone()
        if row is None or row[4] is not None or not hmac.compare_digest(row[5], digest):
            return None
        return ApiKey(row[0], row[1], tuple(json.loads(row[2])), row[3], row[4])

    def revoke(self, key_id: str) -> ApiKey:
        with self.store._write() as db:
            n = db.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (time.time(), key_id),
            ).rowcount
        if not n:
            raise NotFound(
                f"no active API key {key_id!r} in {self.store.directory}; see `veracity keys list`"
            )
        return next(k for k in self.all_keys() if k.id == key_id)


def create_key(stores: Sequence[SQLiteStore], labels: Sequence[str], name: str = "") -> NewKey:
    """Make one key valid for every store in ``stores``; returns it with its token."""
    if not stores:
        raise ConfigError("a key needs at least one collection: --collections DIR [DIR ...]")
    key_id, token = make_token()
    key = ApiKey(key_id, name, clean_labels(labels), 0.0)
    for store in stores:
        key = KeyStore(store).add(key_id, token, name, labels)
    return NewKey(key, token)
