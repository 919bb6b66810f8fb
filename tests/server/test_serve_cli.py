"""``veracity serve`` itself: the real command in a subprocess on loopback, and its bind policy."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from veracity.cli.main import main
from veracity.collection import Collection
from veracity.records import Document

from .helpers import LOCAL_URL, free_port, make_setup


def test_serve_refuses_an_open_server_off_loopback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["serve", "--host", "0.0.0.0", "--collection", str(tmp_path / "c"), "--embedder", "hash"]
    )
    assert code == 2
    assert "refusing to serve on 0.0.0.0 without API keys" in capsys.readouterr().err


@pytest.mark.integration
def test_serve_subprocess_answers_on_loopback(tmp_path: Path) -> None:
    setup = make_setup(tmp_path, {"docs": []})
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "veracity.cli.main", "serve", "--port", str(port),
         "--collection", f"docs={setup.collections['docs']}", "--model", "fake",
         "--embedder", "hash", "--log-level", "info"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(url + "/api/health", timeout=2).json()
                break
            except httpx.HTTPError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert health["auth"].startswith("open")
        assert httpx.get(url + "/v1/models").json()["data"][0]["id"] == "docs"
        schema = httpx.get(url + "/openapi.json").json()
        assert "/v1/chat/completions" in schema["paths"]
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert "OPEN admin access" in out  # the startup log says the server is open


def test_text_window_reports_the_pdf_page(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    setup = make_setup(tmp_path, {"docs": []})
    text = "Page one text here. " + "Page two has the answer."
    with Collection(setup.collections["docs"], embedder="hash") as col:
        col.add([Document.make("mem://r.pdf", text, mime="application/pdf", page_starts=(0, 20))])
        doc_id = col.store.find_document_ids(uris=["mem://r.pdf"])[0]
    c = TestClient(setup.app(), base_url=LOCAL_URL)
    w = c.get(f"/api/collections/docs/documents/{doc_id}/text?start=29&end=44&context=5").json()
    assert w["page"] == 2 and w["pages"] == 2
    assert w["text"][w["highlight"]["start"] : w["highlight"]["end"]] == text[29:44]
