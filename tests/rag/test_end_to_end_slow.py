"""The real thing: MiniLM embeddings and the packaged SmolLM2 model over the shipped samples."""

from __future__ import annotations

from pathlib import Path

import pytest

import veracity

pytestmark = pytest.mark.slow
SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture(scope="module")
def col(tmp_path_factory: pytest.TempPathFactory) -> veracity.Collection:
    c = veracity.open(tmp_path_factory.mktemp("e2e") / "col", embedder="minilm")
    report = c.add([SAMPLES])
    assert report.added >= 7 and not report.failed
    return c


def test_answers_with_a_citation_into_the_right_file(col: veracity.Collection) -> None:
    answer = col.ask("How many vacation days do employees get?")
    assert not answer.abstained, answer.reason
    assert "25" in answer.text
    assert any(s.supported for s in answer.sentences)
    cited = {Path(c.uri).name for c in answer.citations}
    assert cited & {"vacation-policy.md", "faq.html"}
    for c in answer.citations:
        assert col.document(c.document_id).text[c.start : c.end] == c.text


def test_abstains_on_what_the_documents_do_not_cover(col: veracity.Collection) -> None:
    answer = col.ask("What is the capital of Mongolia?")
    assert answer.abstained and "I don't know" in answer.text


def test_extractive_answer_leads_with_the_span(col: veracity.Collection) -> None:
    answer = col.ask("How many vacation days do employees get per year?")
    assert answer.style == "extractive" and answer.short is not None, answer.reason
    assert "25" in answer.short.text
    doc = col.document(answer.short.document_id)
    assert doc.text[answer.short.start : answer.short.end] == answer.short.text
    assert answer.text.startswith(answer.text.split(" [1]")[0]) and "\u201c" in answer.text


def test_generative_style_shows_only_supported_sentences(col: veracity.Collection) -> None:
    answer = col.ask("How many vacation days do employees get?", style="generative")
    assert not answer.abstained, answer.reason
    assert "25" in answer.text
    assert answer.style in ("generative", "extractive")  # extractive: the model's draft failed
    if answer.style == "generative":
        assert any(s.supported for s in answer.sentences)
