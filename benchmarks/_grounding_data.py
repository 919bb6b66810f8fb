"""Claims with known support, built from SQuAD v1.1 dev (read from ../shared/datasets).

For each question whose answer lies inside one sentence of its paragraph (one question per
sentence), four cases:

- ``sentence`` (supported): the answer sentence, against its own paragraph;
- ``qa`` (supported): a rough declarative claim, question minus its wh-word plus the answer;
- ``other_paragraph`` (unsupported): the ``qa`` claim against another paragraph of the article
  that does not contain the answer;
- one perturbation of the answer sentence, and one of the ``qa`` claim, against the own paragraph
  (round robin over what the claim allows): ``number`` (a number changed to one absent from the paragraph), ``entity``
  (the answer replaced by another answer of the article, absent from the paragraph, of the same
  shape: numeric, capitalized or other) or ``negation`` ("not" after the first auxiliary).

Articles are split into train (about 70%) and test by a hash of the title.
"""

from __future__ import annotations

import random
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks._guard_data import DATASETS, squad
from veracity.guard.claims import negated
from veracity.guard.sentences import split_sentences

_WH = re.compile(
    r"^(?:what|which|who|whom|whose|when|where|why|how(?: many| much| long| old| far)?|"
    r"in what|in which|on what|at what|for what|to what|by what)\b\s*",
    re.I,
)
_AUX = re.compile(
    r"\b(is|are|was|were|has|have|had|can|could|will|would|did|does|do|should|may|might|must)\b"
)
_NUMTOK = re.compile(r"(?<![\d.,])\d+(?:,\d{3})*(?![\d,]*\d)")


@dataclass(frozen=True, slots=True)
class Case:
    claim: str
    evidence: tuple[str, ...]
    label: int  # 1 = supported
    kind: str
    article: str
    split: str  # train | test


def split_of(title: str) -> str:
    return "test" if zlib.crc32(title.encode()) % 10 < 3 else "train"


def _sentence_spans(context: str) -> list[tuple[int, int, str]]:
    spans, pos = [], 0
    for s in split_sentences(context):
        start = context.find(s, pos)
        if start < 0:
            continue
        spans.append((start, start + len(s), s))
        pos = start + len(s)
    return spans


def _shape(ans: str) -> str:
    if any(ch.isdigit() for ch in ans):
        return "num"
    return "cap" if ans[:1].isupper() else "other"


def change_number(sentence: str, context: str, rng: random.Random) -> str | None:
    nums = list(_NUMTOK.finditer(sentence))
    if not nums:
        return None
    m = rng.choice(nums)
    value = int(m.group(0).replace(",", ""))
    for _ in range(20):
        if 1000 <= value <= 2100:
            new = value + rng.choice([-1, 1]) * rng.randint(1, 9)
        else:
            new = value + rng.choice([-1, 1]) * rng.randint(1, max(2, value // 2))
        if new >= 0 and new != value and str(new) not in context:
            text = f"{new:,}" if "," in m.group(0) else str(new)
            return sentence[: m.start()] + text + sentence[m.end() :]
    return None


def insert_negation(sentence: str) -> str | None:
    if negated(sentence):
        return None
    m = _AUX.search(sentence)
    return None if m is None else sentence[: m.end()] + " not" + sentence[m.end() :]


def build_cases(root: Path = DATASETS, seed: int = 0) -> list[Case]:
    rng = random.Random(seed)
    cases: list[Case] = []
    for art in squad(root):
        cases += _article_cases(art, rng)
    return cases


def _article_cases(art: dict[str, Any], rng: random.Random) -> list[Case]:
    title, split = art["title"], split_of(art["title"])
    paras = [p["context"] for p in art["paragraphs"]]
    answers = [qa["answers"][0]["text"] for p in art["paragraphs"] for qa in p["qas"]]
    out: list[Case] = []
    turn = 0
    for pi, para in enumerate(art["paragraphs"]):
        ctx, used = para["context"], set()
        spans = _sentence_spans(ctx)
        for qa in para["qas"]:
            ans = qa["answers"][0]
            a0, a1 = ans["answer_start"], ans["answer_start"] + len(ans["text"])
            hit = [s for s in spans if s[0] <= a0 and a1 <= s[1]]
            if not hit or hit[0][0] in used:
                continue
            used.add(hit[0][0])
            start, _, sent = hit[0]
            qa_claim = _WH.sub("", qa["question"].strip().rstrip("?")).strip() + ": " + ans["text"]
            ev = (ctx,)
            out.append(Case(sent, ev, 1, "sentence", title, split))
            out.append(Case(qa_claim, ev, 1, "qa", title, split))
            others = [p for j, p in enumerate(paras) if j != pi and ans["text"] not in p]
            if others:
                out.append(
                    Case(qa_claim, (rng.choice(others),), 0, "other_paragraph", title, split)
                )
            # perturb both claim forms, so a changed fact is decisive whatever the word overlap
            forms = [(sent, (a0 - start, a1 - start))]
            forms.append((qa_claim, (len(qa_claim) - len(ans["text"]), len(qa_claim))))
            for claim, rel in forms:
                pert = _perturb(claim, ctx, ans["text"], rel, answers, rng, turn)
                if pert:
                    turn += 1
                    out.append(Case(pert[1], ev, 0, pert[0], title, split))
    return out


def _perturb(
    sent: str,
    ctx: str,
    answer: str,
    rel: tuple[int, int],
    answers: list[str],
    rng: random.Random,
    turn: int,
) -> tuple[str, str] | None:
    order = ["number", "entity", "negation"]
    order = order[turn % 3 :] + order[: turn % 3]
    for kind in order:
        if kind == "number":
            new = change_number(sent, ctx, rng)
        elif kind == "entity":
            pool = [a for a in answers if _shape(a) == _shape(answer) and a not in ctx]
            new = sent[: rel[0]] + rng.choice(pool) + sent[rel[1] :] if pool else None
        else:
            new = insert_negation(sent)
        if new and new != sent:
            return kind, new
    return None
