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
    Collection(tmp_path / "c", embedder="hash").close()
    code = main(
        ["serve", "--host", "0.0.0.0", "--collection", str(tmp_path / "c"), "--embedder", "hash"]
    )
    assert code == 2
    assert "refusing to serve on 0.0.0.0 without API keys" in capsys.readouterr().err


def test_serve_refuses_a_port_out_of_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12 item 8: ``--port 99999`` ended in "internal error: OverflowError"."""
    Collection(tmp_path / "c", embedder="hash").close()
    for port in ("99999", "0", "-1"):
        assert main(["serve", "--port", port, "--collection", str(tmp_path / "c")]) == 2
        assert "--port must be a TCP port from 1 to 65535" in capsys.readouterr().err


def test_serve_refuses_a_collection_that_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12 item 8: a mistyped path silently served (and created) a new empty collection."""
    typo = tmp_path / "colection"
    assert main(["serve", "--collection", str(typo), "--model", "fake"]) == 2
    err = capsys.readouterr().err
    assert "is not an existing directory" in err
    assert f"veracity ingest PATH --collection {typo}" in err
    assert not typo.exists()


@pytest.mark.parametrize(
    ("model", "expected"),
    [("nonexistent", "unknown generator 'nonexistent'"), ("/no/such/model.gguf", "does not exist")],
)
def test_serve_checks_the_model_at_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], model: str, expected: str
) -> None:
    """Issue 12 item 8: ``--model nonexistent`` was accepted at start-up (and failed on the first
    generative answer). Checked without loading anything."""
    Collection(tmp_path / "c", embedder="hash").close()
    assert main(["serve", "--collection", str(tmp_path / "c"), "--model", model]) == 2
    err = capsys.readouterr().err
    assert expected in err and "'fake'" in err  # the known forms are listed


def test_check_generator_accepts_the_known_forms(tmp_path: Path) -> None:
    from veracity.generate.base import check_generator

    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    for name in ("smollm2", "fake", "openai:gpt-4o-mini", "hf:some/model", str(model)):
        check_generator(name)
    check_generator("my-served-model", base_url="http://127.0.0.1:9")


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
        # a guard against a hang, not a bound on speed: a loaded machine starts servers slowly
        deadline = time.monotonic() + 180
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
