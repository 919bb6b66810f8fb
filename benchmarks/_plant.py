"""Plant training attacks inside benign document text: augmentation for the injection detector.

Most attack families are whole user messages, so a detector trained on them has never seen an
instruction sitting inside ordinary prose, where the surrounding facts dilute every n-gram and
the embedding. This generator makes such examples from *training* text only: a snippet of a
training attack (the window of one to three consecutive sentences that ``score`` rates most
attack-like) goes into benign host text at a random position, sometimes behind a lead-in that
documents use. The planted text is labelled an attack; each comes with a benign twin, the same
host, lead-in and joins around another benign sentence, so the model learns the plant, not the
length, the line breaks or the "Note:".

Two shapes, because ingest scans every sentence of a chunk and the chunk itself
(``guard.quarantine``):

- ``sentence``: the snippet next to one benign neighbour sentence (what a per-sentence scan sees
  when a planted line has no full stop of its own, or the splitter glues it to its neighbour);
- ``paragraph``: the snippet among two to five consecutive host sentences.

``LEAD_INS`` is generic document furniture written for this module; it is deliberately not taken
from any attack source (the held-out family of ``benchmarks.injection_sources`` never shapes it).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import numpy as np

from benchmarks._guard_data import Example
from veracity.guard.sentences import split_sentences

SHAPES = ("sentence", "paragraph")
MAX_SNIPPET_CHARS = 400
MIN_SNIPPET_SCORE = 0.5  # a window the training-fold model does not find attack-like is not one
# (opening, closing) around the planted snippet; "" = no lead-in (most of the time)
LEAD_INS: tuple[tuple[str, str], ...] = (
    ("", ""), ("", ""), ("", ""), ("", ""), ("", ""), ("", ""),
    ("Note: ", ""), ("NOTE: ", ""), ("Important: ", ""), ("Update: ", ""), ("Reminder: ", ""),
    ("Editor's note: ", ""), ("P.S. ", ""), ("Comment: ", ""), ("TODO: ", ""), ("Tip: ", ""),
    ("Footnote: ", ""), ("Warning: ", ""), ("Addendum: ", ""), ("Correction: ", ""),
    ("(", ")"), ("[", "]"), ("{", "}"), ("<!-- ", " -->"), ("-- ", " --"), ("* ", ""),
    ("> ", ""), ("# ", ""), ("1. ", ""), ('"', '"'),
)  # fmt: skip
# how the snippet is joined to the host text around it
SEPARATORS = (" ", " ", " ", "\n", "\n\n", " ... ", " | ")

Scorer = Callable[[list[str]], np.ndarray]  # texts -> attack probability, (n,)


def windows(text: str, max_chars: int = MAX_SNIPPET_CHARS) -> list[str]:
    """Runs of one to three consecutive sentences of ``text``, at most ``max_chars`` long."""
    sents = split_sentences(text) or [text]
    out = [
        " ".join(sents[i : i + k])
        for k in (1, 2, 3)
        for i in range(len(sents) - k + 1)
        if len(" ".join(sents[i : i + k])) <= max_chars
    ]
    return [w for w in dict.fromkeys(out) if len(w) >= 12]


def snippets(attacks: Sequence[Example], score: Scorer) -> list[tuple[str, Example]]:
    """The most attack-like window of each attack, where ``score`` rates it an attack."""
    cands = [(w, a) for a in attacks for w in windows(a.text)[:200]]
    if not cands:
        return []
    probs = score([w for w, _ in cands])
    best: dict[int, tuple[float, str, Example]] = {}
    for (w, a), p in zip(cands, probs, strict=True):
        if p >= MIN_SNIPPET_SCORE and (id(a) not in best or p > best[id(a)][0]):
            best[id(a)] = (float(p), w, a)
    return [(w, a) for _, w, a in best.values()]


def host_runs(hosts: Sequence[Example], rng: random.Random) -> list[tuple[list[str], str]]:
    """Runs of two to five consecutive host sentences of one group (a paragraph's worth)."""
    runs: list[tuple[list[str], str]] = []
    i = 0
    while i < len(hosts):
        k = rng.randint(2, 5)
        run = [h for h in hosts[i : i + k] if h.group == hosts[i].group]
        if len(run) >= 2:
            runs.append(([h.text for h in run], hosts[i].group))
        i += len(run) if run else 1
    return runs


def _twins(
    snippet: str, group: str, sents: list[str], at: int, other: Example, rng: random.Random
) -> list[Example]:
    """The snippet planted at ``at`` among ``sents`` (an attack), and its benign twin: the same
    lead-in and joins around another benign sentence instead, so the lead-ins, line breaks and
    asides a document uses are no sign of an attack; only the planted text is."""
    opening, closing = rng.choice(LEAD_INS)
    seps = [rng.choice(SEPARATORS) for _ in sents]
    out = []
    for text, label, g in ((snippet, 1, group), (other.text, 0, other.group)):
        parts = [*sents[:at], f"{opening}{text}{closing}", *sents[at:]]
        joined = parts[0] + "".join(sep + q for sep, q in zip(seps, parts[1:], strict=True))
        out.append(Example(joined, label, g, "planted" if label else "host"))
    return out


def plant(
    attacks: Sequence[Example],
    hosts: Sequence[Example],
    score: Scorer,
    *,
    shapes: Sequence[str] = SHAPES,
    seed: int = 0,
    fold: Callable[[str], int] | None = None,
    rate: float = 1.0,
) -> list[Example]:
    """Planted attacks (label 1, kind ``planted``) of every shape in ``shapes``, one per usable
    attack and shape, each with its benign twin (label 0, kind ``host``; see ``_twins``).

    ``attacks``: training attacks only; ``hosts``: benign training sentences, in document order;
    ``score``: a model trained on the same training rows, to pick each attack's snippet.
    ``fold``: the cross-validation fold of a group; each attack is then planted in hosts of its
    own fold, so no split tests a benign sentence that a training-side planted attack carries
    (that would push benign scores, and the thresholds picked on them, up). ``rate``: the share
    of usable attacks planted (per shape).
    """
    unknown = set(shapes) - set(SHAPES)
    if unknown:
        raise ValueError(f"unknown plant shapes {sorted(unknown)}; choose from {SHAPES}")
    rng = random.Random(seed)
    picked = snippets(attacks, score)
    hosts = [h for h in hosts if h.label == 0]
    if not picked or not hosts:
        return []
    key = fold or (lambda group: 0)
    by_fold: dict[int, list[Example]] = {}
    for h in hosts:
        by_fold.setdefault(key(h.group), []).append(h)
    runs_by_fold: dict[int, list[tuple[list[str], str]]] = {}
    for sents, group in host_runs(hosts, rng):
        runs_by_fold.setdefault(key(group), []).append((sents, group))
    out: list[Example] = []
    for snippet, attack in picked:
        group = attack.group  # inner folds keep a planted copy with the attack it came from
        f = key(group)
        if rng.random() >= rate:
            continue
        if "sentence" in shapes and f in by_fold:
            neighbour, other = rng.choice(by_fold[f]), rng.choice(by_fold[f])
            out += _twins(snippet, group, [neighbour.text], rng.randint(0, 1), other, rng)
        if "paragraph" in shapes and f in runs_by_fold:
            sents, _ = rng.choice(runs_by_fold[f])
            other = rng.choice(by_fold[f])
            out += _twins(snippet, group, sents, rng.randint(0, len(sents)), other, rng)
    return list({e.text: e for e in out}.values())
