"""The task routes (summarize, classify, sentiment, entities, complaints) under keys and labels:
a key never gets a summary, a quote or an analysis of a document it cannot read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from veracity.records import Document

from .helpers import LOCAL_URL, Setup, docs, make_setup

MARKER = "zqmarker"  # only in the label-b document: its text, and so every quote or summary of it
TEAM_A = (
    "The delivery was late again and the parcel box was crushed on arrival. "
    "The courier ignored the delivery notes and left the parcel in the rain. "
    "Support never answered my emails about the broken parcel."
)
TEAM_B = (
    f"The {MARKER} invoice charged my card twice for one {MARKER} order. "
    f"Billing refused the {MARKER} refund and closed the ticket without reply. "
    f"John Smith at {MARKER} headquarters in Paris confirmed the double charge."
)
OPEN = "Acme Corporation opened a new office in Lisbon. Maria Silva runs the Lisbon office."
ROUTES = ("summarize", "classify", "sentiment", "entities", "complaints")


@pytest.fixture()
def setup(tmp_path: Path) -> Setup:
    corpus = docs({"mem://a.txt": (TEAM_A, ["a"]), "mem://b.txt": (TEAM_B, ["b"])})
    # A file ingested from elsewhere: responses must not show the server's directories.
    corpus.append(Document.make("/srv/private/dir/open.txt", OPEN))
    keys = {"ka": (["main"], ["a"]), "kb": (["main"], ["b"])}
    return make_setup(tmp_path, {"main": corpus}, keys)


def _client(setup: Setup) -> TestClient:
    return TestClient(setup.app(rate=1e6, burst=10**6), base_url=LOCAL_URL)


def _auth(setup: Setup, key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {setup.tokens[key]}"}


def _post(client: TestClient, route: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return client.post(f"/api/collections/main/{route}", json=body, headers=headers)


def _doc_id(uri: str) -> str:
    text = {"mem://a.txt": TEAM_A, "mem://b.txt": TEAM_B}[uri]
    return Document.make(uri, text).id


def test_summary_and_complaints_quote_only_visible_documents(setup: Setup) -> None:
    client = _client(setup)
    bodies = {
        "summarize": {"sentences": 8},
        "complaints": {"all": True, "min_size": 1, "top": 10, "quotes": 10},
    }
    for route, body in bodies.items():
        seen_a = _post(client, route, body, _auth(setup, "ka"))
        seen_b = _post(client, route, body, _auth(setup, "kb"))
        assert seen_a.status_code == seen_b.status_code == 200, (seen_a.text, seen_b.text)
        # The oracle: the label-b key does get the marker document, the label-a key never does.
        assert MARKER in seen_b.text
        assert MARKER not in seen_a.text
        assert "courier" in seen_a.text and "courier" not in seen_b.text


def test_summary_of_a_search_is_filtered_too(setup: Setup) -> None:
    client = _client(setup)
    body = {"query": f"{MARKER} refund invoice", "k": 10, "sentences": 5}
    seen_b = _post(client, "summarize", body, _auth(setup, "kb"))
    assert seen_b.status_code == 200 and MARKER in seen_b.text
    seen_a = _post(client, "summarize", body, _auth(setup, "ka"))
    assert seen_a.status_code in (200, 422) and MARKER not in seen_a.text


def test_an_invisible_document_reads_as_absent(setup: Setup) -> None:
    client = _client(setup)
    hidden = _doc_id("mem://b.txt")
    bodies = {
        "summarize": {"documents": [hidden]},
        "classify": {"documents": [hidden], "labels": ["billing", "shipping"]},
        "sentiment": {"documents": [hidden]},
        "entities": {"document": hidden},
        "complaints": {"documents": [hidden], "all": True},
    }
    for route, body in bodies.items():
        r = _post(client, route, body, _auth(setup, "ka"))
        assert r.status_code == 404, (route, r.text)
        assert MARKER not in r.text and "no document" in r.json()["error"]["message"]
        assert _post(client, route, body, _auth(setup, "kb")).status_code == 200, route


def test_entities_of_a_document_are_spans_of_its_text(setup: Setup) -> None:
    client = _client(setup)
    doc = _doc_id("mem://b.txt")
    r = _post(client, "entities", {"document": doc}, _auth(setup, "kb"))
    assert r.status_code == 200
    found = r.json()["entities"]
    assert found and r.json()["chars"] == len(TEAM_B)
    for e in found:
        assert TEAM_B[e["start"] : e["end"]] == e["text"]
    assert any(e["text"] == "John Smith" and e["label"] == "PER" for e in found)


def test_sentiment_rank_orders_by_priority_and_keeps_document_ids(setup: Setup) -> None:
    client = _client(setup)
    ids = [_doc_id("mem://a.txt"), _doc_id("mem://b.txt")]
    plain = _post(client, "sentiment", {"documents": ids[:1]}, _auth(setup, "ka")).json()
    assert plain["results"][0]["document"] == ids[0]
    assert plain["results"][0]["label"] in ("negative", "neutral", "positive")
    texts = ["Terrible, broken, urgent: fix it now!", "Lovely product, works great.", "Fine."]
    ranked = _post(client, "sentiment", {"texts": texts, "rank": True}, _auth(setup, "ka"))
    got = ranked.json()["results"]
    assert sorted(p["index"] for p in got) == [0, 1, 2]
    scores = [p["priority"] for p in got]
    assert scores == sorted(scores, reverse=True)


def test_classify_given_texts_with_examples(setup: Setup) -> None:
    client = _client(setup)
    examples = [
        {"text": f"{w} was charged twice on my card", "label": "billing"}
        for w in ("invoice", "payment", "bill")
    ] + [
        {"text": f"the {w} arrived late and damaged", "label": "shipping"}
        for w in ("parcel", "box", "package")
    ]
    body = {"texts": ["my card was charged twice", "the parcel arrived damaged"],
            "examples": examples}  # fmt: skip
    r = _post(client, "classify", body, _auth(setup, "ka"))
    assert r.status_code == 200, r.text
    out = r.json()
    assert set(out["labels"]) == {"billing", "shipping"}
    assert [x["label"] for x in out["results"]] == ["billing", "shipping"]
    for x in out["results"]:
        assert abs(sum(x["probabilities"].values()) - 1.0) < 1e-4


def test_responses_name_no_server_directory(setup: Setup) -> None:
    client = _client(setup)
    for route, body in {"summarize": {}, "complaints": {"all": True, "min_size": 1}}.items():
        r = _post(client, route, body, _auth(setup, "ka"))
        assert r.status_code == 200
        assert "/srv/private" not in r.text and "open.txt" in r.text


@pytest.mark.parametrize(
    ("route", "body", "says"),
    [
        ("classify", {"texts": ["x"]}, "labels"),
        ("classify", {"labels": ["a", "b"]}, "either 'texts'"),
        ("summarize", {"text": "One two three four five.", "query": "q"}, "drop 'documents'"),
        ("summarize", {"sentences": 0}, "sentences"),
        ("entities", {"text": "Paris", "types": ["CITY"]}, "types"),
        ("entities", {}, "either 'text'"),
        ("sentiment", {"texts": []}, "texts"),
        ("sentiment", {"texts": ["ok"], "top": 1}, "'rank': true"),
        ("complaints", {"texts": ["a"], "by": "product"}, "drop 'documents' and 'by'"),
        ("complaints", {"by": "date:week"}, "by"),
        ("summarize", {"text": "   "}, "text"),
    ],
)
def test_bad_input_is_422_with_a_clear_message(
    setup: Setup, route: str, body: dict[str, Any], says: str
) -> None:
    r = _post(_client(setup), route, body, _auth(setup, "ka"))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error" and says in error["message"]


def test_task_errors_of_the_core_map_to_422(setup: Setup) -> None:
    # Nothing of 4+ words to summarize: the core's ConfigError, mapped like every other route.
    r = _post(_client(setup), "summarize", {"text": "Too short."}, _auth(setup, "ka"))
    assert r.status_code == 422 and "nothing to summarize" in r.json()["error"]["message"]


def test_keys_are_required_once_they_exist(setup: Setup) -> None:
    client = _client(setup)
    for route in ROUTES:
        r = client.post(f"/api/collections/main/{route}", json={"text": "x"})
        assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"
        bad = {"Authorization": "Bearer vk_nope_nope"}
        assert (
            client.post(f"/api/collections/main/{route}", json={}, headers=bad).status_code == 401
        )


def test_open_local_mode_serves_every_document(tmp_path: Path) -> None:
    corpus = docs({"mem://a.txt": (TEAM_A, ["a"]), "mem://b.txt": (TEAM_B, ["b"])})
    client = _client(make_setup(tmp_path, {"main": corpus}))
    r = _post(client, "summarize", {"sentences": 10}, {})
    assert r.status_code == 200 and MARKER in r.text and "courier" in r.text
    r = _post(client, "entities", {"text": "Maria Silva lives in Lisbon."}, {})
    assert [e["text"] for e in r.json()["entities"]] == ["Maria Silva", "Lisbon"]


def test_an_unknown_collection_is_404(setup: Setup) -> None:
    r = _client(setup).post(
        "/api/collections/nope/sentiment", json={"texts": ["ok"]}, headers=_auth(setup, "ka")
    )
    assert r.status_code == 404 and "no collection" in r.json()["error"]["message"]


def _scripted_app(setup: Setup, replies: list[str]) -> TestClient:
    from veracity.generate.fake import ScriptedGenerator
    from veracity.guard.grounding import LexicalJudge
    from veracity.rag.engine import AnswerEngine
    from veracity.retrieve.search import SearchOptions

    def factory(col: Any) -> AnswerEngine:
        searcher = col.searcher(SearchOptions(mode="bm25"))
        return AnswerEngine(searcher, ScriptedGenerator(replies), LexicalJudge())

    app = setup.app(rate=1e6, burst=10**6, engine_factory=factory)
    return TestClient(app, base_url=LOCAL_URL)


def test_translate_and_code_run_the_collection_model_under_the_key(setup: Setup) -> None:
    client = _scripted_app(setup, ["Le bureau ouvre à neuf heures.", "```python\nx = 1\n```"])
    headers = _auth(setup, "ka")
    out = _post(client, "translate", {"text": "The office opens at nine.", "to": "fr"}, headers)
    assert out.status_code == 200, out.text
    assert out.json()["text"] == "Le bureau ouvre à neuf heures."
    body = {"task": "generate", "text": "set x to one", "language": "python"}
    out = _post(client, "code", body, headers)
    assert out.status_code == 200, out.text
    assert out.json()["text"].strip() == "x = 1"
    assert _post(client, "translate", {"text": "Hi", "to": "fr"}, {}).status_code == 401
    bad = _post(client, "code", {"task": "convert", "text": "x = 1"}, headers)
    assert bad.status_code == 422 and "convert needs 'to'" in bad.text
