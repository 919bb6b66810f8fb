"""Build a tiny random-weight Llama (a few hundred KB) as an HF folder and as a GGUF file.

The GGUF is written tensor by tensor with the ``gguf`` package's writer, as llama.cpp's
``convert_hf_to_gguf.py`` would (it is not available offline): same tensor names, the same q/k
row permutation (HF's rotary embedding rotates halves, llama.cpp's ``llama`` arch rotates pairs),
float32 everywhere so greedy ids agree between runtimes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

CORPUS = [
    "The Eiffel Tower is in Paris and it is 330 metres tall.",
    "Veracity answers questions from your own documents with citations.",
    "A tiny model makes tests fast; a real model makes answers good.",
    "The quick brown fox jumps over the lazy dog. 0123456789",
    "Hello world! How are you today? I am fine, thank you.",
]
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
DIMS = {"hidden": 32, "layers": 2, "heads": 4, "kv_heads": 2, "ffn": 64, "ctx": 256}


def _ascii_alphabet() -> list[str]:
    """GPT-2's byte-to-unicode characters for tab, newline and printable ASCII only.

    With no token for a non-ASCII byte, every token decodes to whole characters, so llama.cpp
    reports exactly one log-prob entry per token (it merges the pieces of a split UTF-8 character)
    and ids can be compared one for one across runtimes.
    """
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    mapping, n = {}, 0
    for b in range(256):
        if b in printable:
            mapping[b] = chr(b)
        else:
            mapping[b] = chr(256 + n)
            n += 1
    return [mapping[b] for b in (9, 10, *range(32, 127))]


def build_tokenizer(vocab_size: int = 400) -> object:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIALS,
        initial_alphabet=_ascii_alphabet(),
        limit_alphabet=len(_ascii_alphabet()),
        show_progress=False,
    )
    tok.train_from_iterator(CORPUS, trainer=trainer)
    return tok


def build(root: Path, seed: int = 0) -> tuple[Path, Path]:
    """Write ``root/hf`` (config, safetensors, tokenizer) and ``root/tiny.gguf``; return both."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    raw = build_tokenizer()
    fast: Any = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=raw,
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        unk_token="<|endoftext|>",
        pad_token="<|endoftext|>",
    )
    fast.chat_template = CHAT_TEMPLATE
    vocab = raw.get_vocab_size()  # type: ignore[attr-defined]
    config = LlamaConfig(
        vocab_size=vocab,
        hidden_size=DIMS["hidden"],
        intermediate_size=DIMS["ffn"],
        num_hidden_layers=DIMS["layers"],
        num_attention_heads=DIMS["heads"],
        num_key_value_heads=DIMS["kv_heads"],
        max_position_embeddings=DIMS["ctx"],
        rms_norm_eps=1e-5,
        tie_word_embeddings=False,
        bos_token_id=fast.convert_tokens_to_ids("<|im_start|>"),
        eos_token_id=fast.convert_tokens_to_ids("<|im_end|>"),
        initializer_range=0.2,  # peaky logits: clear arg-max margins across runtimes
    )
    torch.manual_seed(seed)
    model: Any = LlamaForCausalLM(config)
    model.eval()
    hf_dir = root / "hf"
    model.save_pretrained(hf_dir)
    fast.save_pretrained(hf_dir)
    gguf_path = root / "tiny.gguf"
    write_gguf(model, raw, fast, gguf_path)
    return hf_dir, gguf_path


def _permute(w: np.ndarray, n_head: int) -> np.ndarray:
    # (out, in): within each head, HF keeps [x0..x_{d/2}, y0..] and llama.cpp wants [x0, y0, ...].
    return (
        w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
        .swapaxes(1, 2)
        .reshape(w.shape)
    )


def write_gguf(model: object, raw: object, fast: object, path: Path) -> None:
    import gguf

    cfg = model.config  # type: ignore[attr-defined]
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name("tiny-llama")
    w.add_context_length(cfg.max_position_embeddings)
    w.add_embedding_length(cfg.hidden_size)
    w.add_block_count(cfg.num_hidden_layers)
    w.add_feed_forward_length(cfg.intermediate_size)
    w.add_head_count(cfg.num_attention_heads)
    w.add_head_count_kv(cfg.num_key_value_heads)
    w.add_rope_dimension_count(cfg.hidden_size // cfg.num_attention_heads)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(cfg.rms_norm_eps)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_vocab_size(cfg.vocab_size)
    _add_vocab(w, raw, fast)
    state = {k: v.detach().float().numpy() for k, v in model.state_dict().items()}  # type: ignore[attr-defined]
    names = {
        "model.embed_tokens.weight": "token_embd.weight",
        "model.norm.weight": "output_norm.weight",
        "lm_head.weight": "output.weight",
    }
    per_layer = {
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
    for i in range(cfg.num_hidden_layers):
        for hf_name, gg_name in per_layer.items():
            names[f"model.layers.{i}.{hf_name}.weight"] = f"blk.{i}.{gg_name}.weight"
    for hf_name, tensor in state.items():
        if hf_name.endswith("q_proj.weight"):
            tensor = _permute(tensor, cfg.num_attention_heads)
        elif hf_name.endswith("k_proj.weight"):
            tensor = _permute(tensor, cfg.num_key_value_heads)
        w.add_tensor(names[hf_name], np.ascontiguousarray(tensor, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def _add_vocab(w: object, raw: object, fast: object) -> None:
    import json

    import gguf

    model = json.loads(raw.to_str())["model"]  # type: ignore[attr-defined]
    by_id = sorted(model["vocab"].items(), key=lambda kv: kv[1])
    tokens = [t for t, _ in by_id]
    special = set(SPECIALS)
    types = [gguf.TokenType.CONTROL if t in special else gguf.TokenType.NORMAL for t in tokens]
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
    w.add_tokenizer_model("gpt2")  # type: ignore[attr-defined]
    w.add_tokenizer_pre("gpt-2")  # type: ignore[attr-defined]
    w.add_token_list(tokens)  # type: ignore[attr-defined]
    w.add_token_types(types)  # type: ignore[attr-defined]
    w.add_token_merges(merges)  # type: ignore[attr-defined]
    w.add_bos_token_id(fast.convert_tokens_to_ids("<|im_start|>"))  # type: ignore[attr-defined]
    w.add_eos_token_id(fast.convert_tokens_to_ids("<|im_end|>"))  # type: ignore[attr-defined]
    w.add_add_bos_token(False)  # type: ignore[attr-defined]
    w.add_chat_template(CHAT_TEMPLATE)  # type: ignore[attr-defined]
