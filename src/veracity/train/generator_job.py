"""One generator fine-tuning job as the CLI runs it: data from a collection (and SQuAD), held-out
evaluation before and after, training, then the JSON report (and MLflow when asked)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from veracity.errors import ConfigError
from veracity.train.generator import GeneratorTrainConfig, finetune_generator
from veracity.train.generator_data import (
    UNANSWERABLE_SHARE,
    GroundedExample,
    collection_examples,
    squad_examples,
)
from veracity.train.tracking import record_run


@dataclass(frozen=True, slots=True)
class GeneratorData:
    train: list[GroundedExample] | list[str]
    heldout: list[GroundedExample] | list[str]
    eval_examples: list[GroundedExample]  # for greedy generation scoring (not for continual)


def split_by_document(texts: Sequence[str], groups: Sequence[str], share: float, seed: int
                      ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:  # fmt: skip
    """``(train, held out)`` lists of ``(text, document)``: about ``share`` of the documents
    (``groups``) held out, whole."""
    docs = sorted(set(groups))
    random.Random(seed).shuffle(docs)
    held = set(docs[: max(1, round(len(docs) * share))]) if len(docs) > 1 else set()
    pairs = list(zip(texts, groups, strict=True))
    return [p for p in pairs if p[1] not in held], [p for p in pairs if p[1] in held]


def build_data(
    texts: Sequence[str],
    groups: Sequence[str],
    cfg: GeneratorTrainConfig,
    *,
    examples: int,
    squad: Path | None = None,
    squad_examples_n: int = 0,
    eval_generate: int = 0,
    unanswerable_share: float = UNANSWERABLE_SHARE,
) -> GeneratorData:
    """Training and held-out data for ``cfg.method`` (see ``generator_data``). Collection examples
    and texts are split by document; SQuAD by article (``reader_data.split_articles``). Each
    source keeps ``unanswerable_share`` of its examples unanswerable."""
    share = unanswerable_share
    tr, he = split_by_document(texts, groups, 0.2, cfg.seed)
    if cfg.method == "continual":
        return GeneratorData([t for t, _ in tr], [t for t, _ in he][: cfg.eval_examples * 4], [])
    train = collection_examples([t for t, _ in tr], examples, cfg.seed, share,
                                groups=[g for _, g in tr])  # fmt: skip
    # Held-out questions come from held-out documents only; their distractors from any document.
    pool = tr + he
    held = collection_examples([t for t, _ in pool], cfg.eval_examples + eval_generate,
                               cfg.seed + 1, share, groups=[g for _, g in pool],
                               sources=range(len(tr), len(pool)))  # fmt: skip
    if squad is not None:
        from veracity.train.reader_data import load_articles, split_articles

        tr_articles, _, te_articles = split_articles(load_articles(squad))
        train += squad_examples(tr_articles, cfg.seed, limit=squad_examples_n or examples,
                                unanswerable_share=share)  # fmt: skip
        held += squad_examples(te_articles, cfg.seed, limit=cfg.eval_examples + eval_generate,
                               unanswerable_share=share)  # fmt: skip
    if not train:
        raise ConfigError(
            "no training examples could be made: the collection needs several documents with "
            "sentences of 30-300 characters; ingest more text or add --squad"
        )
    random.Random(cfg.seed).shuffle(held)
    return GeneratorData(train, held[eval_generate:], held[:eval_generate])


def run_job(
    data: GeneratorData,
    cfg: GeneratorTrainConfig,
    *,
    mlflow_uri: str | None = None,
    max_new_tokens: int = 48,
) -> dict[str, Any]:
    """Train on ``data``, score greedy replies on ``data.eval_examples`` before and after, and
    record the run; returns the report."""
    from veracity.train.generator_eval import score_examples, summarize

    def evaluate(model: Any, tokenizer: Any) -> dict[str, Any]:
        rows = score_examples(model, tokenizer, data.eval_examples, max_new_tokens, cfg.device)
        return summarize(rows)

    result = finetune_generator(
        data.train, cfg, data.heldout, evaluate if data.eval_examples else None
    )
    files = result.report.get("files", {})
    artifacts = [Path(files[k]) for k in ("adapter",) if k in files]
    return record_run(result.report, cfg.out, mlflow_uri=mlflow_uri,
                      run_name=f"generator-{cfg.method}", artifacts=artifacts)  # fmt: skip
