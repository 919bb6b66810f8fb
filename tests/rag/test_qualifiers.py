"""``qualifier_problem``: a value qualified in the question (maximum, average, per year, default)
is not answered from a sentence that gives another value of the same quantity."""

from __future__ import annotations

from veracity.rag.qualifiers import qualifier_problem

CACHE = (
    "Quillstack keeps reports in memory. The default cache size increased from 256 MB to 512 MB."
)
RENT = "The monthly rent is £1,150, payable in advance on the 1st day of each month."


def _at(text: str, span: str) -> int:
    return text.index(span)


def test_another_value_of_the_quantity_is_refused() -> None:
    got = qualifier_problem("What is the maximum cache size?", CACHE, _at(CACHE, "512"))
    assert "'maximum'" in got
    got = qualifier_problem("How much is the annual rent?", RENT, _at(RENT, "£1,150"), amount=True)
    assert "'annual'" in got


def test_the_same_qualifier_in_other_words_passes() -> None:
    assert qualifier_problem("What is the default cache size?", CACHE, _at(CACHE, "512")) == ""
    assert (
        qualifier_problem("How much is the rent per month?", RENT, _at(RENT, "£1"), amount=True)
        == ""
    )
    limits = "Upload limits\n\nFiles of up to 20 MB are accepted."
    got = qualifier_problem(
        "What is the max upload size?", limits, _at(limits, "20"), ("Maximum sizes",)
    )
    assert got == ""  # the heading holds it


def test_only_questions_for_a_value() -> None:
    teach = "Teachers in Canada need a post-secondary degree."
    question = "What must a teacher have, at a minimum?"
    assert qualifier_problem(question, teach, _at(teach, "a post")) == ""
    assert "'minimum'" in qualifier_problem(question, teach, _at(teach, "a post"), amount=True)
