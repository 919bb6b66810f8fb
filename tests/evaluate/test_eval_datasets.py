"""Loaders for answer evaluation: SQuAD JSON(.gz), BEIR + answers.jsonl, JSONL; malformed input."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from veracity.errors import EvaluationError
from veracity.evaluate.datasets import load_dataset

SQUAD = {
    "version": "1.1",
    "data": [
        {
            "title": "Super_Bowl_50",
            "paragraphs": [
                {
                    "context": "The Denver Broncos won Super Bowl 50 in 2016.",
                    "qas": [
                        {
                            "id": "q1",
                            "question": "Who won Super Bowl 50?",
                            "answers": [
                                {"text": "Denver Broncos", "answer_start": 4},
                                {"text": "Denver Broncos", "answer_start": 4},
                                {"text": "The Denver Broncos", "answer_start": 0},
                            ],
                        },
                        {
                            "id": "q2",
                            "question": "Who lost Super Bowl 51?",
                            "answers": [],
                            "is_impossible": True,
                        },
                    ],
                }
            ],
        }
    ],
}


def test_squad_json_and_gz(tmp_path: Path) -> None:
    plain = tmp_path / "s.json"
    plain.write_text(json.dumps(SQUAD))
    gz = tmp_path / "s.json.gz"
    gz.write_bytes(gzip.compress(json.dumps(SQUAD).encode()))
    for path in (plain, gz):
        ds = load_dataset(path)
        assert ds.kind == "squad" and len(ds.documents) == 1
        assert ds.documents[0].uri == "squad:0:0" and ds.documents[0].title == "Super Bowl 50"
        q1, q2 = ds.items
        assert q1.answers == ("Denver Broncos", "The Denver Broncos")  # duplicates dropped
        assert q1.gold_uris == ("squad:0:0",) and q1.should_answer is True
        assert q2.answerable is False and q2.gold_uris == ()


def test_beir_folder_with_answers(tmp_path: Path) -> None:
    (tmp_path / "qrels").mkdir()
    (tmp_path / "corpus.jsonl").write_text(
        json.dumps({"_id": "d1", "title": "T", "text": "Aspirin reduces fever."}) + "\n"
    )
    (tmp_path / "queries.jsonl").write_text(
        json.dumps({"_id": "q1", "text": "What does aspirin reduce?"})
        + "\n"
        + json.dumps({"_id": "q2", "text": "Who is the king of Mars?"})
        + "\n"
    )
    (tmp_path / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\n")
    (tmp_path / "answers.jsonl").write_text(
        '{"_id": "q1", "answers": ["fever"]}\n{"_id": "q2", "answerable": false}\n'
    )
    ds = load_dataset(tmp_path)
    assert ds.kind == "beir" and [d.uri for d in ds.documents] == ["beir:d1"]
    assert ds.items[0].answers == ("fever",) and ds.items[0].gold_uris == ("beir:d1",)
    assert ds.items[1].should_answer is False


def test_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"question": "How many days?", "answers": "25"}\n\n'
        '{"id": "x", "question": "Who?", "answerable": false}\n{"question": "Open?"}\n'
    )
    ds = load_dataset(path)
    assert ds.kind == "jsonl" and ds.documents == ()
    assert [i.id for i in ds.items] == ["1", "x", "4"]
    assert ds.items[0].answers == ("25",) and ds.items[2].should_answer is None


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.jsonl", '{"question": 3}\n', "question"),
        ("b.jsonl", "not json\n", "not valid JSON"),
        ("c.jsonl", '{"question": "q", "answers": [1]}\n', "answers"),
        ("d.jsonl", '{"question": "q", "answerable": "no"}\n', "answerable"),
        ("e.jsonl", "\n", "no questions"),
        ("f.json", '{"data": [{"paragraphs": [{"qas": []}]}]}', "SQuAD"),
        ("g.json", "[1, 2]", "SQuAD"),
        ("h.txt", "x", "unknown dataset format"),
    ],
)
def test_malformed_input_raises_evaluation_error(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(EvaluationError, match=message):
        load_dataset(path)


def test_missing_paths_and_bad_beir(tmp_path: Path) -> None:
    with pytest.raises(EvaluationError, match="no such file"):
        load_dataset(tmp_path / "nope.json")
    with pytest.raises(EvaluationError, match=r"answers\.jsonl"):
        load_dataset(tmp_path)
    (tmp_path / "answers.jsonl").write_text('{"_id": "q9"}\n')
    (tmp_path / "queries.jsonl").write_text('{"_id": "q1", "text": "x"}\n')
    with pytest.raises(EvaluationError, match="q9"):
        load_dataset(tmp_path)
