"""Fuzzing every operation that takes a body, fed as a server feeds it: in chunks of any size,
with or without a key, valid or broken, small or far past the limits. The schema test
(``test_schema.py``) covers well-formed requests; this one covers the bytes a hostile client
sends. No 5xx ever; a body past its limit is refused with 413 before it is read to the end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import Setup, call_asgi, docs, make_setup, multipart

MAX_JSON = 4096
MAX_UPLOAD = 2048


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    root: Path = tmp_path_factory.mktemp("fuzz")
    return make_setup(
        root,
        {"main": docs({"mem://a": ("The Lisbon office opens at nine. Parking is free.", [])})},
        {"k": (["main"], ["team"], ["upload", "delete"])},
    )


@pytest.fixture(scope="module")
def app(setup: Setup) -> object:
    return setup.app(max_json_bytes=MAX_JSON, max_upload_bytes=MAX_UPLOAD, rate=1e6, burst=10**6)


def _body_operations(app: object) -> list[tuple[str, str]]:
    spec = app.openapi()  # type: ignore[attr-defined]
    out = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in {"post", "put", "patch"} and "requestBody" in op:
                out.append((method.upper(), path.replace("{name}", "main")))
    return sorted(out)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
_question = st.fixed_dictionaries(
    {"question": st.text(max_size=60), "query": st.text(max_size=60), "k": st.integers(-5, 500)}
)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[str, bytes]:
    """``(kind, bytes)``: JSON of any shape, broken JSON, raw bytes, or far past every limit."""
    kind = draw(st.sampled_from(["json", "shaped", "broken", "bytes", "huge"]))
    if kind == "json":
        raw = json.dumps(draw(_json_values)).encode()
    elif kind == "shaped":
        raw = json.dumps(draw(_question)).encode()
    elif kind == "broken":
        raw = json.dumps(draw(_question)).encode()[: draw(st.integers(0, 20))]
    elif kind == "bytes":
        raw = draw(st.binary(max_size=300))
    else:
        raw = json.dumps({"question": "x?", "pad": "a" * (MAX_JSON * 40)}).encode()
    return kind, raw


def _chunks(body: bytes, size: int) -> list[bytes]:
    return [body[i : i + size] for i in range(0, len(body), size)] or [b""]


def test_the_fuzz_reaches_every_body_operation(app: object) -> None:
    ops = dict.fromkeys(path for _, path in _body_operations(app))
    assert "/api/collections/main/ask" in ops and "/api/collections/main/documents" in ops
    assert len(ops) >= 8  # a schema change that hides operations from the fuzz fails here


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))  # fmt: skip
@given(data=st.data(), body=bodies(), chunk=st.integers(1, 4096), keyed=st.booleans(),
       chunked=st.booleans())  # fmt: skip
def test_no_body_makes_a_server_error(
    setup: Setup, app: object, data: st.DataObject, body: tuple[str, bytes], chunk: int,
    keyed: bool, chunked: bool,
) -> None:  # fmt: skip
    method, path = data.draw(st.sampled_from(_body_operations(app)))
    kind, raw = body
    headers = {"content-type": "application/json"}
    if path.endswith("/documents") and data.draw(st.booleans()):
        ctype, raw = multipart("f.txt", raw)
        headers["content-type"] = ctype
    headers["transfer-encoding" if chunked else "content-length"] = (
        "chunked" if chunked else str(len(raw))
    )
    if keyed:
        headers["authorization"] = f"Bearer {setup.tokens['k']}"
    pieces = _chunks(raw, chunk)
    got = call_asgi(app, method, path, headers, pieces)  # type: ignore[arg-type]
    assert got.status < 500, (method, path, kind, got)
    if not keyed:
        assert got.status == 401 and got.chunks_read == 0, (path, got)
    elif kind == "huge":
        assert got.status == 413, (path, got)
        # refused as it streamed: at most the limit (plus a multipart envelope) was pulled
        limit = max(MAX_JSON, MAX_UPLOAD) + 64 * 1024
        assert got.chunks_read <= limit // chunk + 2, (path, chunk, got.chunks_read)
