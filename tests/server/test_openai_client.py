"""The OpenAI-compatible routes, driven by the official ``openai`` package against a live server
on loopback (uvicorn in a thread): existing clients must work unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from veracity.embed.base import get_embedder

from .helpers import docs, live_server, make_setup

openai = pytest.importorskip("openai")

pytestmark = pytest.mark.integration

CORPUS = {
    "mem://lisbon.md": ("The Lisbon office opens at nine. Parking is free for staff.", ["hr"]),
    "mem://pay.md": (
        "Salary bands are kept in the vault zebra42. Bonuses are yearly.",
        ["finance"],
    ),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    root: Path = tmp_path_factory.mktemp("oa")
    setup = make_setup(root, {"handbook": docs(CORPUS)}, {"hr": (["handbook"], ["hr"])})
    with live_server(setup.app()) as url:
        yield url, setup.tokens


def _client(server: tuple[str, dict[str, str]], key: str = "hr") -> openai.OpenAI:
    url, tokens = server
    return openai.OpenAI(base_url=url + "/v1", api_key=tokens.get(key, key), max_retries=0)


def test_models_lists_the_collections(server: tuple[str, dict[str, str]]) -> None:
    assert [m.id for m in _client(server).models.list()] == ["handbook"]


def test_chat_completion_carries_citations(server: tuple[str, dict[str, str]]) -> None:
    r = _client(server).chat.completions.create(
        model="handbook",
        messages=[
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "When does the Lisbon office open?"},
        ],
        temperature=0,
    )
    content = r.choices[0].message.content or ""
    assert content.startswith("The Lisbon office opens at nine [1].")
    assert "\n\n[1]: lisbon.md" in content  # citations as footnotes for plain clients
    extra = r.model_extra or {}
    assert extra["citations"][0]["uri"] == "mem://lisbon.md"
    assert extra["veracity"]["abstained"] is False
    assert r.usage is not None and r.choices[0].finish_reason == "stop"


def test_streaming_chat_completion(server: tuple[str, dict[str, str]]) -> None:
    stream = _client(server).chat.completions.create(
        model="handbook",
        messages=[{"role": "user", "content": "Is parking free for staff at the Lisbon office?"}],
        stream=True,
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "[1]" in text and "[1]: lisbon.md" in text
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert (chunks[-1].model_extra or {})["citations"][0]["uri"] == "mem://lisbon.md"


def test_acl_holds_through_openai_routes(server: tuple[str, dict[str, str]]) -> None:
    r = _client(server).chat.completions.create(
        model="handbook", messages=[{"role": "user", "content": "Where are salary bands kept?"}]
    )
    assert "zebra42" not in r.model_dump_json()


def test_embeddings_match_the_collection_embedder(server: tuple[str, dict[str, str]]) -> None:
    client = _client(server)
    r = client.embeddings.create(model="handbook", input=["office hours", "parking"])  # base64
    want = get_embedder("hash").embed(["office hours", "parking"])
    got = np.array([d.embedding for d in r.data], dtype=np.float32)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    f = client.embeddings.create(model="handbook", input="parking", encoding_format="float")
    np.testing.assert_allclose(f.data[0].embedding, want[1], rtol=1e-6)


def test_openai_errors_map_to_client_exceptions(server: tuple[str, dict[str, str]]) -> None:
    with pytest.raises(openai.AuthenticationError):
        _client(server, "vk_wrong").models.list()
    with pytest.raises(openai.NotFoundError, match="no collection 'nope'"):
        _client(server).chat.completions.create(
            model="nope", messages=[{"role": "user", "content": "hi"}]
        )
    with pytest.raises(openai.UnprocessableEntityError, match="last message must be"):
        _client(server).chat.completions.create(
            model="handbook", messages=[{"role": "assistant", "content": "hi"}]
        )
