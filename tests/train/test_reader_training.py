"""Reader training: LoRA leaves base weights alone and merges exactly, a short run lowers the loss,
and the adapter it writes runs in the ONNX reader with exact character spans."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from veracity.rag.reader.export import apply_adapter, read_adapter, reader_net  # noqa: E402
from veracity.train.lora import add_lora, lora_arrays  # noqa: E402
from veracity.train.reader import LORA_TARGETS, ReaderTrainConfig, train_reader  # noqa: E402


@pytest.fixture(scope="module")
def model_dir() -> Path:
    from veracity.embed.minilm import packaged_minilm_path

    try:
        return packaged_minilm_path()
    except Exception as exc:
        pytest.skip(f"packaged MiniLM not installed: {exc}")


def test_lora_starts_as_the_base_model_and_trains_only_its_factors() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    x = torch.randn(16, 8)
    before = model(x).detach().clone()
    base = [p.detach().clone() for p in model.parameters()]
    assert add_lora(model, ["0", "2"], rank=2) == ["0", "2"]
    assert torch.equal(model(x), before)  # B starts at zero
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        model(x).pow(2).sum().backward()
        opt.step()
    frozen = [model[0].base.weight, model[0].base.bias, model[2].base.weight, model[2].base.bias]
    assert all(torch.equal(a, b) for a, b in zip(frozen, base, strict=True))
    assert not torch.equal(model(x), before)
    with pytest.raises(Exception, match=r"no nn\.Linear"):
        add_lora(torch.nn.Sequential(torch.nn.Linear(2, 2)), ["nothing"])


def test_merged_adapter_computes_what_the_lora_model_computed(model_dir: Path) -> None:
    torch.manual_seed(0)
    net = reader_net(model_dir).eval()
    add_lora(net.bert, LORA_TARGETS, rank=4)
    with torch.no_grad():
        for name, p in net.named_parameters():
            if "lora_B" in name or name.startswith(("qa.", "answerable.")):
                p.normal_(0, 0.02)
    arrays = lora_arrays(net, dtype=np.float32)
    arrays.update({f"full:{n}": p.detach().numpy() for n, p in net.named_parameters()
                   if n.startswith(("qa.", "answerable."))})  # fmt: skip
    ids = torch.randint(1000, 5000, (2, 12))
    mask, types = torch.ones_like(ids), torch.zeros_like(ids)
    with torch.no_grad():
        want = net(ids, mask, types)
        merged = reader_net(model_dir).eval()
        apply_adapter(merged, arrays)
        got = merged(ids, mask, types)
    for a, b in zip(want, got, strict=True):
        assert torch.allclose(a, b, atol=1e-4)


def test_resume_restores_what_the_adapter_holds(model_dir: Path, tmp_path: Path) -> None:
    from veracity.train.reader import load_adapter_into

    torch.manual_seed(1)
    net = reader_net(model_dir).eval()
    add_lora(net.bert, LORA_TARGETS, rank=4)
    with torch.no_grad():
        for name, p in net.named_parameters():
            if "lora_" in name or name.startswith("qa."):
                p.normal_(0, 0.02)
    arrays = lora_arrays(net, dtype=np.float32)
    arrays.update({f"full:{n}": p.detach().numpy().copy() for n, p in net.named_parameters()
                   if n.startswith(("qa.", "answerable."))})  # fmt: skip
    fresh = reader_net(model_dir).eval()
    add_lora(fresh.bert, LORA_TARGETS, rank=4)
    load_adapter_into(fresh, arrays)
    ids = torch.randint(1000, 5000, (1, 10))
    with torch.no_grad():
        for a, b in zip(net(ids, torch.ones_like(ids), torch.zeros_like(ids)),
                        fresh(ids, torch.ones_like(ids), torch.zeros_like(ids)), strict=True):  # fmt: skip
            assert torch.allclose(a, b, atol=1e-5)


def _tiny_squad(path: Path) -> None:
    """Six articles of short factual paragraphs, each fact asked about."""
    cities = ["Lisbon", "Tallinn", "Oslo", "Quito", "Hanoi", "Lagos", "Lima", "Riga", "Bern"]
    data = []
    for a in range(6):
        paragraphs = []
        for p in range(3):
            city, year = cities[(a + p) % len(cities)], 1900 + 7 * a + p
            context = (f"The museum of {city} opened in {year}. It holds {10 * (p + 2)} paintings "
                       f"and a library. Its director lives in {cities[(a + p + 3) % len(cities)]}.")  # fmt: skip
            qas = [
                {"id": f"{a}-{p}-y", "question": f"When did the museum of {city} open?",
                 "answers": [{"text": str(year), "answer_start": context.index(str(year))}]},
                {"id": f"{a}-{p}-n", "question": f"How many paintings does the {city} museum hold?",
                 "answers": [{"text": str(10 * (p + 2)),
                              "answer_start": context.index(str(10 * (p + 2)))}]},
            ]  # fmt: skip
            paragraphs.append({"context": context, "qas": qas})
        data.append({"title": f"Museum article {a}", "paragraphs": paragraphs})
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        json.dump({"version": "1.1", "data": data}, fh)


def test_a_short_run_lowers_the_loss_and_its_adapter_reads(
    tmp_path: Path, model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    squad = tmp_path / "tiny.json.gz"
    _tiny_squad(squad)
    out = tmp_path / "adapter.npz"
    report = train_reader(
        ReaderTrainConfig(
            squad=squad, out=out, epochs=6, batch_size=8, lr=2e-3, dev_articles=1, threads=1,
            log_every=2, model_dir=model_dir,
        )
    )  # fmt: skip
    curve = [loss for _, loss in report["train"]["loss_curve"]]
    assert len(curve) >= 3 and curve[-1] < 0.7 * curve[0]
    arrays, meta = read_adapter(out)
    assert meta["calibration"]["threshold"] >= 0 and any(k.endswith(".lora_A") for k in arrays)
    assert out.stat().st_size < 3 * 1024 * 1024

    from veracity.rag.reader.model import Reader

    monkeypatch.setenv("VERACITY_CACHE", str(tmp_path / "cache"))
    reader = Reader(out, threads=1, model_dir=model_dir)
    passages = ["The museum of Lima opened in 1921. It holds 30 paintings.", "Nothing here."]
    readings = reader.read("When did the museum of Lima open?", passages)
    assert [r.passage for r in readings] == [0, 1]
    for r in readings:
        assert passages[r.passage][r.start : r.end] == r.text
        assert 0.0 <= r.probability <= 1.0
    assert list((tmp_path / "cache" / "onnx").glob("reader-*.onnx"))  # built once, cached


def test_train_cli_rejects_bad_input_with_a_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from veracity.cli.main import main

    assert main(["train", "reader", "--squad", str(tmp_path / "missing.json")]) == 2
    assert "pass --squad" in capsys.readouterr().err
    squad = tmp_path / "tiny.json.gz"
    _tiny_squad(squad)
    assert main(["train", "reader", "--squad", str(squad), "--out", "x.txt"]) == 2
    assert "--out must end in .npz" in capsys.readouterr().err
    assert main(["train", "reader", "--squad", str(squad), "--epochs", "0"]) == 2
    assert "--epochs must be positive" in capsys.readouterr().err
    assert main(["train", "reader", "--squad", str(squad), "--edits", "entity,typo"]) == 2
    assert "--edits 'entity,typo': name one or more of entity," in capsys.readouterr().err
    assert main(["train", "reader", "--squad", str(squad), "--qualified-share", "1.5"]) == 2
    assert "--qualified-share is a share between 0 and 1, got 1.5" in capsys.readouterr().err
    assert main(["train", "reader", "--squad", str(squad), "--tables", "-3"]) == 2
    assert "--tables is a number of examples, 0 or more, got -3" in capsys.readouterr().err
