"""The shipped reader on the cases that motivated it: right answers, or an honest abstention."""

from __future__ import annotations

from pathlib import Path

import pytest

import veracity
from veracity.records import Document

pytestmark = pytest.mark.slow

EU = (
    "European Union law is applied by the courts of member states and the Court of Justice of the "
    "European Union. Where the laws of member states provide for lesser rights, European Union law "
    "can be enforced by the courts of member states."
)
TREATIES = (
    "The European Coal and Steel Community (ECSC) was established in 1951 by the Treaty of Paris. "
    "The European Economic Community (EEC) was created in 1957 by the Treaties of Rome, which "
    "entered into force in 1958."
)
CANTEEN = "# Canteen\n\nThe canteen opens at 8 am and closes at 3 pm on weekdays."


@pytest.fixture(scope="module")
def col(tmp_path_factory: pytest.TempPathFactory) -> veracity.Collection:
    c = veracity.open(tmp_path_factory.mktemp("reader") / "col")
    docs = [
        Document.make("mem://eu-law.txt", EU, title="European Union law"),
        Document.make("mem://treaties.txt", TREATIES, title="Treaties"),
        Document.make("mem://canteen.md", CANTEEN, title="Canteen"),
    ]
    c.add(docs)
    return c


def test_year_of_the_right_treaty(col: veracity.Collection) -> None:
    answer = col.ask("What year was the ECSC established?")
    assert not answer.abstained, answer.reason
    assert answer.short is not None and answer.short.text.startswith("1951")
    assert "1957" not in answer.text  # the EEC's year is in the passage, not in the answer


def test_swapped_entity_abstains(col: veracity.Collection) -> None:
    answer = col.ask("Who applies American Union law?")
    assert answer.abstained, answer.text


def test_answer_from_a_markdown_section_has_no_heading_glued_in(col: veracity.Collection) -> None:
    answer = col.ask("When does the canteen open?")
    assert not answer.abstained, answer.reason
    assert "8 am" in answer.text and "#" not in answer.text


def test_off_topic_question_abstains(col: veracity.Collection, tmp_path: Path) -> None:
    assert col.ask("What is the boiling point of mercury?").abstained


def test_a_passage_reads_the_same_whatever_is_read_beside_it() -> None:
    # int8 activations take their scale from the whole batch: read in one batch, a passage's
    # answerability moved with its neighbours, so an unrelated passage could decide an answer.
    from veracity.rag.reader.model import Reader

    reader = Reader(threads=1)
    question = "What year was the ECSC established?"
    alone = reader.read(question, [TREATIES])
    beside = reader.read(question, [EU, CANTEEN * 20, TREATIES])
    assert [(r.start, r.end, r.probability) for r in alone] == [
        (r.start, r.end, r.probability) for r in beside if r.passage == 2
    ]
