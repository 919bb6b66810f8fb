"""DOCX decompression bombs and quadratic documents are refused before (or while) parsing, by
declared sizes, inflation ratio and a count of elements read; never by taking minutes.

Each file is a real python-docx package whose ``word/document.xml`` (and ``word/styles.xml``)
is replaced with crafted XML, built here with ``zipfile``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from veracity.errors import LoaderError
from veracity.ingest.loaders import LoadOptions, load
from veracity.records import Document

docx = pytest.importorskip("docx")

from crafted_docx import bomb_docx, crafted_docx, paragraphs_xml, styles_xml  # noqa: E402


def never_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if python-docx is ever asked to open the package."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the package was parsed; it should have been refused before")

    monkeypatch.setattr(docx, "Document", refuse)


def test_bomb_document_xml_is_refused_by_ratio_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bomb_docx(tmp_path / "bomb.docx")
    assert path.stat().st_size < 100_000  # small on disk
    never_parse(monkeypatch)
    with pytest.raises(LoaderError) as err:
        list(load(path))
    message = str(err.value)
    assert message.startswith(str(path.resolve()))
    assert "'word/document.xml' inflates" in message and "LoadOptions.max_zip_ratio" in message
    assert "decompression bomb" in message


def test_total_unzipped_size_is_capped_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    words = " ".join(f"w{i * 7919 % 100_003}" for i in range(40_000))  # compresses only ~3x
    path = crafted_docx(
        tmp_path / "big.docx", {"word/document.xml": paragraphs_xml([(None, words)])}
    )
    never_parse(monkeypatch)
    with pytest.raises(
        LoaderError, match=r"big\.docx: refused before parsing: it unzips to"
    ) as err:
        list(load(path, LoadOptions(max_unzipped_bytes=200_000)))
    assert "over the limit of 200,000 (LoadOptions.max_unzipped_bytes)" in str(err.value)


def test_many_styles_times_many_paragraphs_trips_the_element_budget(tmp_path: Path) -> None:
    styles = [(f"S{i}", f"Style {i}") for i in range(600)]
    paragraphs = [(f"S{i}", f"paragraph number {i}") for i in range(600)]
    path = crafted_docx(
        tmp_path / "wide.docx",
        {"word/document.xml": paragraphs_xml(paragraphs), "word/styles.xml": styles_xml(styles)},
    )
    with pytest.raises(LoaderError) as err:
        list(load(path, LoadOptions(max_elements=1000)))
    assert "more than 1,000 paragraphs, table cells and styles (LoadOptions.max_elements)" in str(
        err.value
    )
    # The same file loads under the default budget.
    (doc,) = list(load(path))
    assert isinstance(doc, Document) and "paragraph number 599" in doc.text


def test_paragraph_styles_resolve_without_a_per_paragraph_style_search(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """python-docx's ``Paragraph.style`` searches every style per paragraph (quadratic); the
    loader must resolve styles from one map, so those searches must never run."""
    from docx.oxml.styles import CT_Styles

    def quadratic(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("an O(styles) style lookup ran for a paragraph")

    monkeypatch.setattr(CT_Styles, "get_by_id", quadratic)
    monkeypatch.setattr(CT_Styles, "default_for", quadratic)
    styles = [(f"S{i}", f"Custom {i}") for i in range(2000)]
    styles += [("H2", "heading 2"), ("T", "Title"), ("L", "List Bullet")]
    paragraphs = [("T", "The Title"), ("H2", "A Section"), ("L", "an item"), (None, "plain")]
    paragraphs += [(f"S{i}", f"body {i}") for i in range(2000)]
    path = crafted_docx(
        tmp_path / "styled.docx",
        {"word/document.xml": paragraphs_xml(paragraphs), "word/styles.xml": styles_xml(styles)},
    )
    (doc,) = list(load(path))
    assert isinstance(doc, Document)
    assert doc.text.startswith("# The Title\n\n## A Section\n\n- an item\n\nplain\n\nbody 0\n\n")
    assert doc.title == "The Title"


def test_unknown_and_non_paragraph_style_ids_fall_back_to_the_default(tmp_path: Path) -> None:
    styles = styles_xml([("H1", "heading 1")], default="Normal").replace(
        "</w:styles>",
        '<w:style w:type="character" w:styleId="C"><w:name w:val="heading 3"/></w:style>'
        "</w:styles>",
    )
    paragraphs = [("nope", "unknown id"), ("C", "character style id"), ("H1", "Top")]
    path = crafted_docx(
        tmp_path / "fallback.docx",
        {"word/document.xml": paragraphs_xml(paragraphs), "word/styles.xml": styles},
    )
    (doc,) = list(load(path))
    assert isinstance(doc, Document)
    assert doc.text == "unknown id\n\ncharacter style id\n\n# Top\n"
