"""The text lexical indexes see for a chunk: title and heading path prepended once."""

from __future__ import annotations

from veracity.index.contextual import contextual_rows, contextual_text
from veracity.store.rows import ChunkContext


def test_contextual_text_adds_title_and_headings_once() -> None:
    assert contextual_text("Carry over 5 days.", "Vacation", ("Vacation", "Carry-over")) == (
        "Vacation\nCarry-over\nCarry over 5 days."
    )
    assert (
        contextual_text("# Vacation\n\nText.", "Vacation", ("Vacation",)) == "# Vacation\n\nText."
    )
    assert contextual_text("Plain.", "", ()) == "Plain."


def test_contextual_rows_keeps_order_and_rids() -> None:
    rows = [
        ChunkContext(7, "Body.", "Title", ("H",)),
        ChunkContext(3, "Title and more.", "Title", ()),
    ]
    assert contextual_rows(rows) == ([7, 3], ["Title\nH\nBody.", "Title and more."])
