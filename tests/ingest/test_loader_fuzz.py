"""Fuzzing every loader with malformed, truncated, mutated and random bytes.

Each loader is called directly (not through ``load``, whose guard turns any exception into a
``LoaderError``), so a parser library's own exception escaping a loader shows up here as a bug:
a loader must either yield consistent documents (or per-row ``LoadFailure``s) or raise
``LoaderError`` with its reason, and must never hang.
"""

from __future__ import annotations

import hashlib
import io
import json
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veracity.errors import LoaderError
from veracity.ingest.loaders import _LOADERS, LoadFailure, LoadOptions, load
from veracity.records import Document
from veracity.text.chunker import chunk_document

SECONDS_PER_FILE = 10  # far above any real parse of these few-KB inputs: more is a hang
FUZZ = settings(max_examples=40, deadline=None, derandomize=True)


def _pdf() -> bytes:
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.set_font("Helvetica", size=12)
    for page in ("The office opens at nine.", "Soup is served on Fridays."):
        pdf.add_page()
        pdf.multi_cell(0, 10, page)
    return bytes(pdf.output())


def _docx() -> bytes:
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_heading("Canteen", level=1)
    document.add_paragraph("Soup is served on Fridays.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(1, 1).text = "day", "Friday"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@cache
def valid(ext: str) -> bytes:
    """A small valid file of the type ``ext``, built here."""
    rows = [{"id": i, "title": f"Row {i}", "text": f"Row {i} text, café."} for i in range(3)]
    samples = {
        ".txt": lambda: "Plain text.\n\nSecond paragraph with ünïcode.\n".encode(),
        ".md": lambda: b"---\ntitle: Notes\ntags: 3\n---\n# Heading\n\nBody *text*.\n",
        ".rst": lambda: (
            b"Title\n=====\n\n.. note::\n   A :func:`~a.b` note.\n\nCode::\n\n    x = 1\n\n"
            b".. versionadded:: 1.0\n"
        ),
        ".html": lambda: (
            b"<html><head><title>T</title></head><body><nav>menu</nav><main><h1>Head</h1>"
            b"<p>Para &amp; more</p><table><tr><td>a</td><td>b</td></tr></table></main></body>"
            b"</html>"
        ),
        ".pdf": _pdf,
        ".docx": _docx,
        ".jsonl": lambda: "\n".join(json.dumps(r) for r in rows).encode() + b"\n",
        ".csv": lambda: b'id,title,text\n1,One,"first, row"\n2,Two,second row\n',
    }
    return samples[ext]()


def _mutate(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    buf = bytearray(data)
    for pos, byte in edits:
        if buf:
            buf[pos % len(buf)] = byte
    return bytes(buf)


def inputs(ext: str) -> st.SearchStrategy[bytes]:
    """Random bytes, prefixes of a valid file, and a valid file with bytes overwritten."""
    good = valid(ext)
    edits = st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), max_size=8)
    return st.one_of(
        st.binary(max_size=2048),
        st.integers(0, len(good)).map(lambda n: good[:n]),
        edits.map(lambda e: _mutate(good, e)),
        st.binary(max_size=64).map(lambda junk: good[: len(good) // 2] + junk),
    )


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    def hang(signum: int, frame: object) -> None:
        raise TimeoutError(f"loader still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def check_document(doc: Document) -> None:
    assert doc.content_hash == hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
    assert "\x00" not in doc.uri
    starts = list(doc.page_starts)
    assert starts == sorted(starts) and all(0 <= s <= len(doc.text) for s in starts)
    chunks = chunk_document(doc)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    for c in chunks:
        assert 0 <= c.start <= c.end <= len(doc.text)
        assert c.text == doc.text[c.start : c.end]
        assert c.document_id == doc.id


def load_directly(ext: str, data: bytes) -> None:
    """Run the ``ext`` loader on ``data``; only documents, row failures or LoaderError pass."""
    _, loader = _LOADERS[ext]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz{ext}"
        path.write_bytes(data)
        with time_limit(SECONDS_PER_FILE):
            try:
                results = list(loader(path, LoadOptions()))
            except LoaderError as e:
                assert str(e).strip()
                return
            guarded = list(load(path))  # the public path agrees with the loader
        assert len(guarded) == len(results)
        for result in results:
            if isinstance(result, LoadFailure):
                assert result.reason.strip()
            else:
                assert isinstance(result, Document)
                check_document(result)


EXTENSIONS = [".txt", ".md", ".rst", ".html", ".pdf", ".docx", ".jsonl", ".csv"]


@pytest.mark.parametrize("ext", EXTENSIONS)
def test_valid_sample_loads(ext: str) -> None:
    _, loader = _LOADERS[ext]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"ok{ext}"
        path.write_bytes(valid(ext))
        docs = [r for r in loader(path, LoadOptions()) if isinstance(r, Document)]
    assert docs
    for doc in docs:
        check_document(doc)


@pytest.mark.parametrize("ext", EXTENSIONS)
def test_loader_survives_bad_bytes(ext: str) -> None:
    @FUZZ
    @given(data=inputs(ext))
    def run(data: bytes) -> None:
        load_directly(ext, data)

    run()
