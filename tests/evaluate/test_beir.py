"""The BEIR runner: loader (plain and gzip, malformed folders), metrics wiring, tuning."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

import veracity
from veracity.collection import Collection
from veracity.errors import EvaluationError
from veracity.evaluate.beir import (
    ingest_beir,
    load_beir,
    percentile,
    read_corpus,
    run_beir,
    uri_qrels,
)
from veracity.retrieve.search import SearchOptions

CORPUS = [
    {
        "_id": "d1",
        "title": "Aspirin",
        "text": "Aspirin reduces fever and relieves mild pain in adults. It was first sold by "
        "Bayer in the last years of the nineteenth century. Doctors also give a low dose of it "
        "to prevent heart attacks in patients at risk.",
    },
    {
        "_id": "d2",
        "title": "Penguins",
        "text": "Penguins are flightless birds that live mostly in the southern hemisphere. "
        "Emperor penguins breed on the sea ice of Antarctica during the long winter. They dive "
        "deep into cold water to catch fish, squid and krill.",
    },
    {
        "_id": "d3",
        "title": "",
        "text": "The Eiffel Tower was built in Paris for the world fair of 1889. Gustave Eiffel's "
        "company designed and built the wrought iron lattice tower. Millions of visitors climb "
        "it every year to look over the city.",
    },
]
QUERIES = [
    {"_id": "q1", "text": "aspirin fever"},
    {"_id": "q2", "text": "emperor penguins antarctica"},
    {"_id": "q3", "text": "eiffel tower paris"},  # judged against d2: a known miss
    {"_id": "q4", "text": "not judged, ignored"},
]
QRELS = "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\nq3\td2\t1\n"


def write_beir(root: Path, *, gz: bool = False, qrels: str = QRELS) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(r) + "\n" for r in CORPUS)
    if gz:
        with gzip.open(root / "corpus.jsonl.gz", "wt", encoding="utf-8") as fh:
            fh.write(lines)
    else:
        (root / "corpus.jsonl").write_text(lines, encoding="utf-8")
    (root / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in QUERIES))
    (root / "qrels").mkdir(exist_ok=True)
    (root / "qrels" / "test.tsv").write_text(qrels)
    return root


@pytest.fixture
def beir_dir(tmp_path: Path) -> Path:
    return write_beir(tmp_path / "tiny")


@pytest.fixture
def collection(tmp_path: Path, beir_dir: Path) -> Collection:
    col = veracity.open(tmp_path / "col", embedder="hash")
    ingest_beir(col, load_beir(beir_dir).corpus())
    return col


# -- loading ----------------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [False, True])
def test_load_plain_and_gzip(tmp_path: Path, gz: bool) -> None:
    beir = load_beir(write_beir(tmp_path / "b", gz=gz))
    docs = list(beir.corpus())
    assert [d.id for d in docs] == ["d1", "d2", "d3"]
    assert beir.queries["q2"] == "emperor penguins antarctica"
    assert beir.qrels == {"q1": {"d1": 1}, "q2": {"d2": 1}, "q3": {"d2": 1}}


def test_document_text_and_metadata(beir_dir: Path) -> None:
    d1, _, d3 = (d.document() for d in load_beir(beir_dir).corpus())
    assert d1.uri == "beir:d1" and d1.title == "Aspirin"
    assert d1.text.startswith("Aspirin\n\nAspirin reduces fever")
    assert d1.metadata == {"beir_id": "d1"}
    assert d3.text.startswith("The Eiffel Tower")  # no title: the text alone


def test_missing_corpus(tmp_path: Path) -> None:
    root = write_beir(tmp_path / "b")
    (root / "corpus.jsonl").unlink()
    with pytest.raises(EvaluationError, match=r"no corpus\.jsonl or corpus\.jsonl\.gz"):
        load_beir(root)


@pytest.mark.parametrize("name", ["queries.jsonl", "qrels/test.tsv"])
def test_missing_file(tmp_path: Path, name: str) -> None:
    root = write_beir(tmp_path / "b")
    (root / name).unlink()
    with pytest.raises(EvaluationError, match=f"missing {name}"):
        load_beir(root)


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(EvaluationError, match="not a directory"):
        load_beir(tmp_path / "nope")


def test_bad_json_line_names_its_number(tmp_path: Path) -> None:
    root = write_beir(tmp_path / "b")
    lines = (root / "queries.jsonl").read_text().splitlines()
    lines[2] = '{"_id": "q3", "text": '
    (root / "queries.jsonl").write_text("\n".join(lines) + "\n")
    with pytest.raises(EvaluationError, match=r"queries\.jsonl:3: not valid JSON"):
        load_beir(root)


def test_bad_corpus_line_is_found_while_streaming(tmp_path: Path) -> None:
    root = write_beir(tmp_path / "b", gz=True)
    with gzip.open(root / "corpus.jsonl.gz", "at", encoding="utf-8") as fh:
        fh.write('{"title": "no id"}\n')
    with pytest.raises(
        EvaluationError, match=r'corpus\.jsonl\.gz:4: expected a JSON object with an "_id"'
    ):
        list(read_corpus(root / "corpus.jsonl.gz"))


def test_qrels_header_required(tmp_path: Path) -> None:
    root = write_beir(tmp_path / "b", qrels="q1\td1\t1\n")
    with pytest.raises(EvaluationError, match="qrels header must be"):
        load_beir(root)


def test_qrels_bad_row(tmp_path: Path) -> None:
    root = write_beir(tmp_path / "b", qrels="query-id\tcorpus-id\tscore\nq1\td1\tyes\n")
    with pytest.raises(EvaluationError, match=r"test\.tsv:2: expected 3 tab-separated columns"):
        load_beir(root)


def test_percentile_matches_numpy_linear() -> None:
    xs = [5.0, 1.0, 3.0, 2.0, 4.0]
    assert percentile(xs, 50) == 3.0
    assert percentile(xs, 95) == pytest.approx(4.8)
    assert percentile([], 50) == 0.0


# -- ingest and metrics -----------------------------------------------------------------------


def test_ingest_is_deduped_on_rerun(collection: Collection, beir_dir: Path) -> None:
    assert collection.status().documents == 3
    ingest_beir(collection, load_beir(beir_dir).corpus(), batch=2)
    assert collection.status().documents == 3


def test_metrics_on_a_known_answer(collection: Collection, beir_dir: Path) -> None:
    beir = load_beir(beir_dir)
    result = run_beir(collection, beir.queries, beir.qrels, SearchOptions(mode="bm25"))
    # q1 and q2 find their document first; q3's judged document does not match at all.
    assert result.queries == 3
    assert result.ndcg_at_10 == pytest.approx(2 / 3)
    assert result.recall_at_100 == pytest.approx(2 / 3)
    assert result.mrr_at_10 == pytest.approx(2 / 3)
    assert result.run["q1"][0] == "d1" and result.run["q2"][0] == "d2"
    assert "q4" not in result.run
    assert result.latency_ms_p95 >= result.latency_ms_p50 >= 0
    assert result.to_dict()["mode"] == "bm25"


def test_limit_queries(collection: Collection, beir_dir: Path) -> None:
    beir = load_beir(beir_dir)
    result = run_beir(collection, beir.queries, beir.qrels, SearchOptions(mode="bm25"),
                      limit_queries=2)  # fmt: skip
    assert result.queries == 2 and result.ndcg_at_10 == pytest.approx(1.0)


def test_hybrid_runs_and_dedups_documents(collection: Collection, beir_dir: Path) -> None:
    beir = load_beir(beir_dir)
    result = run_beir(collection, beir.queries, beir.qrels)  # the collection's default options
    for docs in result.run.values():
        assert len(docs) == len(set(docs)) <= 3
    assert result.options.fusion == "rrf" and result.options.alpha == 0.5


def test_no_judged_query(collection: Collection) -> None:
    with pytest.raises(EvaluationError, match="nothing to evaluate"):
        run_beir(collection, {"x": "aspirin"}, {"q1": {"d1": 1}})


# -- tuning -----------------------------------------------------------------------------------


def test_tune_on_synthetic_queries_persists_the_choice(collection: Collection) -> None:
    result = collection.tune(n_synthetic=20)
    assert result.reason.startswith("tuned on ") and "synthetic" in result.reason
    fusion = collection.store.get_meta("fusion")
    assert fusion in ("rrf", "minmax", "zscore", "dbsf")
    opts = collection.default_options()
    assert opts.fusion == fusion
    expected_alpha = 0.5 if result.method == "rrf" else result.params["alpha"]
    assert opts.alpha == pytest.approx(expected_alpha)
    # Reopening keeps it.
    with veracity.open(collection.path) as again:
        assert again.default_options().fusion == fusion


def test_tune_dry_run_saves_nothing(collection: Collection) -> None:
    collection.tune(n_synthetic=10, save=False)
    assert collection.store.get_meta("fusion") is None


def test_tune_on_labelled_queries(collection: Collection, beir_dir: Path) -> None:
    beir = load_beir(beir_dir)
    result = collection.tune(uri_qrels(beir.qrels), beir.queries)
    assert "3 labelled queries" in result.reason
    # Scored on documents, as the BEIR run scores the chosen setting (one chunk per document).
    again = run_beir(collection, beir.queries, beir.qrels)
    assert again.options.fusion == collection.store.get_meta("fusion")
    assert result.ndcg == pytest.approx(again.ndcg_at_10)


def test_search_defaults_follow_the_tuned_choice(collection: Collection) -> None:
    collection.store.set_meta({"fusion": "minmax", "alpha": "0.3", "rrf_k": "60.0"})
    opts = collection.default_options()
    assert (opts.fusion, opts.alpha) == ("minmax", 0.3)
    assert collection.default_options(alpha=0.8).fusion == "minmax"
    named = collection.default_options(fusion="rrf")  # another fusion: its own defaults
    assert (named.fusion, named.alpha, named.rrf_k) == ("rrf", 0.5, 60.0)
    assert collection.search("aspirin fever", 1, mode="hybrid")[0].uri == "beir:d1"


def test_untuned_defaults(collection: Collection) -> None:
    opts = collection.default_options()
    assert (opts.fusion, opts.alpha, opts.rrf_k) == ("rrf", 0.5, 60.0)


def test_tune_uses_inverse_cloze_queries_on_multi_chunk_documents(tmp_path: Path) -> None:
    from veracity.ingest.pipeline import IngestOptions
    from veracity.records import Document
    from veracity.text.chunker import ChunkOptions

    topics = ["solar panels", "wind turbines", "river dams", "coal plants", "tidal pools"]
    docs = [
        Document.make(
            f"doc-{i}",
            " ".join(
                f"Sentence {j} says that {topic} matter for the energy plan number {i} here."
                for j in range(8)
            ),
        )
        for i, topic in enumerate(topics)
    ]
    with veracity.open(tmp_path / "multi", embedder="hash") as col:
        options = IngestOptions(chunk=ChunkOptions(max_tokens=40, overlap_tokens=0))
        col.add(docs, options=options)
        assert col.status().chunks > len(docs)  # several chunks per document
        result = col.tune(n_synthetic=5, save=False)
    assert "5 inverse-cloze queries" in result.reason
    assert result.ndcg > 0  # the documents are found through their other chunks
