"""The ingest pipeline: dedup, upsert, delete, per-document failures, labels and metadata."""

from __future__ import annotations

from pathlib import Path

import pytest

import veracity
from veracity.errors import ConfigError, EmbedderMismatch
from veracity.ingest.pipeline import IngestOptions
from veracity.records import Document, Filter


def _write(folder: Path, files: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    return _write(
        tmp_path / "docs",
        {
            "a.txt": "Employees get 25 vacation days per year. Unused days expire in March.",
            "b.md": "# Security\n\nPasswords need 14 characters.\n\n## Laptops\n\nDisks are encrypted.",
            "sub/c.txt": "The Lisbon office is on Rua Augusta.",
            "broken.pdf": b"%PDF-1.4\n1 0 obj <<",
            "empty.txt": "",
        },
    )


def test_ingest_reports_added_and_failed(tmp_path: Path, docs: Path) -> None:
    col = veracity.open(tmp_path / "col", embedder="hash")
    report = col.add([docs])
    assert (report.added, report.updated, report.unchanged) == (3, 0, 0)
    failed = {Path(f.uri).name for f in report.failed}
    assert failed == {"broken.pdf", "empty.txt"}
    assert all(f.reason for f in report.failed)
    status = col.status()
    assert status.documents == 3 and status.chunks >= 3 and status.vectors == status.chunks
    assert status.embedder == "hash" and status.dim == 256
    assert col.store.check() == []


def test_reingest_unchanged_is_a_no_op(tmp_path: Path, docs: Path) -> None:
    col = veracity.open(tmp_path / "col", embedder="hash")
    col.add([docs])
    seq = col.store.last_seq()
    again = col.add([docs])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    assert col.store.last_seq() == seq  # nothing written


def test_changed_file_is_upserted(tmp_path: Path, docs: Path) -> None:
    col = veracity.open(tmp_path / "col", embedder="hash")
    col.add([docs])
    (docs / "a.txt").write_text("Employees now get 30 vacation days per year.", encoding="utf-8")
    report = col.add([docs])
    assert (report.added, report.updated, report.unchanged) == (0, 1, 2)
    doc_id = col.store.find_document_ids(uris=[str((docs / "a.txt").resolve())])[0]
    assert "30 vacation days" in col.document(doc_id).text
    assert col.store.check() == []


def test_labels_and_metadata_update_without_reembedding(tmp_path: Path, docs: Path) -> None:
    col = veracity.open(tmp_path / "col", embedder="hash")
    col.add([docs])
    seq = col.store.last_seq()
    report = col.add([docs], labels=["hr"], metadata={"team": "people"})
    assert report.updated == 3
    assert col.store.last_seq() == seq  # no chunk changed
    assert all(d.labels == ("hr",) and d.metadata["team"] == "people" for d in col.documents())


def test_delete_by_path_folder_and_filter(tmp_path: Path, docs: Path) -> None:
    col = veracity.open(tmp_path / "col", embedder="hash")
    col.add([docs / "a.txt"], metadata={"kind": "policy"})
    col.add([docs / "b.md", docs / "sub"])
    assert col.delete(uris=[docs / "sub"]) == (1, 1)
    assert col.delete(where=Filter(where={"kind": "policy"}))[0] == 1
    assert [Path(d.uri).name for d in col.documents()] == ["b.md"]
    with pytest.raises(ConfigError, match="nothing given"):
        col.delete()


def test_documents_given_directly(tmp_path: Path) -> None:
    col = veracity.open(tmp_path / "col", embedder="hash")
    report = col.add(
        [Document.make("mem://1", "Some text about tides."), Document.make("mem://2", "More.")]
    )
    assert report.added == 2


def test_other_embedder_is_refused_with_a_fix(tmp_path: Path, docs: Path) -> None:
    veracity.open(tmp_path / "col", embedder="hash").add([docs / "a.txt"])
    with pytest.raises(EmbedderMismatch, match="veracity reembed"):
        veracity.open(tmp_path / "col", embedder="minilm")
    # Opening without naming one uses the recorded embedder.
    assert veracity.open(tmp_path / "col").embedder().dim == 256


def test_reembed_switches_embedder(tmp_path: Path, docs: Path) -> None:
    from veracity.embed.base import EMBEDDERS
    from veracity.embed.hashing import HashEmbedder

    EMBEDDERS["hash64"] = lambda **kw: HashEmbedder(dim=64)
    try:
        col = veracity.open(tmp_path / "col", embedder="hash")
        col.add([docs])
        n = col.reembed("hash64")
        assert n == col.status().chunks and col.status().dim == 64
        assert col.store.check() == []
    finally:
        del EMBEDDERS["hash64"]


def test_small_batches_stream(tmp_path: Path) -> None:
    folder = _write(
        tmp_path / "many", {f"f{i:03}.txt": f"Document number {i} text." for i in range(50)}
    )
    col = veracity.open(tmp_path / "col", embedder="hash")
    seen: list[int] = []
    report = col.add(
        [folder], options=IngestOptions(batch_chunks=7), on_progress=lambda p: seen.append(p.done)
    )
    assert report.added == 50 and seen[-1] == 50 and seen == sorted(seen)


def test_skipped_files_are_reported_by_type(tmp_path: Path) -> None:
    """Issue 12 item 8: a documentation folder's 248 images, scripts and stylesheets were skipped
    without a word."""
    from veracity.cli.main import main

    src = _write(
        tmp_path / "site",
        {"index.md": "# Docs\n\nThe docs start here.", "a.png": b"\x89PNG", "b.png": b"\x89PNG",
         "img/c.png": b"\x89PNG", "app.js": "x = 1", "style.css": "p {}", "Makefile": "all:",
         ".hidden.png": b"\x89PNG"},
    )  # fmt: skip
    col = veracity.open(tmp_path / "col", embedder="hash")
    report = col.add(src)
    assert report.added == 1
    assert report.skipped == {".png": 3, ".js": 1, ".css": 1, "(no extension)": 1}
    assert report.to_dict()["skipped"][".png"] == 3
    assert "skipped 6 files of unsupported types (.png 3, (no extension) 1, .css 1, .js 1)" in (
        report.summary()
    )
    col.close()
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["ingest", str(src), "--collection", str(tmp_path / "c2"),
                     "--embedder", "hash", "--quiet"]) == 0  # fmt: skip
    assert "skipped 6 files of unsupported types (.png 3" in out.getvalue()


def test_a_document_named_twice_is_embedded_once_and_run_state_stays_batch_sized(
    tmp_path: Path,
) -> None:
    """The run remembers queued uris only until they are written: a repeat is then found in the
    store. Repeats inside one unwritten batch and after a write both count as unchanged."""
    from veracity.embed.hashing import HashEmbedder
    from veracity.ingest.pipeline import Ingestor

    class Counting(HashEmbedder):
        texts = 0

        def embed(self, texts):  # type: ignore[no-untyped-def]
            Counting.texts += len(texts)
            return super().embed(texts)

    col = veracity.open(tmp_path / "col", embedder="hash")
    docs = [
        Document.make(f"mem://{i}", f"Tide table number {i} for the harbour.") for i in range(40)
    ]
    stream = [*docs[:10], docs[3], *docs[10:], docs[0], docs[39]]  # early repeat, two late ones
    sizes: list[int] = []
    ingestor = Ingestor(col.store, Counting(), IngestOptions(batch_chunks=4, lookup_window=3))
    triage = ingestor._triage

    def spy(window, batch, pending):  # type: ignore[no-untyped-def]
        out = triage(window, batch, pending)
        sizes.append(len(pending))
        return out

    ingestor._triage = spy  # type: ignore[method-assign]
    report = ingestor.run(stream)
    assert (report.added, report.unchanged) == (40, 3)
    assert Counting.texts == col.status().chunks == 40  # each document embedded once
    assert max(sizes) <= 4 + 3  # a batch and a window, never the whole run
