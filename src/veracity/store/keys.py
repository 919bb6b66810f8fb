"""API keys of a collection: random bearer tokens stored only as their SHA-256.

A token looks like ``vk_<id>_<secret>``: ``id`` (12 hex) names the key in listings, logs and as
the owner of chat sessions; ``secret`` is 32 random bytes, url-safe. Only ``sha256(token)`` is
stored, so a stolen database reveals no usable key; the token is shown once, when created.

A key lives in each collection it grants access to (the same id and hash written to every one):
a key is valid for a collection exactly when that collection's store holds it unrevoked. ``labels``
are the ACL labels the key may see: a document is visible to the key when it carries no labels or
shares one with the key.

``rights`` say what a key may do: ``read`` (always: list, search, ask, chat), and, only when
granted at creation (``--can upload,delete``) or later (``veracity keys grant``), ``upload``
(add documents), ``delete`` (remove documents) and ``admin`` (server-wide views such as
``/api/metrics``, which show every key's traffic). A new key is read-only unless told otherwise:
seeing a document must not be enough to delete it. Keys made before rights existed are read-only
(migration ``004_key_rights``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from veracity.errors import ConfigError, NotFound

if TYPE_CHECKING:
    from veracity.store.protocols import Store

TOKEN_PREFIX = "vk_"
READ, UPLOAD, DELETE, ADMIN = "read", "upload", "delete", "admin"
RIGHTS = (READ, UPLOAD, DELETE, ADMIN)  # in the order listings show them


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    name: str
    labels: tuple[str, ...]
    created_at: float
    revoked_at: float | None = None
    rights: tuple[str, ...] = (READ,)

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def can(self, right: str) -> bool:
        return right in self.rights


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


def clean_labels(labels: Sequence[str] | str) -> tuple[str, ...]:
    """Labels stripped and deduplicated, in the order given (the first is a key's default
    upload label); a plain string is one label, never a sequence of letters."""
    if isinstance(labels, str):
        labels = [labels]
    out = tuple(dict.fromkeys(x.strip() for x in labels if x.strip()))
    for label in out:
        if len(label) > 100 or any(c in label for c in ",\n\r\t"):
            raise ConfigError(f"bad label {label!r}: labels are short words without commas")
    return out


def clean_rights(rights: Sequence[str] | str) -> tuple[str, ...]:
    """``read`` plus the known rights named in ``rights`` (a comma-separated string or a list),
    in ``RIGHTS`` order; an unknown name is a ConfigError listing the known ones."""
    if isinstance(rights, str):
        rights = rights.split(",")
    wanted = {x.strip().lower() for x in rights if x.strip()}
    unknown = sorted(wanted - set(RIGHTS))
    if unknown:
        raise ConfigError(
            f"unknown key right(s) {', '.join(unknown)}: a key can {', '.join(RIGHTS)} "
            "(read is always granted), e.g. --can upload,delete"
        )
    return tuple(r for r in RIGHTS if r == READ or r in wanted)


def _row_key(r: Sequence[Any]) -> ApiKey:
    """An ``ApiKey`` from ``id, name, labels, created_at, revoked_at, rights`` columns."""
    return ApiKey(r[0], r[1], tuple(json.loads(r[2])), r[3], r[4], clean_rights(json.loads(r[5])))


_COLUMNS = "id, name, labels, created_at, revoked_at, rights"


class KeyStore:
    """The ``api_keys`` table of one collection's store: ``protocols.KeyTable`` over any SQL
    backend (get one with ``store.api_keys()``). ``write`` and ``read`` open a transaction and a
    read, each yielding a connection whose ``execute(sql, params)`` returns a cursor;
    ``placeholder`` is the driver's parameter mark (``?`` for sqlite3, ``%s`` for psycopg);
    ``where`` names the collection in error messages."""

    def __init__(
        self,
        write: Callable[[], AbstractContextManager[Any]],
        read: Callable[[], AbstractContextManager[Any]],
        where: str,
        placeholder: str = "?",
    ) -> None:
        self._write, self._read, self.where, self._mark = write, read, where, placeholder

    def _sql(self, sql: str) -> str:
        return sql.replace("?", self._mark)

    def add(
        self,
        key_id: str,
        token: str,
        name: str,
        labels: Sequence[str] | str,
        rights: Sequence[str] | str = (READ,),
    ) -> ApiKey:
        """Store key ``key_id`` (hash of ``token`` only). Use ``create_key`` to make a new one."""
        key = ApiKey(
            key_id, name[:200], clean_labels(labels), time.time(), rights=clean_rights(rights)
        )
        with self._write() as db:
            db.execute(
                self._sql("INSERT INTO api_keys (id, token_sha256, name, labels, created_at, "
                          "rights) VALUES (?, ?, ?, ?, ?, ?)"),
                (key.id, hash_token(token), key.name, json.dumps(list(key.labels)),
                 key.created_at, json.dumps(list(key.rights))),
            )  # fmt: skip
        return key

    def all_keys(self, *, include_revoked: bool = True) -> list[ApiKey]:
        sql = f"SELECT {_COLUMNS} FROM api_keys"
        if not include_revoked:
            sql += " WHERE revoked_at IS NULL"
        with self._read() as db:
            rows = db.execute(sql + " ORDER BY created_at").fetchall()
        return [_row_key(r) for r in rows]

    def has_active(self) -> bool:
        with self._read() as db:
            row = db.execute("SELECT 1 FROM api_keys WHERE revoked_at IS NULL LIMIT 1").fetchone()
        return row is not None

    def verify(self, token: str) -> ApiKey | None:
        """The active key whose token this is, or None (unknown, malformed or revoked)."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        digest = hash_token(token)
        with self._read() as db:
            row = db.execute(
                self._sql(f"SELECT {_COLUMNS}, token_sha256 FROM api_keys WHERE token_sha256 = ?"),
                (digest,),
            ).fetchone()
        if row is None or row[4] is not None or not hmac.compare_digest(row[6], digest):
            return None
        return _row_key(row)

    def revoke(self, key_id: str) -> ApiKey:
        with self._write() as db:
            n = db.execute(
                self._sql("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"),
                (time.time(), key_id),
            ).rowcount
        if not n:
            raise self._missing(key_id)
        return next(k for k in self.all_keys() if k.id == key_id)

    def grant(self, key_id: str, rights: Sequence[str] | str) -> ApiKey:
        """Add ``rights`` to an active key's rights (to take rights away, revoke the key and
        create a new one)."""
        key = next((k for k in self.all_keys(include_revoked=False) if k.id == key_id), None)
        if key is None:
            raise self._missing(key_id)
        granted = clean_rights([*key.rights, *clean_rights(rights)])
        with self._write() as db:
            db.execute(
                self._sql("UPDATE api_keys SET rights = ? WHERE id = ?"),
                (json.dumps(list(granted)), key_id),
            )
        return next(k for k in self.all_keys() if k.id == key_id)

    def _missing(self, key_id: str) -> NotFound:
        return NotFound(f"no active API key {key_id!r} in {self.where}; see `veracity keys list`")


def create_key(
    stores: Sequence[Store],
    labels: Sequence[str] | str,
    name: str = "",
    rights: Sequence[str] | str = (READ,),
) -> NewKey:
    """Make one key valid for every store in ``stores``; returns it with its token. ``rights``
    beyond ``read`` (``upload``, ``delete``, ``admin``) must be asked for."""
    if not stores:
        raise ConfigError("a key needs at least one collection: --collections DIR [DIR ...]")
    key_id, token = make_token()
    key = ApiKey(key_id, name, clean_labels(labels), 0.0, rights=clean_rights(rights))
    for store in stores:
        key = store.api_keys().add(key_id, token, name, labels, rights)
    return NewKey(key, token)
