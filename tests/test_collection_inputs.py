"""Python API inputs are checked where they come in (security review, issue 12 item 8):
``labels="secret"`` is one label (it was the labels s, e, c, r, t), a dict filter value is a
ConfigError (it was a raw ``sqlite3.ProgrammingError``) and ``k`` must be a positive whole number
(a float raised ``TypeError``)."""

from __future__ import annotations

from pathlib import Path

import pytest

import veracity
from veracity.errors import ConfigError
from veracity.ingest.pipeline import IngestOptions
from veracity.records import Document, Filter
from veracity.store.keys import clean_labels


@pytest.fixture
def col(tmp_path: Path) -> veracity.Collection:
    c = veracity.open(tmp_path / "col", embedder="hash")
    c.add([Document.make("mem://plan", "The secret merger plan closes in May.")], labels="secret")
    c.add([Document.make("mem://menu", "The canteen menu has soup.", metadata={"year": 2021})])
    return c


def test_a_string_is_one_label(col: veracity.Collection) -> None:
    plan = next(d for d in col.documents() if d.uri == "mem://plan")
    assert plan.labels == ("secret",)
    hits = col.search("merger plan", labels="secret")
    assert hits and hits[0].uri == "mem://plan"
    assert all(h.uri != "mem://plan" for h in col.search("merger plan", labels="s"))
    assert Filter(labels="secret").labels == frozenset({"secret"})  # type: ignore[arg-type]
    assert Filter(document_ids="abc").document_ids == frozenset({"abc"})  # type: ignore[arg-type]
    assert IngestOptions(labels="secret").labels == ("secret",)  # type: ignore[arg-type]
    assert Document.make("mem://x", "x", labels="secret").labels == ("secret",)
    assert clean_labels("secret") == ("secret",)
    with pytest.raises(ConfigError, match="must be a string"):
        Filter(labels=frozenset({1}))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "where", [{"year": {"$gt": 2020}}, {"year": [2021, {"x": 1}]}, {"year": object()}]
)
def test_filter_values_are_checked(col: veracity.Collection, where: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match="filter value for 'year'"):
        col.search("soup", where=where)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="filter value for 'year'"):
        Filter(where=where)  # type: ignore[arg-type]


def test_good_filter_values_still_work(col: veracity.Collection) -> None:
    assert col.search("soup", where={"year": 2021})[0].uri == "mem://menu"
    assert col.search("soup", where={"year": [2020, 2021]})[0].uri == "mem://menu"
    assert col.search("soup", where={"year": 1999}) == []


def test_k_must_be_a_positive_whole_number(col: veracity.Collection) -> None:
    assert len(col.search("soup", k=1.0)) == 1  # type: ignore[arg-type]
    for bad in (2.5, 0, -1, True, "3", float("nan"), float("inf")):
        with pytest.raises(ConfigError, match="k must be a positive whole number"):
            col.search("soup", k=bad)  # type: ignore[arg-type]
