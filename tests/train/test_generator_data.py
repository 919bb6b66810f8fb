"""Supervised data for generator fine-tuning: the unanswerable share, the reply-length cap, and the
split by article, on tiny inline corpora (no model, no dataset)."""

from __future__ import annotations

import pytest

from veracity.errors import ConfigError
from veracity.train.generator_data import (
    ABSTAIN_ANSWER,
    GroundedExample,
    collection_examples,
    mix,
    squad_examples,
)
from veracity.train.reader_data import Article, Paragraph, build_examples, split_articles

CITIES = [
    ("Tallinn", "harbour", "1248", "ferries"), ("Lisbon", "tram network", "1873", "trams"),
    ("Oslo", "opera house", "2008", "marble"), ("Vienna", "coffee houses", "1685", "newspapers"),
    ("Krakow", "salt mine", "1978", "chapels"), ("Porto", "bridge", "1886", "iron arches"),
    ("Bergen", "fish market", "1276", "seagulls"), ("Gdansk", "shipyard", "1945", "cranes"),
    ("Riga", "central market", "1930", "hangars"), ("Ghent", "castle", "1180", "moats"),
    ("Turku", "cathedral", "1300", "bells"), ("Seville", "palace", "1364", "tiles"),
]  # fmt: skip


def _article(city: str, sight: str, year: str, thing: str) -> Article:
    """Two paragraphs: one answers three questions, the other (same article) answers none."""
    own = (f"The {sight} of {city} was first described in {year}. Visitors to {city} often "
           f"mention the {thing} near the {sight}. The largest festival of {city} takes place "
           "every summer.")  # fmt: skip
    other = (f"The old town of {city} has narrow streets and small shops. Most residents "
             "walk or cycle to work, and the town hall stands on the main square.")  # fmt: skip
    questions = (
        (f"{city}-1", f"In which year was the {sight} of {city} first described?",
         ((year, own.index(year)),)),
        (f"{city}-2", f"What do visitors to {city} mention near the {sight}?",
         ((f"the {thing}", own.index(f"the {thing}")),)),
        (f"{city}-3", f"When does the largest festival of {city} take place?",
         (("every summer", own.index("every summer")),)),
    )  # fmt: skip
    return Article(city, (Paragraph(own, questions), Paragraph(other, ())))


ARTICLES = [_article(*c) for c in CITIES]


def _ex(answerable: bool, i: int) -> GroundedExample:
    answer = f"Answer {i} [1]." if answerable else ABSTAIN_ANSWER
    return GroundedExample(f"q{i}", ("p",), answer, answerable)


def _unanswerable(examples: list[GroundedExample]) -> int:
    return sum(not e.answerable for e in examples)


@pytest.mark.parametrize("share", [0.0, 1 / 3, 0.5, 1.0])
@pytest.mark.parametrize("limit", [None, 7, 12])
def test_mix_keeps_the_share_in_order(share: float, limit: int | None) -> None:
    pool = [_ex(i % 4 != 0, i) for i in range(40)]  # 30 answerable, 10 unanswerable
    got = mix(pool, share, limit)
    n = len(got)
    assert _unanswerable(got) == round(n * share)
    assert n <= (limit or len(pool))
    # The most the pools allow: one more example would break the share or run out of a kind.
    bigger = n + 1
    assert (
        bigger > (limit or len(pool))
        or round(bigger * share) > 10
        or bigger - round(bigger * share) > 30
    )
    order = [pool.index(e) for e in got]
    assert order == sorted(order)


def test_mix_rejects_a_share_out_of_range() -> None:
    with pytest.raises(ConfigError, match="between 0 and 1"):
        mix([_ex(True, 0)], 1.5)


def test_squad_examples_keep_the_unanswerable_share() -> None:
    natural = squad_examples(ARTICLES, seed=0, unanswerable_share=None, max_reply_chars=None)
    reader = build_examples(ARTICLES, ARTICLES, 0)
    # Without a share, the reader's own mix (every question, its edited twins, near misses).
    assert _unanswerable(natural) == sum(not e.answerable for e in reader)
    assert _unanswerable(natural) / len(natural) > 0.36  # richer in abstentions than a third
    for share in (1 / 3, 0.2):
        got = squad_examples(ARTICLES, seed=0, unanswerable_share=share)
        assert got and _unanswerable(got) == round(len(got) * share)
        limited = squad_examples(ARTICLES, seed=0, limit=9, unanswerable_share=share)
        assert len(limited) == 9 and _unanswerable(limited) == round(9 * share)
    default = squad_examples(ARTICLES, seed=0, limit=12)
    assert _unanswerable(default) == 4
    assert all(e.answer == ABSTAIN_ANSWER for e in default if not e.answerable)


def test_squad_answer_replies_are_capped() -> None:
    capped = squad_examples(ARTICLES, seed=0, unanswerable_share=None, max_reply_chars=60)
    free = squad_examples(ARTICLES, seed=0, unanswerable_share=None, max_reply_chars=None)
    assert all(len(e.answer) <= 60 for e in capped)
    assert any(len(e.answer) > 60 for e in free if e.answerable)
    assert sum(e.answerable for e in capped) < sum(e.answerable for e in free)
    assert _unanswerable(capped) == _unanswerable(free)  # abstentions are never cut


def test_squad_split_by_article_never_trains_on_test_passages() -> None:
    train, _dev, test = split_articles(ARTICLES, test_share=1 / 3, dev_articles=1)
    assert train and test
    trained = {p for e in squad_examples(train, seed=0) for p in e.passages}
    tested = {p for e in squad_examples(test, seed=1) for p in e.passages}
    assert trained and tested and not trained & tested
    test_titles = {a.title for a in test}
    assert not any(t in p for p in trained for t in test_titles)


@pytest.mark.parametrize("share", [0.0, 1 / 3, 0.5])
def test_collection_examples_keep_the_share(share: float) -> None:
    passages = [a.paragraphs[0].context for a in ARTICLES]
    got = collection_examples(passages, 12, seed=0, unanswerable_share=share)
    assert len(got) == 12
    assert _unanswerable(got) == round(12 * share)


def test_collection_examples_reject_a_share_out_of_range() -> None:
    with pytest.raises(ConfigError):
        collection_examples(["A sentence that is long enough to use here."], 2,
                            unanswerable_share=-0.1)  # fmt: skip
