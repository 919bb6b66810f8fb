"""PDF files: the text layer, page by page, with ``Document.page_starts`` for page citations.

Pages are joined with a blank line; ``page_starts[n - 1]`` is where page ``n`` starts in the text
(an empty page is just its separator). The text layer carries the page's layout as text, so it
is tidied first (``tidy_pages``):

- running heads and feet (a first or last line that recurs on two or more pages once its
  numbers are set aside: "Chapter 4: Function reference 12", a bare page number) are dropped;
- a numbered heading on a line of its own ("3.1 Invoking asn1Parser", one that continues the
  document's numbering: ``text.pdf_headings``) is set apart by blank lines, so that neither is
  read as the start of the sentence after it ("5 3 Utilities 3.1 Invoking asn1Parser asn1Parser
  reads a single file ...");
- a name from code that a line broke after an underscore ("ASN1_TAG_" over "ERROR") is joined.

The chunker cuts the text at the same headings and at API definitions (``text.pdf_headings``).
Refused with a reason: content that is not a PDF, a truncated file, an encrypted file that an
empty password does not open, and a PDF without a text layer (a scan: it needs OCR first).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from veracity.ingest.loaders.base import LoadOptions, LoadResult, fail, make_document, read_bytes
from veracity.records import MetaValue
from veracity.text.pdf_headings import Numbering, numbered_heading

_PAGE_SEPARATOR = "\n\n"


def load_pdf(path: Path, options: LoadOptions) -> Iterator[LoadResult]:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    data = read_bytes(path, options)
    _check_pdf_bytes(path, data)
    try:
        reader = PdfReader(io.BytesIO(data))
        _unlock(path, reader)
        pages = _page_texts(path, reader)
    except PdfReadError as e:
        raise fail(path, f"corrupt PDF: {e}") from e
    if not pages:
        raise fail(path, "PDF has no pages")
    text, starts = join_pages(tidy_pages(pages))
    if not text.strip():
        raise fail(
            path, "no text layer (scanned PDF?) — OCR it first (e.g. ocrmypdf in.pdf out.pdf)"
        )
    info = _info(reader)
    metadata: dict[str, MetaValue] = {"pages": len(pages)}
    if info.get("author"):
        metadata["author"] = info["author"]
    yield make_document(
        path,
        text,
        options,
        title=info.get("title", ""),
        mime="application/pdf",
        metadata=metadata,
        page_starts=starts,
    )


def _check_pdf_bytes(path: Path, data: bytes) -> None:
    # The PDF spec lets a header follow up to 1 KB of junk; the %%EOF marker ends the file
    # (possibly followed by a little trailing whitespace or junk from mail gateways).
    if b"%PDF-" not in data[:1024]:
        raise fail(path, "file extension says PDF but content is not a PDF (no %PDF- header)")
    if b"%%EOF" not in data[-2048:]:
        raise fail(path, "PDF looks truncated (no %%EOF marker at the end); download it again")


def _unlock(path: Path, reader: Any) -> None:
    """Open PDFs that are encrypted with an empty user password (copy/print restrictions only)."""
    if not reader.is_encrypted:
        return
    from pypdf.errors import DependencyError

    try:
        opened = reader.decrypt("")
    except DependencyError as e:
        raise fail(path, f"PDF is encrypted and decrypting it needs a crypto library: {e}") from e
    if not opened:
        raise fail(
            path,
            "PDF is encrypted with a password; decrypt it first (e.g. qpdf --decrypt "
            "--password=... in.pdf out.pdf)",
        )


def _page_texts(path: Path, reader: Any) -> list[str]:
    texts = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            texts.append((page.extract_text() or "").strip())
        except Exception as e:  # pypdf raises many kinds on damaged content streams
            raise fail(path, f"could not read the text of page {number}: {e}") from e
    return texts


# A page number in lowercase roman numerals (front matter): "ii", "xiv"; not "did" or "mild".
_ROMAN = re.compile(r"(?=[ivxlcdm])m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})")


def tidy_pages(pages: list[str]) -> list[str]:
    """The pages without running heads and feet, numbered headings set apart and names broken
    after an underscore joined (module docstring)."""
    lines = [page.split("\n") for page in pages]
    heads = Counter(_layout_key(ls[0]) for ls in lines if len(ls) > 1)
    feet = Counter(_layout_key(ls[-1]) for ls in lines if len(ls) > 1)
    numbering = Numbering()  # one numbering across pages: a heading continues the last one
    out = []
    for ls in lines:
        if len(ls) > 1 and _running(_layout_key(ls[0]), heads):
            ls = ls[1:]
        if len(ls) > 1 and _running(_layout_key(ls[-1]), feet):
            ls = ls[:-1]
        ls = [f"\n{line}\n" if numbered_heading(line, numbering) else line for line in ls]
        out.append(_BROKEN_NAME.sub("_", "\n".join(ls).strip()))
    return [re.sub(r"\n{3,}", "\n\n", page) for page in out]


# A name from code broken at the end of a line after one of its underscores ("ASN1_TAG_" over
# "ERROR", "asn1_der_" over "decoding()"): typesetters break long names there. Not after "__"
# ("__init__" ends a name).
_BROKEN_NAME = re.compile(r"(?<=[A-Za-z0-9])(?<!__)_\n(?=[A-Za-z])")


def _layout_key(line: str) -> str:
    """The line with its numbers set aside ("#"), a page number in roman numerals too."""
    key = re.sub(r"\d+", "#", " ".join(line.split())).lower()
    return "#" if _ROMAN.fullmatch(key) else key


def _running(key: str, seen: Counter[str]) -> bool:
    """A running head or foot: on two or more pages, and words or a page number (a "}" that
    starts two pages of code is neither)."""
    return seen[key] >= 2 and (key == "#" or any(ch.isalpha() for ch in key))


def join_pages(pages: list[str]) -> tuple[str, tuple[int, ...]]:
    """(text, page_starts): the pages joined by a blank line, and where each one starts."""
    parts: list[str] = []
    starts: list[int] = []
    offset = 0
    for page in pages:
        if parts:
            parts.append(_PAGE_SEPARATOR)
            offset += len(_PAGE_SEPARATOR)
        starts.append(offset)
        parts.append(page)
        offset += len(page)
    return "".join(parts), tuple(starts)


def _info(reader: Any) -> dict[str, str]:
    try:
        meta = reader.metadata
    except Exception:  # a damaged info dictionary must not cost the text
        return {}
    if meta is None:
        return {}
    out = {}
    for key, value in (("title", meta.title), ("author", meta.author)):
        if isinstance(value, str) and value.strip():
            out[key] = value.strip()
    return out
