"""A tiny collection (hash embedder, three facts and one labelled secret) for the deployment tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import veracity
from veracity.records import Document

DOCS = {
    "mem://eiffel": "The Eiffel Tower is in Paris. It was completed in 1889 for the World's Fair.",
    "mem://everest": "Mount Everest is the highest mountain on Earth. Its summit is 8,849 metres "
    "above sea level.",
    "mem://python": "Python is a programming language created by Guido van Rossum. It was first "
    "released in 1991.",
}
SECRET_URI = "mem://vault"
SECRET = "The vault combination is 4921. Only the night manager may open the vault."
ANSWERABLE = "When was the Eiffel Tower completed?"
UNANSWERABLE = "What is the capital of Australia?"


@pytest.fixture(scope="session", autouse=True)
def _stop_postgres_at_exit() -> Iterator[None]:
    """The init-script test starts the shared throwaway PostgreSQL (tests/pg_server.py)."""
    yield
    import pg_server

    pg_server.stop()


@pytest.fixture(scope="session")
def collection_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("deploy") / "col"
    with veracity.open(path, embedder="hash") as col:
        col.add([Document.make(uri, text) for uri, text in DOCS.items()])
        col.add([Document.make(SECRET_URI, SECRET, labels=("secret",))])
    return path


def doc_text(uri: str) -> str:
    return SECRET if uri == SECRET_URI else DOCS[uri]
