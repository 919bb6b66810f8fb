"""Run the reader: the cached ONNX model over every window of every passage, one batch per call.

``Reader.read(question, passages)`` returns one ``Reading`` per passage that has text: the best
answer span (exact characters of that passage), its score, and the calibrated probability that the
passage answers the question with it, and the passage's next-best distinct spans as
``alternatives``. The engine keeps the most probable reading that passes its checks and abstains
when none at or above the calibrated threshold does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from veracity.errors import ConfigError
from veracity.rag.reader.base import Reading
from veracity.rag.reader.calibrate import Calibration
from veracity.rag.reader.export import ADAPTER_PATH, build_reader_onnx, read_adapter
from veracity.rag.reader.features import (
    batch_arrays,
    load_tokenizer,
    ranked_spans,
    whole_words,
    windows,
)

BATCH_TOKENS = 2048  # padded tokens per ONNX Runtime call (fp32): 8 windows of 256
# Next-best distinct spans kept per passage, tried in order when a check refuses the best.
ALTERNATIVES = 2


class Reader:
    """The trained extractive reader on ONNX Runtime (int8 by default; see ``export``).

    ``threads``: intra-op threads (None: ``$VERACITY_THREADS`` or ONNX Runtime's default).
    ``threshold`` overrides the calibrated answerability threshold stored with the adapter.

    The int8 model (``quantize``, the default) reads one window per call: dynamic quantization
    takes its activation scale from the whole batch, so in a batch a passage's answerability
    moved with the other passages retrieved beside it, and whether the engine answered could
    turn on an unrelated passage. The fp32 model batches ``BATCH_TOKENS`` padded tokens per call.
    """

    def __init__(
        self,
        adapter: Path = ADAPTER_PATH,
        *,
        threads: int | None = None,
        quantize: bool = True,
        threshold: float | None = None,
        model_dir: Path | None = None,
    ) -> None:
        from veracity.embed.minilm import packaged_minilm_path
        from veracity.embed.onnx import env_threads, open_session

        _, meta = read_adapter(adapter)
        base = model_dir or packaged_minilm_path()
        onnx_path = build_reader_onnx(base, adapter, quantize)
        self._session: Any = open_session(str(onnx_path), env_threads(threads))
        self._tokenizer = load_tokenizer(base)
        self.max_length = int(meta["max_length"])
        self.stride = int(meta["stride"])
        self.calibration = Calibration.from_dict(meta["calibration"])
        if threshold is not None:
            if not 0.0 <= threshold <= 1.0:
                raise ConfigError(f"reader threshold must be in [0, 1], got {threshold}")
            self.calibration = Calibration(
                self.calibration.w_has, self.calibration.w_margin, self.calibration.bias, threshold
            )
        self.meta = meta
        self._batch_tokens = 0 if quantize else BATCH_TOKENS  # 0: one window per call
        self.threshold = self.calibration.threshold

    def read(self, question: str, passages: Sequence[str]) -> list[Reading]:
        """The best reading of each passage (in passage order; passages without text skipped)."""
        if not question.strip():
            raise ConfigError("the question is empty")
        wins = windows(self._tokenizer, question, passages, self.max_length, self.stride)
        found: dict[int, list[Reading]] = {}
        for lo, hi in _slices([len(w) for w in wins], self._batch_tokens):
            batch = wins[lo:hi]
            start, end, has = self._session.run(None, batch_arrays(batch))  # (B,T) (B,T) (B,)
            for i, w in enumerate(batch):
                text = passages[w.passage]
                for g in ranked_spans(w, start[i], end[i], float(has[i]), 1 + ALTERNATIVES):
                    a, b = whole_words(text, g.start, g.end)
                    p = self.calibration.probability(g)
                    found.setdefault(w.passage, []).append(
                        Reading(w.passage, a, b, text[a:b], p, g.score)
                    )
        return [_with_alternatives(found[k]) for k in sorted(found)]


def _with_alternatives(readings: list[Reading]) -> Reading:
    """A passage's best reading over all its windows, carrying up to ``ALTERNATIVES`` distinct
    others (windows overlap, so one span can come from two of them)."""
    ranked = sorted(readings, key=lambda r: (-r.probability, -r.score))
    kept: list[Reading] = []
    for r in ranked:
        if len(kept) > ALTERNATIVES:
            break
        if not any(r.start < k.end and k.start < r.end for k in kept):
            kept.append(r)
    return replace(kept[0], alternatives=tuple(kept[1:]))


def _slices(lengths: Sequence[int], budget: int) -> list[tuple[int, int]]:
    """Consecutive ``[lo, hi)`` runs whose padded size (count x longest) stays within ``budget``
    (each run holds at least one; a budget of 0 gives one run per length)."""
    out: list[tuple[int, int]] = []
    lo = 0
    while lo < len(lengths):
        hi, width = lo + 1, lengths[lo]
        while hi < len(lengths) and (hi - lo + 1) * max(width, lengths[hi]) <= budget:
            width = max(width, lengths[hi])
            hi += 1
        out.append((lo, hi))
        lo = hi
    return out
