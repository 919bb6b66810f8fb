"""JSONL and CSV files: one document per row, streamed (a 10 GB file is never held in memory).

A row that cannot be read (invalid JSON, not valid in the file's encoding, no text) is yielded as a
``LoadFailure`` and the file goes on; only a problem with the whole file (a CSV without the text
column, binary content) raises ``LoaderError``. The row's text is exactly its ``text_field`` value;
the ``title_field`` value becomes the title, every other field metadata (nested values as JSON
text). CSV cells that are canonical integers or decimals ("42", "-1.5", not "007") become numbers
so metadata filters such as ``{"year": 2021}`` work on them.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from veracity.ingest.loaders.base import (
    SNIFF_BYTES,
    LoadFailure,
    LoadOptions,
    LoadResult,
    detect_encoding,
    fail,
    read_head,
    scalar,
    sniff_binary,
)
from veracity.records import Document, MetaValue

_CSV_DELIMITERS = (",", ";", "\t", "|")
_INT = re.compile(r"-?(0|[1-9]\d*)")
_FLOAT = re.compile(r"-?(0|[1-9]\d*)\.\d+")


def load_jsonl(path: Path, options: LoadOptions) -> Iterator[LoadResult]:
    sniff_binary(path, read_head(path), "JSONL")
    row_docs = _RowDocuments(path, options)
    with path.open("rb") as f:
        for lineno, raw in _lines(f, options.max_bytes):
            if raw is None:
                yield row_docs.failure(
                    lineno, f"line is longer than {options.max_bytes:,} bytes (max_bytes)"
                )
                continue
            if not raw.strip():
                continue  # blank lines (a trailing newline, spacing) are not rows
            yield _jsonl_row(raw, lineno, row_docs)


def _jsonl_row(raw: bytes, lineno: int, row_docs: _RowDocuments) -> LoadResult:
    try:
        line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
    except UnicodeDecodeError as e:
        return row_docs.failure(lineno, f"not valid UTF-8 at byte {e.start + 1}; JSONL is UTF-8")
    try:
        record = json.loads(line)
    except json.JSONDecodeError as e:
        return row_docs.failure(lineno, f"invalid JSON at column {e.colno}: {e.msg}")
    if not isinstance(record, dict):
        return row_docs.failure(
            lineno, f"expected a JSON object per line, got {type(record).__name__}"
        )
    return row_docs.make(record, lineno)


def _lines(f: BinaryIO, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line) pairs; None for a line over ``limit`` bytes, which is skipped unread."""
    lineno = 0
    while True:
        raw = f.readline(limit + 1)
        if not raw:
            return
        lineno += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            while (rest := f.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield lineno, None
        else:
            yield lineno, raw


def load_csv(path: Path, options: LoadOptions) -> Iterator[LoadResult]:
    head = read_head(path)
    if not head.strip():
        raise fail(path, "file is empty (no header row)")
    sniff_binary(path, head, "CSV")
    encoding = detect_encoding(path, head, complete=len(head) < SNIFF_BYTES)
    # The csv module refuses fields over 128 KiB by default; one row may be up to max_bytes.
    # (field_size_limit is process-wide: only ever raise it.)
    csv.field_size_limit(max(csv.field_size_limit(), min(options.max_bytes, sys.maxsize)))
    with path.open("rb") as f:
        lines = _DecodedLines(f, encoding)
        header_line = next(iter(lines), "")
        try:
            delimiter = _delimiter(header_line, options.text_field)
            header = next(csv.reader([header_line], delimiter=delimiter), [])
        except csv.Error as e:
            raise fail(path, f"malformed CSV header line: {e}") from e
        if options.text_field not in header:
            raise fail(
                path,
                f"CSV has no column {options.text_field!r} (columns: {', '.join(header)}); "
                "set LoadOptions.text_field to the column that holds the text",
            )
        yield from _csv_rows(path, options, header, csv.reader(lines, delimiter=delimiter), lines)


def _csv_rows(
    path: Path,
    options: LoadOptions,
    header: list[str],
    reader: Iterator[list[str]],
    lines: _DecodedLines,
) -> Iterator[LoadResult]:
    row_docs = _RowDocuments(path, options)
    text_column = header.index(options.text_field)
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as e:  # a malformed record; the reader goes on with the next line
            yield row_docs.failure(number, f"malformed CSV: {e}")
            continue
        if bad_line := lines.take_bad_line():
            yield row_docs.failure(
                number, f"line {bad_line} is not valid {lines.encoding} text; convert the file"
            )
        elif any(cell.strip() for cell in cells):
            record: dict[str, Any] = {
                name: _cell(value) for name, value in zip(header, cells, strict=False)
            }
            if len(cells) > len(header):
                record["_extra"] = cells[len(header) :]
            # The text stays the raw cell (no number conversion); a short row has no text.
            record[options.text_field] = cells[text_column] if len(cells) > text_column else None
            yield row_docs.make(record, number)


def _cell(value: str) -> str | int | float:
    if _INT.fullmatch(value):
        return int(value)
    if _FLOAT.fullmatch(value):
        return float(value)
    return value


def _delimiter(header_line: str, text_field: str) -> str:
    """The delimiter that makes ``text_field`` a header cell (comma when none does)."""
    for delimiter in _CSV_DELIMITERS:
        if text_field in next(csv.reader([header_line], delimiter=delimiter), []):
            return delimiter
    return ","


class _DecodedLines:
    """Lines of a binary file decoded one by one, so one bad byte spoils one row, not the file.

    csv.reader pulls lines from this iterator; a line that does not decode is decoded with
    replacement characters and remembered, and the row that consumed it is reported as a failure.
    UTF-16/32 cannot be split on ``\\n`` bytes, so those files are decoded as one stream instead.
    """

    def __init__(self, f: BinaryIO, encoding: str) -> None:
        self.encoding = encoding
        self._bad_line = 0
        self._lineno = 0
        self._source: Iterable[Any] = (
            io.TextIOWrapper(f, encoding=encoding, newline="")
            if codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))
            else f
        )

    def __iter__(self) -> Iterator[str]:
        for raw in self._source:
            self._lineno += 1
            if isinstance(raw, str):
                yield raw.lstrip("\ufeff") if self._lineno == 1 else raw
                continue
            try:
                line = raw.decode(self.encoding)
            except UnicodeDecodeError:
                line = raw.decode(self.encoding, errors="replace")
                self._bad_line = self._bad_line or self._lineno
            yield line.lstrip("\ufeff") if self._lineno == 1 else line

    def take_bad_line(self) -> int:
        """The first undecodable line read since the last call (0 if none)."""
        bad, self._bad_line = self._bad_line, 0
        return bad


class _RowDocuments:
    """Turns one parsed row into a ``Document`` (or a ``LoadFailure``) for one file."""

    def __init__(self, path: Path, options: LoadOptions) -> None:
        self.path = path
        self.options = options
        self._seen_ids: set[str] = set()

    def failure(self, row: int, reason: str) -> LoadFailure:
        if self.options.id_field is not None:
            reason = f"row {row}: {reason}"
        return LoadFailure(uri=f"{self.path}#{row}", reason=reason)

    def make(self, record: Mapping[str, Any], row: int) -> LoadResult:
        opts = self.options
        text = record.get(opts.text_field)
        if not isinstance(text, str):
            fields = ", ".join(k for k in record if k != opts.text_field)
            what = "no field" if text is None else f"a non-text ({type(text).__name__}) field"
            return self.failure(
                row,
                f"{what} {opts.text_field!r} (fields: {fields}); set LoadOptions.text_field "
                "to the field that holds the text",
            )
        if not text.strip():
            return self.failure(row, f"field {opts.text_field!r} is empty")
        if len(text) > opts.max_chars_per_document:
            return self.failure(
                row, f"text has {len(text):,} characters, over max_chars_per_document"
            )
        row_id = self._row_id(record, row)
        if isinstance(row_id, LoadFailure):
            return row_id
        title = record.get(opts.title_field) if opts.title_field else None
        skip = {opts.text_field, opts.title_field}
        metadata: dict[str, MetaValue] = {k: scalar(v) for k, v in record.items() if k not in skip}
        return Document.make(
            f"{self.path}#{row_id}",
            text,
            title=str(title) if title not in (None, "") else "",
            mime="text/plain",
            metadata=metadata,
        )

    def _row_id(self, record: Mapping[str, Any], row: int) -> str | LoadFailure:
        field = self.options.id_field
        if field is None:
            return str(row)
        value = record.get(field)
        if value is None or isinstance(value, dict | list) or str(value).strip() == "":
            return self.failure(row, f"no usable id in field {field!r} (LoadOptions.id_field)")
        row_id = str(value)
        if row_id in self._seen_ids:
            return self.failure(row, f"duplicate id {row_id!r} in field {field!r}")
        self._seen_ids.add(row_id)
        return row_id
