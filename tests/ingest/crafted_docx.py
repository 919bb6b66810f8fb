"""Crafted DOCX packages for the loader tests: a blank python-docx package with its XML parts
replaced, built with ``zipfile``."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def paragraphs_xml(paragraphs: list[tuple[str | None, str]]) -> str:
    """``word/document.xml`` holding ``(style id or None, text)`` paragraphs."""
    body = "".join(
        "<w:p>"
        + (f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else "")
        + f"<w:r><w:t>{text}</w:t></w:r></w:p>"
        for style, text in paragraphs
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'


def styles_xml(styles: list[tuple[str, str]], default: str = "Normal") -> str:
    """``word/styles.xml`` with paragraph styles ``(id, name)``, plus a default 'Normal'."""
    items = [f'<w:style w:type="paragraph" w:default="1" w:styleId="{default}">'
             f'<w:name w:val="Normal"/></w:style>']  # fmt: skip
    items += [
        f'<w:style w:type="paragraph" w:styleId="{sid}"><w:name w:val="{name}"/></w:style>'
        for sid, name in styles
    ]
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="{W}">{"".join(items)}</w:styles>'
    )


def crafted_docx(path: Path, parts: dict[str, str]) -> Path:
    """A blank python-docx package with ``parts`` (name -> XML) replaced."""
    blank = io.BytesIO()
    docx.Document().save(blank)
    with zipfile.ZipFile(blank) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            out.writestr(item.filename, parts.get(item.filename, src.read(item.filename)))
    return path


def bomb_docx(path: Path) -> Path:
    """The incident's shape: a small file, thousands of styles, and a ``document.xml`` that
    inflates to megabytes of paragraphs (each one an O(styles) lookup for python-docx)."""
    styles = [(f"S{i}", f"Style {i}") for i in range(3000)]
    paragraphs: list[tuple[str | None, str]] = [("S2999", "x")] * 100_000
    return crafted_docx(
        path,
        {"word/document.xml": paragraphs_xml(paragraphs), "word/styles.xml": styles_xml(styles)},
    )
