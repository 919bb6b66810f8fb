"""The CoNLL-style tokenizer: exact offsets for any text, and CoNLL-2003's splits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veracity.tasks.entities.tokenize import tokenize

# Text that looks like news plus arbitrary unicode: letters, digits, punctuation, clitics, spaces.
_PIECES = st.sampled_from(
    ["Germany", "'s", "n't", "U.S.", "Inc.", "1996-08-22", "6-4", "1,000", "3.5", "--", "...",
     "O'Neill", "é", "\u0301", "İ", "ß", "\t", "\n\n", " ", "\u00a0", "\u2028", "(", '"', ".",
     "vs.", "e.g.", "-", "_", "’", "’s", "don’t", "St", "x"]
)  # fmt: skip
TEXTS = st.one_of(st.text(), st.lists(st.one_of(_PIECES, st.text(max_size=3))).map("".join))


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_tokens_are_exact_ordered_slices_covering_all_non_space(text: str) -> None:
    tokens = tokenize(text)
    covered = set()
    last_end = 0
    for t in tokens:
        assert text[t.start : t.end] == t.text
        assert t.start >= last_end and t.end > t.start
        assert not any(c.isspace() for c in t.text)
        covered.update(range(t.start, t.end))
        last_end = t.end
    assert covered == {i for i, c in enumerate(text) if not c.isspace()}


@settings(max_examples=100, deadline=None)
@given(TEXTS, st.data())
def test_a_range_is_tokenized_inside_it(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    tokens = tokenize(text, start, end)
    assert all(start <= t.start and t.end <= end for t in tokens)
    assert [t.text for t in tokens] == [t.text for t in tokenize(text[start:end])]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("EU rejects German call.", ["EU", "rejects", "German", "call", "."]),
        ("Germany's U.S. unit", ["Germany", "'s", "U.S.", "unit"]),
        ("They don't (Reuters)", ["They", "do", "n't", "(", "Reuters", ")"]),
        ("On 1996-08-22 it won 6-4, 1,000 or 3.5", ["On", "1996-08-22", "it", "won", "6-4", ",",
                                                    "1,000", "or", "3.5"]),
        ("Acme Inc. vs. Bolt Ltd.", ["Acme", "Inc.", "vs.", "Bolt", "Ltd."]),
        ("German-made O'Neill --- wait...", ["German-made", "O'Neill", "---", "wait", "..."]),
        ("the 3rd time", ["the", "3rd", "time"]),
        ("Acme Inc... and I 'm", ["Acme", "Inc", "...", "and", "I", "'m"]),
        ("( P. Simmons 4-38 ) Germany 's 'such'", ["(", "P.", "Simmons", "4-38", ")", "Germany",
                                                  "'s", "'", "such", "'"]),
    ],
)  # fmt: skip
def test_splits_like_conll(text: str, expected: list[str]) -> None:
    assert [t.text for t in tokenize(text)] == expected
