"""The MLflow pyfunc model: saved for a tiny collection, loaded back by MLflow, asked questions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from veracity.cli.main import main
from veracity.deploy.service import question_rows
from veracity.errors import ConfigError

from .conftest import ANSWERABLE, SECRET_URI, UNANSWERABLE, doc_text

mlflow = pytest.importorskip("mlflow")
pd = pytest.importorskip("pandas")

from veracity.deploy.mlflow_model import save_model  # noqa: E402


@pytest.fixture(scope="module")
def model_dir(collection_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_model(collection_dir, tmp_path_factory.mktemp("m") / "model", generator="fake")


@pytest.fixture(scope="module")
def model(model_dir: Path) -> Any:
    return mlflow.pyfunc.load_model(str(model_dir))


def _assert_cites(row: dict[str, Any], uri: str, needle: str) -> None:
    assert not row["abstained"], row["reason"]
    assert row["citations"], row
    for c in row["citations"]:
        # the citation's span is an exact slice of the cited document's text
        assert doc_text(c["uri"])[c["start"] : c["end"]] == c["text"]
    assert {c["uri"] for c in row["citations"]} == {uri}
    assert needle in row["answer"]


def test_loaded_model_answers_with_a_citation_and_abstains_when_it_cannot(model: Any) -> None:
    out = model.predict(pd.DataFrame({"question": [ANSWERABLE, UNANSWERABLE]}))
    rows = out.to_dict(orient="records")
    assert [r["question"] for r in rows] == [ANSWERABLE, UNANSWERABLE]
    _assert_cites(rows[0], "mem://eiffel", "1889")
    assert rows[1]["abstained"] and rows[1]["reason"] and not rows[1]["citations"]


def test_style_and_k_per_row_and_as_request_parameters(model: Any) -> None:
    out = model.predict(
        [{"question": "When was Python first released?", "k": 2}], params={"style": "generative"}
    ).to_dict(orient="records")
    assert out[0]["style"] == "generative"
    _assert_cites(out[0], "mem://python", "1991")
    row = model.predict(pd.DataFrame({"question": [ANSWERABLE], "style": ["extractive"]})).to_dict(
        orient="records"
    )[0]
    assert row["style"] == "extractive"


def test_labelled_documents_stay_hidden_unless_the_model_was_given_their_label(
    model: Any, collection_dir: Path, tmp_path: Path
) -> None:
    question = "What is the vault combination?"
    hidden = model.predict(pd.DataFrame({"question": [question]})).to_dict(orient="records")[0]
    # The unrestricted model (labels=None) may read it: a baseline proving the question finds it.
    assert SECRET_URI in {c["uri"] for c in hidden["citations"]}
    public = save_model(collection_dir, tmp_path / "public", generator="fake", labels="public")
    row = mlflow.pyfunc.load_model(str(public)).predict(pd.DataFrame({"question": [question]}))
    row = row.to_dict(orient="records")[0]
    assert SECRET_URI not in {c["uri"] for c in row["citations"]}
    assert "4921" not in row["answer"]


def test_missing_question_column_is_a_clear_error(model: Any) -> None:
    with pytest.raises(mlflow.exceptions.MlflowException, match="question"):
        model.predict(pd.DataFrame({"q": ["When?"]}))
    # without MLflow's schema check (say, a model saved with no signature) our own check says so
    with pytest.raises(ConfigError, match="no 'question' column"):
        question_rows(pd.DataFrame({"q": ["When?"]}))
    with pytest.raises(ConfigError, match="k must be a whole number"):
        question_rows([{"question": "When?", "k": 0}])
    with pytest.raises(ConfigError, match="unknown answer style"):
        question_rows({"question": ["When?"], "style": ["poetic"]})


def test_the_model_folder_is_code_config_and_a_store_snapshot(model: Any, model_dir: Path) -> None:
    files = {p.relative_to(model_dir).as_posix() for p in model_dir.rglob("*") if p.is_file()}
    assert "artifacts/collection/veracity.db" in files
    assert not any(f.endswith(".pkl") for f in files), files  # saved from code: no pickle
    # loading and answering wrote nothing next to the snapshot (it may be read-only)
    assert {f for f in files if f.startswith("artifacts/")} == {"artifacts/collection/veracity.db"}
    config = mlflow.models.Model.load(str(model_dir)).flavors["python_function"]["config"]
    assert config["generator"] == "fake" and config["labels"] is None


def test_a_password_in_the_uri_is_refused_and_never_echoed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PGPASSWORD") as err:
        save_model("postgresql://app:hunter2@db:5432/docs", tmp_path / "m", generator="fake")
    assert "hunter2" not in str(err.value)
    assert not (tmp_path / "m").exists()


def test_cli_writes_a_model_that_loads(collection_dir: Path, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "cli-model"
    code = main(["deploy", "mlflow", "--collection", str(collection_dir), "--out", str(out),
                 "--model", "fake", "--style", "extractive", "--k", "3", "--json"])  # fmt: skip
    assert code == 0
    assert json.loads(capsys.readouterr().out)["model"] == str(out)
    config = mlflow.models.Model.load(str(out)).flavors["python_function"]["config"]
    assert (config["style"], config["k"]) == ("extractive", 3)
    # an existing folder is refused rather than overwritten
    assert main(["deploy", "mlflow", "--collection", str(collection_dir), "--out", str(out)]) == 2
