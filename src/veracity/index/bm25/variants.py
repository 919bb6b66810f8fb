"""BM25 scoring variants, as catalogued by Kamphuis, Lin, de Vries and Lin (2020).

Kamphuis, C., de Vries, A. P., Boytsov, L., Lin, J. "Which BM25 Do You Mean? A Large-Scale
Reproducibility Study of Scoring Variants." ECIR 2020. A document ``d`` scores
``sum over query terms t present in d of idf(t) * tfc(tf_td, L_d)`` with ``N`` live documents,
``df_t`` live documents holding ``t``, ``L_d`` the length of ``d`` in terms and ``L_avg`` the mean
length over live documents (all exact, never approximated)::

    variant    idf(t)                                  tfc(tf, L)
    robertson  log((N - df + .5) / (df + .5)), >= 0    tf / (k1 (1 - b + b L/L_avg) + tf)
    lucene     log(1 + (N - df + .5) / (df + .5))      tf / (k1 (1 - b + b L/L_avg) + tf)
    atire      log(N / df)                             (k1 + 1) tf / (k1 (1 - b + b L/L_avg) + tf)
    bm25l      log((N + 1) / (df + .5))                (k1 + 1)(c + δ) / (k1 + c + δ),
                                                       c = tf / (1 - b + b L/L_avg)
    bm25+      log((N + 1) / df)                       (k1 + 1) tf / (k1 (1 - b + b L/L_avg) + tf) + δ

Robertson's idf turns negative for terms in more than half the documents; like bm25s (and Lucene,
which moved to the ``1 +`` form for this reason) we floor it at 0. "lucene" is Kamphuis' "Lucene
(accurate)": exact document lengths instead of Lucene's one-byte norms. BM25L (Lv and Zhai, CIKM
2011) and BM25+ (Lv and Zhai, CIKM 2011) add their lower bound only for terms present in the
document, as Lv and Zhai define them; bm25s also adds ``idf * tfc(0)`` for absent query terms,
which shifts every document's score by a per-document constant.

The ``idf`` and ``tfc`` functions work elementwise on float64 numpy arrays; the same inputs give
bit-identical outputs, which is what makes incremental updates score exactly like a rebuild.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from veracity.errors import ConfigError

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Variant:
    """One BM25 variant: its idf over (df, N) and its term-frequency component."""

    name: str
    idf: Callable[[F64, float], F64]
    tfc: Callable[[F64, F64, float, float, float], F64]  # (tf, L/L_avg, k1, b, delta)


def _idf_robertson(df: F64, n: float) -> F64:
    return np.log(np.maximum((n - df + 0.5) / (df + 0.5), 1.0))


def _idf_lucene(df: F64, n: float) -> F64:
    return np.log(1.0 + (n - df + 0.5) / (df + 0.5))


def _idf_atire(df: F64, n: float) -> F64:
    return np.log(n / df)


def _idf_bm25l(df: F64, n: float) -> F64:
    return np.log((n + 1.0) / (df + 0.5))


def _idf_bm25plus(df: F64, n: float) -> F64:
    return np.log((n + 1.0) / df)


def _tfc_plain(tf: F64, rel_len: F64, k1: float, b: float, delta: float) -> F64:
    return tf / (k1 * (1.0 - b + b * rel_len) + tf)


def _tfc_atire(tf: F64, rel_len: F64, k1: float, b: float, delta: float) -> F64:
    return (k1 + 1.0) * tf / (k1 * (1.0 - b + b * rel_len) + tf)


def _tfc_bm25l(tf: F64, rel_len: F64, k1: float, b: float, delta: float) -> F64:
    c = tf / (1.0 - b + b * rel_len)
    return (k1 + 1.0) * (c + delta) / (k1 + c + delta)


def _tfc_bm25plus(tf: F64, rel_len: F64, k1: float, b: float, delta: float) -> F64:
    return (k1 + 1.0) * tf / (k1 * (1.0 - b + b * rel_len) + tf) + delta


VARIANTS: dict[str, Variant] = {
    "robertson": Variant("robertson", _idf_robertson, _tfc_plain),
    "lucene": Variant("lucene", _idf_lucene, _tfc_plain),
    "atire": Variant("atire", _idf_atire, _tfc_atire),
    "bm25l": Variant("bm25l", _idf_bm25l, _tfc_bm25l),
    "bm25+": Variant("bm25+", _idf_bm25plus, _tfc_bm25plus),
}


def get_variant(name: str) -> Variant:
    """The variant called ``name``; an unknown name raises ``ConfigError`` listing the known ones."""
    try:
        return VARIANTS[name]
    except KeyError:
        known = ", ".join(VARIANTS)
        raise ConfigError(f"unknown BM25 variant {name!r}; known: {known}") from None
