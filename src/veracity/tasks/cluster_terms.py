"""Name clusters by their distinctive terms: class-based TF-IDF (c-TF-IDF).

c-TF-IDF (Grootendorst 2022, BERTopic) treats all texts of one cluster as one document and scores
term ``t`` in cluster ``c`` as

    w(t, c) = tf(t, c) * log(1 + A / f(t))

with ``tf(t, c)`` the term's frequency in the cluster normalized by the cluster's term count, ``f(t)``
its frequency over all classes and ``A`` the average number of terms per class. Texts left out of
every cluster (noise) form one more background class, so words common to all feedback ("product",
"bad") score low everywhere. Terms are lowercase words (no stemming, so names stay readable) and
bigrams of adjacent non-stopwords ("customer service"); a bigram must occur twice in the cluster.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’][^\W\d_])+")

# Function words and review filler that never name a reason (a broader list than search uses:
# for naming, "very" or "would" are noise, while search keeps them for phrase matches).
_STOPWORDS = """a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each even ever few first for from further get got had hadn't
    has hasn't have haven't having he her here hers herself him himself his how i i'd i'm i've
    if in into is isn't it it's its itself just let's like made make me more most much must
    mustn't my myself never no nor not now of off on once one only or other ought our ours
    ourselves out over own really same say said she should shouldn't so some still such than that
    that's the their theirs them themselves then there there's these they they'd they're they've
    thing things this those though through to too under until up upon us very was wasn't way we
    we'd we're we've well went were weren't what what's when where which while who whom why will
    with won't would wouldn't yet you you'd you'll you're you've your yours yourself yourselves
    ll ve re don doesn didn isn wasn won"""
STOPWORDS: frozenset[str] = frozenset(_STOPWORDS.split())


def terms(text: str) -> list[str]:
    """Naming terms of ``text``: non-stopword words, then bigrams of adjacent non-stopwords."""
    words = [w.replace("’", "'") for w in _WORD.findall(text.lower())]
    keep = [w not in STOPWORDS and len(w) > 2 for w in words]
    unigrams = [w for w, k in zip(words, keep, strict=True) if k]
    bigrams = [
        f"{words[i]} {words[i + 1]}"
        for i in range(len(words) - 1)
        if keep[i] and keep[i + 1] and words[i] != words[i + 1]
    ]
    return unigrams + bigrams


def class_tfidf(
    classes: Sequence[Sequence[str]], background: Sequence[str] = ()
) -> list[Counter[str]]:
    """c-TF-IDF weight of every term in each class (a class is a list of texts)."""
    counts = [Counter(t for text in texts for t in terms(text)) for texts in classes]
    for c in counts:
        for term in [t for t, n in c.items() if " " in t and n < 2]:
            del c[term]  # a bigram seen once is an accident of wording, not a theme
    every = [*counts, Counter(t for text in background for t in terms(text))]
    freq: Counter[str] = Counter()
    for c in every:
        freq.update(c)
    avg = sum(sum(c.values()) for c in every) / max(1, sum(1 for c in every if c))
    out = []
    for c in counts:
        total = sum(c.values()) or 1
        out.append(Counter({t: (n / total) * math.log(1 + avg / freq[t]) for t, n in c.items()}))
    return out


def top_terms(weights: Counter[str], n: int = 5) -> tuple[str, ...]:
    """The ``n`` heaviest terms, a word dropped when a kept bigram already holds it (so
    "customer service" does not also list "service"); ties break alphabetically."""
    ranked = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))
    chosen: list[str] = []
    for term, _ in ranked:
        words = set(term.split())
        if any(words <= set(c.split()) or set(c.split()) <= words for c in chosen):
            if " " in term:  # a bigram that contains a chosen word replaces it
                chosen = [c for c in chosen if not set(c.split()) <= words]
            else:
                continue
        chosen.append(term)
        if len(chosen) == n:
            break
    return tuple(chosen)


def term_name(names: Sequence[str], k: int = 3) -> str:
    """A cluster's name from its top terms: the first ``k`` joined by " / "."""
    return " / ".join(names[:k]) if names else "(no distinctive terms)"
