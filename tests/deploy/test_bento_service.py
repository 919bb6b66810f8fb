"""The BentoML service: its plain core in-process, the BentoML class when BentoML is installed,
and (slow) a real ``bentoml serve`` on loopback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from veracity.deploy.bento_service import VeracityAPI
from veracity.deploy.service import DeployConfig, config_from_env
from veracity.errors import ConfigError

from .conftest import ANSWERABLE, SECRET_URI, UNANSWERABLE, doc_text


@pytest.fixture(scope="module")
def api(collection_dir: Path) -> Iterator[VeracityAPI]:
    service = VeracityAPI(DeployConfig(str(collection_dir), generator="fake", labels=("public",)))
    yield service
    service.service.close()


def test_ask_cites_the_right_document_or_abstains(api: VeracityAPI) -> None:
    answer = api.ask(ANSWERABLE)
    assert not answer["abstained"] and "1889" in answer["answer"]
    assert {c["uri"] for c in answer["citations"]} == {"mem://eiffel"}
    c = answer["citations"][0]
    assert doc_text(c["uri"])[c["start"] : c["end"]] == c["text"]
    refused = api.ask(UNANSWERABLE)
    assert refused["abstained"] and not refused["citations"]


def test_search_ranks_the_matching_passage_first_and_hides_labelled_ones(api: VeracityAPI) -> None:
    hits = api.search("Mount Everest summit metres", k=3, mode="bm25")
    assert hits[0]["uri"] == "mem://everest"
    assert doc_text(hits[0]["uri"])[hits[0]["start"] : hits[0]["end"]] == hits[0]["text"]
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    # the service was configured for the 'public' label: the secret document is never returned
    assert SECRET_URI not in {h["uri"] for h in api.search("vault combination", k=10)}


def test_bad_requests_say_how_to_fix_them(api: VeracityAPI) -> None:
    with pytest.raises(ConfigError, match="from 1 to 100"):
        api.search("Everest", k=0)
    with pytest.raises(ConfigError, match="known: bm25, dense, hybrid"):
        api.search("Everest", mode="fuzzy")
    with pytest.raises(ConfigError, match="question is empty"):
        api.ask("  ")


def test_configuration_comes_from_the_environment(collection_dir: Path) -> None:
    with pytest.raises(ConfigError, match="VERACITY_COLLECTION"):
        config_from_env({})
    config = config_from_env({
        "VERACITY_COLLECTION": str(collection_dir), "VERACITY_MODEL": "fake",
        "VERACITY_LABELS": "a, b", "VERACITY_K": "2",
    })  # fmt: skip
    assert (config.generator, config.labels, config.k) == ("fake", ("a", "b"), 2)
    assert config_from_env({"VERACITY_COLLECTION": "x"}).labels is None  # unset: every document
    with pytest.raises(ConfigError, match="VERACITY_K must be a whole number"):
        config_from_env({"VERACITY_COLLECTION": "x", "VERACITY_K": "many"})


def test_importing_the_module_does_not_import_bentoml() -> None:
    code = "import sys, veracity.deploy.bento_service, veracity.deploy.mlflow_model; " \
        "print(sorted(m for m in ('bentoml', 'mlflow') if m in sys.modules))"  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_bentoml_service_definition_answers_in_process(
    collection_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bentoml = pytest.importorskip("bentoml")
    from bentoml.exceptions import InvalidArgument

    from veracity.deploy import bento_service

    monkeypatch.setenv("VERACITY_COLLECTION", str(collection_dir))
    monkeypatch.setenv("VERACITY_MODEL", "fake")
    svc = bento_service.VeracityService
    assert isinstance(svc, bentoml.Service) and set(svc.apis) == {"ask", "search"}
    assert svc.apis["ask"].input_spec.model_json_schema()["required"] == ["question"]
    instance = svc()
    assert {c["uri"] for c in instance.ask(ANSWERABLE)["citations"]} == {"mem://eiffel"}
    with pytest.raises(InvalidArgument, match="from 1 to 100"):  # HTTP 400, not 500
        instance.search("Everest", k=500)


def _post(url: str, body: dict[str, Any]) -> tuple[int, Any]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.slow
@pytest.mark.integration
def test_bentoml_serve_answers_over_http(collection_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("bentoml")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = {**os.environ, "VERACITY_COLLECTION": str(collection_dir), "VERACITY_MODEL": "fake",
           "BENTOML_DO_NOT_TRACK": "true", "BENTOML_HOME": str(tmp_path / "bentoml")}  # fmt: skip
    bentoml_cli = Path(sys.executable).with_name("bentoml")
    cmd = [str(bentoml_cli), "serve", "veracity.deploy.bento_service:VeracityService",
           "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(base + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"bentoml serve did not start: {proc.stderr.read()!r}")  # type: ignore[union-attr]
            time.sleep(0.5)
        status, answer = _post(base + "/ask", {"question": ANSWERABLE})
        assert status == 200 and {c["uri"] for c in answer["citations"]} == {"mem://eiffel"}
        status, hits = _post(base + "/search", {"query": "Mount Everest", "k": 2})
        assert status == 200 and hits[0]["uri"] == "mem://everest"
        status, body = _post(base + "/search", {"query": "Everest", "k": 0})
        assert status == 400 and "from 1 to 100" in body
    finally:
        proc.terminate()
        proc.wait(timeout=30)
