"""Label-free embedder adaptation: inverse-cloze pairs, hard negatives, LoRA training, resume, use.

Training tests run on a tiny random BERT (2 layers, 32 wide) with MiniLM's tokenizer, saved as a
sentence-transformers folder once per session, so they take seconds; the real MiniLM is used only
in the ``slow`` test.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from veracity.train.embedder_data import cut_span, ict_pairs, mine_negatives

pytest.importorskip("torch")
pytest.importorskip("sentence_transformers")

TOPICS = [
    ("protein", "folding", "chaperones", "misfolded aggregates"),
    ("river", "erosion", "sediment", "delta formation"),
    ("vaccine", "antibodies", "adjuvants", "booster doses"),
    ("glacier", "ice flow", "crevasses", "meltwater lakes"),
    ("battery", "lithium ions", "cathodes", "thermal runaway"),
    ("forest", "canopy", "seedlings", "fire regimes"),
    ("neuron", "synapses", "dendrites", "action potentials"),
    ("volcano", "magma", "ash plumes", "lava domes"),
    ("coral", "reef builders", "bleaching", "symbiotic algae"),
    ("compiler", "parsers", "register allocation", "inlining passes"),
    ("bridge", "cables", "load paths", "expansion joints"),
    ("soil", "microbes", "nitrogen fixation", "organic matter"),
]


def passage(t: tuple[str, str, str, str]) -> str:
    a, b, c, d = t
    return (
        f"The study of the {a} begins with {b} and how it changes over long periods. "
        f"Researchers measured {c} in many samples to explain the behaviour of the {a}. "
        f"Their results link {d} to the way {b} responds under stress in the field. "
        f"Later work confirmed that {c} and {d} interact in most observed cases."
    )


PASSAGES = [passage(t) for t in TOPICS]


def test_ict_pairs_are_exact_spans() -> None:
    pairs = ict_pairs(PASSAGES, 30, seed=3)
    assert len(pairs) == 30
    for p in pairs:
        text = PASSAGES[p.source]
        assert p.query == text[p.start : p.end]
        assert p.positive == cut_span(text, p.start, p.end)
        assert p.query not in p.positive
        # the positive is the rest of the passage, in order, nothing else
        assert p.positive.replace(" ", "") == (text[: p.start] + text[p.end :]).replace(" ", "")
    assert len({(p.source, p.start) for p in pairs}) == 30  # no sentence drawn twice
    assert pairs == ict_pairs(PASSAGES, 30, seed=3)
    assert pairs != ict_pairs(PASSAGES, 30, seed=4)


def test_cut_span_joins_with_one_space() -> None:
    assert cut_span("A b. C d. E f.", 5, 9) == "A b. E f."
    assert cut_span("A b. C d.", 0, 4) == "C d."
    assert cut_span("A b. C d.", 5, 9) == "A b."


def test_short_passages_give_no_pairs() -> None:
    assert ict_pairs(["One sentence only, long enough to be a query here."], 5) == []


def test_negatives_never_hold_the_query_nor_the_source() -> None:
    # passage 0's sentences are copied into an extra passage: BM25 ranks it first for those
    # queries, and it must never become their negative
    copy = PASSAGES[0].split(". ")[1] + ". Unrelated closing words about nothing in particular."
    passages = [*PASSAGES, copy]
    groups = [f"doc{i // 2}" for i in range(len(passages))]
    pairs = ict_pairs(passages, 40, seed=1)
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(len(passages), 8)).astype(np.float32)
    qv = rng.normal(size=(len(pairs), 8)).astype(np.float32)
    mined = mine_negatives(pairs, passages, qv, vecs, groups, per_pair=3, depth=5)
    assert mined
    for raw, m in zip(pairs, mined, strict=False):
        assert m.query == raw.query  # no pair dropped on this corpus (order kept)
        assert len(m.negatives) == 3
        for neg in m.negatives:
            assert m.query.casefold() not in neg.casefold()
            assert neg != passages[raw.source]
            assert groups[passages.index(neg)] != groups[raw.source]


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from sentence_transformers import SentenceTransformer

    try:
        from sentence_transformers.sentence_transformer.modules import (
            Normalize,
            Pooling,
            Transformer,
        )
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.models import Normalize, Pooling, Transformer  # type: ignore
    from transformers import BertConfig, BertModel

    from veracity.embed.minilm import packaged_minilm_path

    root = tmp_path_factory.mktemp("tiny-st")
    hf = root / "hf"
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=128)  # fmt: skip
    BertModel(cfg).save_pretrained(hf)
    src = packaged_minilm_path()
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        shutil.copy(src / name, hf / name)
    modules = [Transformer(str(hf), max_seq_length=64), Pooling(32, "mean"), Normalize()]
    SentenceTransformer(modules=modules, device="cpu").save(str(root / "st"))
    return root / "st"


def _cfg(tiny: Path, out: Path, **kw: Any) -> Any:
    from veracity.train.embedder import EmbedderTrainConfig

    base: dict[str, Any] = dict(out=out, base=str(tiny), steps=4, batch_size=4, lr=5e-3, rank=4,
                                alpha=8.0, max_length=48, dev_pairs=4, log_every=1, seed=0)  # fmt: skip
    return EmbedderTrainConfig(**(base | kw))


def test_training_lowers_loss_and_changes_only_lora(tiny_model: Path, tmp_path: Path) -> None:
    import torch

    from veracity.train.embedder import (
        build_pairs,
        contrastive_loss,
        encoder_of,
        load_base,
        merge_lora,
        wrap_lora,
    )

    cfg = _cfg(tiny_model, tmp_path, dense_mining=False)
    pairs = build_pairs(PASSAGES, cfg)[:8]
    torch.manual_seed(0)
    model = load_base(str(tiny_model))
    model.max_seq_length = 48
    base = {n: p.detach().clone() for n, p in encoder_of(model).named_parameters()}
    wrap_lora(model, rank=4, alpha=8.0)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)
    model.eval()
    with torch.no_grad():
        start = float(contrastive_loss(model, pairs, 20.0, "cpu"))
        before_vecs = model.encode(PASSAGES[:3], convert_to_tensor=True)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-2)
    model.train()
    for _ in range(40):
        loss = contrastive_loss(model, pairs, 20.0, "cpu")
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        end = float(contrastive_loss(model, pairs, 20.0, "cpu"))
        lora_vecs = model.encode(PASSAGES[:3], convert_to_tensor=True)
    assert end < start * 0.8, (start, end)
    for name, p in encoder_of(model).named_parameters():
        if "lora_" in name:
            continue
        assert torch.equal(p, base[name.replace(".base.", ".")]), name  # bit-identical
    assert not torch.allclose(before_vecs, lora_vecs, atol=1e-4)
    assert merge_lora(model) == 2 * 6  # 6 projections per layer, 2 layers
    assert not any("lora_" in n for n, _ in model.named_parameters())
    with torch.no_grad():
        merged_vecs = model.encode(PASSAGES[:3], convert_to_tensor=True)
    assert torch.allclose(merged_vecs, lora_vecs, atol=1e-5)


def test_resume_continues_the_same_run(tiny_model: Path, tmp_path: Path) -> None:
    from veracity.train.embedder import finetune_embedder

    straight = finetune_embedder(PASSAGES, _cfg(tiny_model, tmp_path / "a"))

    class Interrupt(Exception):
        pass

    def stop_at_2(msg: str) -> None:
        if msg.startswith("step 2/"):
            raise Interrupt

    with pytest.raises(Interrupt):
        finetune_embedder(
            PASSAGES, _cfg(tiny_model, tmp_path / "b", checkpoint_every=1, log=stop_at_2)
        )
    resumed = finetune_embedder(PASSAGES, _cfg(tiny_model, tmp_path / "b", resume=True))
    assert [s for s, _ in resumed["loss_curve"]] == [1, 2, 3, 4]
    assert resumed["loss_curve"] == straight["loss_curve"]
    assert resumed["heldout_ict"]["after"] == straight["heldout_ict"]["after"]


def test_saved_folder_loads_with_get_embedder(tiny_model: Path, tmp_path: Path) -> None:
    from veracity.embed.base import get_embedder
    from veracity.train.embedder import REPORT_NAME, finetune_embedder

    out = tmp_path / "model"
    report = finetune_embedder(PASSAGES, _cfg(tiny_model, out))
    assert (out / REPORT_NAME).is_file()
    assert report["lora"]["layers"] == 12 and len(report["loss_curve"]) == 4
    tuned, base = get_embedder(str(out)), get_embedder(str(tiny_model))
    v = tuned.embed(PASSAGES[:5])
    assert v.shape == (5, 32) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(v, base.embed(PASSAGES[:5]), atol=1e-4)  # the training took effect
    assert not (out / "checkpoint" / "state.pt").with_suffix(".tmp").exists()


def test_cli_finetunes_a_collection_and_reembeds(tiny_model: Path, tmp_path: Path) -> None:
    import veracity
    from veracity.cli.main import main
    from veracity.records import Document

    col = tmp_path / "col"
    with veracity.open(col, embedder="hash") as c:
        c.add([Document.make(uri=f"mem://{i}", text=t) for i, t in enumerate(PASSAGES)], scan=False)
    out = tmp_path / "tuned"
    args = ["finetune", "embedder", "--collection", str(col), "--out", str(out), "--steps", "2",
            "--batch-size", "4", "--base", str(tiny_model), "--json"]  # fmt: skip
    assert main(args) == 0
    assert main(["reembed", "--collection", str(col), "--embedder", str(out)]) == 0
    with veracity.open(col) as c:
        assert c.status().dim == 32 and c.status().vectors == c.status().chunks
        assert c.search("glacier meltwater lakes", k=1)


@pytest.mark.slow
def test_real_minilm_few_steps(tmp_path: Path) -> None:
    from veracity.embed.base import get_embedder
    from veracity.train.embedder import EmbedderTrainConfig, finetune_embedder

    cfg = EmbedderTrainConfig(out=tmp_path / "m", steps=3, batch_size=4, dev_pairs=4, max_length=64)
    report = finetune_embedder(PASSAGES, cfg)
    assert report["lora"]["layers"] == 36
    assert get_embedder(str(cfg.out)).embed(["a query"]).shape == (1, 384)
