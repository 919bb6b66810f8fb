"""Word ``.docx`` files: body paragraphs and tables in document order, as Markdown-like text.

Paragraphs styled "Title" or "Heading N" become ``#``/``N * #`` heading lines, list paragraphs
get a ``- `` prefix, each table row becomes one line of cells joined by `` | `` (a merged cell is
written once). Blocks are separated by blank lines, like the HTML loader's output. Page headers,
footers and comments are left out: they are boilerplate, not content.

Untrusted files are bounded before and during parsing: the zip's declared sizes and inflation
ratios are checked before anything is inflated (``archive.check_zip``), and the paragraphs,
table cells and styles read are counted against ``LoadOptions.max_elements``. The XML is walked
here rather than through python-docx's ``Paragraph.style`` and ``_Row.cells``: the first looks
each paragraph's style up with an XPath over every style (thousands of styles times thousands of
paragraphs held a server for minutes), the second walks up a vertically merged column once per
row (quadratic in a tall table). One style-id -> name map per document and one pass over each
table keep the work linear in the XML.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from veracity.ingest.loaders.archive import check_zip
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
    check_zip(path, options, "DOCX")
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError) as e:
        raise fail(path, f"corrupt DOCX (not a readable Word document: {e})") from e
    except zlib.error as e:  # a damaged deflate stream inside the zip (its CRC is checked later)
        raise fail(path, f"corrupt DOCX (a compressed part does not inflate: {e})") from e
    except XMLSyntaxError as e:
        raise fail(path, f"corrupt DOCX (a part is not well-formed XML: {e})") from e
    budget = Budget(path, options.max_elements)
    styles = _StyleNames(document.styles.element, budget)
    blocks = list(_blocks(document.element.body, styles, budget))
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


class Budget:
    """Counts the elements read from one document; past ``limit`` the file is refused."""

    def __init__(self, path: Path, limit: int) -> None:
        self.path = path
        self.limit = limit
        self.spent = 0

    def spend(self, n: int = 1) -> None:
        self.spent += n
        if self.spent > self.limit:
            raise fail(
                self.path,
                f"refused: more than {self.limit:,} paragraphs, table cells and styles "
                "(LoadOptions.max_elements); the file may be a decompression bomb or machine-"
                "generated. Split the document or raise the limit",
            )


class _StyleNames:
    """Paragraph style id -> style name, built once per document (what python-docx's
    ``Paragraph.style`` resolves with one XPath per paragraph)."""

    def __init__(self, styles: Any, budget: Budget) -> None:
        from docx.enum.style import WD_STYLE_TYPE

        self._names: dict[str, str] = {}
        self.default = ""
        for style in styles.style_lst:
            budget.spend()
            is_paragraph = style.type == WD_STYLE_TYPE.PARAGRAPH
            if style.styleId is not None and style.styleId not in self._names:
                # The first style with an id wins (as in python-docx); a style of another type
                # under a paragraph's style id means the default paragraph style.
                self._names[style.styleId] = (style.name_val or "") if is_paragraph else "\0"
            if is_paragraph and style.default:
                self.default = style.name_val or ""  # the last default, as the spec says

    def of(self, style_id: str | None) -> str:
        name = self._names.get(style_id, "\0") if style_id else "\0"
        return self.default if name == "\0" else name


def _blocks(body: Any, styles: _StyleNames, budget: Budget) -> Iterator[str]:
    from docx.oxml.text.paragraph import CT_P

    for item in body.inner_content_elements:
        if isinstance(item, CT_P):
            budget.spend()
            if line := _paragraph(item, styles):
                yield line
        else:
            yield from _table_rows(item, budget)


def _paragraph(p: Any, styles: _StyleNames) -> str:
    text = str(p.text).strip()
    if not text:
        return ""
    style = styles.of(p.style)
    if style.lower() == "title":
        return f"# {text}"
    if m := _HEADING.match(style.strip()):
        return "#" * int(m.group(1)) + " " + text
    if style.lower().startswith("list"):
        return f"- {text}"
    return text


def _table_rows(table: Any, budget: Budget) -> Iterator[str]:
    rows = []
    # Grid column -> (cell number, text) of the cell that covers it in the row above, so a cell
    # that continues a vertical merge repeats its first cell's text without walking up the table.
    above: dict[int, tuple[int, str]] = {}
    number = 0
    for tr in table.tr_lst:
        cells: list[str] = []
        seen: set[int] = set()
        column = tr.grid_before
        for tc in tr.tc_lst:
            budget.spend()
            span = tc.grid_span
            if tc.vMerge == "continue" and column in above:
                cell = above[column]
            else:
                paragraphs = tc.p_lst
                budget.spend(len(paragraphs))
                number += 1
                cell = (number, " ".join(" ".join(str(p.text) for p in paragraphs).split()))
            for c in range(column, column + span):
                above[c] = cell
            column += span
            # A merged cell spans several grid columns (or rows); write it once per row.
            if cell[0] not in seen:
                seen.add(cell[0])
                cells.append(cell[1])
        if any(cells):
            rows.append(" | ".join(cells))
    if rows:
        yield "\n".join(rows)


def _first_heading(blocks: list[str]) -> str:
    for block in blocks:
        if block.startswith("#"):
            return block.lstrip("#").strip()
    return ""
