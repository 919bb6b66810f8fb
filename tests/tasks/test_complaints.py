"""Feedback analysis with the hash embedder on tiny inline data: clusters, ranking, citations."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from veracity.embed.hashing import HashEmbedder
from veracity.errors import ConfigError
from veracity.generate.fake import ScriptedGenerator
from veracity.tasks.cluster_terms import class_tfidf, top_terms
from veracity.tasks.clustering import cluster
from veracity.tasks.complaints import find_complaints, grounded_name
from veracity.tasks.feedback import FeedbackItem, read_feedback
from veracity.tasks.sentiment import SentimentAnalyzer

BATTERY = [
    "battery dies fast battery drain",
    "battery drain battery dies overnight",
    "the battery dies battery drain again",
    "battery drain so the battery dies",
]
SHIPPING = [
    "shipping late parcel lost shipping",
    "parcel lost shipping late",
    "late shipping parcel lost in shipping",
]
SCREEN = ["screen cracked screen flicker", "screen flicker cracked screen"]
LONER = "zebra quantum xylophone"  # alike to nothing: must stay unclustered

EMB = HashEmbedder(256)
# Word-overlap vectors: a shared word list gives cosine ~0.8, unrelated lists ~0.
THRESHOLD = 0.6


def _items(texts: list[str]) -> list[FeedbackItem]:
    return [FeedbackItem(t, "inline", 0, len(t), row=i) for i, t in enumerate(texts, start=1)]


def _run(texts: list[str], **kw: object) -> object:
    return find_complaints(
        _items(texts), embedder=EMB, negative_only=False, threshold=THRESHOLD, **kw
    )


def test_clusters_recovered_and_ranked_by_count() -> None:
    texts = [*SHIPPING, LONER, *SCREEN, *BATTERY]  # interleaved so order is not size
    report = _run(texts, top=5)
    sets = [{texts[report.items[i].row - 1] for i in c.members} for c in report.clusters]
    assert sets == [set(BATTERY), set(SHIPPING), set(SCREEN)]
    assert [c.count for c in report.clusters] == [4, 3, 2]
    assert [c.rank for c in report.clusters] == [1, 2, 3]
    assert report.unclustered == 1
    assert "battery" in report.clusters[0].terms[0].split()
    assert {"shipping", "parcel"} & set(report.clusters[1].terms[0].split())
    assert report.clusters[0].share == pytest.approx(4 / 10)


def test_top_limits_the_report_not_the_clusters() -> None:
    report = _run([*BATTERY, *SHIPPING, *SCREEN], top=2)
    assert len(report.top_clusters) == 2 and len(report.clusters) == 3
    assert len(report.as_dict()["clusters"]) == 2


def test_quotes_are_members_closest_to_centroid_with_row_citations(tmp_path: Path) -> None:
    path = tmp_path / "fb.csv"
    rows = [("ok", "x")] + [(t, "p") for t in [*BATTERY, *SHIPPING]]
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["note", "review"])
        w.writerows((b, a) for a, b in rows)
    items = read_feedback(path, "review")
    report = find_complaints(
        items, embedder=EMB, negative_only=False, threshold=THRESHOLD, quotes=2
    )
    source = list(csv.DictReader(path.open()))
    for c in report.clusters:
        assert len(c.quotes) == 2
        sims = [q.similarity for q in c.quotes]
        assert sims == sorted(sims, reverse=True)
        x = EMB.embed([report.items[i].text for i in c.members]).astype(np.float64)
        cent = x.mean(axis=0) / np.linalg.norm(x.mean(axis=0))
        assert sims[0] == pytest.approx(float((x @ cent).max()), abs=1e-6)
        for q in c.quotes:
            cell = source[q.item.row - 1]["review"]  # the cited row holds the quoted text
            assert cell[q.item.start : q.item.end] == q.item.text
            assert f"row {q.item.row}" in q.item.citation()


def test_spans_trim_whitespace_and_txt_lines_count_blanks(tmp_path: Path) -> None:
    path = tmp_path / "fb.txt"
    path.write_text("  first line  \n\nthird line\n")
    items = read_feedback(path)
    assert [(i.row, i.start, i.end, i.text) for i in items] == [
        (1, 2, 12, "first line"),
        (3, 0, 10, "third line"),
    ]
    lines = path.read_text().split("\n")
    assert all(lines[i.row - 1][i.start : i.end] == i.text for i in items)


def test_negative_filter_matches_the_sentiment_head() -> None:
    texts = [
        "terrible awful broken useless, worst purchase ever",
        "I love it, wonderful and excellent, great value",
        "horrible, awful, waste of money, broken",
        "great, excellent, love it",
    ]
    expected = [s.label == "negative" for s in SentimentAnalyzer(EMB).analyze(texts)]
    report = find_complaints(_items(texts), embedder=EMB, threshold=THRESHOLD)
    assert [it.text for it in report.items] == [
        t for t, n in zip(texts, expected, strict=True) if n
    ]
    assert report.total == 4


def test_group_counts_per_field_and_month(tmp_path: Path) -> None:
    path = tmp_path / "fb.jsonl"
    rows = [
        {"text": BATTERY[0], "date": "2024-01-05"},
        {"text": BATTERY[1], "date": "2024-01-28"},
        {"text": BATTERY[2], "date": "2024-02-01"},
        {"text": SHIPPING[0], "date": "2024-02-03"},
        {"text": SHIPPING[1], "date": "2024-02-09"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    items = read_feedback(path, by="date:month")
    report = find_complaints(
        items, embedder=EMB, negative_only=False, threshold=THRESHOLD, by="date:month"
    )
    assert dict(report.clusters[0].groups) == {"2024-01": 2, "2024-02": 1}
    assert report.by_group() == {"2024-01": [(1, 2)], "2024-02": [(2, 2), (1, 1)]}
    assert report.as_dict()["by_group"]["2024-02"] == [
        {"rank": 2, "count": 2},
        {"rank": 1, "count": 1},
    ]


def test_chart_and_html_written_and_escaped(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from veracity.tasks.complaints_report import write_chart, write_html

    evil = "<script>alert(1)</script> battery drain & battery dies"
    report = _run([*BATTERY, evil, *SHIPPING], quotes=5)
    png = write_chart(report, tmp_path / "c.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    page = write_html(report, tmp_path / "r.html").read_text()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; battery drain &amp; battery dies" in page
    assert "data:image/png;base64," in page
    assert "inline row 5 [0:" in page


def test_errors_on_missing_column_and_empty_input(tmp_path: Path) -> None:
    path = tmp_path / "fb.csv"
    path.write_text("review,product\nbad battery,phone\n")
    with pytest.raises(ConfigError, match=r"no column 'comment'.*--column"):
        read_feedback(path, "comment")
    with pytest.raises(ConfigError, match="no column 'month' to group by"):
        read_feedback(path, "review", by="month")
    with pytest.raises(ConfigError, match="no feedback to analyze"):
        find_complaints([], embedder=EMB)
    empty = tmp_path / "empty.csv"
    empty.write_text("review\n  \n")
    with pytest.raises(ConfigError, match="no feedback to analyze"):
        find_complaints(read_feedback(empty, "review"), embedder=EMB)
    path.write_text("review,date\nbad battery,last week\n")
    with pytest.raises(ConfigError, match="not an ISO date"):
        read_feedback(path, "review", by="date:month")
    with pytest.raises(ConfigError, match="top must be"):
        find_complaints(_items(BATTERY), embedder=EMB, top=0)


def test_generator_name_kept_only_when_grounded() -> None:
    good = ScriptedGenerator(["Battery drains too fast", "Lost parcels"], cycle=True)
    report = _run([*BATTERY, *SHIPPING], generator=good)
    assert [c.name for c in report.clusters] == ["Battery drains too fast", "Lost parcels"]
    assert {c.named_by for c in report.clusters} == {"generator"}
    assert "battery" in good.calls[0].messages[-1].content
    bad = ScriptedGenerator(["Great product, five stars", "a\nb"], cycle=True)
    report = _run([*BATTERY, *SHIPPING], generator=bad)
    assert [c.named_by for c in report.clusters] == ["terms", "terms"]
    assert [c.name for c in report.clusters] == [c.term_name for c in report.clusters]


def test_grounded_name_rules() -> None:
    terms = ("customer service", "rude", "refund")
    assert grounded_name('Name: "Rude customer service."', terms) == "Rude customer service"
    assert grounded_name("Refunds refused", terms) == "Refunds refused"  # shared 4-letter stem
    assert grounded_name("Slow delivery", terms) is None
    assert grounded_name("- Rude staff\n- Rude staff\n- Rude", terms) == "Rude staff"
    assert grounded_name("Slow delivery\nrude customer service", terms) is None  # first line only
    assert grounded_name("  \n", terms) is None
    texts = ["The agent was rude", "customer service never answered"]
    assert grounded_name("Unhelpful rude agents", terms, texts) == "Unhelpful rude agents"
    invented = "Customer Service Error: Uncaught Exception"  # three words from nowhere
    assert grounded_name(invented, terms, texts) is None
    assert grounded_name("one two three four five six seven eight nine rude", terms) is None


def test_cluster_noise_and_sampling_path() -> None:
    rng = np.random.default_rng(1)
    centers = np.eye(8)[:3]
    x = np.vstack([c + 0.05 * rng.standard_normal((20, 8)) for c in centers])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    full = cluster(x, threshold=0.3, min_size=2)
    assert sorted(np.bincount(full)) == [20, 20, 20]
    sampled = cluster(x, threshold=0.3, min_size=2, max_linkage=30)
    # clustering a sample then assigning the rest gives the same partition on separable data
    assert all(len(set(sampled[full == c])) == 1 for c in range(3))
    assert len(set(sampled)) == 3
    assert (cluster(x[:1], threshold=0.3, min_size=2) == -1).all()
    with pytest.raises(ConfigError, match="cosine distance"):
        cluster(x, threshold=0)


def test_ctfidf_prefers_distinctive_terms() -> None:
    weights = class_tfidf(
        [["bad battery dies", "battery drain is bad"], ["bad parcel lost", "parcel late, bad"]]
    )
    assert top_terms(weights[0], 1) == ("battery",)
    assert top_terms(weights[1], 1) == ("parcel",)
    assert weights[0]["bad"] < weights[0]["battery"]  # shared by every class
