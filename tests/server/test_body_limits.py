"""Bodies are checked before they are read: no key, no body read at all; a body past its limit
is cut off as it streams, chunked or not, with 413. Bodies used to be read in full first (only
Content-Length was checked), so a chunked 300 MB upload with no key went to a temp file and a
200 MB JSON body into memory before the 401."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from .helpers import LOCAL_URL, Setup, call_asgi, docs, make_setup, multipart

UPLOAD = "/api/collections/main/documents"
CHUNK = 16 * 1024


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    return make_setup(
        tmp_path,
        {"main": docs({"mem://a": ("The Lisbon office opens at nine.", [])})},
        {"k": (["main"], ["team"], ["upload"])},
    )


def _chunks(body: bytes, size: int = CHUNK) -> list[bytes]:
    return [body[i : i + size] for i in range(0, len(body), size)]


def _no_files_left(setup: Setup) -> None:
    uploads = setup.collections["main"] / "uploads"
    assert not uploads.exists() or not [p for p in uploads.rglob("*") if p.is_file()]


def test_a_body_without_a_key_is_refused_unread(setup: Setup) -> None:
    app = setup.app()
    ctype, body = multipart("big.txt", b"a" * (2 * 1024 * 1024))
    for path, headers in (
        (UPLOAD, {"content-type": ctype, "transfer-encoding": "chunked"}),
        (UPLOAD, {"content-type": ctype, "content-length": str(len(body))}),
        ("/api/collections/main/ask", {"content-type": "application/json"}),
        ("/v1/chat/completions", {"authorization": "Bearer vk_forged_token"}),
    ):
        got = call_asgi(app, "POST", path, headers, _chunks(body))
        assert got.status == 401, (path, got)
        assert got.chunks_read == 0, f"{path}: the app read the body of an unauthenticated request"
    _no_files_left(setup)


def test_a_chunked_upload_over_the_limit_is_cut_off_with_413(setup: Setup) -> None:
    app = setup.app(max_upload_bytes=1000)
    ctype, body = multipart("big.txt", b"a" * (1024 * 1024))  # 64 chunks, no Content-Length
    headers = {"content-type": ctype, "transfer-encoding": "chunked",
               "authorization": f"Bearer {setup.tokens['k']}"}  # fmt: skip
    got = call_asgi(app, "POST", UPLOAD, headers, _chunks(body))
    # cut off at the limit (1000 bytes + a 64 KB multipart envelope), not read to the end
    assert got.chunks_read <= (1000 + 64 * 1024) // CHUNK + 2, got.chunks_read
    assert got.status == 413, got
    assert "upload larger than the 1000 byte limit" in got.body["error"]["message"]
    _no_files_left(setup)
    # the same upload within the limit goes through, chunked too
    ctype, small = multipart("small.txt", b"The canteen serves soup on Fridays.")
    ok = call_asgi(app, "POST", UPLOAD, {**headers, "content-type": ctype}, _chunks(small, 7))
    assert ok.status == 200, ok


def test_an_oversized_json_body_is_413(setup: Setup) -> None:
    h = {"Authorization": f"Bearer {setup.tokens['k']}"}
    c = TestClient(setup.app(max_json_bytes=4096), base_url=LOCAL_URL)
    big = {"question": "x?", "padding": "a" * 10_000}
    r = c.post("/api/collections/main/ask", headers=h, json=big)
    assert r.status_code == 413 and r.json()["error"]["type"] == "request_too_large"
    assert "4096 byte limit" in r.json()["error"]["message"]
    ok = c.post("/api/collections/main/search", headers=h, json={"query": "Lisbon office"})
    assert ok.status_code == 200
    # chunked, with no Content-Length: counted as it streams
    app = setup.app(max_json_bytes=4096)
    raw = json.dumps({"question": "x?", "padding": "a" * 200_000}).encode()
    got = call_asgi(app, "POST", "/api/collections/main/ask",
                    {**h, "content-type": "application/json"}, _chunks(raw, 1024))  # fmt: skip
    assert got.status == 413 and got.chunks_read <= 5
    # the default cap is 1 MB, far below the upload limit
    assert setup.config().max_json_bytes == 1024 * 1024
