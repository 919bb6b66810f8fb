"""Property-based run of the published OpenAPI schema with schemathesis: no input may cause a
5xx. Bounded: a few examples per operation, fake generator, hash embedder, in process (ASGI)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from veracity.server import create_app
from veracity.server.state import ServerState

from .helpers import docs, make_setup

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402

_ROOT = Path(__file__).resolve().parent


def _app() -> object:
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="veracity-schema-"))
    setup = make_setup(
        root,
        {"main": docs({"mem://a.md": ("The Lisbon office opens at nine. Parking is free.", [])})},
    )
    # Open local mode (no keys): every operation is reachable without auth. The state is passed
    # in so the app's lifespan (run around every case) does not close the collections.
    config = setup.config(rate=1e6, burst=10**6, max_upload_bytes=4096)
    return create_app(config, ServerState(config))


# Open local mode serves only loopback Host names (the client's default is "testserver").
LOOPBACK = {"Host": "127.0.0.1"}
schema = schemathesis.openapi.from_asgi("/openapi.json", _app(), headers=LOOPBACK)


@schema.parametrize()
@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case: schemathesis.Case) -> None:
    if case.path_parameters and "name" in case.path_parameters:
        case.path_parameters["name"] = "main"  # reach past the collection lookup too
    case.headers = {**(case.headers or {}), **LOOPBACK}
    case.call_and_validate(checks=[not_a_server_error])
