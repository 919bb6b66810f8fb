"""Write a fine-tuned Llama-family model as GGUF for llama.cpp (``GGUFGenerator``), with the
``gguf`` package, as llama.cpp's ``convert_hf_to_gguf.py`` would (that script is not installed).

- Weights: matrices in f16 (default: half the size, what llama.cpp's converter writes by default)
  or f32 (exact: greedy ids equal PyTorch's); norms and other 1-D tensors stay f32, as llama.cpp
  expects. No quantization here.
- The q/k rows are permuted within each head: Hugging Face's rotary embedding rotates the two
  halves of a head, llama.cpp's ``llama`` architecture rotates adjacent pairs.
- Tied input/output embeddings (SmolLM2) write no ``output.weight``; llama.cpp reuses the
  embedding matrix.
- Tokenizer: copied field for field from the base GGUF when the model came from one
  (``tokenizer_from``: vocabulary, merges, token types, special ids, chat template, the
  pre-tokenizer name), else rebuilt from the Hugging Face fast tokenizer (byte-level BPE only).

``export_lora_adapter`` writes a peft LoRA as a GGUF adapter (``general.type = adapter``) that
llama.cpp applies at load over the base GGUF (``GGUFGenerator(..., lora=...)``): the same
permutation applies to the rows of ``B`` of q/k.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from veracity.errors import ConfigError, MissingDependency

_PER_LAYER = {
    "input_layernorm": "attn_norm",
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "post_attention_layernorm": "ffn_norm",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}
_GLOBAL = {
    "model.embed_tokens.weight": "token_embd.weight",
    "model.norm.weight": "output_norm.weight",
    "lm_head.weight": "output.weight",
}
DTYPES = ("f16", "f32")


def _gguf() -> Any:
    try:
        import gguf
    except ImportError as exc:
        raise MissingDependency("exporting GGUF", extra="gguf", package="gguf") from exc
    return gguf


def gguf_name(hf_name: str) -> str | None:
    """The llama.cpp tensor name of a Hugging Face Llama parameter (None: not exported)."""
    if hf_name in _GLOBAL:
        return _GLOBAL[hf_name]
    parts = hf_name.split(".")
    if len(parts) >= 5 and parts[:2] == ["model", "layers"] and parts[-1] == "weight":
        mapped = _PER_LAYER.get(".".join(parts[3:-1]))
        if mapped:
            return f"blk.{parts[2]}.{mapped}.weight"
    return None


def permute_rows(w: np.ndarray, n_head: int) -> np.ndarray:
    """(out, ...) rows reordered within each head from halves ``[x.., y..]`` to pairs
    ``[x0, y0, x1, y1, ...]`` (llama.cpp's rotary layout)."""
    return (
        w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
        .swapaxes(1, 2)
        .reshape(w.shape)
    )


def _rope_theta(config: Any) -> float:
    params = getattr(config, "rope_parameters", None) or {}
    if params.get("rope_type", "default") != "default":
        raise ConfigError("GGUF export supports plain rotary embeddings only (no rope scaling)")
    return float(params.get("rope_theta", getattr(config, "rope_theta", 10000.0)))


def _check_arch(config: Any) -> None:
    if getattr(config, "model_type", "") != "llama":
        raise ConfigError(
            f"GGUF export supports Llama-architecture models (SmolLM2, Llama); this one is "
            f"{getattr(config, 'model_type', '?')!r}. Use the saved Hugging Face folder instead"
        )
    if getattr(config, "attention_bias", False) or getattr(config, "mlp_bias", False):
        raise ConfigError("GGUF export does not handle Llama models with bias terms")


def _add_arch(w: Any, config: Any, gguf: Any, dtype: str) -> None:
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    w.add_context_length(config.max_position_embeddings)
    w.add_embedding_length(config.hidden_size)
    w.add_block_count(config.num_hidden_layers)
    w.add_feed_forward_length(config.intermediate_size)
    w.add_head_count(config.num_attention_heads)
    w.add_head_count_kv(config.num_key_value_heads)
    w.add_rope_dimension_count(head_dim)
    if head_dim * config.num_attention_heads != config.hidden_size:
        w.add_key_length(head_dim)
        w.add_value_length(head_dim)
    w.add_rope_freq_base(_rope_theta(config))
    w.add_layer_norm_rms_eps(float(config.rms_norm_eps))
    w.add_vocab_size(config.vocab_size)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if dtype == "f16" else gguf.LlamaFileType.ALL_F32)


def copy_tokenizer_fields(w: Any, source: Path) -> None:
    """Every ``tokenizer.*`` key of the GGUF at ``source``, with its type."""
    gguf = _gguf()
    reader = gguf.GGUFReader(str(source))
    for key, fld in reader.fields.items():
        if not key.startswith("tokenizer."):
            continue
        vtype = fld.types[0]
        sub = fld.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        w.add_key_value(key, fld.contents(), vtype, sub_type=sub)


def add_tokenizer_from_hf(w: Any, tokenizer: Any, vocab_size: int) -> None:
    """Byte-level BPE vocabulary, merges, token types, special ids and chat template of a
    Hugging Face fast tokenizer (ids past the tokenizer's vocabulary become unused tokens)."""
    gguf = _gguf()
    backend = getattr(tokenizer, "backend_tokenizer", None) or getattr(
        tokenizer, "_tokenizer", None
    )
    if backend is None:
        raise ConfigError("GGUF export needs a fast (tokenizers) tokenizer")
    data = json.loads(backend.to_str())
    model = data["model"]
    if model.get("type") != "BPE":
        raise ConfigError(
            f"GGUF export rebuilds byte-level BPE tokenizers only, not {model.get('type')}"
        )
    vocab: dict[str, int] = dict(model["vocab"])
    special = {t["content"] for t in data.get("added_tokens", []) if t.get("special")}
    for t in data.get("added_tokens", []):
        vocab.setdefault(t["content"], int(t["id"]))
    by_id = {i: t for t, i in vocab.items()}
    tokens, types = [], []
    for i in range(max(vocab_size, len(by_id))):
        tok = by_id.get(i)
        tokens.append(tok if tok is not None else f"[PAD{i}]")
        if tok is None:
            types.append(gguf.TokenType.UNUSED)
        elif tok in special:
            types.append(gguf.TokenType.CONTROL)
        else:
            types.append(gguf.TokenType.NORMAL)
    merges = [m if isinstance(m, str) else " ".join(m) for m in model.get("merges", [])]
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt-2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    for setter, tok_id in (
        (w.add_bos_token_id, tokenizer.bos_token_id),
        (w.add_eos_token_id, tokenizer.eos_token_id),
        (w.add_pad_token_id, tokenizer.pad_token_id),
        (w.add_unk_token_id, tokenizer.unk_token_id),
    ):
        if tok_id is not None:
            setter(int(tok_id))
    w.add_add_bos_token(bool(getattr(tokenizer, "add_bos_token", False)))
    if getattr(tokenizer, "chat_template", None):
        w.add_chat_template(tokenizer.chat_template)


def export_gguf(
    model: Any,
    tokenizer: Any,
    path: Path,
    *,
    dtype: str = "f16",
    tokenizer_from: Path | None = None,
    name: str = "veracity-finetuned",
) -> Path:
    """Write ``model`` (a plain Hugging Face Llama; merge LoRA first) as a GGUF file."""
    if dtype not in DTYPES:
        raise ConfigError(f"GGUF weight type {dtype!r} is not supported; use one of {DTYPES}")
    gguf = _gguf()
    config = model.config
    _check_arch(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".gguf.tmp")
    w = gguf.GGUFWriter(str(tmp), "llama")
    w.add_name(name)
    _add_arch(w, config, gguf, dtype)
    if tokenizer_from is not None:
        copy_tokenizer_fields(w, tokenizer_from)
    else:
        add_tokenizer_from_hf(w, tokenizer, config.vocab_size)
    tied = bool(getattr(config, "tie_word_embeddings", False))
    for hf_name, tensor in model.state_dict().items():
        if tied and hf_name == "lm_head.weight":
            continue
        target = gguf_name(hf_name)
        if target is None:
            if "rotary_emb" in hf_name:
                continue
            raise ConfigError(f"GGUF export: no llama.cpp name for tensor {hf_name!r}")
        arr = tensor.detach().to("cpu").float().numpy()
        if hf_name.endswith("q_proj.weight"):
            arr = permute_rows(arr, config.num_attention_heads)
        elif hf_name.endswith("k_proj.weight"):
            arr = permute_rows(arr, config.num_key_value_heads)
        out_dtype = np.float16 if dtype == "f16" and arr.ndim == 2 else np.float32
        w.add_tensor(target, np.ascontiguousarray(arr, dtype=out_dtype))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    tmp.replace(path)
    return path


def export_lora_adapter(model: Any, path: Path, *, name: str = "veracity-lora") -> Path:
    """Write the LoRA factors of a peft-wrapped Llama as a GGUF adapter (f32), for llama.cpp to
    apply over the base GGUF (``xllamacpp.CommonParams.lora_adapters``). llama.cpp scales by
    ``adapter.lora.alpha / rank``, as peft does (rsLoRA and DoRA are refused)."""
    gguf = _gguf()
    peft_config = model.peft_config["default"]
    if getattr(peft_config, "use_rslora", False) or getattr(peft_config, "use_dora", False):
        raise ConfigError("GGUF adapters carry plain LoRA only; merge the model instead")
    config = model.get_base_model().config
    _check_arch(config)
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name(name)
    w.add_string("general.type", "adapter")
    w.add_string("adapter.type", "lora")
    w.add_float32("adapter.lora.alpha", float(peft_config.lora_alpha))
    state = {k: v for k, v in model.state_dict().items() if ".lora_" in k}
    for key in sorted(k for k in state if ".lora_A." in k):
        base = key.split("base_model.model.", 1)[-1].replace(".lora_A.default.weight", ".weight")
        target = gguf_name(base)
        if target is None:
            raise ConfigError(f"GGUF adapter: no llama.cpp name for {base!r}")
        a = state[key].detach().to("cpu").float().numpy()  # (r, in)
        b = (
            state[key.replace(".lora_A.", ".lora_B.")].detach().to("cpu").float().numpy()
        )  # (out, r)
        if base.endswith("q_proj.weight"):
            b = permute_rows(b, config.num_attention_heads)
        elif base.endswith("k_proj.weight"):
            b = permute_rows(b, config.num_key_value_heads)
        w.add_tensor(target + ".lora_a", np.ascontiguousarray(a, dtype=np.float32))
        w.add_tensor(target + ".lora_b", np.ascontiguousarray(b, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path
