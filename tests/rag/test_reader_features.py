"""The reader's inputs and outputs: windows over passages, span targets, span decoding, calibration."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from veracity.rag.reader.calibrate import Calibration, fit_calibration
from veracity.rag.reader.features import (
    SpanGuess,
    answer_token_span,
    batch_arrays,
    best_span,
    ranked_spans,
    whole_words,
    windows,
)

PASSAGE = (
    "The European Coal and Steel Community (ECSC) was established in 1951 by the Treaty of "
    "Paris. Beyoncé's café sold 1,000 cups."
)


@pytest.fixture(scope="module")
def tok() -> Any:
    tokenizers = pytest.importorskip("tokenizers")
    from veracity.embed.minilm import packaged_minilm_path

    try:
        path = packaged_minilm_path() / "tokenizer.json"
    except Exception as exc:  # the package that ships the model is an optional extra
        pytest.skip(f"MiniLM tokenizer not installed: {exc}")
    t = tokenizers.Tokenizer.from_file(str(path))
    t.no_padding()
    t.no_truncation()
    return t


def test_window_layout_and_offsets(tok: Any) -> None:
    (w,) = windows(tok, "When was the ECSC established?", [PASSAGE])
    assert w.ids[0] == tok.token_to_id("[CLS]") and w.ids[-1] == tok.token_to_id("[SEP]")
    q_len = w.types.index(1)
    assert set(w.types[:q_len]) == {0} and set(w.types[q_len:]) == {1}
    assert w.ids[q_len - 1] == tok.token_to_id("[SEP]")
    for cs, ce, i in zip(w.char_start, w.char_end, w.ids, strict=True):
        if cs >= 0:  # every passage token maps back to the characters it was read from
            piece = tok.id_to_token(i).removeprefix("##")
            assert PASSAGE[cs:ce].lower().replace("é", "e") == piece


def test_long_passage_windows_overlap_and_cover_every_token(tok: Any) -> None:
    passage = " ".join(f"word{i}" for i in range(400))
    ws = windows(tok, "Which word?", [passage, "short one"], max_length=64, stride=20)
    first = [w for w in ws if w.passage == 0]
    assert len(first) > 1 and all(len(w) <= 64 for w in ws)
    covered = {cs for w in first for cs in w.char_start if cs >= 0}
    n_tokens = len(tok.encode(passage, add_special_tokens=False).ids)
    assert len(covered) == len(
        {o[0] for o in tok.encode(passage, add_special_tokens=False).offsets}
    )
    assert n_tokens > 64
    assert ws[-1].passage == 1


def test_answer_token_span_round_trips_to_characters(tok: Any) -> None:
    (w,) = windows(tok, "When?", [PASSAGE])
    start = PASSAGE.index("1951")
    first, last = answer_token_span(w, start, start + 4) or (0, 0)
    assert PASSAGE[w.char_start[first] : w.char_end[last]] == "1951"
    start = PASSAGE.index("1,000")
    first, last = answer_token_span(w, start, start + 5) or (0, 0)
    assert PASSAGE[w.char_start[first] : w.char_end[last]] == "1,000"
    cut = windows(tok, "When?", [PASSAGE], max_length=12, stride=4)[0]
    assert answer_token_span(cut, PASSAGE.index("Paris"), PASSAGE.index("Paris") + 5) is None


def test_best_span_picks_the_top_pair_inside_the_passage(tok: Any) -> None:
    (w,) = windows(tok, "When was the ECSC established?", [PASSAGE])
    n = len(w)
    start, end = np.zeros(n), np.zeros(n)
    target = PASSAGE.index("1951")
    first, last = answer_token_span(w, target, target + 4) or (0, 0)
    start[first], end[last] = 5.0, 5.0
    start[1], end[1] = 50.0, 50.0  # a question token: never an answer
    start[-2], end[first - 1] = 9.0, 9.0  # that start with this end would end before it began
    guess = best_span(w, start, end, has_answer=2.0)
    assert guess is not None
    assert PASSAGE[guess.start : guess.end] == "1951"
    assert guess.score == 10.0 and guess.null == start[0] + end[0]
    long_end = np.zeros(n)
    long_end[-2] = 20.0  # a far end token: too long a span with max_answer_tokens=3
    guess = best_span(w, start, long_end, 0.0, max_answer_tokens=3)
    assert guess is not None and guess.end - guess.start < 40


def test_ranked_spans_are_distinct_answers_best_first(tok: Any) -> None:
    (w,) = windows(tok, "When was the ECSC established?", [PASSAGE])
    start, end = np.zeros(len(w)), np.zeros(len(w))
    for word, logit in (("1951", 6.0), ("Paris", 4.0)):
        at = PASSAGE.index(word)
        first, last = answer_token_span(w, at, at + len(word)) or (0, 0)
        start[first], end[last] = logit, logit
    spans = ranked_spans(w, start, end, has_answer=1.0, n=3)
    texts = [PASSAGE[g.start : g.end] for g in spans]
    assert texts[:2] == ["1951", "Paris"]  # not "1951 by the Treaty of Paris" or a piece of one
    assert [g.score for g in spans] == sorted((g.score for g in spans), reverse=True)
    assert all(a.end <= b.start or b.end <= a.start for a in spans for b in spans if a is not b)
    assert len({g.null for g in spans}) == 1 and spans[0] == best_span(w, start, end, 1.0)


def test_batch_arrays_pads_with_zero_mask(tok: Any) -> None:
    ws = windows(tok, "Q?", ["a b c d e f g", "a"])
    arrays = batch_arrays(ws)
    assert arrays["input_ids"].shape == (2, len(ws[0]))
    assert arrays["attention_mask"][1].sum() == len(ws[1])
    assert arrays["token_type_ids"][1, len(ws[1]) :].sum() == 0


def test_calibration_separates_and_thresholds() -> None:
    rng = np.random.default_rng(0)
    pos = np.column_stack([rng.normal(2, 1, 200), rng.normal(3, 2, 200)])
    neg = np.column_stack([rng.normal(-2, 1, 300), rng.normal(-3, 2, 300)])
    x, y = np.vstack([pos, neg]), np.array([1.0] * 200 + [0.0] * 300)
    cal = fit_calibration(x, y)
    p = cal.probabilities(x)
    said = p >= cal.threshold
    assert said[y == 1].mean() > 0.95 and (~said[y == 0]).mean() > 0.95
    assert cal.w_has > 0  # a higher answerability logit means more likely answerable
    guess = SpanGuess(0, 0, 1, score=4.0, null=1.0, has_answer=3.0)
    assert cal.probability(guess) > cal.threshold
    assert fit_calibration(x[:5], np.ones(5)) == Calibration()  # one class: nothing to fit


def test_a_span_never_crosses_a_sentence_boundary(tok: Any) -> None:
    (w,) = windows(tok, "When?", [PASSAGE])
    n = len(w)
    start, end = np.zeros(n), np.zeros(n)
    year = PASSAGE.index("1951")
    first, last = answer_token_span(w, year, year + 4) or (0, 0)
    cups = PASSAGE.index("1,000")
    _, cups_last = answer_token_span(w, cups, cups + 5) or (0, 0)
    start[first], end[last], end[cups_last] = 5.0, 4.0, 6.0  # torn between two sentences
    guess = best_span(w, start, end, 0.0)
    assert guess is not None and PASSAGE[guess.start : guess.end] == "1951"
    assert w.sentence[first] == 0 and w.sentence[cups_last] == 1


@pytest.mark.parametrize(
    ("text", "span", "widened"),
    [
        ("Filename: Cargo.toml", "toml", "Cargo.toml"),  # the tokenizer split at the dot
        ("put it in target/release now", "release", "target/release"),
        ("Peyton Manning's pass", "Peyton Manning", "Peyton Manning"),  # not over ' or -
        ("an 11-year-old", "11", "11"),
        ("in the 1990s.", "1990", "1990s"),
        ("It is Paris. Then", "Paris", "Paris"),  # no full stop added
        ("the (1, 3) output", "1, 3", "1, 3"),  # no bracket added
        ("use println! here", "println!", "println!"),  # the model's own ends are kept
    ],
)
def test_a_span_is_widened_to_the_words_it_cuts(text: str, span: str, widened: str) -> None:
    start = text.index(span)
    a, b = whole_words(text, start, start + len(span))
    assert text[a:b] == widened
