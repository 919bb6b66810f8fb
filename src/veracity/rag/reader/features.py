"""What the reader reads and how its outputs become character spans: pure tokenization and numpy.

Training (``veracity.train.reader``) and the runtime (``veracity.rag.reader.model``) build their
inputs with the same ``windows`` function, so a model never sees text shaped differently from what
it was trained on.

A window is ``[CLS] question [SEP] passage piece [SEP]`` with token types 0 for the question part
and 1 for the passage part, as BERT reads sentence pairs. Passages longer than the window are cut
into overlapping pieces (``stride`` passage tokens between starts); each passage token keeps its
character offsets into the passage, so a predicted token span maps back to exact characters.

``best_span`` decodes one window (``ranked_spans`` also its next-best distinct answers): the highest ``start + end`` logit pair over passage tokens with
``end >= start`` and at most ``max_answer_tokens`` tokens (Devlin et al. 2019, SQuAD decoding),
against the null score ``start[0] + end[0]`` at ``[CLS]`` (the SQuAD 2.0 no-answer convention).
A span must also stay inside one sentence (``text.sentences``): when the model is torn between two
candidates ("1951 ... 1957") its best pair can start at one and end at the other, and such a span
is never an answer. ``whole_words`` then widens it to the words it cuts: the tokenizer splits at
punctuation, so the model can answer "toml" from "Cargo.toml".
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from veracity.errors import MissingDependency
from veracity.text.sentences import split_sentences

MAX_LENGTH = 256  # tokens per window, special tokens included
STRIDE = 128  # passage tokens between the starts of two windows of one passage
MAX_QUESTION_TOKENS = 64  # longer questions are cut (a question is rarely over 30)
MAX_ANSWER_TOKENS = 30
TOP_N = 20  # start and end candidates tried per window


@dataclass(frozen=True, slots=True)
class Window:
    """One model input: token ids and types, and for each passage token its ``(start, end)``
    character offsets in the passage and the index of the sentence it is in (``-1`` for the
    question and special tokens). ``passage`` indexes the passage in the list given to ``windows``."""

    passage: int
    ids: tuple[int, ...]
    types: tuple[int, ...]
    char_start: tuple[int, ...]
    char_end: tuple[int, ...]
    sentence: tuple[int, ...] = ()

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, slots=True)
class SpanGuess:
    """The best answer span of one window: character offsets into its passage, the span score
    (``start + end`` logits), the null score, and the window's answerability logit."""

    passage: int
    start: int
    end: int
    score: float
    null: float
    has_answer: float

    @property
    def margin(self) -> float:
        """How far the best span beats the no-answer choice (SQuAD 2.0's threshold variable)."""
        return self.score - self.null


def load_tokenizer(model_dir: Path) -> Any:
    """The BERT WordPiece tokenizer of ``model_dir`` (``tokenizer.json``) as ``windows`` needs it:
    padding and truncation off (the packaged file pads to 128). Training and the runtime both
    load it here, so the model never reads text tokenized differently from how it learned."""
    try:
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise MissingDependency("the reader", extra="onnx", package="tokenizers") from exc
    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    return tok


def windows(
    tokenizer: Any,
    question: str,
    passages: Sequence[str],
    max_length: int = MAX_LENGTH,
    stride: int = STRIDE,
) -> list[Window]:
    """The windows of every passage for one question, in passage order. ``tokenizer`` is a
    ``tokenizers.Tokenizer`` with a BERT vocabulary, padding and truncation disabled."""
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    q_ids = tokenizer.encode(question, add_special_tokens=False).ids[:MAX_QUESTION_TOKENS]
    head = [cls, *q_ids, sep]
    room = max_length - len(head) - 1  # passage tokens per window; 1 for the final [SEP]
    out: list[Window] = []
    for p, enc in enumerate(tokenizer.encode_batch(list(passages), add_special_tokens=False)):
        ids, offsets = enc.ids, enc.offsets
        starts_of = [s for s, _ in split_sentences(passages[p])] or [0]
        sentence_of = [max(0, bisect.bisect_right(starts_of, o[0]) - 1) for o in offsets]
        starts = list(range(0, max(1, len(ids) - room + stride), stride)) if ids else [0]
        for begin in starts:
            piece = slice(begin, begin + room)
            p_ids, p_off, p_sent = ids[piece], offsets[piece], sentence_of[piece]
            pad = [-1] * len(head)
            out.append(
                Window(
                    passage=p,
                    ids=(*head, *p_ids, sep),
                    types=(0,) * len(head) + (1,) * (len(p_ids) + 1),
                    char_start=(*pad, *(o[0] for o in p_off), -1),
                    char_end=(*pad, *(o[1] for o in p_off), -1),
                    sentence=(*pad, *p_sent, -1),
                )
            )
            if begin + room >= len(ids):
                break
    return out


def batch_arrays(batch: Sequence[Window]) -> dict[str, np.ndarray]:
    """``input_ids``, ``attention_mask`` and ``token_type_ids``, each (B, T) int64, padded with 0."""
    width = max(len(w) for w in batch)
    ids = np.zeros((len(batch), width), dtype=np.int64)  # (B, T)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for row, w in enumerate(batch):
        n = len(w)
        ids[row, :n] = w.ids
        mask[row, :n] = 1
        types[row, :n] = w.types
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def best_span(
    window: Window,
    start_logits: np.ndarray,
    end_logits: np.ndarray,
    has_answer: float,
    max_answer_tokens: int = MAX_ANSWER_TOKENS,
) -> SpanGuess | None:
    """The window's best passage span (see the module docstring); None if it has no passage
    token. ``start_logits`` and ``end_logits`` are (T,) over at least the window's tokens."""
    spans = ranked_spans(window, start_logits, end_logits, has_answer, 1, max_answer_tokens)
    return spans[0] if spans else None


def ranked_spans(
    window: Window,
    start_logits: np.ndarray,
    end_logits: np.ndarray,
    has_answer: float,
    n: int,
    max_answer_tokens: int = MAX_ANSWER_TOKENS,
) -> list[SpanGuess]:
    """Up to ``n`` of the window's spans, best first, none overlapping a better one: the best
    span, then the best that is a different answer rather than a longer or shorter form of it
    ("the License" after "License"). Each keeps the window's null score and answerability
    logit, so its calibrated probability follows its own margin over the null span."""
    count = len(window)
    valid = np.array(window.char_start[:count]) >= 0  # (count,) passage tokens
    if not valid.any():
        return []
    s = np.where(valid, start_logits[:count], -np.inf)  # (count,)
    e = np.where(valid, end_logits[:count], -np.inf)  # (count,)
    top = min(TOP_N, int(valid.sum()))
    s_idx = np.argpartition(-s, top - 1)[:top]
    e_idx = np.argpartition(-e, top - 1)[:top]
    grid = s[s_idx][:, None] + e[e_idx][None, :]  # (top, top)
    length = e_idx[None, :] - s_idx[:, None]
    ok = (length >= 0) & (length < max_answer_tokens)
    if window.sentence:
        sent = np.array(window.sentence)
        ok &= sent[s_idx][:, None] == sent[e_idx][None, :]
    grid = np.where(ok, grid, -np.inf)
    null = float(start_logits[0] + end_logits[0])
    out: list[SpanGuess] = []
    for flat in np.argsort(-grid, axis=None, kind="stable"):
        i, j = np.unravel_index(int(flat), grid.shape)
        if len(out) == n or not np.isfinite(grid[i, j]):
            break
        first, last = int(s_idx[i]), int(e_idx[j])
        lo, hi = window.char_start[first], window.char_end[last]
        if any(lo < g.end and g.start < hi for g in out):
            continue
        guess = SpanGuess(window.passage, lo, hi, float(grid[i, j]), null, float(has_answer))
        out.append(guess)
    return out


# What joins the parts of one token of technical text: "Cargo.toml", "target/release",
# "bod@debian.org", "C++". Not "-" or "'": in prose an answer stops there ("11" of
# "11-year", "Peyton Manning" of "Peyton Manning's"), as SQuAD's answers do.
_JOINERS = frozenset("._/:@+#")


def whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` widened to whole words: over letters and digits, and over a joiner
    (``.``, ``/``, ``:``, ...) that has a letter or digit on its far side. Never across
    whitespace, and never adding punctuation at either end."""

    def part(i: int) -> bool:
        return 0 <= i < len(text) and text[i].isalnum()

    while start > 0 and (part(start - 1) or (text[start - 1] in _JOINERS and part(start - 2))):
        start -= 1
    while end < len(text) and (part(end) or (text[end] in _JOINERS and part(end + 1))):
        end += 1
    return start, end


def answer_token_span(window: Window, start: int, end: int) -> tuple[int, int] | None:
    """Token positions of the characters ``[start, end)`` of the window's passage, or None when
    the window does not hold the whole span (training targets)."""
    first = last = None
    for t, (cs, ce) in enumerate(zip(window.char_start, window.char_end, strict=True)):
        if cs < 0:
            continue
        if first is None and ce > start:
            first = t
        if cs < end:
            last = t
    if first is None or last is None or last < first:
        return None
    if window.char_start[first] > start or window.char_end[last] < end:
        return None
    return first, last
