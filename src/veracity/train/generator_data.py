"""Supervised data for the generator's grounded-answer behaviour, and text blocks for continual
pre-training.

Each ``GroundedExample`` is a question, the passages shown as numbered sources in the engine's own
prompt (``veracity.rag.prompt.answer_messages``, one-shot example included), and the target reply:
the sentence of a source that answers, quoted with its citation (``"... [2]."``), or the engine's
abstention (``"I don't know."``) when no source holds the answer. Two sources feed it:

- a collection's own chunks, without labels (``collection_examples``): a sentence with one content
  word blanked is the question (a cloze, as in the inverse-cloze task of Lee et al. 2019, turned
  into a request to complete the statement) and the full sentence, cited, is the answer. The same
  question shown only passages that lack the sentence must be declined;
- SQuAD v1.1 (``squad_examples``), split by article (``reader_data.split_articles``): the
  sentence holding the gold span, cited, is the answer; the reader's unanswerable twins (edited
  questions, near-miss paragraphs; ``reader_data.build_examples``) must be declined.

Both builders keep a set share of unanswerable examples (``UNANSWERABLE_SHARE``, a third by
default; ``mix``). The reader's SQuAD negatives alone make 44% of its training split, and a few
steps on a mix that rich in the one fixed, short reply taught LoRA and full fine-tuning to answer
"I don't know." to everything: greedy decoding picks the mode of the first reply token, and the
abstention's first token collects the whole unanswerable share while answers start in many ways.
Answer replies are capped at ``MAX_REPLY_CHARS`` (a cited sentence longer than that is dropped),
so every target fits the evaluation's generation budget and no few very long sentences take most
of the loss.

``encode_example`` tokenizes with the model's chat template and masks the prompt: the loss is taken
on the reply tokens and the end-of-turn token only. The loss is the mean over those tokens in a
batch (token-weighted, not per example): a per-example mean would weight each token of the
five-token abstention about six times as much as a token of a cited sentence. ``reply_stats``
reports the share of loss tokens each kind of reply holds.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from veracity.errors import ConfigError
from veracity.rag.prompt import ABSTAIN_TEXT, Source, answer_messages
from veracity.records import Chunk, Hit, Message
from veracity.text.sentences import split_sentences
from veracity.train.reader_data import Article, build_examples

ABSTAIN_ANSWER = f"{ABSTAIN_TEXT}."
IGNORE = -100  # label of a token the loss skips (PyTorch's cross_entropy ignore_index)
UNANSWERABLE_SHARE = 1 / 3  # of the training examples that must be declined
MAX_REPLY_CHARS = 300  # longest cited answer sentence kept as a target
_WORD = re.compile(r"[A-Za-z0-9][\w'’-]*")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class GroundedExample:
    """``answer`` is the target reply; ``golds`` the short gold answers (SQuAD) or the answer
    sentence (collection) that F1 is scored against."""

    question: str
    passages: tuple[str, ...]
    answer: str
    answerable: bool
    golds: tuple[str, ...] = ()
    origin: str = "collection"


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def cite(sentence: str, n: int) -> str:
    """``sentence`` with ``[n]`` before its closing punctuation, as the prompt's example does."""
    s = " ".join(sentence.split())
    body, end = (s[:-1], s[-1]) if s and s[-1] in ".!?" else (s, ".")
    return f"{body.rstrip()} [{n}]{end}"


def messages_of(example: GroundedExample) -> list[Message]:
    """The engine's prompt for ``example`` (sources numbered from 1 in the given order)."""
    sources = [
        Source(i + 1, Hit(Chunk(f"p{i}", "d", i, p, 0, len(p)), 1.0, uri=f"doc{i + 1}.txt"))
        for i, p in enumerate(example.passages)
    ]
    return answer_messages(example.question, sources)


def window(text: str, start: int, end: int, max_chars: int) -> str:
    """The sentences of ``text`` around ``text[start:end]``, whole, up to ``max_chars``."""
    spans = split_sentences(text)
    inside = [i for i, (s, e) in enumerate(spans) if s < end and e > start]
    if not inside:
        return text[:max_chars]
    lo, hi = inside[0], inside[-1]
    while True:
        grown = False
        for j in (lo - 1, hi + 1):
            if 0 <= j < len(spans):
                s, e = spans[min(lo, j)][0], spans[max(hi, j)][1]
                if e - s <= max_chars:
                    lo, hi, grown = min(lo, j), max(hi, j), True
        if not grown:
            return text[spans[lo][0] : spans[hi][1]]


def cloze(sentence: str, rng: random.Random) -> tuple[str, str] | None:
    """``(question, hidden word)``: one content word of ``sentence`` (a name or number first,
    else a word of five letters or more, never the first) replaced by ``___``."""
    words = [m for m in _WORD.finditer(sentence) if m.start() > 0]
    strong = [m for m in words if m.group(0)[0].isupper() or m.group(0)[0].isdigit()]
    pool = strong or [m for m in words if len(m.group(0)) >= 5]
    if not pool:
        return None
    m = rng.choice(pool)
    blanked = " ".join((sentence[: m.start()] + "___" + sentence[m.end() :]).split())
    return f'What completes this statement: "{blanked}"?', m.group(0)


def check_share(share: float) -> float:
    """``share`` if it is a valid unanswerable share (0 to 1), else a ``ConfigError``."""
    if not 0.0 <= share <= 1.0:
        raise ConfigError(
            f"unanswerable share must lie between 0 and 1, got {share}; about 1/3 keeps a few "
            "training steps from collapsing to the abstention"
        )
    return share


def mix(
    examples: Sequence[GroundedExample], unanswerable_share: float, limit: int | None = None
) -> list[GroundedExample]:
    """The most examples (at most ``limit``) of which ``round(n * unanswerable_share)`` are
    unanswerable, taken first-come from each kind and kept in their given order."""
    check_share(unanswerable_share)
    ans = [i for i, e in enumerate(examples) if e.answerable]
    una = [i for i, e in enumerate(examples) if not e.answerable]
    n = len(examples) if limit is None else min(limit, len(examples))
    while n > 0:
        n_una = round(n * unanswerable_share)
        if n_una <= len(una) and n - n_una <= len(ans):
            break
        n -= 1
    n_una = round(n * unanswerable_share)
    keep = set(una[:n_una]) | set(ans[: n - n_una])
    return [e for i, e in enumerate(examples) if i in keep]


def _sentences(text: str, min_chars: int, max_chars: int) -> list[tuple[int, int]]:
    return [(s, e) for s, e in split_sentences(text) if min_chars <= e - s <= max_chars]


def collection_examples(
    passages: Sequence[str],
    n: int,
    seed: int = 0,
    unanswerable_share: float = UNANSWERABLE_SHARE,
    groups: Sequence[str] | None = None,
    max_chars: int = 500,
    sources: Sequence[int] | None = None,
) -> list[GroundedExample]:
    """Up to ``n`` label-free examples from a collection's chunk texts (see the module doc).

    Questions come from the passages at ``sources`` (default: all), distractors from any passage.
    Answerable: the sentence's own passage (a window of ``max_chars``) and one distractor from
    another document (``groups``: the document of each passage), in random order. Unanswerable:
    two distractors that hold neither the sentence nor the hidden word. An unanswerable example
    is made whenever fewer than ``round(k * unanswerable_share)`` of the first ``k`` are, so the
    share holds at every length (a candidate without two distractors is made answerable and the
    next one catches up)."""
    check_share(unanswerable_share)
    rng = random.Random(seed)
    groups = list(groups) if groups is not None else [str(i) for i in range(len(passages))]
    pick = range(len(passages)) if sources is None else sources
    candidates = [(i, s, e) for i in pick for s, e in _sentences(passages[i], 30, 300)]
    rng.shuffle(candidates)
    out: list[GroundedExample] = []
    for i, s, e in candidates:
        if len(out) >= n:
            break
        sentence = passages[i][s:e]
        made = cloze(sentence, rng)
        if made is None:
            continue
        question, hidden = made
        others = [
            j
            for j in rng.sample(range(len(passages)), min(len(passages), 12))
            if groups[j] != groups[i]
            and _norm(sentence) not in _norm(passages[j])
            and hidden.casefold() not in passages[j].casefold()
        ]
        n_una = sum(not e.answerable for e in out)
        if n_una < round((len(out) + 1) * unanswerable_share) and len(others) >= 2:
            shown = tuple(_clip(passages[j], max_chars) for j in others[:2])
            out.append(GroundedExample(question, shown, ABSTAIN_ANSWER, False, ()))
            continue
        if not others or unanswerable_share >= 1.0:
            continue
        own = window(passages[i], s, e, max_chars)
        shown_list = [own, _clip(passages[others[0]], max_chars)]
        rng.shuffle(shown_list)
        n_own = shown_list.index(own) + 1
        golds = (" ".join(sentence.split()),)
        out.append(GroundedExample(question, tuple(shown_list), cite(sentence, n_own), True, golds))
    return out


def _clip(text: str, max_chars: int) -> str:
    """The leading whole sentences of ``text`` that fit in ``max_chars`` (at least one, cut)."""
    return window(text, 0, 1, max_chars) if len(text) > max_chars else text


def squad_examples(
    articles: Sequence[Article],
    seed: int = 0,
    limit: int | None = None,
    max_chars: int = 800,
    unanswerable_share: float | None = UNANSWERABLE_SHARE,
    max_reply_chars: int | None = MAX_REPLY_CHARS,
) -> list[GroundedExample]:
    """Grounded examples from SQuAD ``articles``: each question with its paragraph and a second
    paragraph of the same article that lacks every gold answer (the answer's sentence, cited, is
    the target), and the reader's unanswerable twins with their paragraph and a distractor
    (target: the abstention). Shuffled; then ``mix``-ed to ``unanswerable_share`` (None: the
    reader's own share, about 44%) and at most ``limit`` kept. Answerable examples whose cited
    sentence is longer than ``max_reply_chars`` are dropped (None: none dropped). Evaluation sets
    pass None for both: they score against the gold spans, not the targets."""
    if unanswerable_share is not None:
        check_share(unanswerable_share)
    rng = random.Random(seed)
    paragraphs = {a.title: [p.context for p in a.paragraphs] for a in articles}
    title_of = {p.context: a.title for a in articles for p in a.paragraphs}
    out: list[GroundedExample] = []
    for ex in build_examples(articles, articles, seed):
        title = title_of.get(ex.context)
        golds = ex.answers
        pool = [
            c
            for c in paragraphs.get(title or "", [])
            if c != ex.context and all(g.casefold() not in c.casefold() for g in golds)
        ]
        if not pool:
            continue
        distractor = _clip(rng.choice(pool), max_chars)
        if ex.answerable:
            own = window(ex.context, ex.start, ex.end, max_chars)
            spans = [(s, e) for s, e in split_sentences(ex.context) if s < ex.end and e > ex.start]
            sentence = ex.context[spans[0][0] : spans[-1][1]]
        else:
            own, sentence = _clip(ex.context, max_chars), ""
        shown = [own, distractor]
        rng.shuffle(shown)
        answer = cite(sentence, shown.index(own) + 1) if ex.answerable else ABSTAIN_ANSWER
        if max_reply_chars is not None and len(answer) > max_reply_chars:
            continue
        out.append(
            GroundedExample(ex.question, tuple(shown), answer, ex.answerable, golds, "squad")
        )
    rng.shuffle(out)
    if unanswerable_share is not None:
        return mix(out, unanswerable_share, limit)
    return out[:limit] if limit is not None else out


def prompt_ids(tokenizer: Any, messages: list[Message]) -> list[int]:
    """Token ids of the chat prompt up to the assistant's turn, as the runtime builds it (the
    chat template, then special tokens parsed in the text)."""
    text = tokenizer.apply_chat_template(
        [{"role": m.role, "content": m.content} for m in messages],
        tokenize=False,
        add_generation_prompt=True,
    )
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def encode_example(
    tokenizer: Any, example: GroundedExample, max_length: int
) -> tuple[list[int], list[int]]:
    """``(input_ids, labels)``: the prompt's labels are ``IGNORE``, the reply's and the closing
    end-of-turn token's are themselves. A prompt over budget loses its leading tokens (the
    one-shot example goes first, the question and sources stay)."""
    prompt = prompt_ids(tokenizer, messages_of(example))
    reply = list(tokenizer(example.answer, add_special_tokens=False)["input_ids"])
    reply.append(int(tokenizer.eos_token_id))
    reply = reply[:max_length]
    prompt = prompt[max(0, len(prompt) + len(reply) - max_length) :]
    return prompt + reply, [IGNORE] * len(prompt) + reply


def reply_stats(tokenizer: Any, examples: Sequence[GroundedExample]) -> dict[str, float | int]:
    """How the loss is shared between the two kinds of reply: examples of each kind, their mean
    reply length in loss tokens (the reply and its end-of-turn token), and the share of all loss
    tokens that abstentions hold."""
    lengths: dict[bool, list[int]] = {True: [], False: []}
    for ex in examples:
        n = len(tokenizer(ex.answer, add_special_tokens=False)["input_ids"]) + 1
        lengths[ex.answerable].append(n)
    total = sum(lengths[True]) + sum(lengths[False])
    return {
        "answerable": len(lengths[True]),
        "unanswerable": len(lengths[False]),
        "answer_reply_tokens_mean": round(sum(lengths[True]) / max(len(lengths[True]), 1), 1),
        "abstention_reply_tokens_mean": round(sum(lengths[False]) / max(len(lengths[False]), 1), 1),
        "abstention_loss_token_share": round(sum(lengths[False]) / max(total, 1), 4),
    }


def lm_blocks(tokenizer: Any, texts: Sequence[str], block_size: int) -> list[list[int]]:
    """Continual pre-training inputs: the texts' tokens, each followed by the end-of-text token,
    concatenated and cut into blocks of ``block_size`` (the last, shorter one kept if it has at
    least a quarter of a block)."""
    eos = int(tokenizer.eos_token_id)
    stream: list[int] = []
    for text in texts:
        stream.extend(tokenizer(text, add_special_tokens=False)["input_ids"])
        stream.append(eos)
    blocks = [stream[i : i + block_size] for i in range(0, len(stream), block_size)]
    if len(blocks) > 1 and len(blocks[-1]) < block_size // 4:
        blocks.pop()
    return blocks
