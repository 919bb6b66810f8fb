"""Feedback items and where they come from: a file's rows or lines, or a collection's chunks.

Every item carries its citation: the source (file path or document uri), the 1-based row of a
.csv/.tsv/.jsonl (the n-th record, header excluded) or line of a .txt (blank lines counted), or
the chunk id, and a character span. For a file the span is the text's place inside its cell or
line (surrounding whitespace trimmed); for a chunk it is the chunk's place in its document, so
``document.text[start:end] == text`` holds as it does for search hits.

``group_key`` reads the grouping field: ``FIELD`` as is, or ``FIELD:month`` / ``FIELD:year`` for
ISO dates (``2024-03-15`` -> ``2024-03``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from veracity.errors import ConfigError
from veracity.records import Filter
from veracity.store.rows import DocumentInfo, StoredChunk
from veracity.tasks.inputs import _check_path, _field, _rows

NO_GROUP = "(none)"
_ISO = re.compile(r"^\s*(\d{4})-(\d{2})")


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    """One piece of feedback and where it stands in its source."""

    text: str
    source: str
    start: int
    end: int
    row: int | None = None
    document_id: str = ""
    chunk_id: str = ""
    group: str | None = None

    def citation(self) -> str:
        """``reviews.csv row 12 [0:54]`` or ``/docs/a.txt chunk 3f2a… [120:410]``."""
        where = f"row {self.row}" if self.row is not None else f"chunk {self.chunk_id}"
        return f"{self.source} {where} [{self.start}:{self.end}]"

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "source": self.source,
            "row": self.row,
            "document_id": self.document_id or None,
            "chunk_id": self.chunk_id or None,
            "start": self.start,
            "end": self.end,
            "group": self.group,
            "citation": self.citation(),
        }


def parse_by(by: str | None) -> tuple[str, str | None] | None:
    """``"date:month"`` -> ``("date", "month")``; ``"product"`` -> ``("product", None)``."""
    if by is None:
        return None
    name, _, part = by.partition(":")
    if not name or part not in ("", "month", "year"):
        raise ConfigError(f"--by takes FIELD, FIELD:month or FIELD:year, got {by!r}")
    return name, part or None


def group_key(value: object, part: str | None, where: str) -> str:
    """The group of one item: the field's value, or its ISO month/year; ``(none)`` when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return NO_GROUP
    text = str(value).strip()
    if part is None:
        return text
    m = _ISO.match(text)
    if m is None:
        raise ConfigError(
            f"{where}: {text!r} is not an ISO date (YYYY-MM-DD); :{part} grouping needs one. "
            "Group by the raw value instead (drop the :month/:year suffix)"
        )
    return m.group(1) if part == "year" else f"{m.group(1)}-{m.group(2)}"


def _item(raw: str, source: str, row: int, group: str | None) -> FeedbackItem | None:
    text = raw.strip()
    if not text:
        return None
    start = raw.index(text)
    return FeedbackItem(text, source, start, start + len(text), row=row, group=group)


def read_feedback(
    path: Path, column: str | None = None, by: str | None = None
) -> list[FeedbackItem]:
    """The non-empty texts of ``path`` as items with row citations (see ``inputs`` for formats)."""
    _check_path(path)
    grouping = parse_by(by)
    source = str(path)
    if path.suffix.lower() == ".txt":
        if column or grouping:
            raise ConfigError(f"{path.name} is plain text (one text per line): drop --column/--by")
        lines = path.read_text(encoding="utf-8-sig").split("\n")
        items = [_item(line.rstrip("\r"), source, i, None) for i, line in enumerate(lines, 1)]
        return [it for it in items if it is not None]
    fields, rows = _rows(path)
    if not rows:
        return []
    name = _field(path, fields, column, "text", "--column")
    if grouping and grouping[0] not in fields:
        raise ConfigError(
            f"{path} has no column {grouping[0]!r} to group by; its columns are {fields}"
        )
    out = []
    for i, row in enumerate(rows, start=1):
        value = row.get(name)
        if isinstance(value, dict | list):
            raise ConfigError(f"{path}: row {i} has no text in column {name!r}")
        group = None
        if grouping:
            group = group_key(row.get(grouping[0]), grouping[1], f"{path} row {i}")
        item = _item("" if value is None else str(value), source, i, group)
        if item is not None:
            out.append(item)
    return out


class ChunkSource(Protocol):
    """The part of a collection's store that feedback analysis reads."""

    def allowed_rids(self, where: Filter) -> np.ndarray: ...

    def chunks(self, rids: Sequence[int]) -> list[StoredChunk]: ...

    def documents(
        self, *, where: Filter | None = None, limit: int | None = None, offset: int = 0
    ) -> list[DocumentInfo]: ...


def collection_feedback(
    store: ChunkSource,
    *,
    labels: Sequence[str] | None = None,
    where: Filter | None = None,
    by: str | None = None,
    batch: int = 2000,
) -> list[FeedbackItem]:
    """Every chunk the caller may read as an item. ``labels`` are the ACL labels the caller holds
    (None: no ACL check, the local owner); a labelled document is read only when it shares one.
    ``by`` names a document metadata field."""
    import dataclasses

    grouping = parse_by(by)
    filt = where or Filter()
    if labels is not None:
        filt = dataclasses.replace(filt, labels=frozenset(labels))
    rids = [int(r) for r in store.allowed_rids(filt)]
    meta: dict[str, dict[str, Any]] = {}
    if grouping:
        meta = {d.id: d.metadata for d in store.documents(where=filt)}
    out = []
    for at in range(0, len(rids), batch):
        for sc in store.chunks(rids[at : at + batch]):
            c = sc.chunk
            group = None
            if grouping:
                value = meta.get(c.document_id, {}).get(grouping[0])
                group = group_key(value, grouping[1], f"document {sc.uri}")
            if c.text.strip():
                out.append(
                    FeedbackItem(c.text, sc.uri, c.start, c.end, None, c.document_id, c.id, group)
                )
    return out
