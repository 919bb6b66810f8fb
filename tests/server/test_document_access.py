"""Document reads pass the key's access filter down to the store (issue 12, one access rule).

Before: the server loaded every document and filtered with its own copy of the label rule, and
``/collections`` counted in Python; now listing, counts, details and text are filtered in SQL, and
paging (limit/offset) applies after filtering, so a key sees full pages of what it may see.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from veracity.collection import Collection
from veracity.errors import NotFound
from veracity.records import Filter
from veracity.store.sqlite import DocumentInfo, SQLiteStore

from .helpers import LOCAL_URL, Setup, docs, make_setup

LIST = "/api/collections/main/documents"


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    corpus = {
        "mem://a-ops": ("Ops runbooks live in the wiki.", ["ops"]),
        "mem://b-fin": ("Payroll closes on the 25th.", ["finance"]),
        "mem://c-hr": ("Holidays are booked in the portal.", ["hr"]),
    }
    return make_setup(tmp_path, {"main": docs(corpus)}, {"hr": (["main"], ["hr"])})


def _client(setup: Setup) -> tuple[TestClient, dict[str, str]]:
    c = TestClient(setup.app(), base_url=LOCAL_URL, raise_server_exceptions=False)
    return c, {"Authorization": f"Bearer {setup.tokens['hr']}"}


def _ids(setup: Setup) -> dict[str, str]:
    with Collection(setup.collections["main"]) as col:
        return {d.uri: d.id for d in col.documents()}


def test_a_key_that_sees_one_of_three_documents_lists_exactly_it(setup: Setup) -> None:
    c, h = _client(setup)
    body = c.get(LIST, headers=h).json()
    assert [d["uri"] for d in body["documents"]] == ["mem://c-hr"] and body["total"] == 1
    # The visible document sorts last of three: a page cut before filtering would be empty.
    first = c.get(f"{LIST}?limit=1&offset=0", headers=h).json()
    assert [d["uri"] for d in first["documents"]] == ["mem://c-hr"] and first["total"] == 1
    assert c.get(f"{LIST}?limit=1&offset=1", headers=h).json() == {"documents": [], "total": 1}
    (listed,) = c.get("/api/collections", headers=h).json()["collections"]
    with Collection(setup.collections["main"]) as col:
        hr_chunks = next(d.n_chunks for d in col.documents() if d.uri == "mem://c-hr")
    assert listed["documents"] == 1 and listed["chunks"] == hr_chunks


def test_a_hidden_document_by_id_is_404_like_a_missing_one(setup: Setup) -> None:
    c, h = _client(setup)
    ids = _ids(setup)
    for doc_id in (ids["mem://a-ops"], "0" * 16):
        for method, path in (
            ("GET", f"{LIST}/{doc_id}"),
            ("GET", f"{LIST}/{doc_id}/text"),
            ("DELETE", f"{LIST}/{doc_id}"),
        ):
            r = c.request(method, path, headers=h)
            assert r.status_code == 404, path
            assert r.json()["error"]["message"] == (
                f"no document with id {doc_id!r} in collection 'main'"
            )
            assert "runbooks" not in r.text
    hr = ids["mem://c-hr"]
    assert c.get(f"{LIST}/{hr}", headers=h).json()["uri"] == "mem://c-hr"
    assert "portal" in c.get(f"{LIST}/{hr}/text", headers=h).json()["text"]


def test_collection_document_reads_take_labels(setup: Setup) -> None:
    with Collection(setup.collections["main"]) as col:
        assert [d.uri for d in col.documents(labels="hr")] == ["mem://c-hr"]
        assert [d.uri for d in col.documents(labels=["hr", "ops"], limit=1)] == ["mem://a-ops"]
        assert col.document_totals(labels="hr")[0] == 1 and col.document_totals()[0] == 3
        hidden = col.documents(labels="ops")[0].id
        assert col.document(hidden).uri == "mem://a-ops"
        with pytest.raises(NotFound, match="no document with id"):
            col.document(hidden, labels="hr")


def test_the_listing_asks_the_store_for_one_filtered_page(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    real = SQLiteStore.documents

    def spy(self: SQLiteStore, **kw: Any) -> list[DocumentInfo]:
        calls.append(kw)
        return real(self, **kw)

    monkeypatch.setattr(SQLiteStore, "documents", spy)
    c, h = _client(setup)
    assert c.get(f"{LIST}?limit=1&offset=0", headers=h).json()["total"] == 1
    assert calls == [{"where": Filter(labels=frozenset({"hr"})), "limit": 1, "offset": 0}]
