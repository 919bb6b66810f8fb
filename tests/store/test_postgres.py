"""What the PostgreSQL backend promises beyond the contract suite (``test_store_contract.py``
runs that suite on it): labels enforced by the database itself, no password in any message,
a newer schema refused, nothing committed lost to a ``kill -9``, the HNSW index answering
nearest-neighbour queries, and a whole collection that searches exactly like its SQLite twin.

The server is the session's throwaway PostgreSQL (``tests/pg_server.py``); each test gets a
fresh database, owned by an ordinary role so row security applies as in production.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import pg_server
import veracity
from veracity.errors import NotFound, SchemaError, StoreError
from veracity.records import Chunk, Document, Filter, content_id
from veracity.store.location import cache_dir, is_postgres_uri, redact, scrub
from veracity.store.protocols import open_store
from veracity.store.rows import DocumentWrite

DIM = 8


def _write(uri: str, text: str, labels: tuple[str, ...] = (), seed: int = 0) -> DocumentWrite:
    doc = Document.make(uri, text, labels=labels)
    chunks = [Chunk(content_id(doc.content_hash, "0"), doc.id, 0, text, 0, len(text), n_tokens=3)]
    vec = np.random.default_rng(seed).normal(size=(1, DIM)).astype(np.float32)
    return DocumentWrite(doc, chunks, vec / np.linalg.norm(vec))


def _psycopg():  # type: ignore[no-untyped-def]
    return pytest.importorskip("psycopg")


# -- locations and secrets --------------------------------------------------------------------


def test_uris_are_told_from_directories_and_passwords_redacted(tmp_path: Path) -> None:
    assert is_postgres_uri("postgresql://u@h/db") and is_postgres_uri("postgres://h/db")
    assert not is_postgres_uri(str(tmp_path)) and not is_postgres_uri(tmp_path)
    assert redact("postgresql://bob:hunter2@db.example:5432/col?sslmode=require") == (
        "postgresql://bob:***@db.example:5432/col?sslmode=require"
    )
    assert (
        redact("postgresql://bob@h/col?password=hunter2") == "postgresql://bob@h/col?password=***"
    )
    assert redact("postgresql:///col?host=/run/pg") == "postgresql:///col?host=/run/pg"
    assert "hunter2" not in scrub("connection to 'password=hunter2 host=h' failed", "x")
    assert "hunter2" not in scrub("FATAL for bob:hunter2", "postgresql://bob:hunter2@h/db")
    # The cache directory depends on the database's identity, never on the password.
    uri = "postgresql://bob:one@h/col"
    assert cache_dir(uri, "id1") == cache_dir(uri.replace("one", "two"), "id1")
    assert cache_dir(uri, "id1") != cache_dir(uri, "id2")
    assert open_store(tmp_path / "col").__class__.__name__ == "SQLiteStore"


def test_a_failed_connection_never_shows_the_password(pg_uri: str) -> None:
    bad = pg_uri.replace("veracity_app@", "veracity_app:s3cr3t-pw@").replace("/t", "/missing_t")
    with pytest.raises(StoreError) as err:
        open_store(bad)
    assert "s3cr3t-pw" not in str(err.value) and "missing_t" in str(err.value)
    assert "***" in str(err.value)


def test_open_without_create_refuses_an_empty_database(pg_uri: str) -> None:
    with pytest.raises(NotFound, match="no collection"):
        open_store(pg_uri, create=False)
    open_store(pg_uri).close()
    open_store(pg_uri, create=False).close()  # now there is one


def test_a_schema_from_a_newer_veracity_is_refused(pg_uri: str) -> None:
    psycopg = _psycopg()
    open_store(pg_uri).close()
    with psycopg.connect(pg_uri, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES ('999_from_the_future', 0)")
    with pytest.raises(SchemaError, match="newer Veracity"):
        open_store(pg_uri)
    with pytest.raises(SchemaError, match="newer Veracity"):
        open_store(pg_uri, readonly=True)


def test_a_readonly_open_migrates_nothing_and_writes_nothing(pg_uri: str) -> None:
    psycopg = _psycopg()
    open_store(pg_uri).close()
    with psycopg.connect(pg_uri, autocommit=True) as conn:
        last, at = conn.execute(
            "SELECT name, applied_at FROM schema_migrations ORDER BY name DESC LIMIT 1"
        ).fetchone()
        conn.execute("DELETE FROM schema_migrations WHERE name = %s", (last,))  # as if pending
    with pytest.raises(SchemaError, match="needs schema migrations"):
        open_store(pg_uri, readonly=True)
    with psycopg.connect(pg_uri, autocommit=True) as conn:  # still missing: nothing was applied
        names = {r[0] for r in conn.execute("SELECT name FROM schema_migrations")}
        assert last not in names
        conn.execute("INSERT INTO schema_migrations VALUES (%s, %s)", (last, at))
    store = open_store(pg_uri, readonly=True)
    try:
        assert store.document_totals()[0] == 0
        with pytest.raises(StoreError, match="read-only"):
            store.write([_write("/a.txt", "the office opens at nine")])
    finally:
        store.close()


# -- labels in the database -------------------------------------------------------------------


def _labelled_store(uri: str):  # type: ignore[no-untyped-def]
    store = open_store(uri)
    store.write([
        _write("/public.txt", "the office opens at nine"),
        _write("/hr.txt", "salary bands for everyone", labels=("hr",), seed=1),
        _write("/eng.txt", "deploy on fridays never", labels=("eng",), seed=2),
    ])  # fmt: skip
    return store


def test_row_security_hides_labelled_rows_from_raw_sql_that_forgets_the_filter(
    pg_uri: str,
) -> None:
    psycopg = _psycopg()
    _labelled_store(pg_uri).close()

    def uris(sql: str, labels: str | None = None) -> list[str]:
        # The store's own role (the tables' owner: row security is forced on it too).
        with psycopg.connect(pg_uri) as conn:
            if labels is not None:
                conn.execute("SELECT set_config('veracity.labels', %s, true)", (labels,))
            return sorted(r[0] for r in conn.execute(sql))

    docs = "SELECT uri FROM documents"
    chunk_docs = "SELECT d.uri FROM chunks c LEFT JOIN documents d ON d.id = c.document_id"
    assert uris(docs) == ["/public.txt"]  # no setting at all: unlabelled rows only
    assert uris(docs, '["eng"]') == ["/eng.txt", "/public.txt"]
    assert uris(chunk_docs, '["eng"]') == ["/eng.txt", "/public.txt"]
    assert uris("SELECT text FROM chunks") == ["the office opens at nine"]
    assert uris("SELECT count(*)::text FROM chunks WHERE 'hr' = ANY(labels)") == ["0"]
    assert uris(docs, "*") == ["/eng.txt", "/hr.txt", "/public.txt"]
    # A second, read-only role sees through the same policies.
    with psycopg.connect(pg_server.admin_uri(pg_uri.split("/")[3].split("?")[0])) as admin:
        admin.execute("CREATE ROLE reader NOLOGIN")
        admin.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader")
        admin.execute("SET ROLE reader")
        admin.execute("SELECT set_config('veracity.labels', '[\"hr\"]', true)")
        seen = sorted(r[0] for r in admin.execute("SELECT uri FROM documents"))
        assert seen == ["/hr.txt", "/public.txt"]
        body = admin.execute("SELECT count(*) FROM documents WHERE body LIKE '%fridays%'")
        assert body.fetchone()[0] == 0


def test_store_queries_apply_labels_even_as_a_role_that_bypasses_row_security(
    pg_uri: str,
) -> None:
    _labelled_store(pg_uri).close()
    superuser = pg_server.admin_uri(pg_uri.split("/")[3].split("?")[0])
    store = open_store(superuser)
    try:
        eng = Filter(labels=frozenset({"eng"}))
        assert [d.uri for d in store.documents(where=eng)] == ["/eng.txt", "/public.txt"]
        assert store.document_totals(Filter(labels=frozenset())) == (1, 1)
        assert {r.uri for r in store.chunks(store.allowed_rids(eng).tolist())} == {
            "/eng.txt", "/public.txt"
        }  # fmt: skip
        assert store.document_totals() == (3, 3)
    finally:
        store.close()


# -- vectors ----------------------------------------------------------------------------------


def _vector_indexes(pg_uri: str) -> set[str]:
    with _psycopg().connect(pg_uri) as conn:
        rows = conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'chunks'")
        return {r[0] for r in rows if r[0].startswith("chunks_embedding_hnsw_")}


def test_nearest_uses_the_hnsw_index_and_agrees_with_exact_search(pg_uri: str) -> None:
    psycopg = _psycopg()
    store = open_store(pg_uri)
    try:
        store.write([_write(f"/{i}.txt", f"text {i}", ("hr",) if i % 2 else (), i)
                     for i in range(60)])  # fmt: skip
        rids, mat = next(store.iter_vectors(DIM, batch=1000))
        q = np.random.default_rng(99).normal(size=DIM).astype(np.float32)
        q /= np.linalg.norm(q)
        exact = rids[np.argsort(-(mat @ q), kind="stable")][:5].tolist()
        # Writes leave the HNSW graph to optimize() (built once over the load); until then the
        # database scans, with the same answer.
        assert _vector_indexes(pg_uri) == set()
        assert [r for r, _ in store.nearest(q, 5)] == exact  # type: ignore[attr-defined]
        store.optimize()
        store.optimize()  # nothing left to build: a no-op
        assert _vector_indexes(pg_uri) == {f"chunks_embedding_hnsw_{DIM}"}
        got = store.nearest(q, 5)  # type: ignore[attr-defined]
        assert [r for r, _ in got] == exact
        np.testing.assert_allclose([s for _, s in got], np.sort(mat @ q)[::-1][:5], rtol=1e-5)
        public = set(store.allowed_rids(Filter(labels=frozenset())).tolist())
        filtered = store.nearest(q, 5, Filter(labels=frozenset()))  # type: ignore[attr-defined]
        keep = [r for r in rids[np.argsort(-(mat @ q), kind="stable")].tolist() if r in public]
        assert [r for r, _ in filtered] == keep[:5]
    finally:
        store.close()
    with psycopg.connect(pg_uri) as conn:
        conn.execute("SET LOCAL enable_seqscan = off")
        conn.execute("SELECT set_config('veracity.labels', '*', true)")
        plan = " ".join(r[0] for r in conn.execute(
            f"EXPLAIN SELECT rid FROM chunks WHERE vector_dims(embedding) = {DIM}"
            f" ORDER BY embedding::vector({DIM}) <#> %s::vector LIMIT 5", (str(q.tolist()),)))  # fmt: skip
    assert f"chunks_embedding_hnsw_{DIM}" in plan


def test_reembedding_drops_the_old_vector_index_and_builds_the_new_one(pg_uri: str) -> None:
    store = open_store(pg_uri)
    try:
        store.write([_write(f"/{i}.txt", f"text {i}", (), i) for i in range(12)])
        store.optimize()
        assert _vector_indexes(pg_uri) == {f"chunks_embedding_hnsw_{DIM}"}
        rids, _ = next(store.iter_vectors(DIM, batch=1000))
        new = np.eye(len(rids), 16, dtype=np.float32)  # (n, 16) unit rows
        assert store.replace_vectors(iter([(rids, new)]), {"dim": "16"}) == len(rids)
        assert _vector_indexes(pg_uri) == {"chunks_embedding_hnsw_16"}
        got = store.nearest(new[3], 1)  # type: ignore[attr-defined]
        assert got[0][0] == rids[3]
    finally:
        store.close()


# -- crash safety -----------------------------------------------------------------------------

_WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from veracity.records import Chunk, Document, content_id
    from veracity.store.protocols import open_store
    from veracity.store.rows import DocumentWrite

    store = open_store(sys.argv[1])
    for batch in range(10_000):
        items = []
        for i in range(5):
            doc = Document.make(f"/b{batch}/{i}.txt", f"batch {batch} doc {i} " * 50)
            chunks = [Chunk(content_id(doc.content_hash, str(j)), doc.id, j, doc.text[j::4], 0, 1,
                            n_tokens=1) for j in range(4)]
            items.append(DocumentWrite(doc, chunks, np.ones((4, 8), np.float32) / 8 ** 0.5))
        store.write(items)
        print(batch + 1, flush=True)
    """
)


@pytest.mark.integration
def test_kill_9_during_ingest_loses_no_committed_batch(pg_uri: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, pg_uri], stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(Path(veracity.__file__).parents[1])},
    )  # fmt: skip
    assert proc.stdout is not None
    committed = 0
    for line in proc.stdout:
        committed = int(line)
        if committed >= 3:
            break
    proc.send_signal(signal.SIGKILL)  # mid-way through the next batch, most likely
    proc.wait(10)
    assert committed >= 3, "the writer died before committing three batches"
    store = open_store(pg_uri)
    try:
        docs = store.counts()["documents"]
        assert docs >= 5 * committed and docs % 5 == 0  # whole batches, every reported one
        assert store.check() == []
        assert [c.op for c in store.changes_since(0)].count("add") == store.counts()["chunks"]
    finally:
        store.close()


# -- a whole collection on PostgreSQL ---------------------------------------------------------

CORPUS = {
    "mem://otters": "Otters juggle pebbles in the harbour. Sea otters hold hands while sleeping.",
    "mem://bees": "Honey bees dance to tell the hive where flowers are. Bees sleep at night.",
    "mem://tides": "Tides rise twice a day in the harbour, pulled by the moon.",
    "mem://hr": "Salary bands are reviewed each spring by the people team.",
}


def _fill(col: veracity.Collection) -> None:
    col.add([Document.make(u, t, labels=("hr",) if u.endswith("hr") else ())
             for u, t in CORPUS.items()])  # fmt: skip


def test_a_postgres_collection_searches_like_its_sqlite_twin(
    pg_uri: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VERACITY_CACHE", str(tmp_path / "cache"))
    lite = veracity.open(tmp_path / "lite", embedder="hash")
    pg = veracity.open(pg_uri, embedder="hash")
    try:
        assert pg.path.is_relative_to(tmp_path / "cache") and pg.location == redact(pg_uri)
        for col in (lite, pg):
            _fill(col)
        assert _vector_indexes(pg_uri) == {"chunks_embedding_hnsw_256"}  # built after the ingest
        queries = ["otters sleeping in the harbour", "where are the flowers", "salary review"]
        for mode in ("bm25", "dense", "hybrid"):
            for query in queries:
                for labels in (None, ()):
                    a = lite.search(query, 3, mode=mode, labels=labels)
                    b = pg.search(query, 3, mode=mode, labels=labels)
                    assert [h.chunk.id for h in a] == [h.chunk.id for h in b], (mode, query)
                    np.testing.assert_allclose(
                        [h.score for h in a], [h.score for h in b], rtol=1e-5, atol=1e-6
                    )
        assert all(h.uri != "mem://hr" for h in pg.search("salary review", 4, labels=()))
        # An ingest after the first search is found by the next one (the change log replays).
        pg.add([Document.make("mem://new", "Narwhals sing under the winter ice.")])
        assert pg.search("narwhals singing", 1, mode="bm25")[0].uri == "mem://new"
        status = pg.status()
        assert status.path == redact(pg_uri) and status.documents == 5
        assert json.loads(json.dumps(status.to_dict()))["chunks"] == status.chunks
    finally:
        lite.close()
        pg.close()
    again = veracity.open(pg_uri, create=False)  # reopened: the recorded embedder, same cache
    try:
        assert again.embedder_name == "hash" and again.path == pg.path
        assert again.search("narwhals singing", 1, mode="bm25")[0].uri == "mem://new"
    finally:
        again.close()
