"""Training and test data for the reader: SQuAD v1.1 split by article, plus unanswerable questions.

SQuAD v1.1 only has answerable questions. A reader that must also say "the passage doesn't say"
needs negatives, built here the way SQuAD 2.0's crowd workers wrote theirs (Rajpurkar et al.
2018): a question made unanswerable by a small edit that keeps it on topic, so lexical overlap
with the passage stays high and only reading can tell.

- ``entity``: a capitalized name of the question replaced by a name from another article that the
  passage never mentions ("Who applies European Union law?" -> "... American Union law?");
- ``number``: a number or year of the question changed to one the passage does not contain;
- ``negation``: "not" inserted after the question's auxiliary verb ("did X win" -> "did X not win");
- ``antonym``: a word swapped for its opposite the passage never uses ("largest" -> "smallest");
- ``qualifier``: a modifier the passage never uses put before one of the question's nouns that it
  does use ("How much is a pass?" -> "How much is a boarding pass?"): the near miss users ask most,
  a narrower thing than the passage talks about. Modifiers come from noun phrases of other
  articles (``modifier_pool``);
- ``other``: the question paired with the paragraph of the same article that shares most of its
  words but does not contain the answer (what a retriever's near miss looks like).

Articles, not questions, are split (``split_articles``): a third held out for testing, a few more
for calibrating the answerability threshold, the rest for training, so no test passage is seen.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from veracity.errors import EvaluationError
from veracity.evaluate.files import read_text
from veracity.guard.claims import CARDINALS
from veracity.guard.sentences import STOPWORDS
from veracity.train.reader_styles import restyle

NEGATIVE_KINDS = ("entity", "number", "negation", "antonym", "qualifier", "other")
_AUX = re.compile(
    r"\b(is|was|are|were|did|does|do|can|could|has|have|had|will|would|should|may|might)\b(?= \w)",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\b\d[\d,]*(?:\.\d+)?\b")
_ENTITY = re.compile(r"(?<!^)(?<![.?!] )\b[A-Z][\w'’-]*(?: (?:of |the |de )?[A-Z][\w'’-]*)*")
_ANTONYMS = dict(
    pair
    for a, b in [
        ("largest", "smallest"), ("biggest", "smallest"), ("first", "last"), ("before", "after"),
        ("most", "least"), ("highest", "lowest"), ("earliest", "latest"), ("north", "south"),
        ("east", "west"), ("increase", "decrease"), ("increased", "decreased"),
        ("maximum", "minimum"), ("longest", "shortest"), ("oldest", "youngest"),
        ("older", "younger"), ("larger", "smaller"), ("higher", "lower"), ("more", "less"),
        ("best", "worst"), ("win", "lose"), ("won", "lost"), ("open", "closed"),
        ("allowed", "forbidden"), ("public", "private"), ("major", "minor"),
        ("internal", "external"), ("upper", "lower"), ("inner", "outer"), ("strong", "weak"),
        ("rich", "poor"), ("positive", "negative"), ("success", "failure"),
    ]
    for pair in ((a, b), (b, a))
)  # fmt: skip
_QUESTION_WORDS = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how", "in",
                   "the", "a", "an", "on", "at", "for", "by", "during", "after", "before"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Paragraph:
    context: str
    questions: tuple[tuple[str, str, tuple[tuple[str, int], ...]], ...]  # (id, question, answers)


@dataclass(frozen=True, slots=True)
class Article:
    title: str
    paragraphs: tuple[Paragraph, ...]


@dataclass(frozen=True, slots=True)
class Example:
    """A question and a passage; ``start``/``end`` are the answer's characters in the passage,
    or -1 when the passage does not answer it. ``kind``: ``answerable`` or a negative kind."""

    id: str
    question: str
    context: str
    start: int
    end: int
    kind: str
    answers: tuple[str, ...] = ()

    @property
    def answerable(self) -> bool:
        return self.start >= 0


def load_articles(path: Path) -> list[Article]:
    """The articles of an official SQuAD JSON file (``.json`` or ``.json.gz``)."""
    try:
        data = json.loads(read_text(path))["data"]
        return [
            Article(
                str(a["title"]).replace("_", " "),
                tuple(
                    Paragraph(
                        p["context"],
                        tuple(
                            (
                                str(q["id"]), str(q["question"]),
                                tuple((str(x["text"]), int(x["answer_start"]))
                                      for x in q["answers"]),
                            )
                            for q in p["qas"]
                        ),
                    )
                    for p in a["paragraphs"]
                ),
            )
            for a in data
        ]  # fmt: skip
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise EvaluationError(f"{path}: not an official SQuAD v1.1 file ({exc!r})") from None


def split_articles(
    articles: Sequence[Article], test_share: float = 1 / 3, dev_articles: int = 4
) -> tuple[list[Article], list[Article], list[Article]]:
    """``(train, dev, test)`` by a hash of each title: stable across runs and machines, and
    independent of the file's order. ``dev`` calibrates the answerability threshold."""
    ranked = sorted(articles, key=lambda a: hashlib.sha256(a.title.encode()).hexdigest())
    n_test = round(len(ranked) * test_share)
    test, rest = ranked[:n_test], ranked[n_test:]
    return rest[dev_articles:], rest[:dev_articles], test


def answerable_examples(article: Article) -> Iterable[Example]:
    """Every question with its own paragraph and its first gold answer as the target span."""
    for p in article.paragraphs:
        for qid, question, answers in p.questions:
            text, start = answers[0]
            if p.context[start : start + len(text)] != text:
                found = p.context.find(text)
                if found < 0:
                    continue
                start = found
            golds = tuple(dict.fromkeys(a for a, _ in answers))
            yield Example(qid, question, p.context, start, start + len(text), "answerable", golds)


def _absent(phrase: str, context: str) -> bool:
    return phrase.lower() not in context.lower()


def swap_entity(question: str, context: str, pool: Sequence[str], rng: random.Random) -> str | None:
    """Replace one capitalized name of ``question`` with a name from ``pool`` absent from
    ``context``; None when the question names nothing or no replacement fits."""
    spans = [m for m in _ENTITY.finditer(question) if m.group(0).lower() not in _QUESTION_WORDS]
    if not spans or not pool:
        return None
    m = rng.choice(spans)
    for _ in range(20):
        new = rng.choice(pool)
        if new.lower() != m.group(0).lower() and _absent(new, context):
            return question[: m.start()] + new + question[m.end() :]
    return None


def swap_number(question: str, context: str, rng: random.Random) -> str | None:
    """Change one number of ``question`` to a nearby one the passage does not contain."""
    found = list(_NUMBER.finditer(question))
    if not found:
        return None
    m = rng.choice(found)
    digits = m.group(0).replace(",", "")
    try:
        value = float(digits)
    except ValueError:
        return None
    for _ in range(20):
        if 1000 <= value <= 2100 and value.is_integer():
            new = str(int(value) + rng.choice([-1, 1]) * rng.randint(1, 30))
        elif value.is_integer():
            new = str(int(value) + rng.choice([-1, 1]) * max(1, rng.randint(1, max(1, int(value)))))
        else:
            new = f"{value * rng.choice([0.5, 2, 3]):g}"
        if new != digits and new.lstrip("-") and not new.startswith("-") and _absent(new, context):
            return question[: m.start()] + new + question[m.end() :]
    return None


_BE = {"is", "was", "are", "were"}
_FUNCTION_WORDS = {"the", "a", "an", "and", "or", "of", "in", "on", "at", "to", "for", "by", "with",
                   "that", "which", "who", "its", "his", "her", "their", "this", "these", "those"}  # fmt: skip


def negate(question: str, context: str) -> str | None:
    """Insert "not" into the question's first clause: right after a form of "be" ("Who was the
    first ..." -> "Who was not the first ..."), else before the main verb, taken to be the first
    lowercase content word after the subject ("did the Rhine branch" -> "did the Rhine not
    branch"). A heuristic: some edits read awkwardly, as some of SQuAD 2.0's do."""
    m = _AUX.search(question)
    if m is None or re.search(r"\bnot\b|n't\b|\bnever\b", question, re.IGNORECASE):
        return None
    words = question[m.end() :].split(" ")[1:]  # after the auxiliary and its space
    if m.group(0).lower() in _BE:
        cut = 0
    else:
        seen_subject = False
        cut = -1
        for i, w in enumerate(words):
            bare = w.strip(",.?;:'\"")
            if not bare.isalpha() or bare.lower() in _FUNCTION_WORDS:
                continue
            if seen_subject and bare.islower():
                cut = i
                break
            seen_subject = True
        if cut < 0:
            return None
    return question[: m.end()] + " " + " ".join([*words[:cut], "not", *words[cut:]])


def swap_antonym(question: str, context: str, rng: random.Random) -> str | None:
    """Swap one word for its opposite when the passage never uses the opposite."""
    hits = [m for m in re.finditer(r"[a-z]+", question) if m.group(0) in _ANTONYMS]
    rng.shuffle(hits)
    for m in hits:
        new = _ANTONYMS[m.group(0)]
        if not re.search(rf"\b{new}\b", context, re.IGNORECASE):
            return question[: m.start()] + new + question[m.end() :]
    return None


_DETERMINERS = frozenset({"the", "a", "an", "its", "their", "his", "her", "this", "these", "our"})
_NOUNISH = re.compile(r"[a-z]{4,}")
_MODIFIER = re.compile(r"[a-z]{3,}")

_ORDINALS = frozenset({"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
                       "ninth", "tenth", "last", "next", "final"})  # fmt: skip
_NOT_MODIFIER = STOPWORDS | frozenset(CARDINALS)
_NOT_NOUN = _NOT_MODIFIER | _ORDINALS


def noun_phrases(text: str) -> Iterator[tuple[str, str]]:
    """The ``(modifier, noun)`` pairs of ``text`` that follow a determiner ("the boarding pass":
    ``("boarding", "pass")``). The determiner in front keeps verbs out ("became president" is no
    noun phrase); numbers, ordinals and adverbs are neither."""
    words = text.split()
    for det, mod, noun in zip(words, words[1:], words[2:], strict=False):
        noun = noun.rstrip(".,;:")
        if (
            det.lower() in _DETERMINERS
            and _MODIFIER.fullmatch(mod)
            and _NOUNISH.fullmatch(noun)
            and not mod.endswith("ly")
            and mod not in _NOT_MODIFIER
            and noun not in _NOT_NOUN
        ):
            yield mod, noun


def modifier_pool(articles: Sequence[Article], min_count: int = 1) -> dict[str, list[str]]:
    """For each noun, the modifiers ``noun_phrases`` finds before it at least ``min_count`` times
    in ``articles``' paragraphs ("boarding" for "pass")."""
    counts = Counter(
        pair for a in articles for p in a.paragraphs for pair in noun_phrases(p.context)
    )
    pool: dict[str, list[str]] = {}
    for (mod, noun), n in sorted(counts.items()):
        if n >= min_count:
            pool.setdefault(noun, []).append(mod)
    return pool


def _opens_phrase(before: str) -> bool:
    """Whether the word before a noun leaves room for a modifier: a determiner, a preposition,
    "what"/"which" ("what pressure"), not a verb or another noun ("steam engines")."""
    words = before.split()
    if not words:
        return False
    prev = words[-1].lower()
    return prev in STOPWORDS and prev not in _NOT_BEFORE_MODIFIER


_NOT_BEFORE_MODIFIER = frozenset({
    "who", "whom", "when", "where", "why", "how", "it", "he", "she", "they", "we", "i", "me", "him",
    "them", "be", "been", "being", "is", "was", "are", "were", "did", "does", "do", "can", "could",
    "has", "have", "had", "will", "would", "should", "may", "might", "must", "shall",
})  # fmt: skip


def insert_qualifier(
    question: str, context: str, modifiers: Mapping[str, Sequence[str]], rng: random.Random
) -> str | None:
    """Put a modifier the passage never uses before a lowercase noun of ``question`` that the
    passage does use; None when no noun of the question has one that fits."""
    hits = [
        m
        for m in re.finditer(r"\b[a-z]{4,}\b", question)
        if m.group(0) in modifiers
        and _opens_phrase(question[: m.start()])
        and re.search(rf"\b{m.group(0)}\b", context, re.IGNORECASE)
    ]
    rng.shuffle(hits)
    lowered = question.lower()
    for m in hits:
        fits = [
            mod
            for mod in modifiers[m.group(0)]
            if not re.search(rf"\b{mod}\b", context, re.IGNORECASE)
            and not re.search(rf"\b{mod}\b", lowered)
        ]
        if fits:
            return f"{question[: m.start()]}{rng.choice(fits)} {question[m.start() :]}"
    return None


def qualify_from_passage(question: str, context: str, rng: random.Random) -> str | None:
    """The answerable twin of a qualifier edit: a modifier the passage itself puts before one of
    the question's nouns ("the boarding pass"), put before that noun in the question ("How much
    is a pass?" -> "How much is a boarding pass?"). With these beside the negatives, a narrower
    question is not by itself a sign of an unanswerable one: the reader must look for the
    modifier in the passage."""
    pairs: dict[str, str] = {}
    for mod, noun in noun_phrases(context):
        pairs.setdefault(noun, mod)
    lowered = question.lower()
    hits = [
        m
        for m in re.finditer(r"\b[a-z]{4,}\b", question)
        if m.group(0) in pairs
        and _opens_phrase(question[: m.start()])
        and not re.search(rf"\b{pairs[m.group(0)]}\b", lowered)
    ]
    if not hits:
        return None
    m = rng.choice(hits)
    return f"{question[: m.start()]}{pairs[m.group(0)]} {question[m.start() :]}"


def other_paragraph(example: Example, article: Article) -> Example | None:
    """The question with the most word-sharing paragraph of its article that lacks every gold."""
    q_words = set(re.findall(r"\w+", example.question.lower()))
    best, best_overlap = None, 0
    for p in article.paragraphs:
        if p.context == example.context or not all(_absent(a, p.context) for a in example.answers):
            continue
        overlap = len(q_words & set(re.findall(r"\w+", p.context.lower())))
        if overlap > best_overlap:
            best, best_overlap = p.context, overlap
    if best is None:
        return None
    return Example(example.id + ":other", example.question, best, -1, -1, "other")


def entity_pool(articles: Sequence[Article]) -> list[str]:
    """Capitalized names seen in the questions of ``articles`` (replacements for ``swap_entity``)."""
    names = {
        m.group(0)
        for a in articles
        for p in a.paragraphs
        for _, q, _ in p.questions
        for m in _ENTITY.finditer(q)
        if m.group(0).lower() not in _QUESTION_WORDS
    }
    return sorted(names)


def negative(
    example: Example,
    kind: str,
    article: Article,
    pool: Sequence[str],
    rng: random.Random,
    modifiers: Mapping[str, Sequence[str]] | None = None,
) -> Example | None:
    """One unanswerable twin of ``example`` of the given ``kind`` (see the module docstring);
    ``pool`` holds names for ``entity`` edits, ``modifiers`` (``modifier_pool``) the words for
    ``qualifier`` edits, which need it."""
    if kind == "other":
        return other_paragraph(example, article)
    q, c = example.question, example.context
    edited = {
        "entity": lambda: swap_entity(q, c, pool, rng),
        "number": lambda: swap_number(q, c, rng),
        "negation": lambda: negate(q, c),
        "antonym": lambda: swap_antonym(q, c, rng),
        "qualifier": lambda: insert_qualifier(q, c, modifiers or {}, rng),
    }[kind]()
    if edited is None or edited == q:
        return None
    return Example(f"{example.id}:{kind}", edited, c, -1, -1, kind)


# How often each edit is tried first: names and numbers are the commonest traps in real questions;
# negation edits are the noisiest (a negated question is sometimes still answerable), so fewer.
# Qualifiers came last and are opt-in: ``DEFAULT_EDITS`` draws exactly as the shipped adapter's
# epochs did. An epoch with them was measured and not adopted (docs/benchmarks.md, answer goals).
_EDIT_WEIGHTS = {"entity": 0.4, "number": 0.25, "antonym": 0.15, "negation": 0.2, "qualifier": 0.25}
EDIT_KINDS = tuple(_EDIT_WEIGHTS)
DEFAULT_EDITS = ("entity", "number", "antonym", "negation")


def _kind_order(rng: random.Random, edits: Sequence[str] = EDIT_KINDS) -> list[str]:
    """The edit kinds in a random order drawn by ``_EDIT_WEIGHTS`` (weighted, no repeats)."""
    keys = [k for k in _EDIT_WEIGHTS if k in edits]
    return sorted(keys, key=lambda k: rng.random() ** (1.0 / _EDIT_WEIGHTS[k]), reverse=True)


def build_examples(
    articles: Sequence[Article],
    pool_from: Sequence[Article],
    seed: int,
    edit_share: float = 0.5,
    other_share: float = 0.3,
    style_share: float = 0.0,
    edits: Sequence[str] = DEFAULT_EDITS,
    qualified_share: float = 0.0,
) -> list[Example]:
    """Every answerable question of ``articles``; for a share of them an edited unanswerable twin
    (kind among ``edits`` tried in random order until one applies) and an other-paragraph
    negative. Names for entity swaps and modifiers for qualifiers come from ``pool_from`` (other
    articles). ``qualified_share`` of the answerable questions also get an answerable twin
    narrowed by a modifier their own passage uses (``qualify_from_passage``), drawn apart from
    the rest so the other examples stay as they were. Then ``style_share`` of all examples,
    answerable or not, get their question restyled as a user might type it
    (``reader_styles.restyle``)."""
    rng = random.Random(seed)
    unknown = set(edits) - set(EDIT_KINDS)
    if unknown:
        raise ValueError(f"unknown edit kinds {sorted(unknown)}; choose from {list(EDIT_KINDS)}")
    pool = entity_pool(pool_from)
    modifiers = modifier_pool(pool_from) if "qualifier" in edits else {}
    qualified_rng = random.Random(f"{seed}:qualified")
    out: list[Example] = []
    for article in articles:
        made: list[Example] = []
        for ex in answerable_examples(article):
            made.append(ex)
            if qualified_share > 0 and qualified_rng.random() < qualified_share:
                twin = qualify_from_passage(ex.question, ex.context, qualified_rng)
                if twin is not None:
                    made.append(replace(ex, id=f"{ex.id}:qualified", question=twin))
            if rng.random() < edit_share:
                for kind in _kind_order(rng, edits):
                    if (neg := negative(ex, kind, article, pool, rng, modifiers)) is not None:
                        made.append(neg)
                        break
            if rng.random() < other_share and (neg := other_paragraph(ex, article)):
                made.append(neg)
        if style_share > 0:
            style_rng = random.Random(f"{seed}:{article.title}")  # the edits above stay as before
            made = [
                replace(ex, question=restyle(ex.question, article.title, style_rng))
                if style_rng.random() < style_share
                else ex
                for ex in made
            ]
        out.extend(made)
    return out
