"""The reader's training data: split by article, unanswerable twins, and question styles."""

from __future__ import annotations

import random
import re

import pytest

from veracity.train.reader_data import (
    Article,
    Paragraph,
    answerable_examples,
    build_examples,
    insert_qualifier,
    modifier_pool,
    negate,
    negative,
    qualify_from_passage,
    split_articles,
    swap_antonym,
    swap_entity,
    swap_number,
)
from veracity.train.reader_styles import restyle

CONTEXT = (
    "The European Coal and Steel Community was founded in 1951 by six countries. "
    "Its largest member by output was West Germany, and Paris hosted the signing."
)


def _article(title: str, n: int = 3) -> Article:
    questions = tuple(
        (f"{title}-{i}", q, ((a, CONTEXT.index(a)),))
        for i, (q, a) in enumerate(
            [
                ("When was the European Coal and Steel Community founded?", "1951"),
                ("Which was the largest member by output?", "West Germany"),
                ("Which city hosted the signing?", "Paris"),
            ][:n]
        )
    )
    return Article(title, (Paragraph(CONTEXT, questions),))


def test_articles_split_whole_and_stably() -> None:
    articles = [_article(f"Article {i}") for i in range(12)]
    train, dev, test = split_articles(articles, dev_articles=2)
    assert (len(train), len(dev), len(test)) == (6, 2, 4)
    titles = [{a.title for a in part} for part in (train, dev, test)]
    assert not (titles[0] & titles[1] or titles[0] & titles[2] or titles[1] & titles[2])
    # the order of the file does not matter
    again = split_articles(list(reversed(articles)), dev_articles=2)
    assert [{a.title for a in part} for part in again] == titles


def test_edits_make_the_question_ask_what_the_passage_does_not_say() -> None:
    rng = random.Random(0)
    q = "When was the European Coal and Steel Community founded in 1951?"
    swapped = swap_entity(q, CONTEXT, ["Warsaw Pact", "Paris"], rng)
    assert swapped is not None and "Warsaw Pact" in swapped  # "Paris" is in the passage
    changed = swap_number(q, CONTEXT, rng)
    assert changed is not None
    year = re.findall(r"\d{4}", changed)[0]
    assert year != "1951" and year not in CONTEXT
    assert negate("Which was the largest member by output?", CONTEXT) == (
        "Which was not the largest member by output?"
    )
    assert swap_antonym("Which was the largest member?", CONTEXT, rng) == (
        "Which was the smallest member?"
    )
    # an antonym the passage uses is no edit: the passage may then answer it
    assert (
        swap_antonym("Which was the largest member?", CONTEXT + " The smallest was x.", rng) is None
    )


def test_negative_twins_keep_the_passage_and_have_no_span() -> None:
    article = _article("ECSC")
    examples = build_examples([article], [_article("Other")], seed=1, edit_share=1.0)
    answerable = [e for e in examples if e.answerable]
    assert len(answerable) == 3
    for e in answerable:
        assert e.context[e.start : e.end] == e.answers[0]
    for e in examples:
        if not e.answerable:
            assert e.context == CONTEXT and e.start == e.end == -1
            assert e.kind in {"entity", "number", "negation", "antonym", "qualifier", "other"}
    negated = negative(answerable[1], "negation", article, [], random.Random(0))
    assert negated is not None and " not " in negated.question and negated.id.endswith(":negation")
    assert negative(answerable[0], "number", article, [], random.Random(0)) is None  # no number


def _pool_article(text: str) -> Article:
    return Article("Pool", (Paragraph(text, ()),))


def test_modifiers_come_from_noun_phrases_of_other_articles() -> None:
    pool = modifier_pool([_pool_article(
        "The boarding pass was lost. A student pass costs less. They became members quickly. "
        "The three members voted, and the quickly growing members left. She came a close second."
    )])  # fmt: skip
    assert pool["pass"] == ["boarding", "student"]
    # after a determiner only: "became members" is a verb phrase; no numbers, ordinals, adverbs
    assert "members" not in pool and "second" not in pool


def test_a_qualifier_narrows_the_question_to_what_the_passage_does_not_say() -> None:
    modifiers = {"member": ["founding", "largest"], "output": ["annual"]}
    rng = random.Random(0)
    q = "Which was the largest member by output?"
    # "largest" is in the passage; after "largest" could be a compound noun, so only "output" fits
    assert insert_qualifier(q, CONTEXT, modifiers, rng) == (
        "Which was the largest member by annual output?"
    )
    # a noun the passage never uses is not narrowed: the question would be off topic, not near
    assert insert_qualifier("Who owned the factory?", CONTEXT, {"factory": ["steel"]}, rng) is None
    # never inside a compound or after a verb ("member founding", "was founding member")
    assert insert_qualifier("Was member output high?", CONTEXT, modifiers, rng) is None
    article = _article("ECSC")
    signing = list(answerable_examples(article))[2]
    twin = negative(signing, "qualifier", article, [], random.Random(1), {"signing": ["treaty"]})
    assert twin is not None and twin.question == "Which city hosted the treaty signing?"
    assert not twin.answerable and twin.kind == "qualifier"


def test_an_answerable_twin_narrows_the_question_with_the_passages_own_modifier() -> None:
    context = "Its largest member by output was West Germany. The annual output rose."
    # "output" has "annual" before it in the passage: the narrowed question is still answered
    got = qualify_from_passage("Which was the largest member by output?", context, random.Random(0))
    assert got == "Which was the largest member by annual output?"
    # nothing to borrow when the passage gives the question's nouns no modifier
    assert qualify_from_passage("Which city hosted the signing?", CONTEXT, random.Random(0)) is None
    question = ("q1", "Which was the largest member by output?", (("West Germany", 33),))
    article = Article("ECSC", (Paragraph(context, (question,)),))
    examples = build_examples(
        [article], [], seed=0, edit_share=0.0, other_share=0.0, qualified_share=1.0
    )
    assert [e.question for e in examples] == [
        "Which was the largest member by output?",
        "Which was the largest member by annual output?",
    ]
    assert {(e.start, e.end, e.answerable) for e in examples} == {(33, 45, True)}


def test_edits_can_be_limited_to_the_kinds_of_earlier_runs() -> None:
    articles, pool = [_article("ECSC")], [_pool_article("The founding member signed.")]
    kinds = {e.kind for e in build_examples(articles, pool, seed=1, edit_share=1.0,
                                            edits=("negation",), other_share=0.0)}  # fmt: skip
    assert kinds <= {"answerable", "negation"}
    with pytest.raises(ValueError, match="unknown edit kinds"):
        build_examples(articles, pool, seed=1, edits=("typo",))


def test_restyling_wraps_the_question_and_changes_nothing_else() -> None:
    rng = random.Random(3)
    seen = set()
    for _ in range(200):
        q = "Which city hosted the signing?"
        styled = restyle(q, "ECSC", rng)
        assert styled != q
        assert "hosted the signing" in styled.lower()
        seen.add(styled)
    assert len(seen) > 20  # many styles, not one template
    plain = build_examples([_article("ECSC")], [_article("Other")], seed=2)
    styled_all = build_examples([_article("ECSC")], [_article("Other")], seed=2, style_share=1.0)
    # the same examples (same spans, same negatives), only the questions restyled
    assert [(e.id, e.context, e.start, e.end, e.kind) for e in plain] == [
        (e.id, e.context, e.start, e.end, e.kind) for e in styled_all
    ]
    assert all(a.question != b.question for a, b in zip(plain, styled_all, strict=True))
    assert build_examples([_article("ECSC")], [_article("Other")], seed=2, style_share=0.0) == plain
