"""Question-answering metrics: exact match and token F1 with the official SQuAD normalization.

``normalize_answer`` follows the SQuAD v1.1 evaluation script (Rajpurkar et al. 2016,
``evaluate-v1.1.py``): lowercase, drop punctuation, drop the articles a/an/the, collapse
whitespace. A prediction is scored against every gold answer and the best score is kept.
Citation markers the answer engine writes (``[1]``, ``[2, 3]``) are removed first: they are not
part of the answer text.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Callable, Sequence

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = frozenset(string.punctuation)
_MARKERS = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")


def strip_citations(text: str) -> str:
    """``text`` without ``[n]`` / ``[n, m]`` citation markers."""
    return _MARKERS.sub("", text).strip()


def normalize_answer(s: str) -> str:
    """Lower text and remove punctuation, articles and extra whitespace (SQuAD official)."""
    s = s.lower()
    s = "".join(ch for ch in s if ch not in _PUNCT)
    s = _ARTICLES.sub(" ", s)
    return " ".join(s.split())


def exact_match(prediction: str, truth: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(truth))


def f1(prediction: str, truth: str) -> float:
    """Token-level F1 of the normalized texts (bag of tokens, as the official script)."""
    pred = normalize_answer(prediction).split()
    gold = normalize_answer(truth).split()
    common = Counter(pred) & Counter(gold)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(gold)
    return 2 * precision * recall / (precision + recall)


def best_over_truths(
    metric: Callable[[str, str], float], prediction: str, truths: Sequence[str]
) -> float:
    """The best ``metric`` of ``prediction`` over the gold answers (0.0 when there are none)."""
    return max((metric(prediction, t) for t in truths), default=0.0)


def qa_scores(prediction: str, truths: Sequence[str]) -> tuple[float, float]:
    """``(exact match, F1)`` of an answer (citation markers removed) against its gold answers."""
    pred = strip_citations(prediction)
    return best_over_truths(exact_match, pred, truths), best_over_truths(f1, pred, truths)
