"""Hand-built token features for the CRF entity tagger, shared by training and tagging.

The classic feature set of CRF taggers for CoNLL-2003 (after Finkel et al. 2005, "baseline"
features, and the CRFsuite tutorial): the word lowercased, its prefixes and suffixes, its shape
(``Xxxx``, ``dd-dd``), flags for case, digits and hyphens, the same for two words either side,
word bigrams, and shape trigrams. One sentence-level flag marks all-capital lines (the Reuters
headlines of CoNLL-2003), where case says nothing. No gazetteer or word clusters: everything comes
from the training tokens.

Features are strings (``"w=paris"``); the model keeps a weight per feature and label. Changing what
this module emits changes the model's inputs: retrain (``python -m benchmarks.train_entities``)
and bump ``FEATURES_VERSION``, which the model file records and the tagger checks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["FEATURES_VERSION", "sentence_features", "shape"]

FEATURES_VERSION = 1

_UPPER = re.compile(r"[A-Z]")
_LOWER = re.compile(r"[a-z]")
_DIGIT = re.compile(r"[0-9]")
_RUNS = re.compile(r"(.)\1+")


def shape(word: str) -> str:
    """``Xxxxx`` style shape: upper ``X``, lower ``x``, digit ``d``, other characters kept."""
    out = _UPPER.sub("X", word)
    out = _LOWER.sub("x", out)
    out = _DIGIT.sub("d", out)
    return "".join("x" if c.isalpha() else c for c in out)  # non-ASCII letters


def _short_shape(word: str) -> str:
    """Shape with runs collapsed: ``Xx``, ``d-d``, ``X.X.``."""
    return _RUNS.sub(r"\1", shape(word))


def _token_attrs(word: str) -> tuple[str, str, str]:
    """(lowercased word, short shape, case class) of one token."""
    if word.isupper():
        case = "up"
    elif word[:1].isupper():
        case = "title"
    elif word.islower():
        case = "low"
    elif any(c.isdigit() for c in word):
        case = "num"
    else:
        case = "other"
    return word.lower(), _short_shape(word), case


def sentence_features(tokens: Sequence[str]) -> list[list[str]]:
    """One list of feature strings per token of a sentence."""
    attrs = [_token_attrs(t) for t in tokens]
    n = len(tokens)
    letters = [t for t in tokens if any(c.isalpha() for c in t)]
    all_caps = len(letters) > 1 and all(not any(c.islower() for c in t) for t in letters)
    out: list[list[str]] = []
    for i, word in enumerate(tokens):
        low, ssh, case = attrs[i]
        f = [
            "b",
            "w=" + low,
            "sh=" + shape(word)[:8],
            "ssh=" + ssh,
            "case=" + case,
            "len=" + str(min(len(word), 8)),
        ]
        f.extend(f"p{k}={low[:k]}" for k in range(1, 5) if len(low) > k)
        f.extend(f"s{k}={low[-k:]}" for k in range(1, 5) if len(low) > k)
        if "-" in word:
            f.append("hyph")
        if i == 0:
            f.append("BOS")
        if i == n - 1:
            f.append("EOS")
        if all_caps:
            f.extend(("caps_line", "caps_line|w=" + low))
        for d in (-2, -1, 1, 2):
            j = i + d
            if 0 <= j < n:
                f.append(f"w{d:+d}={attrs[j][0]}")
                f.append(f"ssh{d:+d}={attrs[j][1]}")
                if abs(d) == 1:
                    f.append(f"case{d:+d}={attrs[j][2]}|{case}")
            elif abs(d) == 1:
                f.append(f"pad{d:+d}")
        if i > 0:
            f.append(f"w-1|w={attrs[i - 1][0]}|{low}")
        if i < n - 1:
            f.append(f"w|w+1={low}|{attrs[i + 1][0]}")
        left = attrs[i - 1][1] if i > 0 else "^"
        right = attrs[i + 1][1] if i < n - 1 else "$"
        f.append(f"ssh3={left}|{ssh}|{right}")
        out.append(f)
    return out
