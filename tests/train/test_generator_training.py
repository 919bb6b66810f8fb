"""Generator fine-tuning: grounded-answer data, full / LoRA / soft prompt / continual training on a
tiny random Llama, resume, GGUF export parity with llama.cpp, and run tracking.

The tiny model (2 layers, 32 wide, a 400-token byte-level BPE trained in the test, 1024 positions)
is built once per module as a Hugging Face folder, so each training run takes well under a second.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from veracity.rag.prompt import is_abstention
from veracity.train.generator_data import (
    ABSTAIN_ANSWER,
    IGNORE,
    cite,
    cloze,
    collection_examples,
    encode_example,
    lm_blocks,
)

pytest.importorskip("torch")
pytest.importorskip("transformers")

TOPICS = [
    ("Tallinn", "harbour", "ferries", "1248"),
    ("Lisbon", "tram network", "trams", "1873"),
    ("Oslo", "opera house", "marble", "2008"),
    ("Vienna", "coffee houses", "newspapers", "1685"),
    ("Krakow", "salt mine", "chapels", "1978"),
    ("Porto", "bridge", "iron arches", "1886"),
    ("Bergen", "fish market", "seagulls", "1276"),
    ("Gdansk", "shipyard", "cranes", "1945"),
    ("Riga", "central market", "zeppelin hangars", "1930"),
    ("Ghent", "castle", "moats", "1180"),
    ("Turku", "cathedral", "bells", "1300"),
    ("Seville", "palace", "tiles", "1364"),
]
PASSAGES = [
    f"The city of {a} is known for its {b}. Visitors often mention the {c} when they describe "
    f"{a}. Records show that the {b} was first described in {d}. Local guides still tell the "
    f"story of the {b} to every group."
    for a, b, c, d in TOPICS
]
GROUPS = [t[0] for t in TOPICS]


def _need(*modules: str) -> None:
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")


def build_tiny(root: Path, tied: bool = False) -> Path:
    """A tiny random Llama with the tokenizer of tests/generate/tiny_llama.py, 1024 positions."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "generate"))
    import tiny_llama

    raw: Any = tiny_llama.build_tokenizer()
    fast: Any = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=raw, bos_token="<|im_start|>", eos_token="<|im_end|>",
        unk_token="<|endoftext|>", pad_token="<|endoftext|>",
    )  # fmt: skip
    fast.chat_template = tiny_llama.CHAT_TEMPLATE
    config = LlamaConfig(
        vocab_size=raw.get_vocab_size(), hidden_size=32, intermediate_size=64,
        num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        max_position_embeddings=1024, rms_norm_eps=1e-5, tie_word_embeddings=tied,
        bos_token_id=fast.convert_tokens_to_ids("<|im_start|>"),
        eos_token_id=fast.convert_tokens_to_ids("<|im_end|>"),
        initializer_range=0.2,  # peaky logits: clear arg-max margins across runtimes
    )  # fmt: skip
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    model.save_pretrained(root)
    fast.save_pretrained(root)
    return root


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _need("tokenizers", "peft")
    return build_tiny(tmp_path_factory.mktemp("tiny-gen") / "hf")


@pytest.fixture(scope="module")
def examples() -> list[Any]:
    return collection_examples(PASSAGES[:6], 12, seed=0, groups=GROUPS[:6], unanswerable_share=0.3)


def _cfg(tiny: Path, out: Path, method: str, **kw: Any) -> Any:
    from veracity.train.generator import GeneratorTrainConfig

    lr = {"lora": 1e-2, "prompt": 0.3, "full": 3e-3, "continual": 3e-3}[method]
    base: dict[str, Any] = dict(out=out, method=method, base=str(tiny), steps=6, batch_size=4, lr=lr,
                max_length=384, block_size=64, export=None, checkpoint_every=2,
                virtual_tokens=4, rank=4, eval_examples=4)  # fmt: skip
    base.update(kw)
    return GeneratorTrainConfig(**base)


# --- data ----------------------------------------------------------------------------------------


def test_cite_puts_the_marker_before_the_full_stop() -> None:
    assert cite("Tickets cost 12 euros.", 2) == "Tickets cost 12 euros [2]."
    assert cite("No stop here", 1) == "No stop here [1]."


def test_cloze_blanks_one_word_of_the_sentence() -> None:
    import random

    q, hidden = cloze("The harbour of Tallinn opened in 1248.", random.Random(0)) or ("", "")
    assert "___" in q and hidden in ("Tallinn", "1248")
    assert q.replace("___", hidden).count(hidden) >= 1


def test_collection_examples_cite_the_passage_that_holds_the_sentence(examples: list[Any]) -> None:
    answerable = [e for e in examples if e.answerable]
    unanswerable = [e for e in examples if not e.answerable]
    assert answerable and unanswerable
    for e in answerable:
        n = int(e.answer.rsplit("[", 1)[1].split("]")[0])
        assert e.golds[0] in " ".join(e.passages[n - 1].split())
        assert all(e.golds[0] not in p for i, p in enumerate(e.passages) if i != n - 1)
    for e in unanswerable:
        sentence = e.question.split('"')[1]
        assert e.answer == ABSTAIN_ANSWER and is_abstention(e.answer)
        left, right = sentence.split("___")
        assert not any(left.strip() in p and right.strip() in p for p in e.passages)


def test_loss_is_masked_to_the_reply(tiny: Path, examples: list[Any]) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny)
    ids, labels = encode_example(tok, examples[0], 1024)
    assert len(ids) == len(labels)
    kept = [t for t in labels if t != IGNORE]
    assert kept[-1] == tok.eos_token_id
    assert tok.decode(kept[:-1]) == examples[0].answer
    first = labels.index(kept[0])
    assert all(t == IGNORE for t in labels[:first]) and ids[first:] == kept
    short_ids, short_labels = encode_example(tok, examples[0], 64)
    assert len(short_ids) == 64 and [t for t in short_labels if t != IGNORE] == kept


def test_batch_loss_is_the_token_mean_over_reply_tokens_only(
    tiny: Path, examples: list[Any], tmp_path: Path
) -> None:
    """Oracle: the padded batch's loss equals cross-entropy computed by hand on the reply tokens
    alone, token-weighted across examples of different lengths (an abstention and an answer)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from veracity.train.generator import collate, mean_loss

    tok = AutoTokenizer.from_pretrained(tiny)
    model: Any = AutoModelForCausalLM.from_pretrained(tiny)
    model.eval()
    pair = [
        next(e for e in examples if e.answerable),
        next(e for e in examples if not e.answerable),
    ]
    rows = [encode_example(tok, e, 1024) for e in pair]
    assert len(rows[0][0]) != len(rows[1][0])
    total, count = 0.0, 0
    with torch.no_grad():
        for ids, labels in rows:
            logp = torch.log_softmax(model(torch.tensor([ids])).logits[0], -1)  # (T, V)
            for t in range(1, len(ids)):
                if labels[t] != IGNORE:
                    total -= float(logp[t - 1, ids[t]])
                    count += 1
        batch = model(**collate(rows, int(tok.pad_token_id), "cpu"))
    assert count == sum(len(tok(e.answer)["input_ids"]) + 1 for e in pair)
    assert float(batch.loss) == pytest.approx(total / count, rel=1e-4)
    cfg = _cfg(tiny, tmp_path, "lora", batch_size=2)
    assert mean_loss(model, rows, int(tok.pad_token_id), cfg) == pytest.approx(total / count, 1e-4)
    # Labelling the prompt too gives another loss: the mask is what keeps the prompt out of it.
    with torch.no_grad():
        whole = model(**collate([(rows[0][0], rows[0][0])], int(tok.pad_token_id), "cpu")).loss
        reply = model(**collate(rows[:1], int(tok.pad_token_id), "cpu")).loss
    assert float(whole) != pytest.approx(float(reply), rel=1e-3)


def test_abstain_probability_is_the_first_reply_token_of_the_abstention(
    tiny: Path, examples: list[Any]
) -> None:
    """Oracle: the softmax probability of an abstention example's first reply token at the
    position its training encoding puts it; ``score_examples`` measures it only when asked."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from veracity.train.generator_eval import abstain_probability, score_examples

    tok = AutoTokenizer.from_pretrained(tiny)
    model: Any = AutoModelForCausalLM.from_pretrained(tiny)
    model.eval()
    ex = next(e for e in examples if not e.answerable)
    ids, labels = encode_example(tok, ex, 1024)
    at = next(i for i, t in enumerate(labels) if t != IGNORE)
    with torch.no_grad():
        logits = model(torch.tensor([ids[:at]])).logits[0, -1]
    want = float(torch.softmax(logits, -1)[ids[at]])
    assert abstain_probability(model, tok, ex) == pytest.approx(want, rel=1e-5)
    rows = score_examples(model, tok, examples[:3], 2, first_token=True)
    assert all(r.p_abstain is not None and 0.0 <= r.p_abstain <= 1.0 for r in rows)
    assert score_examples(model, tok, examples[:1], 2)[0].p_abstain is None


def test_reply_stats_count_the_loss_tokens_of_each_kind(tiny: Path, examples: list[Any]) -> None:
    from transformers import AutoTokenizer

    from veracity.train.generator_data import reply_stats

    tok = AutoTokenizer.from_pretrained(tiny)
    stats = reply_stats(tok, examples)
    n_una = sum(not e.answerable for e in examples)
    assert stats["unanswerable"] == n_una and stats["answerable"] == len(examples) - n_una
    masked = [sum(t != IGNORE for t in encode_example(tok, e, 1024)[1]) for e in examples]
    abst = sum(m for m, e in zip(masked, examples, strict=True) if not e.answerable)
    assert stats["abstention_loss_token_share"] == pytest.approx(abst / sum(masked), abs=1e-4)
    assert stats["abstention_reply_tokens_mean"] < stats["answer_reply_tokens_mean"]


def test_lm_blocks_cover_the_text_in_order(tiny: Path) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny)
    blocks = lm_blocks(tok, PASSAGES[:2], 32)
    flat = [t for b in blocks for t in b]
    assert all(len(b) == 32 for b in blocks[:-1])
    text = str(tok.decode(flat, skip_special_tokens=True))
    assert text.replace(" ", "").startswith(PASSAGES[0].replace(" ", "")[:40])


# --- training ------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["lora", "prompt", "full", "continual"])
def test_each_method_lowers_the_loss_and_changes_only_its_parameters(
    tiny: Path, examples: list[Any], tmp_path: Path, method: str
) -> None:
    from transformers import AutoModelForCausalLM

    from veracity.train.generator import base_weights, finetune_generator

    before = {
        k: v.clone() for k, v in AutoModelForCausalLM.from_pretrained(tiny).state_dict().items()
    }
    items = PASSAGES if method == "continual" else examples
    result = finetune_generator(items, _cfg(tiny, tmp_path, method), heldout=items[:4])
    curve = result.report["loss_curve"]
    assert len(curve) == 6 and curve[-1] < curve[0]
    ev = result.report["eval"]
    assert ev["after"]["heldout_loss"] < ev["before"]["heldout_loss"]
    after = base_weights(result.model)
    assert set(after) == set(before)
    changed = [k for k, v in after.items() if not bool((v == before[k]).all())]
    if method in ("lora", "prompt"):
        assert changed == []  # bit-identical base
        assert result.report["trainable_parameters"] < result.report["total_parameters"] / 4
    else:
        assert len(changed) == len(after)
    files = result.report["files"]
    assert "model" in files  # for prompt: the untouched base the soft prompt runs over
    assert ("adapter" in files) == (method in ("lora", "prompt"))


@pytest.mark.parametrize("method", ["lora", "full"])
def test_resume_continues_the_same_loss_curve(
    tiny: Path, examples: list[Any], tmp_path: Path, method: str
) -> None:
    import torch

    from veracity.train.generator import finetune_generator

    whole = finetune_generator(examples, _cfg(tiny, tmp_path / "a", method, steps=4))
    first = finetune_generator(examples, _cfg(tiny, tmp_path / "b", method, steps=4, stop_at=2))
    assert len(first.report["loss_curve"]) == 2 and not first.report["finished"]
    assert "files" not in first.report
    rest = finetune_generator(examples, _cfg(tiny, tmp_path / "b", method, steps=4, resume=True))
    assert rest.report["finished"] and rest.report["loss_curve"][:2] == first.report["loss_curve"]
    assert rest.report["loss_curve"] == pytest.approx(whole.report["loss_curve"], abs=1e-5)
    a = {n: p for n, p in whole.model.named_parameters() if p.requires_grad}
    b = {n: p for n, p in rest.model.named_parameters() if p.requires_grad}
    assert a.keys() == b.keys()
    assert all(torch.allclose(a[n], b[n], atol=1e-6) for n in a)


def test_resume_refuses_another_method(tiny: Path, examples: list[Any], tmp_path: Path) -> None:
    from veracity.errors import ConfigError
    from veracity.train.generator import finetune_generator

    finetune_generator(examples, _cfg(tiny, tmp_path, "lora", steps=2))
    with pytest.raises(ConfigError, match="another method"):
        finetune_generator(examples, _cfg(tiny, tmp_path, "prompt", steps=4, resume=True))


def test_soft_prompted_greedy_reply_equals_a_plain_argmax_loop(
    tiny: Path, examples: list[Any], tmp_path: Path
) -> None:
    import torch

    from veracity.train.generator import finetune_generator
    from veracity.train.generator_data import messages_of, prompt_ids
    from veracity.train.generator_eval import greedy_reply, is_soft_prompted

    result = finetune_generator(examples, _cfg(tiny, tmp_path, "prompt", steps=2))
    model, tok = result.model.eval(), result.tokenizer
    assert is_soft_prompted(model)
    reply = greedy_reply(model, tok, examples[0], 12)
    seq = prompt_ids(tok, messages_of(examples[0]))
    start = len(seq)
    with torch.no_grad():
        for _ in range(12):
            x = torch.tensor([seq])
            seq.append(
                int(model(input_ids=x, attention_mask=torch.ones_like(x)).logits[0, -1].argmax())
            )
            if seq[-1] == tok.eos_token_id:
                break
    assert reply == tok.decode(seq[start:], skip_special_tokens=True).strip()


def test_a_saved_soft_prompt_runs_in_our_decoding_loop(
    tiny: Path, examples: list[Any], tmp_path: Path
) -> None:
    """The soft prompt written under OUT/adapter, read back over the base written under
    OUT/model by ``HFGenerator(soft_prompt=)`` without peft, gives the trained peft model's greedy
    ids; a LoRA folder or none is refused."""
    import torch

    from veracity.errors import ConfigError, ModelNotFound
    from veracity.generate.hf import HFGenerator
    from veracity.records import Decoding
    from veracity.train.generator import finetune_generator
    from veracity.train.generator_data import messages_of, prompt_ids

    result = finetune_generator(examples, _cfg(tiny, tmp_path / "prompt", "prompt", steps=2))
    model, tok = result.model.eval(), result.tokenizer
    ids = prompt_ids(tok, messages_of(examples[0]))
    seq, want = list(ids), []
    with torch.no_grad():
        for _ in range(12):
            x = torch.tensor([seq])
            token = int(
                model(input_ids=x, attention_mask=torch.ones_like(x)).logits[0, -1].argmax()
            )
            if token == tok.eos_token_id:
                break
            want.append(token)
            seq.append(token)
    assert len(want) >= 4  # steps through the KV cache are compared too
    out = (
        tmp_path / "prompt"
    )  # what `veracity ask --model hf:OUT/model --soft-prompt OUT/adapter` reads
    prompted = HFGenerator(out / "model", soft_prompt=out / "adapter")
    assert list(prompted.generate_ids(ids, Decoding(max_tokens=12))) == want
    plain = HFGenerator(tiny)
    assert prompted.context_size == plain.context_size - 4  # the 4 virtual tokens
    assert prompted.name != plain.name  # answer caches keep them apart
    with torch.no_grad():  # the prompt reaches the logits
        first = [g.model(input_ids=torch.tensor([ids])).logits[0, -1] for g in (prompted, plain)]
    assert not torch.allclose(first[0], first[1])
    with pytest.raises(ModelNotFound, match="no soft prompt"):
        HFGenerator(tiny, soft_prompt=tmp_path)
    finetune_generator(examples, _cfg(tiny, tmp_path / "lora", "lora", steps=1))
    with pytest.raises(ConfigError, match=r"LORA adapter, not a soft prompt; .*--lora"):
        HFGenerator(tiny, soft_prompt=tmp_path / "lora" / "adapter")


# --- export --------------------------------------------------------------------------------------

PROMPTS = ["The city of Tallinn is", "Visitors often mention", "Hello world! How are you"]


def _torch_greedy(model: Any, ids: list[int], n: int, eos: int | None = None) -> list[int]:
    """PyTorch's greedy ids after ``ids``: up to ``n``, through the first ``eos`` (llama.cpp
    stops there), and only up to the first near tie (top-2 logit margin under ``TIE``: there
    float rounding, not the export, decides)."""
    import torch

    seq, out = list(ids), []
    with torch.no_grad():
        for _ in range(n):
            top = torch.topk(model(torch.tensor([seq])).logits[0, -1], 2)
            if float(top.values[0] - top.values[1]) < TIE:
                break
            out.append(int(top.indices[0]))
            seq.append(out[-1])
            if out[-1] == eos:
                break
    return out


TIE = 1e-2


# Ids compared over all of PROMPTS at least: a near tie can cut one prompt's comparison short
# (which prompt depends on what the tiny model learned), never all of them.
MIN_COMPARED = 16


def _compared(got: list[int], want: list[int]) -> int:
    """Check that ``got`` (llama.cpp) starts with ``want`` (PyTorch, up to a near tie) and
    return how many ids that compared."""
    assert got[: len(want)] == want, (got, want)
    return len(want)


@pytest.mark.parametrize("tied", [False, True])
def test_merged_lora_gguf_greedy_ids_equal_pytorch(
    tiny: Path, examples: list[Any], tmp_path: Path, tied: bool
) -> None:
    _need("gguf", "xllamacpp")
    from transformers import AutoTokenizer

    from veracity.generate.gguf import GGUFGenerator
    from veracity.generate.gguf_vocab import load_bpe_tokenizer
    from veracity.records import Decoding
    from veracity.train.generator import finetune_generator, merged_model

    base = build_tiny(tmp_path / "tied", tied=True) if tied else tiny
    result = finetune_generator(examples, _cfg(base, tmp_path / "out", "lora", export="f32"))
    gguf_path = Path(result.report["files"]["gguf"])
    merged = merged_model(result.model, "lora").eval()
    tok = AutoTokenizer.from_pretrained(base)
    gen = GGUFGenerator(gguf_path, n_threads=1, n_ctx=512)
    compared = 0
    for prompt in PROMPTS:
        ids = tok(prompt, add_special_tokens=False)["input_ids"]
        got = gen.complete_ids(ids, Decoding(max_tokens=16))
        compared += _compared(got, _torch_greedy(merged, ids, 16, tok.eos_token_id))
    assert compared >= MIN_COMPARED
    # the vocabulary written to the file tokenizes as the Hugging Face tokenizer does
    rebuilt = load_bpe_tokenizer(gguf_path)
    text = "Visitors often mention the trams of Lisbon, 1873! <|im_end|>"
    assert rebuilt.encode(text, add_special_tokens=False).ids[:12] == tok(text)["input_ids"][:12]


def test_gguf_lora_adapter_applies_in_llama_cpp(
    tiny: Path, examples: list[Any], tmp_path: Path
) -> None:
    _need("gguf", "xllamacpp")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from veracity.train.generator import finetune_generator
    from veracity.train.generator_export import export_gguf

    result = finetune_generator(examples, _cfg(tiny, tmp_path / "out", "lora", export="f32"))
    tok = AutoTokenizer.from_pretrained(tiny)
    base_gguf = export_gguf(AutoModelForCausalLM.from_pretrained(tiny), tok, tmp_path / "base.gguf",
                            dtype="f32")  # fmt: skip
    from veracity.generate.gguf import GGUFGenerator
    from veracity.records import Decoding

    gen = GGUFGenerator(base_gguf, n_ctx=512, cache_prompt=False,
                        lora=result.report["files"]["adapter_gguf"])  # fmt: skip
    greedy = Decoding(max_tokens=16)
    model = result.model.eval()
    differs, compared = False, 0
    for prompt in PROMPTS:
        ids = tok(prompt, add_special_tokens=False)["input_ids"]
        got_ids = gen.complete_ids(ids, greedy)
        compared += _compared(got_ids, _torch_greedy(model, ids, 16, tok.eos_token_id))
        with model.disable_adapter():
            differs |= got_ids[:4] != _torch_greedy(model, ids, 4, tok.eos_token_id)
    assert compared >= MIN_COMPARED
    assert differs  # the adapter changed the output, so the test could fail


def test_a_missing_or_misweighted_adapter_is_refused_before_loading(tmp_path: Path) -> None:
    from veracity.errors import ConfigError, ModelNotFound
    from veracity.generate.gguf import GGUFGenerator

    with pytest.raises(ModelNotFound, match="LoRA adapter file not found"):
        GGUFGenerator(lora=tmp_path / "nope.gguf")
    (tmp_path / "a.gguf").write_bytes(b"GGUF")
    with pytest.raises(ConfigError, match="lora_scale"):
        GGUFGenerator(lora=tmp_path / "a.gguf", lora_scale=0.0)


def test_f16_export_loads_and_mostly_agrees(tiny: Path, tmp_path: Path) -> None:
    """f16 weights round the matrices; the stated tolerance: greedy ids agree on the first two
    tokens of every prompt, and on 90 % of the ids before any near tie."""
    _need("gguf", "xllamacpp")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from veracity.generate.gguf import GGUFGenerator
    from veracity.records import Decoding
    from veracity.train.generator_export import export_gguf

    model: Any = AutoModelForCausalLM.from_pretrained(tiny)
    model.eval()
    tok = AutoTokenizer.from_pretrained(tiny)
    path = export_gguf(model, tok, tmp_path / "m16.gguf", dtype="f16")
    assert (
        path.stat().st_size
        < export_gguf(model, tok, tmp_path / "m32.gguf", dtype="f32").stat().st_size
    )
    gen = GGUFGenerator(path, n_threads=1, n_ctx=512)
    same = total = 0
    for prompt in PROMPTS:
        ids = tok(prompt, add_special_tokens=False)["input_ids"]
        got = gen.complete_ids(ids, Decoding(max_tokens=16))
        want = _torch_greedy(model, ids, 16, tok.eos_token_id)
        assert got[:2] == want[:2]
        same += sum(a == b for a, b in zip(got, want, strict=False))
        total += len(want)
    assert same / total >= 0.9


# --- tracking and CLI ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mlflow_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One SQLite tracking store for the module (creating its tables takes seconds)."""
    _need("mlflow")
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"


def test_mlflow_run_reads_back_and_json_report_exists(tmp_path: Path, mlflow_uri: str) -> None:
    from mlflow.tracking import MlflowClient

    from veracity.train.tracking import REPORT_NAME, record_run

    uri = mlflow_uri
    art = tmp_path / "adapter"
    art.mkdir()
    (art / "adapter_config.json").write_text("{}")
    report = {"params": {"method": "lora", "lora": {"rank": 4}}, "loss_curve": [3.0, 2.5, 2.0],
              "eval": {"before": {"loss": 3.1, "f1": None}, "after": {"loss": 2.1}}}  # fmt: skip
    out = record_run(report, tmp_path / "out", mlflow_uri=uri, experiment="t-record", run_name="t",
                     artifacts=[art])  # fmt: skip
    saved = json.loads((tmp_path / "out" / REPORT_NAME).read_text())
    assert saved["mlflow_run_id"] == out["mlflow_run_id"]
    client = MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name("t-record")
    assert exp is not None
    runs = client.search_runs([exp.experiment_id])
    assert [r.info.run_id for r in runs] == [out["mlflow_run_id"]]
    run = runs[0]
    assert run.data.params == {"method": "lora", "lora.rank": "4"}
    assert run.data.metrics["after.loss"] == 2.1 and "before.f1" not in run.data.metrics
    history = client.get_metric_history(run.info.run_id, "loss")
    assert [(m.step, m.value) for m in history] == [(1, 3.0), (2, 2.5), (3, 2.0)]
    names = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {REPORT_NAME, "adapter"} <= names


def test_cli_finetunes_the_generator_on_a_collection(
    tiny: Path, tmp_path: Path, mlflow_uri: str
) -> None:
    from mlflow.tracking import MlflowClient

    import veracity
    from veracity.cli.main import main
    from veracity.records import Document

    col = tmp_path / "col"
    with veracity.open(col, embedder="hash") as c:
        c.add([Document.make(uri=f"mem://{i}", text=t) for i, t in enumerate(PASSAGES)],
              scan=False)  # fmt: skip
    out = tmp_path / "gen"
    args = ["finetune", "generator", "--collection", str(col), "--out", str(out), "--method",
            "lora", "--base", str(tiny), "--steps", "2", "--batch-size", "2", "--examples", "8",
            "--eval-generate", "2", "--max-length", "384", "--gguf", "f32", "--json",
            "--mlflow", mlflow_uri]  # fmt: skip
    assert main(args) == 0
    report = json.loads((out / "finetune_report.json").read_text())
    assert len(report["loss_curve"]) == 2 and report["mlflow_run_id"]
    assert {"answer_f1", "abstention_unanswerable"} <= set(report["eval"]["after"])
    assert (out / "model.gguf").is_file() and (out / "adapter.gguf").is_file()
    run = MlflowClient(tracking_uri=mlflow_uri).get_run(report["mlflow_run_id"])
    assert (
        run.data.params["method"] == "lora" and run.data.metrics["loss"] == report["loss_curve"][-1]
    )
