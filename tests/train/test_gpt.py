"""The small GPT: config, data pipeline, schedule, model, training, resume, HF export."""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from veracity.errors import ConfigError
from veracity.train.gpt.config import PRESETS, GPTConfig, TrainConfig, load_config
from veracity.train.gpt.data import (
    PrepareReport,
    dedup,
    quality_filter,
    read_documents,
    read_shards,
    split_of,
    write_shards,
)
from veracity.train.gpt.trainer import get_batch, lr_at

torch = pytest.importorskip("torch")

ANIMALS = ["fox", "dog", "cat", "owl", "bee", "cow", "eel", "ant", "bat", "yak"]
COLOURS = ["red", "blue", "green", "brown", "white", "black", "grey"]


def _doc(i: int) -> str:
    a, c = ANIMALS[i % len(ANIMALS)], COLOURS[(i // 3) % len(COLOURS)]
    return (
        f"Story {i}. The {c} {a} walked to the river near the old mill, and the {a} drank cold "
        f"water while the {c} sun went down behind the hills of the quiet valley number {i % 17}."
    )


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    docs = [_doc(i) for i in range(240)]
    junk = ["too short", "$$$ ### @@@ %%% " * 10, docs[0], docs[1].upper()]
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(docs + junk) + "\n", encoding="utf-8")
    return path


def _cfg(corpus: Path, out: Path, **kw: Any) -> TrainConfig:
    return load_config(preset="test", data=[str(corpus)], out=str(out), **kw)


# --- config -----------------------------------------------------------------------------------


def test_config_roundtrip_and_validation(tmp_path: Path) -> None:
    cfg = PRESETS["tiny"]
    assert TrainConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    toml = tmp_path / "c.toml"
    toml.write_text("steps = 7\nwarmup = 1\n[model]\nn_layer = 3\nn_head = 2\nn_embd = 64\n")
    got = load_config(toml)
    assert (got.steps, got.model.n_layer, got.model.n_embd) == (7, 3, 64)
    with pytest.raises(ConfigError, match="multiple of"):
        GPTConfig(n_embd=30, n_head=4)
    with pytest.raises(ConfigError, match="unknown GPT config keys: bogus"):
        TrainConfig.from_dict({"bogus": 1})
    with pytest.raises(ConfigError, match="unknown preset"):
        load_config(preset="huge")


# --- data pipeline ----------------------------------------------------------------------------


def test_pipeline_counts_what_each_step_removes(corpus: Path) -> None:
    report = PrepareReport()
    kept = list(quality_filter(dedup(read_documents([corpus], report), report), report))
    assert report.read == 244
    # docs[0] again and docs[1] upper-cased are exact duplicates after normalisation
    assert report.removed["duplicate"] == 2
    assert report.removed["too_short"] == 1
    assert report.removed["symbol_heavy"] + report.removed["few_alpha_words"] == 1
    assert len(kept) == 240 == report.read - sum(report.removed.values())


def test_split_is_stable_and_shards_roundtrip(tmp_path: Path) -> None:
    docs = [_doc(i) for i in range(200)]
    splits = [split_of(d, 10) for d in docs]
    assert splits == [split_of(d, 10) for d in docs]
    assert 5 <= splits.count("val") <= 40
    report = PrepareReport()
    ids = [[1, 2, 3], [4, 5], [60000, 7]]
    write_shards(iter(ids), tmp_path, "train", eot=9, shard_tokens=4, report=report)
    assert report.shards["train"] == ["train_000.bin", "train_001.bin", "train_002.bin"]
    flat = np.concatenate(read_shards(tmp_path, "train")).tolist()
    assert flat == [1, 2, 3, 9, 4, 5, 9, 60000, 7, 9]
    assert report.tokens["train"] == 10


def test_batches_are_shifted_windows() -> None:
    shard = np.arange(1000, dtype=np.uint16)
    x, y = get_batch([shard], 8, 16, np.random.default_rng(0))
    assert x.shape == y.shape == (8, 16)
    assert (y == x + 1).all() and (np.diff(x, axis=1) == 1).all()


def test_lr_schedule_warms_up_then_decays_to_min() -> None:
    cfg = replace(PRESETS["test"], steps=100, warmup=10, lr=1.0, min_lr=0.1)
    lrs = [lr_at(s, cfg) for s in range(101)]
    assert lrs[0] < lrs[5] < lrs[9] < 1.0
    assert lrs[10] == pytest.approx(1.0)
    assert all(a >= b for a, b in itertools.pairwise(lrs[10:]))
    assert lrs[100] == pytest.approx(0.1)
    assert lrs[55] == pytest.approx(0.1 + 0.45 * (1 + math.cos(math.pi * 0.5)))


# --- model ------------------------------------------------------------------------------------


def test_model_is_causal_and_tied() -> None:
    from veracity.train.gpt.model import GPT

    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=50, block_size=16, n_layer=2, n_head=2, n_embd=16)).eval()
    assert model.lm_head.weight is model.transformer["wte"].weight
    a = torch.randint(0, 50, (1, 10))
    b = a.clone()
    b[0, 7:] = (b[0, 7:] + 1) % 50  # change the future only
    la, lb = model(a)[0], model(b)[0]
    assert torch.allclose(la[0, :7], lb[0, :7], atol=1e-6)
    assert not torch.allclose(la[0, 7:], lb[0, 7:])
    _, loss = model(a, a)
    assert loss is not None
    assert abs(float(loss.detach()) - math.log(50)) < 0.5  # near-uniform at init


# --- training, resume, export -----------------------------------------------------------------


def test_training_lowers_validation_loss(corpus: Path, tmp_path: Path) -> None:
    from veracity.train.gpt.trainer import train_gpt

    cfg = _cfg(corpus, tmp_path / "run", steps=60, eval_interval=20)
    report = train_gpt(cfg)
    val = json.loads((tmp_path / "run" / "report.json").read_text())["val_loss"]
    first_val = torch.load(tmp_path / "run" / "ckpt.pt", weights_only=False)["history"]["val"][0][1]
    assert report["step"] == 60 and val == report["val_loss"]
    assert val < first_val - 0.3
    assert (tmp_path / "run" / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert report["data"]["removed"]["duplicate"] == 2
    with pytest.raises(ConfigError, match="--resume"):
        train_gpt(cfg)  # a second run into the same folder must not overwrite it


def test_resume_continues_the_same_curve(corpus: Path, tmp_path: Path) -> None:
    """Stopped at step 8 and resumed to 16 == 16 steps in one go: losses, weights, optimizer."""
    from veracity.train.gpt.trainer import train_gpt

    kw = {"steps": 16, "eval_interval": 4}
    one = tmp_path / "one"
    train_gpt(_cfg(corpus, one, **kw))
    two = tmp_path / "two"
    stopped = train_gpt(_cfg(corpus, two, **kw), stop_at=8)
    assert stopped["step"] == 8
    mid = torch.load(two / "ckpt.pt", weights_only=False)
    assert mid["step"] == 8 and len(mid["optimizer"]["state"]) > 0
    train_gpt(_cfg(corpus, two, **kw), resume=True)
    a = torch.load(one / "ckpt.pt", weights_only=False)
    b = torch.load(two / "ckpt.pt", weights_only=False)
    assert a["step"] == b["step"] == 16
    assert np.allclose(a["history"]["train"], b["history"]["train"], atol=1e-6)
    assert np.allclose(a["history"]["val"], b["history"]["val"], atol=1e-6)
    for key, value in a["model"].items():
        assert torch.allclose(value, b["model"][key], atol=1e-6), key
    for k, state in a["optimizer"]["state"].items():
        other = b["optimizer"]["state"][k]
        assert torch.allclose(state["exp_avg"], other["exp_avg"], atol=1e-6)
        assert torch.allclose(state["exp_avg_sq"], other["exp_avg_sq"], atol=1e-8)
        assert float(state["step"]) == float(other["step"]) == 16


def test_export_runs_in_transformers_and_our_decoding_loop(corpus: Path, tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from veracity.generate.run import generate_text
    from veracity.records import Decoding
    from veracity.text.tokenizers import load_tokenizer
    from veracity.train.gpt.model import GPT
    from veracity.train.gpt.trainer import train_gpt

    run = tmp_path / "run"
    train_gpt(_cfg(corpus, run, steps=10, eval_interval=10))
    state = torch.load(run / "ckpt.pt", weights_only=False)
    ours = GPT(TrainConfig.from_dict(state["config"]).model)
    ours.load_state_dict(state["model"])
    ours.eval()
    hf = AutoModelForCausalLM.from_pretrained(run / "hf").eval()
    hf_tok = AutoTokenizer.from_pretrained(run / "hf")
    our_tok = load_tokenizer(run / "data" / "tokenizer.json")
    for text in ["The red fox walked, 12 times!\n\n  Émile's café: 日本 🙂  ", _doc(3)]:
        assert hf_tok.encode(text, add_special_tokens=False) == our_tok.encode(text)
        assert hf_tok.decode(hf_tok.encode(text)) == text
    ids = torch.tensor([our_tok.encode(_doc(5))[:32]])
    with torch.no_grad():
        assert torch.allclose(ours(ids)[0], hf(ids).logits, atol=1e-4)
    out = generate_text("The fox", model=f"hf:{run / 'hf'}", decoding=Decoding(max_tokens=5))
    assert out.model == f"hf:{run / 'hf'}"


def test_cli_trains_resumes_and_samples(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("transformers")
    from veracity.cli.main import main

    base = ["train", "gpt", "--preset", "test", "--data", str(corpus), "--out", str(tmp_path)]
    assert main([*base, "--steps", "10", "--stop-at", "5", "--samples", "0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["step"] == 5
    assert main([*base, "--steps", "10", "--samples", "1", "--json"]) != 0  # no --resume
    capsys.readouterr()
    assert main([*base, "--steps", "10", "--resume", "--samples", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["step"] == 10 and out["samples"][0]["prompt"] == "The"
    assert isinstance(out["samples"][0]["text"], str)
