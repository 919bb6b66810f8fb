"""reStructuredText and MyST Markdown read as their built pages show them (``loaders.rst``,
``loaders.myst``): headings, directives, code and roles."""

from __future__ import annotations

import gzip
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from veracity.ingest.loaders import load
from veracity.ingest.loaders.myst import is_myst, myst_to_markdown
from veracity.ingest.loaders.rst import inline, rst_to_markdown
from veracity.records import Document
from veracity.text.chunker import ChunkOptions, chunk_document

API_PAGE = """\
=============
API Reference
=============

*attrs* works by decorating a class; see `the overview <overview>` first.

Core
----

.. autofunction:: attrs.define

.. function:: frozen(same_as_define)

   Behaves the same as :func:`attrs.define` but sets *frozen=True*.

   .. versionadded:: 20.1.0

.. _helpers:

Helpers
-------

.. note::
   Helpers take ``inst`` first.

.. versionchanged:: 21.1.0 *cmp* is deprecated.

.. deprecated:: 22.2.0
   Use *unsafe_hash* instead.

For example::

    C(x=1)

.. code-block:: python
   :caption: a caption

   attrs.fields(C)

>>> attrs.has(C)
True

.. toctree::
   :maxdepth: 2

   overview

.. this is a comment
   over two lines
"""


def test_rst_titles_become_headings_in_order_of_their_styles() -> None:
    md = rst_to_markdown(API_PAGE)
    assert md.startswith("# API Reference\n")
    assert "\n## Core\n" in md and "\n## Helpers\n" in md
    assert "=====" not in md and "-----" not in md


def test_rst_objects_are_headings_under_their_section() -> None:
    md = rst_to_markdown(API_PAGE)
    assert "\n### `attrs.define`\n" in md and "\n### `frozen(same_as_define)`\n" in md
    assert "Behaves the same as `attrs.define()` but sets *frozen=True*." in md
    assert ".. " not in md and "::" not in md


def test_rst_version_notes_and_admonitions_read_as_sphinx_shows_them() -> None:
    md = rst_to_markdown(API_PAGE)
    assert "New in version 20.1.0." in md
    assert "Changed in version 21.1.0: *cmp* is deprecated." in md
    assert "Deprecated since version 22.2.0: Use *unsafe_hash* instead." in md
    assert "Note: Helpers take `inst` first." in md


def test_rst_code_is_fenced_and_silent_directives_dropped() -> None:
    md = rst_to_markdown(API_PAGE)
    assert "For example:\n\n```\nC(x=1)\n```" in md
    assert "```python\nattrs.fields(C)\n```" in md and "caption" not in md
    assert "```pycon\n>>> attrs.has(C)\nTrue\n```" in md
    assert "maxdepth" not in md and "overview\n" not in md.split("toctree")[-1]
    assert "comment" not in md and "_helpers" not in md


def test_rst_inline_markup_keeps_its_text() -> None:
    assert inline(":func:`~attrs.define`") == "`define()`"
    assert inline(":class:`attrs.Attribute`") == "`attrs.Attribute`"
    assert inline(":ref:`the glossary <glossary>`") == "the glossary"
    assert inline(":pep:`681` and :rfc:`7230`") == "PEP 681 and RFC 7230"
    assert inline("see `Python <https://python.org>`_ now") == "see Python now"
    assert inline("a ``literal`` and a note [#]_") == "a `literal` and a note"
    assert inline("`documented apart <api-attr>`") == "documented apart"
    assert inline("Added FloatRange. :issue:`538` :pr:`553`") == "Added FloatRange. #538 #553"


def test_rst_lists_keep_their_items_and_continuations() -> None:
    md = rst_to_markdown(
        "Names:\n\n- ``attr``, the classic one.\n- ``attrs``, the new one.\n  It came later.\n"
    )
    assert "- `attr`, the classic one." in md
    assert "- `attrs`, the new one.\nIt came later." in md


def test_rst_file_loads_as_markdown_and_chunks_under_its_headings(tmp_path: Path) -> None:
    path = tmp_path / "api.rst"
    path.write_text(API_PAGE, encoding="utf-8")
    (doc,) = list(load(path))
    assert isinstance(doc, Document)
    assert doc.title == "API Reference" and doc.mime == "text/markdown"
    chunks = chunk_document(doc, ChunkOptions(max_tokens=60, overlap_tokens=0))
    frozen = next(c for c in chunks if "Behaves the same" in c.text)
    assert frozen.headings[-1] == "`frozen(same_as_define)`"
    packed = tmp_path / "api.rst.gz"
    packed.write_bytes(gzip.compress(API_PAGE.encode()))
    (again,) = list(load(packed))
    assert isinstance(again, Document) and again.text == doc.text


MYST_PAGE = """\
(init)=
# Initialization

% a comment the page never shows
Use {func}`attrs.define` or {class}`~attrs.Attribute`.

:::{warning}
Frozen classes are slower.
:::

```{versionadded} 22.2.0
*unsafe_hash* replaces *hash*.
```

```{doctest}
>>> C()
C(x=1)
```

```{toctree}
:maxdepth: 1

overview
```

```{eval-rst}
.. autofunction:: attrs.evolve
```

```python
# a plain fence keeps {func}`this` as written
```
"""


def test_myst_directives_and_roles_render_as_text() -> None:
    md = myst_to_markdown(MYST_PAGE)
    assert "(init)=" not in md and "comment" not in md
    assert "Use `attrs.define()` or `Attribute`." in md
    assert "Warning: Frozen classes are slower." in md and ":::" not in md
    assert "New in version 22.2.0: *unsafe_hash* replaces *hash*." in md
    assert "```pycon\n>>> C()\nC(x=1)\n```" in md
    assert "maxdepth" not in md and "overview" not in md
    assert "## `attrs.evolve`" not in md and "`attrs.evolve`" in md
    assert "# a plain fence keeps {func}`this` as written" in md


def test_plain_markdown_is_left_alone() -> None:
    plain = "# Prices\n\n% of members who renewed: 80.\n\n```\n{x}`y`\n```\n"
    assert not is_myst(plain) and myst_to_markdown(plain) == plain


def test_myst_file_loads_rendered(tmp_path: Path) -> None:
    path = tmp_path / "init.md"
    path.write_text(MYST_PAGE, encoding="utf-8")
    (doc,) = list(load(path))
    assert isinstance(doc, Document)
    assert doc.title == "Initialization" and "Warning: Frozen classes are slower." in doc.text


PIECES = [
    "Title", "=====", "-----", "\n", "\n\n", "   ", ".. ", "note::", "versionadded:: 1.0", "::",
    ":func:`", "`", "``", "{ref}`", ":::{warning}", "```{doctest}", "```", ":::", ">>> ", "- ",
    "text", "<a>", "_", "|x|", "(t)=", "% c", ".. _t:", ":opt: v",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_markup_in_any_order_never_breaks_the_converters(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert isinstance(rst_to_markdown(text), str)
    assert isinstance(myst_to_markdown(text), str)


def test_plain_text_that_is_rst_is_read_as_rst(tmp_path: Path) -> None:
    # Django's documentation is reStructuredText in .txt files
    rst = tmp_path / "passwords.txt"
    rst.write_text(
        "Passwords\n=========\n\nSee :setting:`PASSWORD_HASHERS`.\n\n.. note::\n   Use HTTPS.\n",
        encoding="utf-8",
    )
    (doc,) = list(load(rst))
    assert isinstance(doc, Document) and doc.mime == "text/markdown"
    assert doc.text == "# Passwords\n\nSee PASSWORD_HASHERS.\n\nNote: Use HTTPS.\n"
    # one stray ".. x::" in plain text is not enough, and underlines alone are plain text too
    plain = tmp_path / "notes.txt"
    plain.write_text("Notes\n=====\n\nRun it like this .. see:: below.\n", encoding="utf-8")
    (doc,) = list(load(plain))
    assert isinstance(doc, Document) and doc.mime == "text/plain"


def test_a_directive_argument_shows_only_when_it_is_a_title() -> None:
    md = rst_to_markdown(
        ".. pip-command-usage:: install\n\n.. topic:: Caching\n\n   Wheels are kept.\n"
    )
    assert "install" not in md
    assert "**Caching**" in md and "Wheels are kept." in md
    assert inline("see :doc:`../topics/vcs-support`") == "see vcs-support"


def test_a_definition_reads_as_one_sentence_with_its_term() -> None:
    md = rst_to_markdown(
        "*(b)ackup*\n    Rename the file to ``x.bak``.\n    Then go on.\n*(a)bort*\n    Abort pip.\n"
    )
    assert "*(b)ackup*: Rename the file to `x.bak`.\nThen go on." in md
    assert "*(a)bort*: Abort pip." in md


def test_an_admonition_may_start_on_its_directive_line() -> None:
    assert "Warning: Frozen classes are slower.\nMuch slower." in rst_to_markdown(
        ".. warning:: Frozen classes are slower.\n   Much slower.\n"
    )
    assert "Tip: Use slots." in myst_to_markdown(":::{tip} Use slots.\n:::\n")
    assert "Heads up: Read this." in rst_to_markdown(".. admonition:: Heads up\n\n   Read this.\n")


def test_a_projects_own_code_directive_is_fenced_and_prose_stays_prose() -> None:
    md = rst_to_markdown(
        ".. click:example::\n\n    @click.command()\n    @click.option('-v', is_flag=True)\n"
        "    def cli(v):\n        click.echo(v)\n\n"
        ".. group-tab:: Bash\n\n    Add this to your shell's config file.\n\n    source ~/.x\n"
    )
    assert "```\n@click.command()\n@click.option('-v', is_flag=True)\ndef cli(v):" in md
    assert "Add this to your shell's config file." in md
    assert "```\nAdd this" not in md


def test_hostile_nesting_keeps_the_text_and_loads() -> None:
    from veracity.ingest.loaders.rst import MAX_NESTING

    # 2,000 notes, each inside the last: past MAX_NESTING the content is kept as written
    rst = "".join("   " * i + ".. note::\n\n" for i in range(2000)) + "   " * 2000 + "deep text\n"
    out = rst_to_markdown(rst)
    assert "deep text" in out and out.count("Note:") <= MAX_NESTING + 1
    myst = ":::{note}\n" * 3000 + "deep text\n" + ":::\n" * 3000
    out = myst_to_markdown(myst)
    assert "deep text" in out and out.count("Note:") <= MAX_NESTING + 1
