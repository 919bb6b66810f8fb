"""Word ``.docx`` files: body paragraphs and tables in document order, as Markdown-like text.

Paragraphs styled "Title" or "Heading N" become ``#``/``N * #`` heading lines, list paragraphs
get a ``- `` prefix, each table row becomes one line of cells joined by `` | `` (a merged cell is
written once). Blocks are separated by blank lines, like the HTML loader's output. Page headers,
footers and comments are left out: they are boilerplate, not content.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from veracity.ingest.loaders.base import (
    LoadOptions,
    LoadResult,
    check_size,
    fail,
    make_document,
    read_head,
)
from veracity.records import MetaValue

_HEADING = re.compile(r"^heading\s*([1-9])$", re.IGNORECASE)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def load_docx(path: Path, options: LoadOptions) -> Iterator[LoadResult]:
    _check_docx_bytes(path, options)
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError) as e:
        raise fail(path, f"corrupt DOCX (not a readable Word document: {e})") from e
    blocks = list(_blocks(document))
    text = "\n\n".join(blocks) + "\n" if blocks else ""
    props = document.core_properties
    title = (props.title or "").strip() or _first_heading(blocks)
    metadata: dict[str, MetaValue] = {}
    if (props.author or "").strip():
        metadata["author"] = props.author.strip()
    yield make_document(
        path,
        text,
        options,
        title=title,
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        metadata=metadata,
    )


def _check_docx_bytes(path: Path, options: LoadOptions) -> None:
    check_size(path, options)
    head = read_head(path, 8)
    if head.startswith(_OLE_MAGIC):
        raise fail(
            path,
            "file extension says DOCX but content is a legacy Word .doc or a password-protected "
            "document; open it in Word/LibreOffice and save it as an unprotected .docx",
        )
    if not head.startswith(b"PK\x03\x04"):
        raise fail(path, "file extension says DOCX but content is not a DOCX (not a zip archive)")


def _blocks(document: Any) -> Iterator[str]:
    from docx.table import Table

    for item in document.iter_inner_content():
        if isinstance(item, Table):
            yield from _table_rows(item)
        elif line := _paragraph(item):
            yield line


def _paragraph(paragraph: Any) -> str:
    text = str(paragraph.text).strip()
    if not text:
        return ""
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if style.lower() == "title":
        return f"# {text}"
    if m := _HEADING.match(style.strip()):
        return "#" * int(m.group(1)) + " " + text
    if style.lower().startswith("list"):
        return f"- {text}"
    return text


def _table_rows(table: Any) -> Iterator[str]:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            # A merged cell appears once per grid column it spans; write it once.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append(" | ".join(cells))
    if rows:
        yield "\n".join(rows)


def _first_heading(blocks: list[str]) -> str:
    for block in blocks:
        if block.startswith("#"):
            return block.lstrip("#").strip()
    return ""
