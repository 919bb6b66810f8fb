"""``proviso_problem``: a value given on a condition the person asking says is not theirs."""

from __future__ import annotations

from veracity.rag.provisos import proviso_problem

WARRANTY = (
    "7 years parts and labour if the boiler is registered with Calderwood within 30 days. "
    "2 years parts and labour if the boiler is not registered."
)
SIZES = "If you give both --width and --height, the image is scaled to fit inside that box."


def test_a_value_on_a_condition_the_message_denies_is_refused() -> None:
    asked = "We never got round to registering the boiler. How long is the warranty then?"
    got = proviso_problem(asked, WARRANTY, WARRANTY.index("7 years"))
    assert got.startswith("the answer is given if the boiler is registered")
    assert proviso_problem(asked, WARRANTY, WARRANTY.index("2 years")) == ""
    # and the other way round
    done = "We registered the boiler last week. How long is the warranty?"
    assert proviso_problem(done, WARRANTY, WARRANTY.index("2 years")) != ""
    assert proviso_problem(done, WARRANTY, WARRANTY.index("7 years")) == ""


def test_a_condition_of_the_asking_sentence_counts() -> None:
    asked = "If I don't give a width or height, how big does shrinkpix make the images?"
    assert "does not hold" in proviso_problem(asked, SIZES, SIZES.index("scaled"))
    # "unless" denies: "unless you give a width" is "if you don't"
    unless = "Unless I give a width and a height, how big are the images?"
    assert proviso_problem(unless, SIZES, SIZES.index("scaled")) != ""


def test_a_message_that_says_nothing_of_the_condition_passes() -> None:
    assert proviso_problem("How long is the warranty?", WARRANTY, 0) == ""
    # one shared word is not the same thing ("boiler" alone)
    asked = "Our boiler is not new. How long is the warranty?"
    assert proviso_problem(asked, WARRANTY, WARRANTY.index("7 years")) == ""
    # a span inside the condition is given on it too
    asked = "We never registered the boiler. How long is the warranty?"
    assert proviso_problem(asked, WARRANTY, WARRANTY.index("30 days")) != ""


def test_a_condition_governs_its_main_clause_only() -> None:
    terms = (
        "Lessons cancelled with less notice are charged in full, unless the instructor "
        "cancels, in which case the next lesson is free."
    )
    asked = "What happens if the instructor cancels?"
    assert proviso_problem(asked, terms, terms.index("next lesson")) == ""
    assert "holds" in proviso_problem(asked, terms, terms.index("charged"))
    # "If X, Y" governs Y; a span before a later condition is its main clause
    opening = "If the boiler is registered, 7 years."
    assert proviso_problem("I didn't register the boiler. Warranty?", opening, opening.index("7"))
    after = "You get 7 years. This is if the boiler is registered."
    assert proviso_problem("I didn't register the boiler. Warranty?", after, after.index("7")) == ""
