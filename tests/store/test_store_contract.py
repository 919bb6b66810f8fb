"""The contract of the ``Store`` protocol: every backend passes this suite unchanged.

Each test talks to the store only through the protocols in ``veracity.store.protocols`` (no SQL,
no private attributes), so a new backend joins by adding one entry to ``BACKENDS``: a function
that makes an empty store in a fresh location, or skips with the reason its server or driver is
missing (the PostgreSQL backend starts its server once per session, ``tests/pg_server.py``, and
gets a fresh database per test).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from veracity.errors import NotFound, StoreError
from veracity.records import Chunk, Document, Filter, content_id
from veracity.store.chat import Turn
from veracity.store.keys import DELETE, READ, UPLOAD, create_key
from veracity.store.protocols import Store, open_store
from veracity.store.rows import DocumentWrite

DIM = 4

MakeStore = Callable[[Path], Store]


def _sqlite(tmp_path: Path) -> Store:
    return open_store(tmp_path / "col")


def _postgres(tmp_path: Path) -> Store:
    """A fresh database on the session's throwaway server (skips when it cannot start)."""
    import pg_server

    return open_store(pg_server.fresh_database())


# name -> factory of an empty store. Add a backend here; every test below runs against it.
BACKENDS: dict[str, MakeStore] = {"sqlite": _sqlite, "postgres": _postgres}


@pytest.fixture(params=sorted(BACKENDS))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    made = BACKENDS[request.param](tmp_path)
    yield made
    made.close()


def _write(
    uri: str,
    text: str,
    *,
    seed: int = 0,
    headings: tuple[str, ...] = (),
    **kw: object,
) -> DocumentWrite:
    """A document cut into two chunks at the middle, with random unit vectors."""
    doc = Document.make(uri, text, **kw)  # type: ignore[arg-type]
    half = len(text) // 2
    chunks = [
        Chunk(content_id(doc.content_hash, str(s), str(e)), doc.id, i, text[s:e], s, e,
              headings=headings, n_tokens=2)
        for i, (s, e) in enumerate([(0, half), (half, len(text))])
    ]  # fmt: skip
    vectors = np.random.default_rng(seed).normal(size=(2, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return DocumentWrite(doc, chunks, vectors)


def _all_rids(store: Store) -> list[int]:
    return [rid for rows in store.iter_chunk_texts() for rid, _ in rows]


# -- meta -------------------------------------------------------------------------------------


def test_meta_round_trips_and_overwrites(store: Store) -> None:
    assert store.get_meta("embedder") is None
    store.set_meta({"embedder": "hash", "dim": "4"})
    store.set_meta({"dim": "8"})
    assert (store.get_meta("embedder"), store.get_meta("dim")) == ("hash", "8")


# -- documents --------------------------------------------------------------------------------


def test_documents_add_get_list_and_delete(store: Store) -> None:
    a = _write("/a.txt", "alpha beta gamma delta", title="A", metadata={"year": 2021},
               labels=("hr",), page_starts=(0, 10))  # fmt: skip
    b = _write("/b.txt", "epsilon zeta eta theta", seed=1)
    store.write([a, b])
    got = store.get_document(a.document.id)
    assert (got.uri, got.text, got.title) == ("/a.txt", a.document.text, "A")
    assert (got.metadata, got.labels, got.page_starts) == ({"year": 2021}, ("hr",), (0, 10))
    assert got.created_at > 0 and got.updated_at >= got.created_at
    info = store.document_info(b.document.id)
    assert (info.uri, info.n_chunks, info.size_chars) == ("/b.txt", 2, len(b.document.text))
    assert [d.uri for d in store.documents()] == ["/a.txt", "/b.txt"]
    assert [d.uri for d in store.documents(limit=1, offset=1)] == ["/b.txt"]
    assert store.document_totals() == (2, 4)
    assert store.states(["/a.txt", "/missing"]) == {
        "/a.txt": (a.document.id, a.document.content_hash, '{"year": 2021}', '["hr"]')
    }
    assert store.document_uris([a.document.id, "nope"]) == {a.document.id: "/a.txt"}

    assert store.delete_documents([a.document.id, "nope"]) == (1, 2)
    with pytest.raises(NotFound):
        store.get_document(a.document.id)
    with pytest.raises(NotFound):
        store.document_info(a.document.id)
    assert store.counts()["documents"] == 1 and store.counts()["chunks"] == 2
    assert store.check() == []


def test_find_document_ids_by_id_uri_prefix_and_metadata(store: Store) -> None:
    docs = [
        _write("/x/one.txt", "first file text", metadata={"lang": "en"}),
        _write("/x/two.txt", "second file text", metadata={"lang": "fr"}),
        _write("/x/two.txt#part2", "an attachment's text"),
        _write("/y/three.txt", "third file text", metadata={"lang": "en"}),
    ]
    store.write(docs)
    ids = [w.document.id for w in docs]
    assert store.find_document_ids(ids=[ids[0], "nope"]) == [ids[0]]
    assert sorted(store.find_document_ids(uris=["/x/"])) == sorted(ids[:3])
    # An exact uri also finds the parts of that file (``uri#part``), not a longer name.
    assert sorted(store.find_document_ids(uris=["/x/two.txt"])) == sorted(ids[1:3])
    assert sorted(store.find_document_ids(where=Filter({"lang": "en"}))) == [
        *sorted([ids[0], ids[3]])
    ]
    # Matches from several selectors are merged without duplicates.
    assert sorted(store.find_document_ids(ids=[ids[0]], uris=["/x/one.txt"])) == [ids[0]]


def test_update_labels_and_metadata_keeps_chunks(store: Store) -> None:
    w = _write("/a.txt", "some text to relabel", labels=("hr",))
    store.write([w])
    seq, rids = store.last_seq(), _all_rids(store)
    store.update_labels_and_metadata(w.document.id, ("eng",), {"k": "v"})
    info = store.document_info(w.document.id)
    assert (info.labels, info.metadata) == (("eng",), {"k": "v"})
    assert _all_rids(store) == rids and store.last_seq() == seq  # chunks untouched, no change
    assert store.allowed_rids(Filter(labels=frozenset({"hr"}))).tolist() == []
    assert store.allowed_rids(Filter(labels=frozenset({"eng"}))).tolist() == rids


# -- chunks -----------------------------------------------------------------------------------


def test_chunks_read_back_in_the_order_asked(store: Store) -> None:
    w = _write("/a.txt", "alpha beta gamma delta", title="Policy", headings=("Leave",))
    store.write([w])
    first, second = _all_rids(store)
    rows = store.chunks([second, 999, first])
    assert [r.rid for r in rows] == [second, first]
    assert [r.chunk.text for r in rows] == ["gamma delta", "alpha beta "]
    assert rows[0].uri == "/a.txt" and rows[0].title == "Policy"
    assert rows[0].chunk.headings == ("Leave",) and rows[0].chunk.document_id == w.document.id
    assert store.chunk_texts([second, first]) in (
        [(first, "alpha beta "), (second, "gamma delta")],
        [(second, "gamma delta"), (first, "alpha beta ")],
    )
    contexts = {c.rid: c for c in store.chunk_contexts([first, second])}
    assert contexts[first].title == "Policy" and contexts[first].headings == ("Leave",)
    assert contexts[second].text == "gamma delta"
    assert store.chunk_uris() == {first: "/a.txt", second: "/a.txt"}


def test_iter_chunk_texts_covers_every_chunk_once_in_rid_order(store: Store) -> None:
    store.write([_write(f"/{i}.txt", f"document number {i} text", seed=i) for i in range(5)])
    batches = list(store.iter_chunk_texts(batch=3))
    assert [len(b) for b in batches] == [3, 3, 3, 1]
    rids = [r for b in batches for r, _ in b]
    assert rids == sorted(rids) and len(set(rids)) == 10
    contexts = [c.rid for b in store.iter_chunk_contexts(batch=4) for c in b]
    assert contexts == rids


def test_upsert_replaces_chunks_and_same_text_dedups_to_one_document(store: Store) -> None:
    store.write([_write("/a.txt", "first version of the text")])
    store.write([_write("/a.txt", "first version of the text")])  # the same again
    assert store.counts()["documents"] == 1 and store.counts()["chunks"] == 2
    old = _all_rids(store)
    text = "second version, longer than the first"
    store.write([_write("/a.txt", text)])
    assert store.counts() == {"documents": 1, "chunks": 2, "vectors": 2, "text_chars": len(text)}
    new = _all_rids(store)
    assert not set(old) & set(new)  # the old chunks are gone, not updated in place
    assert store.chunks(old) == []
    assert store.check() == []


def test_equal_text_in_two_documents_shares_chunk_ids_not_rows(store: Store) -> None:
    a, b = _write("/a.txt", "the very same text"), _write("/b.txt", "the very same text")
    store.write([a, b])
    rows = store.chunks(_all_rids(store))
    assert len(rows) == 4 and len({r.rid for r in rows}) == 4
    assert {r.chunk.id for r in rows} == {c.id for c in a.chunks}
    store.delete_documents([a.document.id])
    assert {r.uri for r in store.chunks(_all_rids(store))} == {"/b.txt"}


def test_a_write_with_mismatched_vectors_is_refused_whole(store: Store) -> None:
    good = _write("/good.txt", "fine document text")
    bad = _write("/bad.txt", "broken document text")
    bad = DocumentWrite(bad.document, bad.chunks, bad.vectors[:1])
    with pytest.raises(StoreError):
        store.write([good, bad])
    assert store.counts()["documents"] == 0 and store.last_seq() == 0  # one transaction


# -- vectors ----------------------------------------------------------------------------------


def test_vectors_round_trip_exactly(store: Store) -> None:
    w = _write("/a.txt", "alpha beta gamma delta", seed=3)
    store.write([w])
    first, second = _all_rids(store)
    rids, vecs = store.vectors([second, first, 999], DIM)
    by_rid = dict(zip(rids.tolist(), vecs, strict=True))
    assert rids.dtype == np.int64 and vecs.dtype == np.float32 and vecs.shape == (2, DIM)
    np.testing.assert_array_equal(by_rid[first], w.vectors[0])
    np.testing.assert_array_equal(by_rid[second], w.vectors[1])
    streamed = list(store.iter_vectors(DIM, batch=1))
    assert [r.tolist() for r, _ in streamed] == [[first], [second]]
    with pytest.raises(StoreError, match="reembed"):
        store.vectors([first], DIM * 2)


def test_replace_vectors_swaps_all_and_logs_each_chunk(store: Store) -> None:
    store.write([_write("/a.txt", "alpha beta gamma delta"), _write("/b.txt", "more text here")])
    rids = _all_rids(store)
    seq = store.last_seq()
    new = np.full((len(rids), 8), 0.5, dtype=np.float32)
    n = store.replace_vectors(iter([(np.array(rids), new)]), {"embedder": "other", "dim": "8"})
    assert n == len(rids) and store.get_meta("dim") == "8"
    _, vecs = store.vectors(rids, 8)
    np.testing.assert_array_equal(vecs, new)
    ops = [(c.op, c.rid) for c in store.changes_since(seq)]
    assert sorted(ops) == sorted([("del", r) for r in rids] + [("add", r) for r in rids])
    assert store.check() == []


# -- labels: the one label rule, applied by the backend before paging --------------------------


def test_labels_filter_every_read_before_paging(store: Store) -> None:
    store.write([
        _write("/a-secret.txt", "salary bands for everyone", labels=("hr",)),
        _write("/b-secret.txt", "hiring plan for the year", labels=("hr", "exec")),
        _write("/c-public.txt", "the office opens at nine"),
        _write("/d-eng.txt", "deploy on fridays never", labels=("eng",)),
    ])  # fmt: skip
    eng = Filter(labels=frozenset({"eng"}))
    # The hidden documents sort first: paging after filtering still fills the page.
    assert [d.uri for d in store.documents(where=eng, limit=2)] == ["/c-public.txt", "/d-eng.txt"]
    assert store.document_totals(eng) == (2, 4)
    assert store.document_totals(Filter(labels=frozenset())) == (1, 2)  # unlabelled only
    assert store.document_totals(Filter(labels=frozenset({"exec"}))) == (2, 4)
    assert store.document_totals() == (4, 8)  # no access filter at all
    hidden = store.find_document_ids(uris=["/a-secret.txt"])[0]
    with pytest.raises(NotFound) as missing:
        store.get_document(hidden, eng)
    with pytest.raises(NotFound) as absent:
        store.get_document("no-such-id", eng)
    # A hidden document reads exactly like a missing one (apart from the id it names).
    assert str(missing.value).replace(hidden, "X") == str(absent.value).replace("no-such-id", "X")
    with pytest.raises(NotFound):
        store.document_info(hidden, eng)
    assert store.get_document(hidden, Filter(labels=frozenset({"hr"}))).uri == "/a-secret.txt"

    visible_uris = {r.uri for r in store.chunks(store.allowed_rids(eng).tolist())}
    assert visible_uris == {"/c-public.txt", "/d-eng.txt"}
    allowed = store.allowed_rids(Filter(labels=frozenset({"hr"})))
    assert allowed.dtype == np.int64 and allowed.tolist() == sorted(allowed.tolist())
    assert len(allowed) == 6


def test_allowed_rids_applies_metadata_and_document_filters(store: Store) -> None:
    a = _write("/a.txt", "english text here", metadata={"lang": "en", "year": 2021})
    b = _write("/b.txt", "texte en francais", metadata={"lang": "fr", "year": 2021})
    c = _write("/c.txt", "more english text", metadata={"lang": "en", "year": 2020})
    store.write([a, b, c])

    def uris(where: Filter) -> set[str]:
        return {r.uri for r in store.chunks(store.allowed_rids(where).tolist())}

    assert uris(Filter({"lang": "en"})) == {"/a.txt", "/c.txt"}
    assert uris(Filter({"lang": "en", "year": 2021})) == {"/a.txt"}
    assert uris(Filter({"year": (2020, 2021)})) == {"/a.txt", "/b.txt", "/c.txt"}
    assert uris(Filter(document_ids=frozenset({b.document.id}))) == {"/b.txt"}
    assert uris(Filter({"lang": "de"})) == set()


# -- change log -------------------------------------------------------------------------------


def test_change_log_is_ordered_and_complete(store: Store) -> None:
    assert store.last_seq() == 0 and store.changes_since(0) == []
    a = _write("/a.txt", "first document text")
    store.write([a])
    first = _all_rids(store)
    mark = store.last_seq()
    store.write([_write("/a.txt", "first document, changed")])  # upsert: del old, add new
    second = _all_rids(store)
    store.delete_documents([a.document.id])
    log = store.changes_since(0)
    seqs = [c.seq for c in log]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs) and seqs[-1] == store.last_seq()
    assert [(c.op, c.rid) for c in log] == [
        *[("add", r) for r in first],
        *[("del", r) for r in first],
        *[("add", r) for r in second],
        *[("del", r) for r in second],
    ]
    assert [c.seq for c in store.changes_since(mark)] == [s for s in seqs if s > mark]
    assert store.changes_since(0, limit=3) == log[:3]


# -- upkeep -----------------------------------------------------------------------------------


def test_counts_check_and_size(store: Store) -> None:
    assert store.counts() == {"documents": 0, "chunks": 0, "vectors": 0, "text_chars": 0}
    store.write([_write("/a.txt", "twelve chars")])
    assert store.counts() == {"documents": 1, "chunks": 2, "vectors": 2, "text_chars": 12}
    assert store.check() == [] and store.size_bytes() > 0


# -- chat sessions ----------------------------------------------------------------------------


def test_chat_sessions_are_isolated_by_owner(store: Store) -> None:
    chats = store.chats()
    mine = chats.create("my questions", owner="key-a")
    theirs = chats.create("their questions", owner="key-b")
    chats.append(mine.id, [Turn("user", "q1"), Turn("assistant", "a1", ("c1",), '{"x": 1}')])
    chats.append(theirs.id, [Turn("user", "secret question")])
    assert [s.id for s in chats.sessions(owner="key-a")] == [mine.id]
    assert {s.id for s in chats.sessions()} == {mine.id, theirs.id}  # no owner: all (admin)
    assert chats.get(mine.id, owner="key-a").title == "my questions"
    with pytest.raises(NotFound):
        chats.get(theirs.id, owner="key-a")
    with pytest.raises(NotFound):
        chats.get("no-such-session")
    assert chats.turns(mine.id) == [
        Turn("user", "q1"), Turn("assistant", "a1", ("c1",), '{"x": 1}')
    ]  # fmt: skip
    assert [t.content for t in chats.turns(theirs.id)] == ["secret question"]


def test_chat_turns_keep_order_limit_and_delete(store: Store) -> None:
    chats = store.chats()
    old, new = chats.create("old"), chats.create("new")
    for i in range(4):
        chats.append(new.id, [Turn("user", f"q{i}"), Turn("assistant", f"a{i}")])
    chats.append(old.id, [Turn("user", "latest activity")])
    assert chats.sessions()[0].id == old.id  # most recently updated first
    assert [t.content for t in chats.turns(new.id, limit=3)] == ["a2", "q3", "a3"]
    assert len(chats.turns(new.id)) == 8
    chats.delete(new.id)
    assert [s.id for s in chats.sessions()] == [old.id]
    assert chats.turns(new.id) == []


# -- answer cache -----------------------------------------------------------------------------


def _cached(store: Store) -> tuple[DocumentWrite, DocumentWrite, list[str]]:
    a = _write("/a.txt", "public source text", seed=1)
    b = _write("/b.txt", "restricted source text", seed=2, labels=("hr",))
    store.write([a, b])
    ids = [a.chunks[0].id, b.chunks[0].id]
    vec = np.array([1.0, 0.0, 0.0, 0.0], dtype=np.float32)
    store.answer_cache().put("k1", "scope1", "what is it?", vec, (ids[0],), '{"answer": 1}')
    store.answer_cache().put("k2", "scope1", "and this?", None, tuple(ids), '{"answer": 2}')
    return a, b, ids


def test_cache_put_get_and_visibility(store: Store) -> None:
    a, _, ids = _cached(store)
    cache = store.answer_cache()
    hit = cache.get("k1")
    assert hit is not None and (hit.question, hit.answer_json) == ("what is it?", '{"answer": 1}')
    assert hit.chunk_ids == (ids[0],) and hit.visible == {(ids[0], a.document.id)}
    assert cache.get("nope") is None
    # A reader who may not see every source misses (and the entry is evicted for its scope).
    assert cache.get("k2", Filter(labels=frozenset({"eng"}))) is None
    assert cache.get("k2") is None
    assert cache.get("k1", Filter(labels=frozenset({"eng"}))) is not None


def test_cache_entry_dies_with_its_source(store: Store) -> None:
    a, _, _ = _cached(store)
    store.delete_documents([a.document.id])
    assert store.answer_cache().get("k1") is None


def test_cache_nearest_and_clear(store: Store) -> None:
    _cached(store)
    cache = store.answer_cache()
    near = np.array([0.96, 0.28, 0.0, 0.0], dtype=np.float32)  # cosine 0.96 with k1's
    found = cache.nearest("scope1", near, threshold=0.9)
    assert found is not None and found.key == "k1" and found.similarity == pytest.approx(0.96)
    assert cache.nearest("scope1", near, threshold=0.99) is None
    assert cache.nearest("other-scope", near, threshold=0.5) is None
    assert cache.clear("other-scope") == 0
    assert cache.clear("scope1") == 2 and cache.get("k1") is None


# -- API keys ---------------------------------------------------------------------------------


def test_keys_create_verify_grant_revoke(store: Store) -> None:
    keys = store.api_keys()
    assert not keys.has_active() and keys.all_keys() == []
    new = create_key([store], ["hr", "hr", " eng "], name="bot", rights="upload")
    assert new.key.labels == ("hr", "eng") and new.key.rights == (READ, UPLOAD)
    found = keys.verify(new.token)
    assert found is not None and (found.id, found.labels, found.rights) == (
        new.key.id, ("hr", "eng"), (READ, UPLOAD)
    )  # fmt: skip
    assert keys.verify(new.token + "x") is None and keys.verify("not-a-token") is None
    assert keys.has_active()
    assert keys.grant(new.key.id, [DELETE]).rights == (READ, UPLOAD, DELETE)
    revoked = keys.revoke(new.key.id)
    assert not revoked.active and keys.verify(new.token) is None and not keys.has_active()
    with pytest.raises(NotFound):
        keys.revoke(new.key.id)
    with pytest.raises(NotFound):
        keys.grant(new.key.id, [DELETE])
    assert [k.id for k in keys.all_keys()] == [new.key.id]
    assert keys.all_keys(include_revoked=False) == []


def test_a_key_is_valid_only_in_the_stores_it_was_made_for(
    store: Store, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    other = BACKENDS[request.node.callspec.params["store"]](tmp_path / "other")
    try:
        new = create_key([store], "hr")
        assert store.api_keys().verify(new.token) is not None
        assert other.api_keys().verify(new.token) is None
    finally:
        other.close()


# -- ingest runs ------------------------------------------------------------------------------


def test_ingest_runs_record_and_report_interruptions(store: Store) -> None:
    runs = store.ingest_runs()
    first = runs.start(["/docs"])
    assert first.interrupted == 0
    first.finish({"added": 1})
    crashed = runs.start(["/docs"])
    crashed.release()  # its holder died without finishing
    live = runs.start(["/more"])  # finds the dead one
    assert live.interrupted == 1 and live.id > crashed.id > first.id
    concurrent = runs.start(["/other"])  # a live run is not taken for a dead one
    assert concurrent.interrupted == 0
    concurrent.finish({})
    live.finish({})
    last = runs.start([])
    assert last.interrupted == 0  # each interruption is reported once
    last.release()
