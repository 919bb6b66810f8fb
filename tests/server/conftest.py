"""PostgreSQL for the server tests (replicas): the store tests' throwaway server
(``tests/pg_server.py``), started on first use and stopped at the end of the session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import pg_server


@pytest.fixture(scope="session", autouse=True)
def _stop_postgres_at_exit() -> Iterator[None]:
    yield
    pg_server.stop()
