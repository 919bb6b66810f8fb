"""Gzip-compressed text files (``README.gz``, ``changelog.Debian.gz``, ``notes.md.gz``), the form
``/usr/share/doc`` keeps most of its documentation in.

The name without ``.gz`` says what is inside (``loaders.gzip_kind``): plain text, Markdown or reStructuredText.
Inflating stops at ``LoadOptions.max_unzipped_bytes``: a small file that would inflate past it is
refused as a compression bomb before it is held in memory whole. The document's uri is the
``.gz`` file's path; its text is the inflated text.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path

from veracity.ingest.loaders.base import LoadOptions, LoadResult, fail, read_bytes
from veracity.ingest.loaders.rst import rst_document
from veracity.ingest.loaders.text import markdown_document, text_document


def load_gzip_text(path: Path, options: LoadOptions) -> Iterator[LoadResult]:
    yield text_document(path, inflate(path, options), options, _inner_stem(path))


def load_gzip_markdown(path: Path, options: LoadOptions) -> Iterator[LoadResult]:
    yield markdown_document(path, inflate(path, options), options, _inner_stem(path))


def load_gzip_rst(path: Path, options: LoadOptions) -> Iterator[LoadResult]:
    yield rst_document(path, inflate(path, options), options, _inner_stem(path))


def inflate(path: Path, options: LoadOptions) -> bytes:
    """The bytes of every gzip member of the file, at most ``options.max_unzipped_bytes``."""
    data = read_bytes(path, options)
    limit = options.max_unzipped_bytes
    out: list[bytes] = []
    size = 0
    while data:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            chunk = inflater.decompress(data, limit - size + 1)
        except zlib.error as e:
            raise fail(path, f"corrupt gzip file ({e}); is it really gzip-compressed?") from e
        size += len(chunk)
        if size > limit:
            raise fail(
                path,
                f"inflates to more than {limit:,} bytes (LoadOptions.max_unzipped_bytes), "
                "a compression bomb or a very large file; unpack and split it first",
            )
        if not inflater.eof:
            raise fail(path, "gzip file is truncated; copy or download it again")
        out.append(chunk)
        data = inflater.unused_data.lstrip(b"\0")  # another member follows, or padding
    return b"".join(out)


def _inner_stem(path: Path) -> str:
    """The title a compressed file gets: its name without ``.gz`` and the inner extension."""
    return Path(path.name[: -len(".gz")]).stem or path.name
