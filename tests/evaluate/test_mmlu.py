"""MMLU harness: lighteval's prompt, argmax scoring, accuracy and CI arithmetic, HF scoring."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from veracity.errors import ConfigError
from veracity.evaluate.mmlu import (
    Question,
    build_prompt,
    evaluate_mmlu,
    list_subjects,
    load_questions,
    macro_ci,
    mmlu_html,
)

HEADER = "question,choice0,choice1,choice2,choice3,answer\n"


def _write(root: Path, split: str, subject: str, rows: list[str]) -> None:
    (root / split).mkdir(parents=True, exist_ok=True)
    (root / split / f"{subject}_{split}.csv").write_text(HEADER + "".join(rows), encoding="utf-8")


@pytest.fixture
def mmlu_dir(tmp_path: Path) -> Path:
    """Two subjects: ``toy_math`` (2 test questions) and ``toy_geo`` (1), with dev shots."""
    root = tmp_path / "mmlu"
    _write(root, "dev", "toy_math", ["1+1?,1,2,3,4,1\n", '"Say ""two""",one,two,three,four,1\n'])
    _write(root, "test", "toy_math", ["2+2?,3,4,5,6,1\n", "3+3?,6,7,8,9,0\n"])
    _write(root, "dev", "toy_geo", ["Capital of France?,Rome,Paris,Oslo,Bern,1\n"])
    _write(root, "test", "toy_geo", ["Capital of Norway?,Rome,Paris,Oslo,Bern,2\n"])
    return root


class TableScorer:
    """Returns a fixed log-likelihood row per question text; records the prompts it saw."""

    name = "table"

    def __init__(self, rows: dict[str, list[float]]) -> None:
        self.rows, self.seen = rows, []  # type: ignore[var-annotated]

    def loglikelihoods(self, prefix: str, context: str, conts: Sequence[str]) -> list[float]:
        assert context.startswith(prefix) and list(conts) == [" A", " B", " C", " D"]
        self.seen.append(context)
        return next(v for k, v in self.rows.items() if f"Question: {k}\n" in context[len(prefix) :])


def test_loads_csv_with_quotes(mmlu_dir: Path) -> None:
    assert list_subjects(mmlu_dir) == ["toy_geo", "toy_math"]
    dev = load_questions(mmlu_dir, "toy_math", "dev")
    assert dev[1] == Question("toy_math", 'Say "two"', ("one", "two", "three", "four"), 1)
    with pytest.raises(ConfigError, match="no MMLU folder"):
        list_subjects(mmlu_dir / "nope")


def test_prompt_is_lightevals_plain_text(mmlu_dir: Path) -> None:
    dev = load_questions(mmlu_dir, "toy_math", "dev")
    q = load_questions(mmlu_dir, "toy_math", "test")[0]
    prefix, prompt = build_prompt(q, dev[:1])
    # lighteval 0.13.0 PromptManager._prepare_plain_text of mmlu_prompt, written out by hand
    expected = (
        "The following are multiple choice questions (with answers) about toy math.\n\n"
        "\n\nQuestion: 1+1?\nA. 1\nB. 2\nC. 3\nD. 4\nAnswer: B"
        "\n\nQuestion: 2+2?\nA. 3\nB. 4\nC. 5\nD. 6\nAnswer:"
    )
    assert prompt == expected
    assert prompt.startswith(prefix) and prompt[len(prefix) :].startswith("Question: 2+2?")
    zero = build_prompt(q, [])[1]
    assert zero == (
        "The following are multiple choice questions (with answers) about toy math.\n\n"
        "\n\nQuestion: 2+2?\nA. 3\nB. 4\nC. 5\nD. 6\nAnswer:"
    )


def test_scoring_picks_the_argmax_and_counts(mmlu_dir: Path) -> None:
    scorer = TableScorer({
        "2+2?": [-3.0, -0.5, -2.0, -4.0],  # B, right
        "3+3?": [-2.0, -1.0, -3.0, -3.0],  # B, wrong (answer A)
        "Capital of Norway?": [-5.0, -4.0, -0.1, -6.0],  # C, right
    })  # fmt: skip
    result = evaluate_mmlu(scorer, mmlu_dir, shots=2, seed=0)
    preds = {p["subject"] + str(p["answer"]): p["pred"] for p in result.predictions}
    assert preds == {"toy_math1": 1, "toy_math0": 1, "toy_geo2": 2}
    assert result.per_subject["toy_math"]["accuracy"] == pytest.approx(0.5)
    assert result.per_subject["toy_geo"]["accuracy"] == pytest.approx(1.0)
    assert result.micro["accuracy"] == pytest.approx(2 / 3)  # 2 of 3 questions
    assert result.macro["accuracy"] == pytest.approx(0.75)  # mean of 0.5 and 1.0
    # toy_geo has one dev question: shots are capped by what dev holds
    assert all(s.count("Answer: ") == (2 if "toy math" in s else 1) for s in scorer.seen)
    lo, hi = result.micro["ci95"]
    assert 0.0 <= lo <= 2 / 3 <= hi <= 1.0
    assert result.per_subject["toy_geo"]["ci95"] == [1.0, 1.0]  # one right answer: no spread
    page = mmlu_html(result.to_dict(), {"published": 0.3})
    assert "75.0%" in page and "chance" in page and "toy_geo" in page
    limited = evaluate_mmlu(scorer, mmlu_dir, shots=0, limit=1, subjects=["toy_math"])
    assert limited.micro["n"] == 1
    with pytest.raises(ConfigError, match="unknown MMLU subjects"):
        evaluate_mmlu(scorer, mmlu_dir, subjects=["astrology"])


def test_macro_ci_is_a_stratified_bootstrap() -> None:
    groups = [np.array([1, 1, 1, 1]), np.array([0, 1, 0, 0, 1, 0, 0, 0])]
    point, lo, hi = macro_ci(groups, n=2000, seed=1)
    assert point == pytest.approx((1.0 + 0.25) / 2)
    assert lo < point < hi
    # the first subject never varies, so the macro CI spans half the second subject's range
    assert lo >= 0.5 and hi <= 1.0
    rng = np.random.default_rng(1)
    ref = [
        np.mean([g[rng.integers(0, len(g), len(g))].mean() for g in groups]) for _ in range(2000)
    ]
    assert (lo, hi) == pytest.approx(tuple(np.quantile(ref, [0.025, 0.975])))


# --- a real model: the tiny random Llama of tests/generate --------------------------------------


@pytest.fixture(scope="module")
def tiny_hf_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    for mod in ("torch", "transformers", "tokenizers", "gguf"):
        if importlib.util.find_spec(mod) is None:
            pytest.skip(f"needs {mod}")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "generate"))
    import tiny_llama

    hf_dir, _ = tiny_llama.build(tmp_path_factory.mktemp("tiny-llama-mmlu"))
    return Path(hf_dir)


def _reference_ll(scorer: Any, context: str, cont: str) -> float:
    """Sum of log-probs of ``cont``'s tokens after ``context``: one plain forward pass."""
    import torch

    ctx = scorer.tokenizer.encode(context, add_special_tokens=False)
    ids = scorer.tokenizer.encode(cont, add_special_tokens=False)
    with torch.no_grad():
        logits = scorer.model(torch.tensor([ctx + ids])).logits[0]
    logp = torch.log_softmax(logits.float(), -1)
    return float(sum(logp[len(ctx) - 1 + j, t] for j, t in enumerate(ids)))


def test_hf_scorer_matches_a_plain_forward_pass(tiny_hf_dir: Path, mmlu_dir: Path) -> None:
    from veracity.evaluate.mmlu_scorers import get_scorer

    scorer: Any = get_scorer(f"hf:{tiny_hf_dir}")
    dev = load_questions(mmlu_dir, "toy_math", "dev")
    vocab = scorer.tokenizer.get_vocab()
    singles = [t for t in ("a", "b", "c", "d", "e") if t in vocab][:4]
    multis = [" Paris tower", " quick", " 0123", " zebra"]
    for q in load_questions(mmlu_dir, "toy_math", "test"):
        prefix, prompt = build_prompt(q, dev)
        for conts in (singles, multis):
            got = scorer.loglikelihoods(prefix, prompt, conts)
            want = [_reference_ll(scorer, prompt, c) for c in conts]
            assert got == pytest.approx(want, abs=1e-4)
    assert scorer._prefix is not None and scorer._prefix[0] == prefix  # the prefix was cached


def test_gguf_scorer_agrees_with_hf_on_the_same_weights(tiny_hf_dir: Path, mmlu_dir: Path) -> None:
    """llama.cpp's top-n log-probs of the tiny Llama equal transformers' (float32 both)."""
    if importlib.util.find_spec("xllamacpp") is None:
        pytest.skip("needs xllamacpp")
    from veracity.evaluate.mmlu_scorers import GGUFScorer, get_scorer

    hf: Any = get_scorer(f"hf:{tiny_hf_dir}")
    gg = GGUFScorer(tiny_hf_dir.parent / "tiny.gguf", n_ctx=256, top_n=hf.model.config.vocab_size)
    vocab = hf.tokenizer.get_vocab()
    conts = [t.replace("Ġ", " ") for t in ("Ġthe", "Ġis", "Ġand", "Ġa") if t in vocab]
    assert len(conts) >= 2
    q = load_questions(mmlu_dir, "toy_geo", "test")[0]
    prefix, prompt = build_prompt(q, load_questions(mmlu_dir, "toy_geo", "dev"))
    want = hf.loglikelihoods(prefix, prompt, conts)
    got = gg.loglikelihoods(prefix, prompt, conts)
    assert got == pytest.approx(want, abs=1e-3) and gg.missing == 0


def test_cli_eval_mmlu_json_and_html(tiny_hf_dir: Path, mmlu_dir: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    from veracity.cli.main import main

    page = tmp_path / "r.html"
    argv = ["eval", "mmlu", "--model", f"hf:{tiny_hf_dir}", "--data", str(mmlu_dir),
            "--shots", "1", "--json", "--html", str(page)]  # fmt: skip
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 3 and out["shots"] == 1 and out["chance"] == 0.25
    assert sum(out["predicted_letters"].values()) == 3
    assert set(out["per_subject"]) == {"toy_geo", "toy_math"}
    assert 0.0 <= out["macro"]["accuracy"] <= 1.0 and page.is_file()
    assert main(["eval", "mmlu", "--model", "gpt-9", "--data", str(mmlu_dir)]) != 0


def test_shared_mmlu_layout(datasets_dir: Path) -> None:
    root = datasets_dir / "mmlu"
    if not root.is_dir():
        pytest.skip(f"no MMLU at {root}")
    subjects = list_subjects(root)
    assert len(subjects) == 57
    assert sum(len(load_questions(root, s, "dev")) for s in subjects) == 285
    assert sum(len(load_questions(root, s, "test")) for s in subjects) == 14042


@pytest.mark.parametrize(
    "reply,choice",
    [("B", 1), (" (C) because it is", 2), ("The answer is D.", 3), ("Answer: A", 0),
     ("A good question; no idea", None), ("I cannot say", None)],
)  # fmt: skip
def test_a_server_model_is_scored_by_the_letter_it_answers(reply: str, choice: int | None) -> None:
    import math

    from veracity.evaluate.mmlu_scorers import GenerationScorer
    from veracity.generate.fake import ScriptedGenerator

    scorer = GenerationScorer(ScriptedGenerator([reply]))
    lls = scorer.loglikelihoods("", "Question: ...\nAnswer:", [" A", " B", " C", " D"])
    if choice is None:
        assert all(x == -math.inf for x in lls) and scorer.missing == 1
    else:
        assert lls.index(0.0) == choice and sum(x == 0.0 for x in lls) == 1
