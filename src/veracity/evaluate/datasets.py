"""Question sets for answer evaluation: SQuAD JSON, a BEIR folder with answers, or plain JSONL.

Every loader returns an ``EvalSet``: the questions (with gold answers and answerability where
known) and, where the dataset carries its own passages, the ``Document`` records to ingest.

- **SQuAD** (``.json`` or ``.json.gz``, official format, v1.1 or v2.0): each paragraph becomes a
  document with uri ``squad:{article}:{paragraph}`` (the uris ``benchmarks/calibrate_relevance``
  uses, so its cached collections can be reused); v2.0 ``is_impossible`` marks unanswerable ones.
- **BEIR + answers**: a BEIR folder (``corpus.jsonl[.gz]``, ``queries.jsonl``, optional
  ``qrels/<split>.tsv`` for gold documents) plus ``answers.jsonl``: one object per question,
  ``{"_id": query id, "answers": [...], "answerable": true|false}`` (both fields optional).
- **JSONL**: one object per line, ``{"question": ..., "answers": [...], "answerable": ...}``
  (``id`` optional). It carries no passages, so ``--collection`` is required.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from veracity.errors import EvaluationError
from veracity.evaluate.beir import doc_uri, read_corpus, read_qrels, read_queries
from veracity.evaluate.files import json_objects, read_text
from veracity.records import Document


@dataclass(frozen=True, slots=True)
class EvalItem:
    """One question: gold answers (may be empty), whether it can be answered (None: unknown,
    treated as answerable when it has gold answers) and the uris of its gold documents."""

    id: str
    question: str
    answers: tuple[str, ...] = ()
    answerable: bool | None = None
    gold_uris: tuple[str, ...] = ()

    @property
    def should_answer(self) -> bool | None:
        if self.answerable is not None:
            return self.answerable
        return True if self.answers else None


@dataclass(frozen=True, slots=True)
class EvalSet:
    name: str
    kind: str  # "squad" | "beir" | "jsonl"
    items: tuple[EvalItem, ...]
    documents: tuple[Document, ...] = field(default=(), repr=False)


def load_dataset(path: str | Path) -> EvalSet:
    """Load a SQuAD file, a BEIR folder with ``answers.jsonl``, or a JSONL question file."""
    p = Path(path).expanduser()
    if p.is_dir():
        return load_beir_answers(p)
    if not p.is_file():
        raise EvaluationError(
            f"{p}: no such file or folder; give a SQuAD .json[.gz], a BEIR folder with "
            "answers.jsonl, or a .jsonl question file"
        )
    name = p.name.removesuffix(".gz")
    if name.endswith(".jsonl"):
        return load_jsonl(p)
    if name.endswith(".json"):
        return load_squad(p)
    raise EvaluationError(f"{p}: unknown dataset format; expected .json, .json.gz or .jsonl")


def _answers(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(a, str) for a in value):
        return tuple(value)
    raise EvaluationError(f'{where}: "answers" must be a string or a list of strings')


def _answerable(value: Any, where: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise EvaluationError(f'{where}: "answerable" must be true or false, got {value!r}')


# -- SQuAD --------------------------------------------------------------------------------------


def load_squad(path: str | Path) -> EvalSet:
    """Questions and paragraphs of an official SQuAD JSON file (v1.1 or v2.0)."""
    p = Path(path)
    try:
        data = json.loads(read_text(p))["data"]
        docs: list[Document] = []
        items: list[EvalItem] = []
        for a, article in enumerate(data):
            title = str(article.get("title", "")).replace("_", " ")
            for i, para in enumerate(article["paragraphs"]):
                uri = f"squad:{a}:{i}"
                docs.append(
                    Document.make(uri, para["context"], title=title, metadata={"article": title})
                )
                items.extend(_squad_item(qa, uri) for qa in para["qas"])
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise EvaluationError(
            f"{p}: not an official SQuAD file ({type(exc).__name__}: {exc}); expected "
            '{"data": [{"title", "paragraphs": [{"context", "qas": [{"id", "question", '
            '"answers": [{"text"}]}]}]}]}'
        ) from None
    if not items:
        raise EvaluationError(f"{p}: no questions found")
    return EvalSet(p.name, "squad", tuple(items), tuple(docs))


def _squad_item(qa: dict[str, Any], uri: str) -> EvalItem:
    impossible = bool(qa.get("is_impossible", False))
    answers = tuple(dict.fromkeys(str(a["text"]) for a in qa.get("answers", [])))
    return EvalItem(
        id=str(qa["id"]),
        question=str(qa["question"]),
        answers=answers,
        answerable=not impossible,
        gold_uris=() if impossible else (uri,),
    )


# -- JSONL --------------------------------------------------------------------------------------


def load_jsonl(path: str | Path) -> EvalSet:
    """``{"question", "answers"?, "answerable"?, "id"?}`` per line; no passages."""
    p = Path(path)
    items: list[EvalItem] = []
    for n, row in json_objects(p):
        where = f"{p}:{n}"
        q = row.get("question")
        if not isinstance(q, str) or not q.strip():
            raise EvaluationError(f'{where}: each line needs a non-empty string "question"')
        items.append(
            EvalItem(
                id=str(row.get("id", n)),
                question=q,
                answers=_answers(row.get("answers"), where),
                answerable=_answerable(row.get("answerable"), where),
            )
        )
    if not items:
        raise EvaluationError(f"{p}: no questions found")
    return EvalSet(p.name, "jsonl", tuple(items))


# -- BEIR + answers -----------------------------------------------------------------------------


def load_beir_answers(root: str | Path, split: str = "test") -> EvalSet:
    """A BEIR folder plus ``answers.jsonl``; questions are the queries the answers file names."""
    r = Path(root)
    answers_path = r / "answers.jsonl"
    if not answers_path.is_file():
        raise EvaluationError(
            f"{r}: no answers.jsonl; a BEIR folder for answer evaluation needs one object per "
            'question: {"_id": query id, "answers": [...], "answerable": true|false}'
        )
    queries_path = r / "queries.jsonl"
    if not queries_path.is_file():
        raise EvaluationError(f"{r}: missing queries.jsonl; a BEIR folder needs it")
    queries = read_queries(queries_path)
    qrels_path = r / "qrels" / f"{split}.tsv"
    qrels = read_qrels(qrels_path) if qrels_path.is_file() else {}
    items: list[EvalItem] = []
    for n, row in json_objects(answers_path):
        where = f"{answers_path}:{n}"
        qid = str(row.get("_id", row.get("query-id", "")))
        if qid not in queries:
            raise EvaluationError(f"{where}: query id {qid!r} is not in queries.jsonl")
        gold = tuple(doc_uri(d) for d, s in qrels.get(qid, {}).items() if s > 0)
        items.append(
            EvalItem(
                qid,
                queries[qid],
                _answers(row.get("answers"), where),
                _answerable(row.get("answerable"), where),
                gold,
            )
        )
    if not items:
        raise EvaluationError(f"{answers_path}: no questions found")
    corpus = next((r / c for c in ("corpus.jsonl", "corpus.jsonl.gz") if (r / c).is_file()), None)
    if corpus is None:
        raise EvaluationError(f"{r}: no corpus.jsonl or corpus.jsonl.gz")
    docs = tuple(d.document() for d in read_corpus(corpus))
    return EvalSet(r.name, "beir", tuple(items), docs)
