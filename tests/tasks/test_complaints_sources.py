"""Feedback from a collection (labels respected, chunk citations) and the `complaints` CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from veracity.cli.main import main
from veracity.collection import Collection
from veracity.records import Document
from veracity.tasks.complaints import find_complaints
from veracity.tasks.feedback import collection_feedback

BATTERY = [
    "battery dies fast battery drain",
    "battery drain battery dies overnight",
    "the battery dies battery drain again",
]
SECRET = [
    "invoice overcharged invoice refund",
    "refund invoice overcharged twice",
]


@pytest.fixture
def col_path(tmp_path: Path) -> Path:
    path = tmp_path / "col"
    docs = [
        Document.make(f"mem://b{i}", t, metadata={"product": "phone", "date": f"2024-0{i + 1}-02"})
        for i, t in enumerate(BATTERY)
    ]
    docs += [
        Document.make(f"mem://s{i}", t, metadata={"product": "billing"}, labels=("finance",))
        for i, t in enumerate(SECRET)
    ]
    with Collection(path, embedder="hash") as col:
        col.add(docs, scan=False)
    return path


def test_labels_limit_what_is_read(col_path: Path) -> None:
    with Collection(col_path, embedder="hash") as col:
        public = collection_feedback(col.store, labels=[])
        everything = collection_feedback(col.store)
        finance = collection_feedback(col.store, labels=["finance"])
        texts = {d.uri: col.document(d.id).text for d in col.documents()}
    assert sorted(i.text for i in public) == sorted(BATTERY)
    assert sorted(i.text for i in everything) == sorted(BATTERY + SECRET)
    assert sorted(i.text for i in finance) == sorted(BATTERY + SECRET)
    for item in everything:  # chunk citations round-trip to the document text
        assert texts[item.source][item.start : item.end] == item.text
        assert item.chunk_id and item.chunk_id in item.citation()


def test_collection_groups_by_metadata(col_path: Path) -> None:
    with Collection(col_path, embedder="hash") as col:
        items = collection_feedback(col.store, by="product")
        months = collection_feedback(col.store, labels=[], by="date:month")
        emb = col.embedder()
    assert sorted({i.group for i in items}) == ["billing", "phone"]
    assert sorted(i.group for i in months) == ["2024-01", "2024-02", "2024-03"]
    report = find_complaints(items, embedder=emb, negative_only=False, threshold=0.6, by="product")
    assert [dict(c.groups) for c in report.clusters] == [{"phone": 3}, {"billing": 2}]


def test_cli_collection_never_reports_what_labels_hide(
    col_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["complaints", "-c", str(col_path), "--all", "--threshold", "0.6", "--json"]
    assert main([*args, "--labels", ""]) == 0
    out = json.loads(capsys.readouterr().out)
    quoted = [q["text"] for c in out["clusters"] for q in c["quotes"]]
    assert out["total"] == 3 and set(quoted) <= set(BATTERY)
    assert main([*args, "--labels", "finance"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["total"] == 5 and [c["count"] for c in out["clusters"]] == [3, 2]


def test_cli_file_json_chart_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    path = tmp_path / "fb.csv"
    path.write_text("review,product\n" + "".join(f"{t},phone\n" for t in BATTERY) + "ok,x\n")
    chart, page = tmp_path / "c.png", tmp_path / "r.html"
    argv = ["complaints", "-f", str(path), "--column", "review", "--embedder", "hash", "--all"]
    argv += ["--threshold", "0.6", "--by", "product", "--chart", str(chart), "--html", str(page)]
    assert main([*argv, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["clusters"][0]["count"] == 3 and out["by_group"] == {
        "phone": [{"rank": 1, "count": 3}],
        "x": [],
    }
    assert {q["row"] for q in out["clusters"][0]["quotes"]} == {1, 2, 3}
    assert chart.read_bytes()[:4] == b"\x89PNG" and "battery" in page.read_text()
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert text.startswith("1. ") and "row 1 [0:" in text


def test_cli_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "fb.csv"
    path.write_text("review\nbad\n")
    assert main(["complaints", "-f", str(path), "--column", "nope", "--embedder", "hash"]) == 2
    assert "no column 'nope'" in capsys.readouterr().err
    assert main(["complaints", "-f", str(path), "--labels", "a", "--embedder", "hash"]) == 2
    assert "--labels applies to --collection" in capsys.readouterr().err
