"""Beam search over a Hugging Face causal LM, step for step as ``transformers`` 4.50+ does it.

Each step scores every continuation of the ``K = num_beams`` running beams by its summed
log-probability, keeps the best ``2K`` (more with several end tokens, so that ``K`` beams can
still run when some end), moves the ones that end (an end token, or the length budget) into a
``K``-slot list of finished hypotheses ranked by ``score / length ** length_penalty``, and runs on
with the best ``K`` that did not end. ``early_stopping`` decides when the search is over:
``True`` as soon as ``K`` hypotheses finished; ``False`` when the best running beam, at its
current length, can no longer beat the worst finished one; ``"never"`` as ``False`` but assuming
the running beam may grow to the budget when ``length_penalty > 0`` (the canonical algorithm).

Sources: the beam search of Graves 2012 and Sutskever et al. 2014 with the length normalisation
of Wu et al. 2016 (GNMT, section 7), in the form of ``GenerationMixin._beam_search``; matching that
code (same float32 operations, same ``topk`` calls) gives the same ids, which the tests check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from veracity.records import Decoding

# Added to a score to rule a candidate out, as transformers does (not -inf: sums stay finite).
_OUT = -1.0e9


@dataclass(frozen=True, slots=True)
class BeamResult:
    """The best finished hypothesis: its new ids (end token left out) and its length-normalised
    log-probability."""

    ids: list[int]
    score: float


def _penalize(log_probs: Any, sequences: Any, penalty: float) -> Any:
    """CTRL's repetition penalty applied to each row's tokens seen so far. ``(K, V)``, ``(K, T)``."""
    import torch

    if penalty == 1.0:
        return log_probs
    k, vocab = log_probs.shape
    mask = torch.zeros((k, vocab + 1), dtype=torch.bool)
    mask.scatter_(1, sequences.clamp(min=0), True)
    penalized = torch.where(log_probs < 0, log_probs * penalty, log_probs / penalty)
    return torch.where(mask[:, :vocab], penalized, log_probs)


class _Search:
    """The state of one beam search; ``step`` advances it by one token."""

    def __init__(self, prompt_ids: list[int], decoding: Decoding, eos_ids: frozenset[int],
                 max_new_tokens: int) -> None:  # fmt: skip
        import torch

        self.d = decoding
        k = decoding.num_beams
        self.k, self.prompt_len = k, len(prompt_ids)
        self.max_length = self.prompt_len + max_new_tokens
        self.keep = max(2, 1 + len(eos_ids)) * k
        self.eos = torch.tensor(sorted(eos_ids), dtype=torch.int64)
        self.top_mask = torch.arange(self.keep) < k  # (keep,) the best K of the kept
        self.running = torch.full((k, self.max_length), -1, dtype=torch.int64)  # (K, L)
        self.running[:, : self.prompt_len] = torch.tensor(prompt_ids)
        self.running_scores = torch.zeros(k)
        self.running_scores[1:] = _OUT  # identical beams at first: only one may expand
        self.finished = self.running.clone()  # (K, L)
        self.finished_scores = torch.full((k,), _OUT)
        self.done = torch.zeros(k, dtype=torch.bool)
        self.improvable = True
        self.cur = self.prompt_len

    def step(self, logits: Any) -> tuple[Any, bool]:
        """Advance with the ``(K, V)`` logits of the running beams; return the source beam of each
        new running beam (to reorder the KV cache) and whether the search goes on."""
        import torch

        log_probs = torch.nn.functional.log_softmax(logits, dim=-1)
        log_probs = _penalize(log_probs, self.running[:, : self.cur], self.d.repetition_penalty)
        vocab = log_probs.shape[-1]
        acc = (log_probs + self.running_scores[:, None]).reshape(-1)  # (K * V,)
        top_lp, top_idx = torch.topk(acc, k=min(self.keep, acc.numel()))
        source = top_idx // vocab
        cand = self.running[source].clone()  # (keep, L)
        cand[:, self.cur] = top_idx % vocab
        ends = torch.isin(cand[:, self.cur], self.eos) | (self.cur + 1 >= self.max_length)

        running_lp = top_lp + ends.to(torch.float32) * _OUT
        nxt = torch.topk(running_lp, k=self.k)[1]
        self.running, self.running_scores = cand[nxt], running_lp[nxt]
        self._update_finished(cand, top_lp, ends)
        self.cur += 1
        self._update_improvable()
        open_beam = not (bool(self.done.all()) and self.d.early_stopping is True)
        go_on = self.improvable and open_beam and not bool(ends.all())
        return source[nxt], go_on

    def _update_finished(self, cand: Any, top_lp: Any, ends: Any) -> None:
        import torch

        just = ends & self.top_mask[: ends.numel()]
        score = top_lp / ((self.cur + 1 - self.prompt_len) ** self.d.length_penalty)
        full = bool(self.done.all()) and self.d.early_stopping is True
        score = score + float(full) * _OUT
        score = score + float(not self.improvable) * _OUT
        score = score + (~just).to(torch.float32) * _OUT
        seqs = torch.cat((self.finished, cand))
        scores = torch.cat((self.finished_scores, score))
        done = torch.cat((self.done, just))
        best = torch.topk(scores, k=self.k)[1]
        self.finished, self.finished_scores, self.done = seqs[best], scores[best], done[best]

    def _update_improvable(self) -> None:
        """Can a running beam still beat the worst finished hypothesis? (HF's heuristic.)"""
        import torch

        lp = self.d.length_penalty
        if self.d.early_stopping == "never" and lp > 0.0:
            length = self.max_length - self.prompt_len
        else:
            length = self.cur - self.prompt_len
        best_running = self.running_scores[:1] / (length**lp)
        worst = torch.where(self.done, self.finished_scores.min(), torch.tensor(_OUT))
        self.improvable = self.improvable and bool(torch.any(best_running > worst))

    def best(self) -> BeamResult:
        seq = [int(t) for t in self.finished[0, self.prompt_len :] if int(t) >= 0]
        if seq and int(seq[-1]) in set(self.eos.tolist()):
            seq = seq[:-1]
        return BeamResult(seq, float(self.finished_scores[0]))


def beam_search(
    model: Any,
    prompt_ids: list[int],
    decoding: Decoding,
    *,
    eos_ids: frozenset[int],
    max_new_tokens: int,
    cache_arg: str = "past_key_values",
) -> BeamResult:
    """The best of ``decoding.num_beams`` beams after ``prompt_ids``, at most ``max_new_tokens``
    long. One batched prefill of the prompt per beam, then one ``(K, 1)`` forward per step
    through the KV cache, which is reordered to follow the beams that survive."""
    import torch

    search = _Search(prompt_ids, decoding, eos_ids, max_new_tokens)
    k = decoding.num_beams
    with torch.inference_mode():
        out = model(input_ids=torch.tensor([prompt_ids] * k), use_cache=True)
        while True:
            source, go_on = search.step(out.logits[:, -1, :].float())
            if not go_on:
                return search.best()
            cache = getattr(out, cache_arg)
            cache.reorder_cache(source)
            tokens = search.running[:, search.cur - 1 : search.cur]  # (K, 1)
            out = model(input_ids=tokens, use_cache=True, **{cache_arg: cache})
