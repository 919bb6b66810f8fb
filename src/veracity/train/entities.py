"""Train the CRF entity tagger on CoNLL-2003 and write it as a small numpy file.

A linear-chain CRF (Lafferty et al. 2001) over the hand-built features of
``veracity.tasks.entities.features``, fitted by CRFsuite's L-BFGS (Okazaki 2007, through
``python-crfsuite``) with elastic-net regularization: the L1 term (``c1``) zeroes most feature
weights, so the shipped model stays around a megabyte. The fitted weights are then exported to an
``.npz`` that ``veracity.tasks.entities.tagger`` runs with numpy alone, so tagging needs no CRFsuite.

The shipped model is reproduced by ``python -m benchmarks.train_entities`` (train split only).
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from veracity.errors import EvaluationError, MissingDependency
from veracity.evaluate.files import read_text
from veracity.tasks.entities.features import FEATURES_VERSION, sentence_features
from veracity.tasks.entities.tagger import MODEL_FORMAT

__all__ = ["CrfConfig", "Sentence", "export_crfsuite", "read_conll", "train_crf"]


@dataclass(frozen=True, slots=True)
class Sentence:
    """One CoNLL sentence: tokens, their IOB2 tags, and the index of its document."""

    tokens: tuple[str, ...]
    tags: tuple[str, ...]
    document: int


@dataclass(frozen=True, slots=True)
class CrfConfig:
    """CRFsuite L-BFGS settings. ``c1``/``c2``: L1/L2 strengths; ``min_freq``: drop features seen
    fewer times in training."""

    c1: float = 0.05
    c2: float = 0.01
    max_iterations: int = 150
    min_freq: int = 1
    log: Callable[[str], None] = field(default=lambda message: None, compare=False)


def read_conll(path: str | Path) -> list[Sentence]:
    """Sentences of a CoNLL file: ``token ... TAG`` per line (the tag last), a blank line between
    sentences, ``-DOCSTART-`` lines between documents."""
    sentences: list[Sentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    document = 0

    def flush() -> None:
        if tokens:
            sentences.append(Sentence(tuple(tokens), tuple(tags), document))
            tokens.clear()
            tags.clear()

    for n, line in enumerate(read_text(Path(path)).splitlines(), 1):
        parts = line.split()
        if not parts:
            flush()
        elif parts[0] == "-DOCSTART-":
            flush()
            document += 1
        elif len(parts) < 2 or not (parts[-1] == "O" or parts[-1][:2] in ("B-", "I-")):
            raise EvaluationError(
                f"{path}:{n}: expected 'token TAG' with an IOB2 tag (O, B-X, I-X), got {line!r}"
            )
        else:
            tokens.append(parts[0])
            tags.append(parts[-1])
    flush()
    if not sentences:
        raise EvaluationError(f"{path}: no sentences; expected CoNLL 'token TAG' lines")
    return sentences


def train_crf(sentences: Sequence[Sentence], out: str | Path, config: CrfConfig) -> dict[str, Any]:
    """Fit a CRF on ``sentences`` and write the model to ``out`` (``.npz``); returns a report."""
    try:
        import pycrfsuite
    except ImportError as exc:
        raise MissingDependency("training the entity tagger", "ner", "python-crfsuite") from exc
    if not sentences:
        raise EvaluationError("no training sentences; pass at least one CoNLL sentence")
    started = time.process_time()
    trainer = pycrfsuite.Trainer(verbose=False)
    for s in sentences:
        trainer.append(pycrfsuite.ItemSequence(sentence_features(s.tokens)), list(s.tags))
    trainer.select("lbfgs")
    trainer.set_params(
        {
            "c1": config.c1,
            "c2": config.c2,
            "max_iterations": config.max_iterations,
            "feature.minfreq": config.min_freq,
            "feature.possible_transitions": True,
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.crfsuite"
        trainer.train(str(path))
        tagger = pycrfsuite.Tagger()
        tagger.open(str(path))
        try:
            stats = export_crfsuite(tagger.info(), out)
        finally:
            tagger.close()
    last = trainer.logparser.last_iteration or {}
    report: dict[str, Any] = {
        "model": "linear-chain CRF (CRFsuite L-BFGS), numpy inference",
        "config": {k: v for k, v in asdict(config).items() if k != "log"},
        "features_version": FEATURES_VERSION,
        "train": {
            "sentences": len(sentences),
            "tokens": sum(len(s.tokens) for s in sentences),
            "iterations": len(trainer.logparser.iterations),
            "loss": last.get("loss"),
            "cpu_seconds": round(time.process_time() - started, 1),
        },
        **stats,
    }
    Path(out).with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def export_crfsuite(info: Any, out: str | Path) -> dict[str, Any]:
    """Write a CRFsuite model's weights (``Tagger.info()``) as the ``.npz`` the tagger reads."""
    labels = sorted(info.labels, key=lambda label: info.labels[label])
    label_index = {label: i for i, label in enumerate(labels)}
    attrs: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    weights: list[float] = []
    for (attr, label), weight in sorted(info.state_features.items()):
        if weight == 0.0:
            continue
        rows.append(attrs.setdefault(attr, len(attrs)))
        cols.append(label_index[label])
        weights.append(weight)
    transitions = np.zeros((len(labels), len(labels)), dtype=np.float32)  # (from, to)
    for (a, b), weight in info.transitions.items():
        transitions[label_index[a], label_index[b]] = weight
    np.savez_compressed(
        out,
        format=np.array(MODEL_FORMAT),
        features_version=np.array(FEATURES_VERSION),
        labels=_pack(labels),
        attributes=_pack(attrs),
        rows=np.array(rows, dtype=np.int32),
        cols=np.array(cols, dtype=np.int8),
        weights=np.array(weights, dtype=np.float32),
        transitions=transitions,
    )
    return {"labels": labels, "attributes": len(attrs), "state_weights": len(weights)}


def _pack(strings: Iterator[str] | Sequence[str] | dict[str, int]) -> np.ndarray:
    """Strings (none containing a newline) as one UTF-8 byte array, newline-separated."""
    return np.frombuffer("\n".join(strings).encode("utf-8"), dtype=np.uint8)
