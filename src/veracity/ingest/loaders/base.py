"""What every loader shares: options, the per-row failure record, size checks and text decoding.

Loaders read one file and yield ``Document`` records (or ``LoadFailure`` records for the rows of
a JSONL/CSV file that could not be read). A problem with the whole file raises ``LoaderError``
whose message starts with the path and says how to fix it.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from veracity.errors import ConfigError, LoaderError
from veracity.records import Document, MetaValue

# How much of a file the sniffers look at: enough for magic numbers, encoding and binary checks.
SNIFF_BYTES = 64 * 1024

# Control characters that do occur in real text files: tab, newline, carriage return, form feed,
# backspace (old man pages) and escape (ANSI colours in logs).
_TEXT_CONTROLS = frozenset(b"\t\n\r\f\b\x1b")
_BINARY_CONTROL_RATIO = 0.10

# Magic numbers of formats that people rename to .txt (or get wrong extensions for).
_MAGIC = (
    (b"%PDF-", "a PDF (use the .pdf extension)"),
    (b"PK\x03\x04", "a zip archive (DOCX, XLSX, ...)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office file (.doc/.xls)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x7fELF", "an executable"),
    (b"\x1f\x8b", "a gzip archive"),
)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# In Western European text a minority of letters carry accents (French about 4%, Portuguese 6%).
_MAX_ACCENTED_RATIO = 0.3


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """How to read files.

    ``text_field``, ``id_field`` and ``title_field`` apply to ``.jsonl``/``.csv`` rows: the text of
    a row's document is exactly the ``text_field`` value (the title is *not* prepended, so citations
    quote only the text); ``title_field``, when the row has it, becomes ``Document.title``; every
    other field becomes metadata. Without ``id_field`` a row's id is its 1-based line number (JSONL)
    or data-row number (CSV, header excluded).

    ``max_bytes`` refuses single-document files larger than this (they are read into memory).
    JSONL/CSV files are streamed row by row, so it bounds one row instead of the whole file.
    ``max_chars_per_document`` refuses any document whose extracted text is longer.

    Zip-based formats (DOCX) are checked before any part is inflated: ``max_unzipped_bytes``
    bounds the sizes the archive's central directory declares for all its entries together
    (Python's zipfile never inflates an entry past its declared size), and ``max_zip_ratio``
    the inflation of any entry over 1 MiB (real DOCX XML inflates 5-20 times; a decompression
    bomb hundreds or thousands of times; Apache POI refuses past 100 too).
    ``max_elements`` bounds the structural elements read from one document (DOCX paragraphs,
    table cells and styles), so a small file that declares millions of them is refused instead
    of parsed for minutes.
    """

    text_field: str = "text"
    id_field: str | None = None
    title_field: str | None = "title"
    max_bytes: int = 100 * 1024 * 1024
    # As large as max_bytes, so a text file that passes the byte limit passes this one (the
    # brief asked for 20M, but a 50 MB single-line .txt must load with the defaults).
    max_chars_per_document: int = 100_000_000
    max_unzipped_bytes: int = 256 * 1024 * 1024
    max_zip_ratio: int = 100
    # A 1,000-page report holds some 20,000 paragraphs; ten times that is still a real document.
    max_elements: int = 200_000

    def __post_init__(self) -> None:
        if not self.text_field:
            raise ConfigError("text_field must name the field holding the text, e.g. 'text'")
        for name in (
            "max_bytes", "max_chars_per_document", "max_unzipped_bytes", "max_zip_ratio",
            "max_elements",
        ):  # fmt: skip
            value = getattr(self, name)
            if value < 1:
                raise ConfigError(f"{name} must be >= 1, got {value}")


@dataclass(frozen=True, slots=True)
class LoadFailure:
    """One row of a JSONL/CSV file that could not be read; the rest of the file still loads.

    ``uri`` is ``"<path>#<row id>"`` like the row's document would have had; ``reason`` says what
    was wrong, e.g. ``"invalid JSON at column 5: Expecting value"``.
    """

    uri: str
    reason: str

    def __str__(self) -> str:
        return f"{self.uri}: {self.reason}"


LoadResult = Document | LoadFailure
Loader = Callable[[Path, LoadOptions], Iterator[LoadResult]]


def fail(path: Path, reason: str) -> LoaderError:
    """A whole-file error whose message starts with the path."""
    return LoaderError(f"{path}: {reason}")


def check_size(path: Path, options: LoadOptions) -> None:
    """Refuse a file over ``options.max_bytes`` before reading it."""
    size = path.stat().st_size
    if size > options.max_bytes:
        raise fail(
            path,
            f"file is {size:,} bytes, over the limit of {options.max_bytes:,} "
            "(LoadOptions.max_bytes); split the file or raise the limit",
        )


def read_bytes(path: Path, options: LoadOptions) -> bytes:
    """The file's bytes, refusing files over ``options.max_bytes`` before reading them."""
    check_size(path, options)
    return path.read_bytes()


def read_head(path: Path, n: int = SNIFF_BYTES) -> bytes:
    with path.open("rb") as f:
        return f.read(n)


def sniff_binary(path: Path, sample: bytes, kind: str) -> None:
    """Raise if ``sample`` (the start of a file said to be ``kind``) is not text."""
    for magic, what in _MAGIC:
        if sample.startswith(magic):
            raise fail(path, f"file extension says {kind} but content looks like {what}")
    if any(sample.startswith(bom) for bom, _ in _BOMS):
        return  # UTF-16/32 text legitimately holds NUL bytes
    if b"\x00" in sample:
        raise fail(path, "looks like a binary file, not text (it contains NUL bytes)")
    controls = sum(1 for b in sample if b < 0x20 and b not in _TEXT_CONTROLS)
    if sample and controls / len(sample) > _BINARY_CONTROL_RATIO:
        raise fail(
            path,
            f"looks like a binary file, not text ({controls / len(sample):.0%} control characters)",
        )


def detect_encoding(path: Path, sample: bytes, *, complete: bool) -> str:
    """The encoding of ``sample``: a BOM, else UTF-8 if it decodes, else charset-normalizer's guess.

    ``complete`` says ``sample`` is the whole file; otherwise a multi-byte character cut at its end
    is not held against UTF-8.
    """
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(sample[:SNIFF_BYTES] if complete else sample).best()
    if best is None:
        raise fail(
            path,
            "could not detect the text encoding; convert the file to UTF-8 "
            "(e.g. iconv -f <encoding> -t utf-8)",
        )
    return _prefer_cp1252(best.encoding, sample)


def _prefer_cp1252(guess: str, sample: bytes) -> str:
    """Prefer Windows-1252 over a single-byte guess when it reads as Western European text.

    On short or repetitive samples the detector often cannot tell cp1252 from its single-byte
    siblings (latin-1, cp1250, mac_roman, ...), and cp1252 is by far the most common of them (the
    WHATWG encoding standard reads even "latin-1" labels as cp1252). "Reads as Western European":
    it decodes, and accented letters are a minority among the letters (in Cyrillic or Greek text
    misread as cp1252 nearly every letter is accented).
    """
    try:
        guessed = sample.decode(guess)
        as_cp1252 = sample.decode("cp1252")
    except (UnicodeDecodeError, LookupError):
        return guess
    if len(guessed) != len(sample):  # a multi-byte encoding: trust the detector
        return guess
    letters = [c for c in as_cp1252 if c.isalpha()]
    accented = sum(1 for c in letters if not c.isascii())
    if letters and accented / len(letters) <= _MAX_ACCENTED_RATIO:
        return "cp1252"
    return guess


def decode_text(path: Path, data: bytes, kind: str) -> tuple[str, str]:
    """Decode a whole text file: (text, encoding). Refuses binary content and empty text."""
    sniff_binary(path, data[:SNIFF_BYTES], kind)
    encoding = detect_encoding(path, data, complete=True)
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as e:
        raise fail(
            path,
            f"not valid {encoding} text ({e}); convert the file to UTF-8 "
            "(e.g. iconv -f <encoding> -t utf-8)",
        ) from e
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if not text.strip():
        raise fail(path, "file is empty (no text after decoding)")
    return text, encoding


def check_length(path: Path, text: str, options: LoadOptions) -> None:
    if not text.strip():
        raise fail(path, "no text found in the file (it is empty)")
    if len(text) > options.max_chars_per_document:
        raise fail(
            path,
            f"text has {len(text):,} characters, over the limit of "
            f"{options.max_chars_per_document:,} (LoadOptions.max_chars_per_document); "
            "split the file or raise the limit",
        )


def scalar(value: Any) -> MetaValue:
    """A metadata value: scalars as they are, anything nested as compact JSON text."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def make_document(
    path: Path,
    text: str,
    options: LoadOptions,
    *,
    title: str,
    mime: str,
    metadata: Mapping[str, MetaValue] | None = None,
    page_starts: tuple[int, ...] = (),
) -> Document:
    """The document of a single-document file: its uri is the resolved path."""
    check_length(path, text, options)
    return Document.make(
        str(path),
        text,
        title=title or path.stem,
        mime=mime,
        metadata=metadata,
        page_starts=page_starts,
    )
