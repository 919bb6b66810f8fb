"""Read and write rights on API keys, and the labels of uploads (security review, issue 12 item 6).

Before: any key that could see a document could delete it, any key could upload, and an upload
carried every label of its key (so it was visible to every key sharing any one of them); deleting
an uploaded document left its file in ``uploads/``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from veracity.cli.main import main
from veracity.collection import Collection
from veracity.store.keys import hash_token
from veracity.store.migrations import MIGRATIONS, migrate
from veracity.store.sqlite import DB_NAME, SQLiteStore

from .helpers import LOCAL_URL, Setup, call_asgi, docs, make_setup, multipart

UPLOAD = "/api/collections/main/documents"
NOTE = ("note.md", b"# Canteen\n\nThe canteen serves soup on Fridays.", "text/markdown")


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    return make_setup(
        tmp_path,
        {"main": docs({"mem://wifi": ("The guest wifi password is on the fridge.", [])})},
        {
            "reader": (["main"], ["hr"]),  # read-only: the default
            "writer": (["main"], ["hr", "ops"], ["upload", "delete"]),
            "ops": (["main"], ["ops"]),
            "hr": (["main"], ["hr"]),
            "nolabel": (["main"], [], ["upload", "delete"]),
        },
    )


def client(setup: Setup) -> TestClient:
    return TestClient(setup.app(), base_url=LOCAL_URL, raise_server_exceptions=False)


def auth(setup: Setup, key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {setup.tokens[key]}"}


def _wifi_id(setup: Setup) -> str:
    with Collection(setup.collections["main"]) as col:
        return col.store.find_document_ids(uris=["mem://wifi"])[0]


def test_a_read_only_key_may_not_delete_what_it_sees(setup: Setup) -> None:
    c = client(setup)
    doc = _wifi_id(setup)
    assert c.get(f"{UPLOAD}/{doc}", headers=auth(setup, "reader")).status_code == 200
    r = c.delete(f"{UPLOAD}/{doc}", headers=auth(setup, "reader"))
    assert r.status_code == 403, r.text
    message = r.json()["error"]["message"]
    assert "'delete' right" in message and "veracity keys grant" in message
    assert "--can delete" in message
    assert c.get(f"{UPLOAD}/{doc}", headers=auth(setup, "reader")).status_code == 200
    # the right is what makes the difference
    r = c.delete(f"{UPLOAD}/{doc}", headers=auth(setup, "writer"))
    assert r.json()["deleted"]["documents"] == 1


def test_a_read_only_key_may_not_upload_and_its_body_is_not_read(setup: Setup) -> None:
    r = client(setup).post(UPLOAD, headers=auth(setup, "reader"), files={"file": NOTE})
    assert r.status_code == 403
    message = r.json()["error"]["message"]
    assert "'upload' right" in message and "--can upload" in message
    ctype, body = multipart("big.txt", b"a" * 200_000)
    headers = {"content-type": ctype, **{k.lower(): v for k, v in auth(setup, "reader").items()}}
    got = call_asgi(setup.app(), "POST", UPLOAD, headers, [body[i : i + 16384] for i in
                                                           range(0, len(body), 16384)])  # fmt: skip
    assert got.status == 403 and got.chunks_read == 0
    assert not (setup.collections["main"] / "uploads").exists()


def test_a_key_without_labels_may_not_upload(setup: Setup) -> None:
    # Its upload would carry no label: visible to every key of the collection.
    r = client(setup).post(UPLOAD, headers=auth(setup, "nolabel"), files={"file": NOTE})
    assert r.status_code == 403
    assert "no labels" in r.json()["error"]["message"]
    assert "--labels" in r.json()["error"]["message"]


def test_an_upload_gets_exactly_the_keys_first_label_by_default(setup: Setup) -> None:
    c = client(setup)
    r = c.post(UPLOAD, headers=auth(setup, "writer"), files={"file": NOTE})
    assert r.status_code == 200, r.text
    assert r.json()["labels"] == ["hr"]  # not ["hr", "ops"]
    doc = r.json()["documents"][0]
    # an "ops" key shares a label with the uploader but not with the upload
    assert c.get(f"{UPLOAD}/{doc}", headers=auth(setup, "ops")).status_code == 404
    assert c.get(f"{UPLOAD}/{doc}", headers=auth(setup, "hr")).status_code == 200


def test_an_upload_may_name_the_keys_own_labels_only(setup: Setup) -> None:
    c = client(setup)
    r = c.post(UPLOAD, headers=auth(setup, "writer"), files={"file": NOTE},
               data={"labels": "ops"})  # fmt: skip
    assert r.status_code == 200 and r.json()["labels"] == ["ops"]
    doc = r.json()["documents"][0]
    assert c.get(f"{UPLOAD}/{doc}", headers=auth(setup, "hr")).status_code == 404
    r = c.post(UPLOAD, headers=auth(setup, "writer"), files={"file": NOTE},
               data={"labels": "ops,finance"})  # fmt: skip
    assert r.status_code == 403 and "finance" in r.json()["error"]["message"]


def test_deleting_an_uploaded_document_deletes_its_file(setup: Setup) -> None:
    c = client(setup)
    r = c.post(UPLOAD, headers=auth(setup, "writer"), files={"file": NOTE})
    doc = r.json()["documents"][0]
    stored = list((setup.collections["main"] / "uploads").rglob("note.md"))
    assert len(stored) == 1
    assert c.delete(f"{UPLOAD}/{doc}", headers=auth(setup, "writer")).status_code == 200
    assert not stored[0].exists()


def test_a_row_file_goes_with_its_last_row(tmp_path: Path) -> None:
    with Collection(tmp_path / "c", embedder="hash") as col:
        src = tmp_path / "c" / "uploads" / "k1" / "rows.jsonl"
        src.parent.mkdir(parents=True)
        src.write_text('{"id": "a", "text": "Alpha row."}\n{"id": "b", "text": "Beta row."}\n')
        col.add(src)
        first, second = [d.id for d in col.documents()]
        col.delete(ids=[first])
        assert src.exists()  # the other row still comes from it
        col.delete(ids=[second])
        assert not src.exists()
        # files of the user's own, outside uploads/, are never touched
        own = tmp_path / "own.txt"
        own.write_text("My own file.")
        col.add(own)
        col.delete(uris=[own])
        assert own.exists()


def test_uploads_deleted_through_another_replica_are_swept(tmp_path: Path) -> None:
    """A delete through another replica removes the rows, not this replica's files (they live
    in its own cache folder): the sweep removes every file no document comes from, once it is
    old enough not to be an upload still being ingested, and leaves the rest."""
    import os

    with Collection(tmp_path / "c", embedder="hash") as col:
        folder = tmp_path / "c" / "uploads" / "k1"
        folder.mkdir(parents=True)
        gone, kept, rows = folder / "gone.md", folder / "kept.md", folder / "rows.jsonl"
        gone.write_text("The canteen opens at eight.")
        kept.write_text("The office closes at six.")
        rows.write_text('{"id": "a", "text": "Alpha row."}\n{"id": "b", "text": "Beta row."}\n')
        col.add([gone, kept, rows])
        by_uri = {d.uri: d.id for d in col.documents()}
        # "another replica" deletes through the store alone: the files stay here
        col.store.delete_documents([by_uri[str(gone.resolve())], by_uri[f"{rows.resolve()}#1"]])
        young = folder / "young.md"  # saved by an upload whose document is not committed yet
        young.write_text("Being ingested.")
        old = os.stat(gone).st_mtime - 7200
        for f in (gone, kept, rows):
            os.utime(f, (old, old))
        assert col.remove_orphan_uploads() == 1
        assert not gone.exists()
        assert kept.exists() and rows.exists() and young.exists()  # row 2 still comes from it
        assert col.remove_orphan_uploads(older_than=0) == 1 and not young.exists()
        # The server sweeps replicas only, and never waits for its own writers' lock.
        from veracity.server.state import Served

        orphan = folder / "orphan.md"
        orphan.write_text("No document.")
        os.utime(orphan, (old, old))
        served = Served("main", col, col.store.api_keys(), threading.Lock())
        assert served.sweep_uploads() == 0  # a directory collection: delete removes its files
        served.indexes = col.indexes()
        with served.lock:
            assert served.sweep_uploads() == 0 and orphan.exists()
        assert served.sweep_uploads() == 1 and not orphan.exists()


def test_keys_made_before_rights_existed_become_read_only(tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()
    db = sqlite3.connect(tmp_path / "c" / DB_NAME, isolation_level=None)
    migrate(db, MIGRATIONS[:3])  # the schema before 004_key_rights
    db.execute(
        "INSERT INTO api_keys (id, token_sha256, name, labels, created_at) VALUES (?, ?, ?, ?, ?)",
        ("0123456789ab", hash_token("vk_0123456789ab_old"), "old", '["hr"]', 1.0),
    )
    db.close()
    keys = SQLiteStore(tmp_path / "c").api_keys()
    key = keys.verify("vk_0123456789ab_old")
    assert key is not None and key.rights == ("read",) and key.labels == ("hr",)
    assert keys.grant(key.id, "upload").rights == ("read", "upload")


def test_keys_cli_rights(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    c = str(tmp_path / "c")
    Collection(c, embedder="hash").close()
    assert main(["keys", "create", "--collections", c, "--labels", "ops,hr", "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert plain["rights"] == ["read"] and plain["labels"] == ["ops", "hr"]  # order kept
    args = ["keys", "create", "--collections", c, "--can", "upload,delete", "--json"]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["rights"] == ["read", "upload", "delete"]
    assert main(["keys", "create", "--collections", c, "--can", "everything"]) == 2
    assert "unknown key right(s) everything" in capsys.readouterr().err
    assert main(["keys", "list", "--collections", c]) == 0
    out = capsys.readouterr().out
    assert "rights=read,upload,delete" in out and "rights=read " in out
    assert "veracity keys grant" in out  # read-only keys are pointed at the grant command
    assert main(["keys", "grant", plain["id"], "--collections", c, "--can", "admin"]) == 0
    assert "read, admin" in capsys.readouterr().out


def test_keys_revoke_with_the_id_after_collections(tmp_path: Path) -> None:
    """Issue 12 item 8: ``keys revoke --collections DIR ID`` did not parse (DIR ID both went to
    --collections)."""
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    for d in (a, b):
        Collection(d, embedder="hash").close()
    stores = [SQLiteStore(a), SQLiteStore(b)]
    from veracity.store.keys import create_key

    first = create_key(stores, ["hr"]).key.id
    assert main(["keys", "revoke", "--collections", a, b, first]) == 0
    assert all(not s.api_keys().has_active() for s in stores)
    second = create_key(stores, ["hr"]).key.id
    assert main(["keys", "revoke", "--collections", f"{a},{b}", second]) == 0
    assert all(not s.api_keys().has_active() for s in stores)
    third = create_key(stores, ["hr"]).key.id
    assert main(["keys", "revoke", third, "--collections", a, "--collections", b]) == 0
    assert main(["keys", "revoke", "--collections", a]) == 2  # no id at all: a clear error
