"""PostgreSQL for the store tests: one throwaway server per session (see ``tests/pg_server.py``),
started on first use and stopped at the end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import pg_server


@pytest.fixture(scope="session", autouse=True)
def _stop_postgres_at_exit() -> Iterator[None]:
    yield
    pg_server.stop()


@pytest.fixture
def pg_uri() -> str:
    """A fresh empty database with pgvector, as an ordinary role (skips if none can start)."""
    return pg_server.fresh_database()
