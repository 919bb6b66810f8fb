"""Training a Unigram language-model tokenizer (Kudo 2018; SentencePiece's ``unigram_model_trainer``).

1. Seed: every substring (up to ``max_piece_len`` characters) of every word, scored by
   frequency x length; keep the best ``seed_factor * vocab_size`` plus every character needed to
   cover ``character_coverage`` of the text (rarer characters become ``<unk>``).
2. EM: the E-step runs forward-backward over each distinct word's lattice and adds the expected
   count of every piece; the M-step sets log p(piece) = digamma(count) - digamma(total) (the
   Bayesian-smoothed estimate SentencePiece uses) and drops pieces expected less than 0.5 times.
3. Prune: for each piece, how much would the corpus log-likelihood drop if it were removed and its
   occurrences re-segmented into its next-best segmentation? Keep the ``shrink`` share that
   costs most (characters are always kept), and go back to 2 until 10% above ``vocab_size``;
   then keep the best-scored pieces.

Pure Python: the cost is a few lattice passes over the *distinct* words per round, so train on
a few MB of text (seconds to a minute), not gigabytes.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable

from veracity.errors import ConfigError
from veracity.text.tokenizers.unigram import UNK, UnigramTokenizer, unigram_words, viterbi

__all__ = ["train_unigram"]

_NEG = float("-inf")


def _logaddexp(a: float, b: float) -> float:
    if a == _NEG:
        return b
    if b == _NEG:
        return a
    hi, lo = (a, b) if a > b else (b, a)
    return hi + math.log1p(math.exp(lo - hi))


def _e_step(
    words: dict[str, int], logp: dict[str, float], max_len: int
) -> tuple[dict[str, float], float]:
    """Expected piece counts over all words, and the corpus log-likelihood."""
    expected: defaultdict[str, float] = defaultdict(float)
    loglik = 0.0
    for word, count in words.items():
        n = len(word)
        edges = [
            (s, e, word[s:e])
            for e in range(1, n + 1)
            for s in range(max(0, e - max_len), e)
            if word[s:e] in logp
        ]  # sorted by end position, which is what the forward pass needs
        alpha = [0.0] + [_NEG] * n
        for s, e, piece in edges:
            alpha[e] = _logaddexp(alpha[e], alpha[s] + logp[piece])
        beta = [_NEG] * n + [0.0]
        for s, e, piece in reversed(edges):
            beta[s] = _logaddexp(beta[s], beta[e] + logp[piece])
        z = alpha[n]
        if z == _NEG:
            continue  # a character outside the kept alphabet: this word cannot be covered
        loglik += count * z
        for s, e, piece in edges:
            expected[piece] += count * math.exp(alpha[s] + logp[piece] + beta[e] - z)
    return expected, loglik


def _m_step(expected: dict[str, float], keep: set[str]) -> dict[str, float]:
    from scipy.special import digamma

    counts = {p: c for p, c in expected.items() if c >= 0.5 or p in keep}
    total = float(digamma(sum(counts.values())))
    return {p: float(digamma(max(c, 1e-3))) - total for p, c in counts.items()}


def _prune(
    words: dict[str, int], logp: dict[str, float], chars: set[str], target: int, max_len: int
) -> dict[str, float]:
    """Keep the ``target`` pieces whose removal would lose the most likelihood (SentencePiece)."""
    unk = min(logp.values()) - 10.0
    freq: Counter[str] = Counter()
    for word, count in words.items():
        for piece in viterbi(word, logp, max_len, unk):
            freq[piece] += count
    total = sum(freq.values())
    losses: list[tuple[float, str]] = []
    for piece in list(logp):
        if piece in chars:
            continue
        if freq[piece] == 0:
            losses.append((0.0, piece))
            continue
        # Next-best segmentation of the piece itself: Viterbi with the piece taken out.
        score = logp.pop(piece)
        alt = viterbi(piece, logp, max_len, unk)
        logp[piece] = score
        f = freq[piece]
        alt_total = total + f * (len(alt) - 1)
        lp_piece = math.log(f) - math.log(total)
        lp_alt = sum(math.log(freq[a] + f) - math.log(alt_total) for a in alt)
        losses.append((f * (lp_piece - lp_alt), piece))
    losses.sort(reverse=True)
    kept = {p for _, p in losses[: max(0, target - len(chars))]} | chars
    return {p: s for p, s in logp.items() if p in kept}


def _seed(words: dict[str, int], chars: set[str], size: int, max_len: int) -> dict[str, float]:
    subs: Counter[str] = Counter()
    for word, count in words.items():
        n = len(word)
        for s in range(n):
            for e in range(s + 2, min(n, s + max_len) + 1):
                subs[word[s:e]] += count
    scored = sorted(((c * len(p), p) for p, c in subs.items() if c > 1), reverse=True)[:size]
    seeds = dict.fromkeys(chars, 1.0) | {p: float(c) for c, p in scored}
    total = sum(seeds.values())
    return {p: math.log(c / total) for p, c in seeds.items()}


def _alphabet(words: dict[str, int], coverage: float) -> set[str]:
    counts: Counter[str] = Counter()
    for word, count in words.items():
        for ch in word:
            counts[ch] += count
    total, seen, kept = sum(counts.values()), 0, set()
    for ch, c in counts.most_common():
        if seen >= coverage * total:
            break
        kept.add(ch)
        seen += c
    return kept


def train_unigram(
    texts: Iterable[str],
    vocab_size: int,
    *,
    max_piece_len: int = 16,
    seed_factor: int = 8,
    shrink: float = 0.75,
    em_iterations: int = 2,
    character_coverage: float = 0.9995,
) -> UnigramTokenizer:
    """Train a Unigram tokenizer of ``vocab_size`` pieces (``<unk>`` included)."""
    if not 0 < shrink < 1:
        raise ConfigError(f"shrink must be in (0, 1), got {shrink}")
    words: Counter[str] = Counter()
    for text in texts:
        words.update(unigram_words(text))
    if not words:
        raise ConfigError("no text to train a Unigram tokenizer on")
    chars = _alphabet(words, character_coverage)
    target = vocab_size - 1  # id 0 is <unk>
    if target < len(chars):
        raise ConfigError(
            f"vocab size {vocab_size} is below the {len(chars) + 1} pieces the alphabet needs; "
            "raise --vocab-size"
        )
    logp = _seed(words, chars, seed_factor * vocab_size, max_piece_len)
    # As SentencePiece: prune down to 10% above the target, then keep the best-scored pieces.
    while True:
        for _ in range(em_iterations):
            expected, _loglik = _e_step(words, logp, max_piece_len)
            logp = _m_step(expected, chars)
        if len(logp) <= target * 1.1:
            break
        logp = _prune(
            words, logp, chars, max(int(target * 1.1), int(len(logp) * shrink)), max_piece_len
        )
    ranked = sorted(logp.items(), key=lambda kv: (-kv[1], kv[0]))
    kept = [kv for kv in ranked if kv[0] not in chars][: target - len(chars)]
    pieces = sorted([*kept, *((c, logp[c]) for c in chars)], key=lambda kv: (-kv[1], kv[0]))
    return UnigramTokenizer([(UNK, 0.0), *pieces])
