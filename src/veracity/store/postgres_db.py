"""Connections to a PostgreSQL collection: the pool, one transaction per call, the caller's labels
as a transaction setting, and ``Filter`` as a SQL condition.

Every call of the store runs in one transaction on a pooled connection. Reads first set
``veracity.labels`` for that transaction only (``set_config(..., true)``, i.e. ``SET LOCAL``)
from the caller's ``Filter``: the row policies (``postgres_schema``) read it, so no statement in
the transaction can see a document the caller may not. Writes set ``*`` and take the store's
write lock, so the change log's sequence order is its commit order.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from typing import Any

from veracity.errors import ConfigError, MissingDependency, NotFound, StoreError
from veracity.records import Filter
from veracity.store.location import redact, scrub
from veracity.store.postgres_schema import WRITE_LOCK, check_schema, migrate

ALL_LABELS = "*"
_KEY = re.compile(r"^[A-Za-z0-9_.\- ]{1,128}$")


def import_psycopg() -> Any:
    """The psycopg module, or MissingDependency naming the extra to install."""
    try:
        import pgvector.psycopg  # noqa: F401
        import psycopg
        import psycopg_pool  # noqa: F401
    except ImportError as exc:
        raise MissingDependency(
            "PostgreSQL collections need psycopg, psycopg-pool and pgvector", "postgres"
        ) from exc
    return psycopg


def labels_setting(where: Filter | None) -> str:
    """The ``veracity.labels`` value for a reader with filter ``where`` (``*``: no label limit)."""
    if where is None or where.labels is None:
        return ALL_LABELS
    return json.dumps(sorted(where.labels))


class Database:
    """A connection pool to one collection's database (migrated on open). ``readonly``: the
    schema is checked, not migrated, and every transaction is read-only in the server."""

    def __init__(
        self,
        uri: str,
        *,
        create: bool = True,
        readonly: bool = False,
        min_size: int = 1,
        max_size: int = 8,
    ):
        psycopg = import_psycopg()
        from pgvector.psycopg import register_vector
        from psycopg_pool import ConnectionPool

        self.uri = uri
        self.display = redact(uri)
        self.readonly = readonly
        try:
            with psycopg.connect(uri, autocommit=True) as conn:
                if not create and not _has_store(conn):
                    raise NotFound(
                        f"no collection in database {self.display}; create one with "
                        f"`veracity ingest PATH --collection {self.display}`"
                    )
                if readonly:
                    check_schema(conn, self.display)
                else:
                    migrate(conn, self.display)
            self.pool = ConnectionPool(
                uri,
                min_size=min_size,
                max_size=max_size,
                configure=register_vector,
                open=True,
                name="veracity",
            )
            self.pool.wait(timeout=30)
        except psycopg.Error as exc:
            raise self.error(exc, "cannot open") from None

    def error(self, exc: BaseException, doing: str) -> StoreError:
        """A StoreError for a driver error, with no password in it."""
        detail = scrub(str(exc).strip() or type(exc).__name__, self.uri)
        return StoreError(
            f"{doing} the collection database {self.display}: {detail}. Check that the server "
            "is running and the URI (user, host, database) is right"
        )

    def close(self) -> None:
        self.pool.close()

    @contextlib.contextmanager
    def read(self, where: Filter | None = None) -> Iterator[Any]:
        """A transaction seeing what ``where``'s labels allow (everything for None)."""
        with self._transaction(labels_setting(where), write=False) as conn:
            yield conn

    @contextlib.contextmanager
    def write(self) -> Iterator[Any]:
        """A write transaction holding the store's write lock (committed on success)."""
        if self.readonly:
            raise StoreError(
                f"the collection database {self.display} was opened read-only; open it without "
                "readonly to change it"
            )
        with self._transaction(ALL_LABELS, write=True) as conn:
            yield conn

    @contextlib.contextmanager
    def _transaction(self, labels: str, *, write: bool) -> Iterator[Any]:
        import psycopg

        try:
            with self.pool.connection() as conn, conn.transaction():
                if self.readonly:
                    conn.execute("SET TRANSACTION READ ONLY")
                conn.execute("SELECT set_config('veracity.labels', %s, true)", (labels,))
                if write:
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                yield conn
        except psycopg.Error as exc:
            raise self.error(exc, "cannot use") from None


def _has_store(conn: Any) -> bool:
    row = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    return bool(row[0])


def where_sql(where: Filter | None, alias: str = "d") -> tuple[str, list[object]]:
    """``(condition, params)`` over ``documents`` for ``where``'s metadata and document ids, and
    its labels through ``veracity_sees`` (the function the row policies use: the explicit call
    keeps the rule under a role that bypasses row security). Metadata values compare as JSON
    (``{"year": 2021}`` matches ``year=2021``); ``None`` matches a null or missing key."""
    where = where or Filter()
    clauses = [f"veracity_sees({alias}.labels)"]
    params: list[object] = []
    for key, value in where.where.items():
        if not _KEY.match(key):
            raise ConfigError(
                f"invalid metadata key {key!r} in filter: use letters, digits, '_', '.', '-' or spaces"
            )
        if isinstance(value, tuple | list):
            clauses.append(f"{alias}.meta -> %s = ANY(%s::jsonb[])")
            params.extend([key, [json.dumps(v) for v in value]])
        elif value is None:
            clauses.append(f"coalesce({alias}.meta -> %s, 'null'::jsonb) = 'null'::jsonb")
            params.append(key)
        else:
            clauses.append(f"{alias}.meta -> %s = %s::jsonb")
            params.extend([key, json.dumps(value)])
    if where.document_ids is not None:
        clauses.append(f"{alias}.id = ANY(%s)")
        params.append(sorted(where.document_ids))
    return " AND ".join(clauses), params
