"""Loaders: every format's happy path, and the malformed inputs a real folder holds."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from veracity.errors import ConfigError, LoaderError
from veracity.ingest.loaders import (
    SUPPORTED_EXTENSIONS,
    LoadFailure,
    LoadOptions,
    iter_files,
    load,
)
from veracity.records import Document
from veracity.text.chunker import split_sections

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def only_doc(path: Path, options: LoadOptions | None = None) -> Document:
    results = list(load(path, options))
    assert len(results) == 1
    doc = results[0]
    assert isinstance(doc, Document)
    return doc


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def make_pdf(path: Path, pages: list[str]) -> Path:
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.set_font("Helvetica", size=12)
    for page in pages:
        pdf.add_page()
        pdf.multi_cell(0, 10, page)
    pdf.output(str(path))
    return path


# --- registry and options -------------------------------------------------------------------------


def test_supported_extensions() -> None:
    assert {
        ".txt",
        ".rst",
        ".md",
        ".markdown",
        ".html",
        ".htm",
        ".pdf",
        ".docx",
        ".jsonl",
        ".csv",
    } == (SUPPORTED_EXTENSIONS)


def test_unsupported_extension_lists_supported(tmp_path: Path) -> None:
    path = write(tmp_path / "photo.xyz", b"data")
    with pytest.raises(LoaderError, match=r"unsupported file type \.xyz; supported: .*\.csv"):
        load(path)


def test_missing_file_is_a_loader_error(tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match="file not found"):
        load(tmp_path / "gone.txt")


def test_bad_options_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="max_bytes"):
        LoadOptions(max_bytes=0)
    with pytest.raises(ConfigError, match="text_field"):
        LoadOptions(text_field="")


def test_file_over_max_bytes_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "big.txt", "x" * 2000)
    with pytest.raises(LoaderError, match=r"over the limit of 1,000 \(LoadOptions.max_bytes\)"):
        list(load(path, LoadOptions(max_bytes=1000)))


def test_text_over_max_chars_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "long.txt", "word " * 100)
    with pytest.raises(LoaderError, match="max_chars_per_document"):
        list(load(path, LoadOptions(max_chars_per_document=50)))


# --- plain text ---------------------------------------------------------------------------------


def test_txt_happy_path(tmp_path: Path) -> None:
    path = write(tmp_path / "notes.txt", "Hello, wörld.\r\nSecond line.\n")
    doc = only_doc(path)
    assert doc.text == "Hello, wörld.\nSecond line.\n"
    assert doc.uri == str(path.resolve())
    assert doc.mime == "text/plain"
    assert doc.title == "notes"
    assert doc.metadata["encoding"] == "utf-8"


def test_txt_words_hyphenated_by_a_typesetter_are_joined(tmp_path: Path) -> None:
    text = (
        "       On success, open() returns the new file descrip\u2010\n"
        "       tor (a nonnegative integer).  A soft hy\u00ad\n  phen too.\n"
        "       A system-\n       wide limit keeps its own hyphen.\n"
    )
    doc = only_doc(write(tmp_path / "open.2.txt", text))
    assert "new file descriptor (a nonnegative integer)." in doc.text
    assert "A soft hyphen too." in doc.text
    assert "A system-\n       wide limit" in doc.text  # an ASCII hyphen may be the word's


def test_txt_columns_under_a_rule_are_read_as_a_table(tmp_path: Path) -> None:
    text = (
        "6. CLEANING MODES\n-----------------\n"
        "  Mode        Suction     Typical use\n"
        "  ----------  ----------  ------------------\n"
        "  Quiet       1200 Pa     Night-time, hard\n"
        "                          floors\n"
        "  Standard    2200 Pa     Everyday cleaning\n\n"
        "Carpet Boost is on by default.\n"
    )
    doc = only_doc(write(tmp_path / "manual.txt", text))
    assert "| Quiet | 1200 Pa | Night-time, hard floors |\n" in doc.text
    assert "| Mode | Suction | Typical use |\n|---|---|---|\n" in doc.text
    # a heading's underline is no table rule, and prose stays as written
    assert doc.text.startswith("6. CLEANING MODES\n-----------------\n")
    assert doc.text.endswith("\n\nCarpet Boost is on by default.\n")


def test_txt_utf8_bom_is_dropped(tmp_path: Path) -> None:
    path = write(tmp_path / "bom.txt", b"\xef\xbb\xbfCaf\xc3\xa9 au lait")
    assert only_doc(path).text == "Café au lait"


def test_txt_cp1252_decodes_with_correct_characters(tmp_path: Path) -> None:
    text = "Résumé: café, naïve façade, “quoted” — 5 € déjà.\n"
    path = write(tmp_path / "legacy.txt", text.encode("cp1252"))
    doc = only_doc(path)
    assert doc.text == text
    assert doc.metadata["encoding"] != "utf-8"


def test_txt_utf16_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path / "wide.txt", "Grüße aus Tallinn".encode("utf-16"))
    assert only_doc(path).text == "Grüße aus Tallinn"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (bytes(range(256)) * 8, "binary file, not text"),
        (b"\x01\x02\x03\x04\x05\x06abc" * 100, "binary file, not text"),
        (b"%PDF-1.7\n...", "extension says text but content looks like a PDF"),
        (b"PK\x03\x04rest", "looks like a zip archive"),
    ],
)
def test_binary_named_txt_is_refused(tmp_path: Path, content: bytes, reason: str) -> None:
    path = write(tmp_path / "disguised.txt", content)
    with pytest.raises(LoaderError, match=reason):
        list(load(path))


@pytest.mark.parametrize("content", [b"", b"  \n\t\n  "])
def test_empty_txt_is_refused(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path / "empty.txt", content)
    with pytest.raises(LoaderError, match="empty"):
        list(load(path))


def test_single_50mb_line_loads(tmp_path: Path) -> None:
    size = 50 * 1024 * 1024
    path = write(tmp_path / "one-line.txt", b"abcdefghi " * (size // 10))
    doc = only_doc(path)
    assert len(doc.text) == size
    assert doc.text.startswith("abcdefghi abc")


# --- markdown -----------------------------------------------------------------------------------


def test_markdown_title_and_text_kept(tmp_path: Path) -> None:
    md = "Intro.\n\n```sh\n# not a heading\n```\n\n# Vacation Policy\n\n## Carry-over\n\nFive.\n"
    doc = only_doc(write(tmp_path / "vacation.md", md))
    assert doc.text == md
    assert doc.title == "Vacation Policy"
    assert doc.mime == "text/markdown"


def test_markdown_front_matter_becomes_metadata(tmp_path: Path) -> None:
    md = (
        '---\ntitle: "Expense Policy"\nversion: 3\ndraft: false\nowner: finance\n'
        "tags:\n  - money\n  - travel\n---\n# Expenses\n\nMeals up to 60 EUR.\n"
    )
    doc = only_doc(write(tmp_path / "expenses.markdown", md))
    assert doc.text == "# Expenses\n\nMeals up to 60 EUR.\n"
    assert doc.title == "Expense Policy"
    assert doc.metadata["version"] == 3
    assert doc.metadata["draft"] is False
    assert doc.metadata["owner"] == "finance"
    assert json.loads(str(doc.metadata["tags"])) == ["money", "travel"]


def test_markdown_html_comments_are_not_document_text(tmp_path: Path) -> None:
    md = (
        "# fs\n\n<!-- YAML\nadded: v0.1.90\n-->\n\nReads a file <!-- TODO: links -->quickly.\n\n"
        "```html\n<!-- an example comment stays -->\n```\n"
    )
    doc = only_doc(write(tmp_path / "fs.md", md))
    assert "v0.1.90" not in doc.text and "TODO" not in doc.text
    assert "Reads a file quickly." in doc.text
    assert "<!-- an example comment stays -->" in doc.text


def test_markdown_without_heading_uses_file_stem(tmp_path: Path) -> None:
    assert only_doc(write(tmp_path / "plain-notes.md", "Just text.\n")).title == "plain-notes"


# --- html ---------------------------------------------------------------------------------------

HTML_PAGE = """<!doctype html>
<html lang="en"><head><title>FAQ | Example</title><style>p { color: red }</style>
<script>var tracking = "SCRIPT TEXT";</script></head>
<body>
<header><a href="/">Logo</a> SITE HEADER</header>
<nav><ul><li><a href="/">Home NAVLINK</a></li></ul></nav>
<div class="cookie-banner">We use COOKIES</div>
<div class="breadcrumbs">Home &gt; BREADCRUMB</div>
<main>
  <article>
    <h1>Frequently <em>asked</em> questions</h1>
    <p>Answers   for new
       colleagues.</p>
    <h2>Vacation</h2>
    <p>Everyone gets <b>25</b> days.</p>
    <ul><li>First item</li><li>Second item</li></ul>
    <table><tr><th>City</th><th>Office</th></tr><tr><td>Lisbon</td><td>Rua 1</td></tr></table>
    <div role="navigation">ROLE NAV</div>
    <aside>ASIDE TEXT</aside>
  </article>
</main>
<footer>FOOTER TEXT © 2026</footer>
</body></html>
"""


def test_html_main_content_without_boilerplate(tmp_path: Path) -> None:
    doc = only_doc(write(tmp_path / "faq.html", HTML_PAGE))
    for boilerplate in (
        "SCRIPT TEXT", "color: red", "SITE HEADER", "NAVLINK", "COOKIES", "BREADCRUMB",
        "ROLE NAV", "ASIDE TEXT", "FOOTER TEXT",
    ):  # fmt: skip
        assert boilerplate not in doc.text
    assert doc.text == (
        "# Frequently asked questions\n\n"
        "Answers for new colleagues.\n\n"
        "## Vacation\n\n"
        "Everyone gets 25 days.\n\n"
        "- First item\n\n- Second item\n\n"
        "| City | Office |\n|---|---|\n| Lisbon | Rua 1 |\n"
    )
    assert doc.title == "FAQ | Example"
    assert doc.mime == "text/html"
    assert doc.metadata["lang"] == "en"


def test_html_without_main_uses_body_and_h1_title(tmp_path: Path) -> None:
    page = (
        "<html><body><div id='top-menu'>MENU</div><div class='content'><h1>Title</h1>"
        "<p>Body text.</p></div><div class='site-footer'>FOOT</div></body></html>"
    )
    doc = only_doc(write(tmp_path / "page.htm", page))
    assert doc.text == "# Title\n\nBody text.\n"
    assert doc.title == "Title"


def test_html_only_boilerplate_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "nav.html", "<html><body><nav>Home</nav></body></html>")
    with pytest.raises(LoaderError, match="no text left"):
        list(load(path))


def test_html_heading_permalinks_are_dropped(tmp_path: Path) -> None:
    page = (
        "<html><body><main>"
        '<h2>Stream<a class="srclink" href="https://example.org/stream.js">[src]</a>'
        '<span><a class="mark" href="#stream" id="stream">#</a></span></h2>'  # Node's docs
        '<h3>Install<a class="headerlink" href="#install" title="Permalink">\u00b6</a></h3>'  # Sphinx
        '<h3>Usage<a class="hash-link" href="#usage" aria-label="Direct link">\u200b</a></h3>'
        '<p>See <a href="#install">installing</a> and <a href="#note">[1]</a>.</p>'
        "</main></body></html>"
    )
    text = only_doc(write(tmp_path / "stream.html", page)).text
    assert text == "## Stream[src]\n\n### Install\n\n### Usage\n\nSee installing and [1].\n"


def test_html_code_blocks_are_fenced_so_their_comments_are_not_headings(tmp_path: Path) -> None:
    page = (
        "<html><body><main><h2>Install</h2><p>Run these commands.</p>"
        "<pre># fetch the sources\ngit clone x\n# build\nmake ```all```</pre>"
        "<p>Then start it.</p></main></body></html>"
    )
    text = only_doc(write(tmp_path / "install.html", page)).text
    assert "````\n# fetch the sources\ngit clone x\n# build\nmake ```all```\n````" in text
    headings = {h for s in split_sections(text) for h in s.headings}
    assert headings == {"Install"}  # "# fetch the sources" and "# build" are code comments


def test_html_line_breaks_keep_lines_in_their_block_and_layout_cells_get_no_separator(
    tmp_path: Path,
) -> None:
    page = (
        "<html><body><div class='literallayout'><p>Release 3.19.0<br>\nThis release supports"
        " X86/Linux,<br>\nAMD64/Linux and ARM.<br>\n<br>\n* Fix demangling.<br>\n</p></div>"
        "<table><tr class='question'><td><b>1.1.</b></td><td><b>How is it said?</b></td></tr>"
        "<tr class='answer'><td><a name='a'></a></td><td><p>Like value.</p></td></tr>"
        "<tr><td>City</td><td>Office</td></tr></table></body></html>"
    )
    text = only_doc(write(tmp_path / "news.html", page)).text
    assert text == (
        "Release 3.19.0\nThis release supports X86/Linux,\nAMD64/Linux and ARM.\n\n"
        "* Fix demangling.\n\n1.1. | How is it said?\n\nLike value.\n\nCity | Office\n"
    )


def test_html_reference_entries_are_headings_and_glossaries_are_not(tmp_path: Path) -> None:
    described = "This option controls the size of the cache of old accesses. " * 4
    page = (
        "<html><body><h2>Options</h2><dl>"
        f"<dt><code>--conflict-cache-size=N\n [default: 1000000]</code></dt><dd><p>{described}</p>"
        "<p>The maximum is 30,000,000.</p></dd>"
        f"<dt><span><code>--check-stack-refs=no|yes</code></span></dt><dd><p>{described}</p></dd>"
        "</dl><h2>Glossary</h2><dl><dt>Heap</dt><dd><p>" + described + "</p></dd>"
        "<dt><code>x</code></dt><dd>short</dd></dl></body></html>"
    )
    text = only_doc(write(tmp_path / "opts.html", page)).text
    assert "\n### --conflict-cache-size=N [default: 1000000]\n" in text
    assert "\n### --check-stack-refs=no|yes\n" in text
    assert "\nHeap\n" in text and "#### x" not in text and "### x" not in text


def test_html_text_sizes_are_the_subtrees_text_in_one_walk() -> None:
    from selectolax.lexbor import LexborHTMLParser

    from veracity.ingest.loaders.html import _text_sizes

    # lists nested 3,000 deep: one walk, no recursion (a size per dl by its own deep text was
    # quadratic in the depth)
    depth = 3000
    page = "<body>" + "<dl><dt><code>--o</code></dt><dd><p>ab  cd</p>" * depth + "</body>"
    root = LexborHTMLParser(page).body
    sizes = _text_sizes(root)
    dls = root.css("dl")
    assert len(dls) == depth
    assert sizes[dls[-1].mem_id] == len("--o") + len("ab cd")
    assert sizes[dls[0].mem_id] == depth * (len("--o") + len("ab cd"))


def test_html_declared_charset(tmp_path: Path) -> None:
    page = '<html><head><meta charset="windows-1252"></head><body><p>Café €5</p></body></html>'
    assert only_doc(write(tmp_path / "old.html", page.encode("cp1252"))).text == "Café €5\n"


# --- pdf ----------------------------------------------------------------------------------------


def test_pdf_pages_and_page_starts(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "handbook.pdf", ["First page text.", "Second page text.", "Third."])
    doc = only_doc(path)
    assert doc.mime == "application/pdf"
    assert len(doc.page_starts) == 3
    assert doc.page_starts[0] == 0
    for page, needle in enumerate(["First page", "Second page", "Third."], start=1):
        offset = doc.text.index(needle)
        assert doc.page_at(offset) == page
        assert doc.text[doc.page_starts[page - 1] :].startswith(needle)
    assert doc.metadata["pages"] == 3
    assert doc.title == "handbook"


def test_pdf_running_heads_and_feet_go_and_numbered_headings_stand_apart() -> None:
    from veracity.ingest.loaders.pdf import tidy_pages

    pages = [
        "Shared MIME-info Database\n1 Introduction\nThe database holds types.\n1",
        "Shared MIME-info Database\n1.1 Scope\nIt covers globs and magic.\n2",
        "Shared MIME-info Database\n}\nIn 2008 the council decided.\n3",  # not headings
        "Chapter 3: Utilities 6\n}\nMore text.\nii",
        "Chapter 3: Utilities 7\nThe end.\niii",
    ]
    assert tidy_pages(pages) == [
        "1 Introduction\n\nThe database holds types.",
        "1.1 Scope\n\nIt covers globs and magic.",
        "}\nIn 2008 the council decided.",
        "}\nMore text.",
        "The end.",
    ]
    # a page of one line keeps it; a line on one page only is no running head
    assert tidy_pages(["Title page", "Chapter 1 begins here.\nText."]) == [
        "Title page", "Chapter 1 begins here.\nText."
    ]  # fmt: skip


def test_pdf_names_broken_after_an_underscore_are_joined_and_table_rows_are_no_headings() -> None:
    from veracity.ingest.loaders.pdf import tidy_pages

    pages = [
        "1 The cache\nReturns ASN1_TAG_\nERROR or calls asn1_der_\ndecoding() on __init__\nnext.",
        "4 CARD32 N_ENTRIES\n1.1 Subclassing\nText.",
    ]
    assert tidy_pages(pages) == [
        "1 The cache\n\nReturns ASN1_TAG_ERROR or calls asn1_der_decoding() on __init__\nnext.",
        "4 CARD32 N_ENTRIES\n\n1.1 Subclassing\n\nText.",  # the row does not continue 1
    ]


def test_truncated_pdf_is_refused(tmp_path: Path) -> None:
    data = make_pdf(tmp_path / "full.pdf", ["Some text.", "More text."]).read_bytes()
    path = write(tmp_path / "truncated.pdf", data[: len(data) // 2])
    with pytest.raises(LoaderError, match="truncated"):
        list(load(path))


def test_garbage_pdf_with_header_is_corrupt(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.pdf", b"%PDF-1.4\nthis is not a pdf body\n%%EOF\n")
    with pytest.raises(LoaderError, match=r"broken\.pdf: "):
        list(load(path))


def test_not_a_pdf(tmp_path: Path) -> None:
    path = write(tmp_path / "fake.pdf", "just some text")
    with pytest.raises(LoaderError, match="file extension says PDF but content is not a PDF"):
        list(load(path))


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 50, 50, style="F")  # drawing only, like a scanned image
    pdf.output(str(tmp_path / "scan.pdf"))
    with pytest.raises(LoaderError, match=r"no text layer \(scanned PDF\?\)"):
        list(load(tmp_path / "scan.pdf"))


def test_encrypted_pdf(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    source = make_pdf(tmp_path / "plain.pdf", ["Secret text."])
    writer = PdfWriter()
    for page in PdfReader(source).pages:
        writer.add_page(page)
    writer.encrypt(user_password="hunter2", algorithm="RC4-128")
    with (tmp_path / "locked.pdf").open("wb") as f:
        writer.write(f)
    with pytest.raises(LoaderError, match="encrypted with a password"):
        list(load(tmp_path / "locked.pdf"))


# --- docx ---------------------------------------------------------------------------------------


def test_docx_headings_paragraphs_tables(tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_heading("Onboarding Guide", level=0)
    document.add_paragraph("Welcome to the team.")
    document.add_heading("First Week", level=2)
    document.add_paragraph("Get your laptop.", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Day", "Task"
    table.cell(1, 0).text, table.cell(1, 1).text = "Monday", "Security training"
    document.add_paragraph("Closing words.")
    document.save(str(tmp_path / "guide.docx"))

    doc = only_doc(tmp_path / "guide.docx")
    assert doc.text == (
        "# Onboarding Guide\n\nWelcome to the team.\n\n## First Week\n\n- Get your laptop.\n\n"
        "Day | Task\nMonday | Security training\n\nClosing words.\n"
    )
    assert doc.title == "Onboarding Guide"
    assert doc.mime == DOCX_MIME


def test_corrupt_docx_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.docx", b"PK\x03\x04" + b"\x00garbage" * 50)
    with pytest.raises(LoaderError, match=r"broken\.docx: corrupt DOCX"):
        list(load(path))


def test_zip_without_word_content_is_refused(tmp_path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(tmp_path / "other.docx", "w") as z:
        z.writestr("hello.txt", "not word")
    with pytest.raises(LoaderError, match=r"other\.docx: "):
        list(load(tmp_path / "other.docx"))


def test_docx_that_is_not_a_zip(tmp_path: Path) -> None:
    path = write(tmp_path / "text.docx", "plain text pretending")
    with pytest.raises(LoaderError, match="extension says DOCX but content is not a DOCX"):
        list(load(path))


# --- jsonl --------------------------------------------------------------------------------------


def test_jsonl_rows_with_bad_line_in_the_middle(tmp_path: Path) -> None:
    lines = [
        json.dumps({"text": "First row.", "title": "One", "year": 2021, "tags": ["a", "b"]}),
        '{"text": "broken", ',
        "",
        json.dumps({"body": "no text field"}),
        json.dumps([1, 2]),
        json.dumps({"text": "Last row.", "nested": {"k": 1}, "ok": True, "none": None}),
    ]
    path = write(tmp_path / "rows.jsonl", "\n".join(lines) + "\n")
    results = list(load(path))
    assert len(results) == 5
    first, bad, missing, array, last = results
    assert isinstance(first, Document) and isinstance(last, Document)
    assert first.uri == f"{path.resolve()}#1"
    assert first.text == "First row."
    assert first.title == "One"
    assert first.mime == "text/plain"
    assert dict(first.metadata) == {"year": 2021, "tags": '["a", "b"]'}
    assert last.uri.endswith("#6")
    assert dict(last.metadata) == {"nested": '{"k": 1}', "ok": True, "none": None}
    assert isinstance(bad, LoadFailure)
    assert bad.uri == f"{path.resolve()}#2"
    assert bad.reason.startswith("invalid JSON at column")
    assert str(bad).startswith(f"{path.resolve()}#2: invalid JSON at column")
    assert isinstance(missing, LoadFailure) and "no field 'text' (fields: body)" in missing.reason
    assert isinstance(array, LoadFailure) and "expected a JSON object" in array.reason


def test_jsonl_id_and_text_fields(tmp_path: Path) -> None:
    lines = [
        {"id": "a-1", "body": "Alpha."},
        {"id": "a-2", "body": "Beta."},
        {"id": "a-1", "body": "Duplicate."},
        {"body": "No id."},
    ]
    path = write(tmp_path / "r.jsonl", "".join(json.dumps(x) + "\n" for x in lines))
    results = list(load(path, LoadOptions(text_field="body", id_field="id")))
    docs = [r for r in results if isinstance(r, Document)]
    failures = [r for r in results if isinstance(r, LoadFailure)]
    assert [d.uri.rsplit("#", 1)[1] for d in docs] == ["a-1", "a-2"]
    assert docs[0].metadata["id"] == "a-1"
    assert [f.reason.split(":")[0] for f in failures] == ["row 3", "row 4"]
    assert "duplicate id 'a-1'" in failures[0].reason


def test_jsonl_invalid_utf8_and_overlong_rows_are_row_failures(tmp_path: Path) -> None:
    data = (
        b'{"text": "ok"}\n{"text": "caf\xe9"}\n{"text": "' + b"x" * 500 + b'"}\n{"text": "end"}\n'
    )
    results = list(load(write(tmp_path / "r.jsonl", data), LoadOptions(max_bytes=200)))
    assert [type(r).__name__ for r in results] == [
        "Document", "LoadFailure", "LoadFailure", "Document",
    ]  # fmt: skip
    assert "not valid UTF-8" in results[1].reason  # type: ignore[union-attr]
    assert "longer than 200 bytes" in results[2].reason  # type: ignore[union-attr]


def test_jsonl_is_streamed(tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl", "".join(f'{{"text": "row {i}"}}\n' for i in range(1000)))
    it = load(path)
    first = next(it)
    assert isinstance(first, Document) and first.text == "row 0"


# --- csv ----------------------------------------------------------------------------------------


def test_csv_rows_and_metadata(tmp_path: Path) -> None:
    content = (
        'id,title,text,year,zip\nq1,Vacation,"25 days, carry over 5",2024,01234\nq2,,Short,x,\n'
    )
    path = write(tmp_path / "faq.csv", content)
    results = list(load(path, LoadOptions(id_field="id")))
    assert all(isinstance(r, Document) for r in results)
    first, second = results
    assert isinstance(first, Document) and isinstance(second, Document)
    assert first.uri == f"{path.resolve()}#q1"
    assert first.text == "25 days, carry over 5"
    assert first.title == "Vacation"
    assert dict(first.metadata) == {"id": "q1", "year": 2024, "zip": "01234"}
    assert second.title == ""
    assert second.metadata["year"] == "x"


def test_csv_missing_text_column_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path / "data.csv", "question,answer\nq,a\n")
    with pytest.raises(LoaderError, match=r"no column 'text' \(columns: question, answer\)"):
        list(load(path))
    docs = list(load(path, LoadOptions(text_field="answer")))
    assert isinstance(docs[0], Document) and docs[0].text == "a"


def test_csv_semicolon_cp1252_and_big_field(tmp_path: Path) -> None:
    big = "café crème " * 30_000  # over the csv module's default 128 KiB field limit
    content = f"text;city\nCafé in Lisboa;Lisbon\n{big};Tallinn\n;Empty\n"
    path = write(tmp_path / "eu.csv", content.encode("cp1252"))
    results = list(load(path))
    assert isinstance(results[0], Document) and results[0].text == "Café in Lisboa"
    assert results[0].metadata["city"] == "Lisbon"
    assert isinstance(results[1], Document) and results[1].text == big
    assert isinstance(results[2], LoadFailure) and "is empty" in results[2].reason
    assert results[2].uri.endswith("#3")


def test_csv_bad_bytes_spoil_one_row(tmp_path: Path) -> None:
    # The encoding is detected on the first 64 KiB (UTF-8); a bad byte after it spoils one row.
    data = "text\nnaïve\n".encode() + b"plain\n" * 20_000 + b"bad \xff\xfe byte\nafter\n"
    results = list(load(write(tmp_path / "mixed.csv", data)))
    assert len(results) == 20_003
    assert all(isinstance(r, Document) for i, r in enumerate(results) if i != 20_001)
    bad = results[20_001]
    assert isinstance(bad, LoadFailure)
    assert bad.uri.endswith("#20002")
    assert bad.reason == "line 20003 is not valid utf-8 text; convert the file"


def test_empty_csv(tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match="empty"):
        list(load(write(tmp_path / "empty.csv", "")))


# --- iter_files ---------------------------------------------------------------------------------


def test_iter_files_walks_sorted_and_skips(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    for name in ("b/z.md", "b/a.txt", "a.html", "image.png", ".hidden.txt", ".git/x.txt", "C.PDF"):
        write(tmp_path / name, "x")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_files([tmp_path])]
    assert found == ["C.PDF", "a.html", "b/a.txt", "b/z.md"]


def test_plain_text_files_known_by_name_are_read(tmp_path: Path) -> None:
    """What a source tree or /usr/share/doc keeps without an extension is read as text; other
    extensionless files (a script) and a compressed tar are skipped and counted."""
    names = ("LICENSE", "README.Debian", "copyright", "CONTRIBUTING.rst", "build", "src.tar.gz")
    for name in names:
        write(tmp_path / name, f"The {name} file says hello.\n")
    skipped: Counter[str] = Counter()
    found = [p.name for p in iter_files([tmp_path], skipped)]
    assert found == ["CONTRIBUTING.rst", "LICENSE", "README.Debian", "copyright"]
    assert skipped == {"(no extension)": 1, ".gz": 1}
    doc = only_doc(tmp_path / "README.Debian")
    assert doc.text == "The README.Debian file says hello.\n" and doc.mime == "text/plain"
    with pytest.raises(LoaderError, match="named like README, LICENSE or COPYING"):
        load(tmp_path / "build")


def test_gzip_compressed_text_and_markdown_are_read(tmp_path: Path) -> None:
    import gzip

    text = "Version 2.0 drops the old flag.\n"
    write(tmp_path / "changelog.Debian.gz", gzip.compress(text.encode()))
    write(tmp_path / "notes.md.gz", gzip.compress(b"# Notes\n\nTwo members.\n"))
    doc = only_doc(tmp_path / "changelog.Debian.gz")
    assert doc.text == text and doc.title == "changelog" and doc.uri.endswith(".gz")
    two_members = gzip.compress(b"# Notes\n\nTwo ") + gzip.compress(b"members.\n")
    write(tmp_path / "notes.md.gz", two_members)
    doc = only_doc(tmp_path / "notes.md.gz")
    assert doc.mime == "text/markdown" and doc.title == "Notes"
    assert doc.text == "# Notes\n\nTwo members.\n"


def test_gzip_bombs_and_damage_are_refused(tmp_path: Path) -> None:
    import gzip

    bomb = write(tmp_path / "README.gz", gzip.compress(b"a" * 5_000_000))
    with pytest.raises(LoaderError, match="inflates to more than 1,000,000 bytes"):
        list(load(bomb, LoadOptions(max_bytes=1_000_000, max_unzipped_bytes=1_000_000)))
    cut = write(tmp_path / "NEWS.gz", gzip.compress(b"news " * 1000)[:-30])
    with pytest.raises(LoaderError, match="truncated"):
        list(load(cut))
    plain = write(tmp_path / "TODO.gz", "not compressed at all")
    with pytest.raises(LoaderError, match="corrupt gzip file"):
        list(load(plain))


def test_iter_files_explicit_file_is_yielded_even_if_unsupported(tmp_path: Path) -> None:
    png = write(tmp_path / "image.png", "x")
    txt = write(tmp_path / "a.txt", "x")
    assert list(iter_files([png, tmp_path, txt])) == [png, txt]
    with pytest.raises(LoaderError, match=r"unsupported file type \.png"):
        load(png)


def test_iter_files_nonexistent_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"path does not exist: .*nope"):
        list(iter_files([tmp_path, tmp_path / "nope"]))


def test_txt_cp1251_cyrillic_is_not_read_as_cp1252(tmp_path: Path) -> None:
    text = "Привет, мир! Это обычный текст в старой кодировке Windows для проверки.\n" * 3
    doc = only_doc(write(tmp_path / "ru.txt", text.encode("cp1251")))
    assert doc.text == text


def test_html_deeply_nested_does_not_recurse(tmp_path: Path) -> None:
    page = (
        "<html><body>" + "<div>" * 5000 + "<p>Deep text.</p>" + "</div>" * 5000 + "</body></html>"
    )
    assert only_doc(write(tmp_path / "deep.html", page)).text == "Deep text.\n"


# --- the shipped sample folder ------------------------------------------------------------------

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def test_samples_folder_loads_without_failures() -> None:
    if not SAMPLES.is_dir():
        pytest.skip(f"sample folder not found at {SAMPLES}")
    files = list(iter_files([SAMPLES]))
    assert {p.suffix for p in files} >= {".md", ".txt", ".html", ".jsonl"}
    docs = [r for p in files for r in load(p)]
    assert all(isinstance(d, Document) for d in docs)
    texts = " ".join(d.text for d in docs if isinstance(d, Document))
    for fact in ("25 vacation days", "maximum of 5 days", "60 EUR per day", "over 25 EUR"):
        assert fact.replace("**", "") in texts.replace("**", "")
    assert sum(p.stat().st_size for p in files) < 30 * 1024


def test_html_nested_boilerplate_and_page_wide_form(tmp_path: Path) -> None:
    page = (
        "<html><body><form id='aspnetForm'><div class='sidebar'><div class='menu'><nav>NAV</nav>"
        "MENU</div></div><h1>Report</h1><p>Kept.</p><div class='newsletter'>SIGN UP</div>"
        "</form></body></html>"
    )
    assert only_doc(write(tmp_path / "aspx.html", page)).text == "# Report\n\nKept.\n"


def test_html_data_tables_are_markdown_tables(tmp_path: Path) -> None:
    page = (
        "<html><body><h2>Extras</h2><table><caption>Daily prices</caption>"
        "<tr><th>Item</th><th>Adult</th><th>Child</th></tr>"
        "<tr><td>Helmet</td><td>€4 | day</td><td>€3</td></tr>"
        "<tr><td><p>Boots</p></td><td>€14</td><td>€9</td></tr></table><p>After.</p></body></html>"
    )
    text = only_doc(write(tmp_path / "prices.html", page)).text
    assert text == (
        "## Extras\n\nDaily prices\n\n| Item | Adult | Child |\n|---|---|---|\n"
        "| Helmet | €4 / day | €3 |\n| Boots | €14 | €9 |\n\nAfter.\n"
    )
