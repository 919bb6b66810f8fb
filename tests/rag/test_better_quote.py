"""A yes/no question quoted from the sentence that names what it asks about (``rag.better_quote``),
and the engine quoting it across passages."""

from __future__ import annotations

from pathlib import Path

from test_answer_extractive import _collection, engine

from veracity.rag.better_quote import better_sentence
from veracity.rag.reader import TableReader

FEES = "## Test fees\n\nFees for tests on a moped are the same as for Module 1 above."
PAYING = (
    "## Paying\n\nYou need a card to pay with. We do not accept American Express, cash or "
    "cheques at the centre."
)


def _quoted(text: str, part: str) -> tuple[int, int, int]:
    at = text.index(part)
    return 0, at, at + len(part)


def test_the_sentence_that_names_what_is_asked_is_better() -> None:
    asked = "Can I pay for my test with an American Express card?"
    quoted = _quoted(FEES, "Fees for tests on a moped are the same as for Module 1 above.")
    better = better_sentence(asked, [FEES, PAYING], quoted)
    said = [PAYING[b.start : b.end] for b in better if b.passage == 1]
    assert any(s.startswith("We do not accept American Express") for s in said)


def test_common_words_alone_keep_the_quote() -> None:
    # "pay" and "card" are common words: "You need a card to pay with." names no more than the
    # quote by a rare word, so the reader's quote stands
    asked = "Can I pay by card?"
    quoted = _quoted(PAYING, "You need a card to pay with.")
    assert better_sentence(asked, [PAYING, FEES], quoted) == []
    # a heading is never better: it asserts nothing
    heading = "## American Express card payments\n\nSee the fees page."
    fees = _quoted(FEES, "Fees for tests on a moped are the same as for Module 1 above.")
    assert better_sentence("Can I pay with American Express?", [FEES, heading], fees) == []


def test_the_engine_quotes_the_better_sentence_of_another_passage(tmp_path: Path) -> None:
    charges = "## Damage charges\n\nTear 5 cm or longer, or any burn hole: £60."
    waiver = (
        "## Damage waiver\n\nThe damage waiver costs £5 per hire and covers accidental tears. "
        "The damage waiver does not cover loss, theft or burn damage."
    )
    c = _collection(tmp_path, {"charges.md": charges, "waiver.md": waiver})
    answer = engine(c, TableReader({"waiver": "£60"})).ask(
        "Does the damage waiver cover a burn hole in the tent?"
    )
    assert not answer.abstained
    assert "The damage waiver does not cover loss, theft or burn damage." in answer.text
    assert "£60" not in answer.text
