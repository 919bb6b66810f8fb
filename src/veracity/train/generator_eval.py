"""Score a generator on held-out grounded examples: greedy replies in the engine's prompt format.

Per example: whether it abstained (``rag.prompt.is_abstention``), answer F1 against the gold
answers (SQuAD's bag-of-tokens F1 after citation markers are removed; an abstention scores 0),
and for answered questions the share of reply sentences that are *unsupported*: fewer than
``SUPPORT_RECALL`` of their normalized tokens occur in the shown passages (a lexical check, the
crude end of the groundedness checks in ``rag/support.py``, enough to see a model start to make
things up).

``abstain_probability`` reads the decision greedy decoding makes at its first step: the
probability of the abstention's first token as the first reply token. Its separation of
unanswerable from answerable questions (ROC AUC) shows whether training taught the model *when*
to decline or only *how often*.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from veracity.evaluate.qa_metrics import normalize_answer, qa_scores, strip_citations
from veracity.rag.prompt import is_abstention
from veracity.text.sentences import split_sentences
from veracity.train.generator_data import ABSTAIN_ANSWER, GroundedExample, messages_of, prompt_ids

SUPPORT_RECALL = 0.8


@dataclass(frozen=True, slots=True)
class Scored:
    reply: str
    answerable: bool
    abstained: bool
    f1: float
    unsupported: float | None  # share of reply sentences unsupported; None when abstained
    p_abstain: float | None = None  # probability of the abstention's first token, when measured


def unsupported_share(reply: str, passages: Sequence[str]) -> float:
    """Share of the reply's sentences whose tokens are mostly absent from ``passages``."""
    bag = set(normalize_answer(" ".join(passages)).split())
    text = strip_citations(reply)
    sentences = [text[s:e] for s, e in split_sentences(text)] or [text]
    bad = 0
    for sentence in sentences:
        tokens = normalize_answer(sentence).split()
        if tokens and sum(t in bag for t in tokens) / len(tokens) < SUPPORT_RECALL:
            bad += 1
    return bad / len(sentences)


def is_soft_prompted(model: Any) -> bool:
    """Whether ``model`` is a peft prompt-learning model (soft prompt)."""
    config = getattr(model, "active_peft_config", None)
    return bool(getattr(config, "is_prompt_learning", False))


def greedy_reply(model: Any, tokenizer: Any, example: GroundedExample, max_new_tokens: int,
                 device: str = "cpu") -> str:  # fmt: skip
    """The model's greedy reply to ``example`` (prompt-tuned peft models included)."""
    import torch

    ids = prompt_ids(tokenizer, messages_of(example))
    x = torch.tensor([ids], device=device)
    kwargs = dict(max_new_tokens=max_new_tokens, do_sample=False,
                  pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id)  # fmt: skip
    with torch.no_grad():
        if is_soft_prompted(model):
            # peft 0.21's own generate goes wrong from the second token when transformers 5's KV
            # cache is on (measured against a plain argmax loop); feeding the base model the soft
            # prompt's embeddings before the prompt's is the same computation, cache and all.
            base = model.get_base_model()
            embeds = torch.cat([model.get_prompt(batch_size=1), base.get_input_embeddings()(x)], 1)
            mask = torch.ones(embeds.shape[:2], dtype=torch.long, device=device)
            new = base.generate(inputs_embeds=embeds, attention_mask=mask, **kwargs)[0]
        else:
            new = model.generate(input_ids=x, attention_mask=torch.ones_like(x), **kwargs)[0]
            new = new[len(ids) :]
    return str(tokenizer.decode(new.tolist(), skip_special_tokens=True)).strip()


def abstain_probability(
    model: Any, tokenizer: Any, example: GroundedExample, device: str = "cpu"
) -> float:
    """Probability of the abstention's first token as the first reply token to ``example`` (a
    peft soft prompt is put before the prompt by the peft model's own forward)."""
    import torch

    ids = prompt_ids(tokenizer, messages_of(example))
    first = int(tokenizer(ABSTAIN_ANSWER, add_special_tokens=False)["input_ids"][0])
    x = torch.tensor([ids], device=device)
    with torch.no_grad():
        logits = model(input_ids=x, attention_mask=torch.ones_like(x)).logits[0, -1]  # (V,)
    return float(torch.softmax(logits.float(), -1)[first])


def score(example: GroundedExample, reply: str, p_abstain: float | None = None) -> Scored:
    abstained = is_abstention(reply)
    f1 = 0.0 if abstained or not example.answerable else qa_scores(reply, example.golds)[1]
    unsupported = None if abstained else unsupported_share(reply, example.passages)
    return Scored(reply, example.answerable, abstained, f1, unsupported, p_abstain)


def score_examples(model: Any, tokenizer: Any, examples: Sequence[GroundedExample],
                   max_new_tokens: int = 48, device: str = "cpu", first_token: bool = False
                   ) -> list[Scored]:  # fmt: skip
    """Greedy replies scored; ``first_token`` also measures ``abstain_probability`` (one more
    forward pass over each prompt)."""
    was_training = model.training
    model.eval()
    rows = [
        score(
            ex,
            greedy_reply(model, tokenizer, ex, max_new_tokens, device),
            abstain_probability(model, tokenizer, ex, device) if first_token else None,
        )
        for ex in examples
    ]
    model.train(was_training)
    return rows


def summarize(rows: Sequence[Scored]) -> dict[str, float | int | None]:
    """Means over the rows: answer F1 and false abstention on answerable questions, abstention on
    unanswerable ones, unsupported sentences among answered ones."""
    ans = [r for r in rows if r.answerable]
    una = [r for r in rows if not r.answerable]
    sup = [r.unsupported for r in rows if r.unsupported is not None]

    def mean(xs: Sequence[float]) -> float | None:
        return round(sum(xs) / len(xs), 4) if xs else None

    return {
        "answerable": len(ans),
        "unanswerable": len(una),
        "answer_f1": mean([r.f1 for r in ans]),
        "false_abstention": mean([float(r.abstained) for r in ans]),
        "abstention_unanswerable": mean([float(r.abstained) for r in una]),
        "unsupported_sentences": mean(sup),
    }
