"""The SQLite store: upserts, deletes, filters, change log, schema versioning, consistency."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from veracity.errors import ConfigError, NotFound, SchemaError
from veracity.records import Chunk, Document, Filter, content_id
from veracity.store import DocumentWrite, SQLiteStore, parse_where


def _doc(uri: str, text: str, **kw: object) -> DocumentWrite:
    doc = Document.make(uri, text, **kw)  # type: ignore[arg-type]
    half = len(text) // 2
    spans = [(0, half), (half, len(text))]
    chunks = [
        Chunk(content_id(doc.content_hash, str(s), str(e)), doc.id, i, text[s:e], s, e, n_tokens=3)
        for i, (s, e) in enumerate(spans)
    ]
    vectors = np.random.default_rng(len(text)).normal(size=(2, 4)).astype(np.float32)
    return DocumentWrite(doc, chunks, vectors)


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStore:
    return SQLiteStore(tmp_path / "col")


def test_write_and_read_back(store: SQLiteStore) -> None:
    w = _doc("/a.txt", "alpha beta gamma delta", metadata={"year": 2021}, labels=("hr",))
    store.write([w])
    assert store.counts()["documents"] == 1 and store.counts()["chunks"] == 2
    doc = store.get_document(w.document.id)
    assert doc.text == w.document.text and doc.labels == ("hr",) and doc.metadata == {"year": 2021}
    rows = store.chunks([1, 2])
    assert [r.chunk.text for r in rows] == ["alpha beta ", "gamma delta"]
    assert rows[0].uri == "/a.txt"
    store.write([_doc("/b.txt", "epsilon zeta eta theta")])
    assert store.chunk_uris() == {r.rid: r.uri for r in store.chunks([1, 2, 3, 4])}
    assert sorted(store.chunk_uris().values()) == ["/a.txt", "/a.txt", "/b.txt", "/b.txt"]
    rids, vecs = store.vectors([2, 1, 99], dim=4)
    assert sorted(rids.tolist()) == [1, 2] and vecs.shape == (2, 4)
    assert store.check() == []


def test_upsert_replaces_chunks_and_logs_changes(store: SQLiteStore) -> None:
    store.write([_doc("/a.txt", "first version of the text")])
    seq = store.last_seq()
    store.write([_doc("/a.txt", "second version, longer than the first one")])
    assert store.counts() == {"documents": 1, "chunks": 2, "vectors": 2, "text_chars": 41}
    ops = [(c.op, c.rid) for c in store.changes_since(seq)]
    assert ops == [("del", 1), ("del", 2), ("add", 3), ("add", 4)]
    assert store.check() == []


def test_delete_by_id_uri_prefix_and_metadata(store: SQLiteStore) -> None:
    store.write([
        _doc("/d/a.txt", "one two three four", metadata={"team": "legal"}),
        _doc("/d/b.txt", "five six seven eight", metadata={"team": "ops"}),
        _doc("/e/c.txt", "nine ten eleven twelve", metadata={"team": "legal"}),
    ])  # fmt: skip
    assert len(store.find_document_ids(uris=["/d/"])) == 2
    legal = store.find_document_ids(where=Filter(where={"team": "legal"}))
    assert len(legal) == 2
    assert store.delete_documents(legal) == (2, 4)
    assert [d.uri for d in store.documents()] == ["/d/b.txt"]
    assert store.check() == []


def test_jsonl_rows_are_deleted_with_their_file(store: SQLiteStore) -> None:
    store.write([_doc("/f.jsonl#1", "row one text"), _doc("/f.jsonl#2", "row two text")])
    store.write([_doc("/f.jsonl2", "another file")])
    assert len(store.find_document_ids(uris=["/f.jsonl"])) == 2


def test_prefilter_by_labels_and_metadata(store: SQLiteStore) -> None:
    store.write([
        _doc("/pub.txt", "public words here"),
        _doc("/hr.txt", "hr only words", labels=("hr",)),
        _doc("/fin.txt", "finance words", labels=("finance",), metadata={"year": 2020}),
    ])  # fmt: skip
    hr = store.allowed_rids(Filter(labels=frozenset({"hr"})))
    assert hr.tolist() == [1, 2, 3, 4]  # public + hr
    none = store.allowed_rids(Filter(labels=frozenset()))
    assert none.tolist() == [1, 2]  # only unlabelled documents
    assert store.allowed_rids(Filter(where={"year": 2020})).tolist() == [5, 6]
    both = Filter(where={"year": 2020}, labels=frozenset({"hr"}))
    assert store.allowed_rids(both).tolist() == []


def test_document_reads_take_the_access_filter_in_sql(store: SQLiteStore) -> None:
    store.write([
        _doc("/a.txt", "ops words here", labels=("ops",)),
        _doc("/b.txt", "finance words", labels=("finance",)),
        _doc("/c.txt", "hr only words", labels=("hr",)),
        _doc("/d.txt", "public words here"),
    ])  # fmt: skip
    hr = Filter(labels=frozenset({"hr"}))
    assert [d.uri for d in store.documents(where=hr)] == ["/c.txt", "/d.txt"]
    # Paged after filtering: the hidden /a and /b sort first, yet the first page is /c.
    assert [d.uri for d in store.documents(where=hr, limit=1)] == ["/c.txt"]
    assert [d.uri for d in store.documents(where=hr, limit=1, offset=1)] == ["/d.txt"]
    assert store.documents(where=hr, limit=1, offset=2) == []
    assert store.document_totals(hr) == (2, 4) and store.document_totals() == (4, 8)
    # No labels at all: only unlabelled documents (the rule the retrieval pre-filter applies).
    assert [d.uri for d in store.documents(where=Filter(labels=frozenset()))] == ["/d.txt"]
    assert len(store.documents()) == 4
    hidden = store.find_document_ids(uris=["/a.txt"])[0]
    with pytest.raises(NotFound):
        store.get_document(hidden, hr)
    with pytest.raises(NotFound):
        store.document_info(hidden, hr)
    assert store.get_document(hidden).uri == store.document_info(hidden).uri == "/a.txt"
    ops = Filter(labels=frozenset({"ops", "x"}))
    assert store.get_document(hidden, ops).text == "ops words here"


def test_parse_where_types_and_errors() -> None:
    f = parse_where(["year=2021", "draft=false", "lang=en", "lang=fr"])
    assert f.where == {"year": 2021, "draft": False, "lang": ("en", "fr")}
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_where(["oops"])
    with pytest.raises(ConfigError, match="invalid metadata key"):
        SQLiteStore.__new__(SQLiteStore)  # no-op; key check happens in filter_sql below
        from veracity.store import filter_sql

        filter_sql(Filter(where={'a"b': 1}))


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    SQLiteStore(tmp_path / "c").close()
    db = sqlite3.connect(tmp_path / "c" / "veracity.db")
    db.execute("INSERT INTO schema_migrations VALUES ('999_future', 0)")
    db.commit()
    db.close()
    with pytest.raises(SchemaError, match="newer Veracity"):
        SQLiteStore(tmp_path / "c")


def test_missing_collection_and_document(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="veracity ingest"):
        SQLiteStore(tmp_path / "nope", create=False)
    with pytest.raises(NotFound, match="veracity docs"):
        SQLiteStore(tmp_path / "c").get_document("missing")


def test_failed_transaction_changes_nothing(store: SQLiteStore) -> None:
    good = _doc("/good.txt", "good text here")
    bad = _doc("/bad.txt", "bad text here")
    bad = DocumentWrite(bad.document, bad.chunks, bad.vectors[:1])  # chunk/vector count mismatch
    with pytest.raises(Exception, match="vectors"):
        store.write([good, bad])
    assert store.counts()["documents"] == 0


def test_replace_vectors_swaps_all(store: SQLiteStore) -> None:
    store.write([_doc("/a.txt", "some words to embed")])
    new = np.ones((2, 8), dtype=np.float32)
    n = store.replace_vectors(iter([(np.array([1, 2]), new)]), {"embedder": "x", "dim": "8"})
    assert n == 2 and store.get_meta("dim") == "8"
    assert store.vectors([1, 2], dim=8)[1].sum() == 16
    assert store.check() == []


def test_readers_work_while_a_writer_holds_a_transaction(tmp_path: Path) -> None:
    writer = SQLiteStore(tmp_path / "c")
    writer.write([_doc("/a.txt", "committed before")])
    reader = SQLiteStore(tmp_path / "c")
    with writer.transaction() as db:  # an open write transaction, as during an ingest batch
        db.execute("UPDATE documents SET title = 'in flight'")
        assert reader.counts()["documents"] == 1  # WAL: the reader is not blocked
        assert reader.documents()[0].title == ""  # and sees only committed data


def test_check_reports_damage(store: SQLiteStore) -> None:
    store.write([_doc("/a.txt", "some words to check")])
    with store.reading() as db:
        db.execute("DELETE FROM vectors WHERE chunk_rid = 1")
        db.execute("DELETE FROM document_text")
    problems = store.check()
    assert "1 chunks without a vector" in problems and "1 documents without text" in problems


@pytest.mark.parametrize("name", ["sp?x=1", "a#b", "100%", "with space"])
def test_collection_paths_are_escaped_in_the_sqlite_uri(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """Issue 12 item 8: the path went unescaped into the ``file:`` URI, so ``sp?x=1`` wrote
    ``./sp`` (the rest read as URI parameters)."""
    monkeypatch.chdir(tmp_path)
    for directory in (Path(name), tmp_path / "abs" / name):
        store = SQLiteStore(directory)
        store.set_meta({"k": "v"})
        store.close()
        assert (directory / "veracity.db").is_file()
        assert SQLiteStore(directory, readonly=True).get_meta("k") == "v"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["abs", name])


def test_a_new_collection_is_private_to_its_owner(tmp_path: Path) -> None:
    """Issue 12 item 8: ``veracity.db`` was created 0644 (and its directory 0755)."""
    store = SQLiteStore(tmp_path / "new")
    store.set_meta({"k": "v"})  # the WAL file exists now
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o700
    for f in (tmp_path / "new").glob("veracity.db*"):
        assert f.stat().st_mode & 0o077 == 0, f
    assert (tmp_path / "new" / "veracity.db-wal").exists()
    store.close()
