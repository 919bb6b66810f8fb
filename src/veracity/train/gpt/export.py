"""Our GPT as a Hugging Face ``GPT2LMHeadModel`` folder, so the generate layer can run it.

``export_hf`` writes ``config.json`` + ``model.safetensors`` (weights renamed onto GPT-2's, the
four projection matrices transposed for GPT-2's ``Conv1D``) and a ``tokenizer.json`` that is our
byte-level BPE rebuilt in ``tokenizers``: the same vocabulary, the merges recovered from the ranks
(as ``transformers``' tiktoken converter does: a token's merge is the last step of BPE on its own
bytes with only lower ranks allowed), the same pre-split regex. ``hf:DIR`` then loads anywhere
``get_generator`` is used: ``generate_text("...", model="hf:DIR")``, ``veracity eval mmlu``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from veracity.errors import MissingDependency
from veracity.text.tokenizers import BPETokenizer
from veracity.text.tokenizers.bpe import bytes_to_unicode
from veracity.train.gpt.config import GPTConfig

__all__ = ["bpe_merges", "export_hf", "hf_tokenizer"]

_TRANSPOSED = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")


def _split(token: bytes, ranks: dict[bytes, int], max_rank: int) -> list[bytes]:
    """BPE over ``token``'s bytes with only merges ranked below ``max_rank``."""
    parts = [token[i : i + 1] for i in range(len(token))]
    while True:
        best: tuple[int, int] | None = None
        for i in range(len(parts) - 1):
            rank = ranks.get(parts[i] + parts[i + 1])
            if rank is not None and rank < max_rank and (best is None or rank < best[0]):
                best = (rank, i)
        if best is None:
            return parts
        i = best[1]
        parts[i : i + 2] = [parts[i] + parts[i + 1]]


def bpe_merges(ranks: dict[bytes, int]) -> list[tuple[bytes, bytes]]:
    """The merge list, in rank order, that reproduces ``ranks``."""
    merges = []
    for token, rank in sorted(ranks.items(), key=lambda kv: kv[1]):
        if len(token) < 2:
            continue
        parts = _split(token, ranks, rank)
        if len(parts) != 2:
            raise ValueError(f"token {token!r} (rank {rank}) is not one merge of lower ranks")
        merges.append((parts[0], parts[1]))
    return merges


def hf_tokenizer(tok: BPETokenizer, eos: str = "<|endoftext|>") -> Any:
    """A ``transformers`` fast tokenizer that encodes exactly like ``tok``."""
    try:
        from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
        from transformers import PreTrainedTokenizerFast
    except ImportError as exc:
        raise MissingDependency("exporting the GPT", "torch", "transformers tokenizers") from exc
    table = bytes_to_unicode()

    def text(b: bytes) -> str:
        return "".join(table[x] for x in b)

    vocab = {text(b): i for b, i in tok.ranks.items()}
    merges = [(text(a), text(b)) for a, b in bpe_merges(tok.ranks)]
    raw = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    raw.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(tok.pattern), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    raw.decoder = decoders.ByteLevel()
    raw.add_special_tokens(list(tok.special_tokens))
    return PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=raw, eos_token=eos, bos_token=eos, unk_token=None, pad_token=eos
    )


def export_hf(model: Any, cfg: GPTConfig, tok: BPETokenizer, folder: Path) -> Path:
    """Write ``model`` (a ``model.GPT``) and ``tok`` as a ``GPT2LMHeadModel`` folder."""
    try:
        from transformers import GPT2Config, GPT2LMHeadModel
    except ImportError as exc:
        raise MissingDependency("exporting the GPT", "torch", "transformers") from exc
    eos = tok.special_tokens.get("<|endoftext|>", 0)
    config = GPT2Config(
        vocab_size=cfg.vocab_size, n_positions=cfg.block_size, n_embd=cfg.n_embd,
        n_layer=cfg.n_layer, n_head=cfg.n_head, activation_function="gelu_new",
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, layer_norm_epsilon=1e-5,
        bos_token_id=eos, eos_token_id=eos, tie_word_embeddings=True,
    )  # fmt: skip
    hf: Any = GPT2LMHeadModel(config)
    state = {}
    for name, tensor in model.state_dict().items():
        value = tensor.detach().to("cpu", copy=True)
        state[name] = value.t().contiguous() if name.endswith(_TRANSPOSED) else value
    missing, unexpected = hf.load_state_dict(state, strict=False)
    # GPT-2's attention keeps no learned buffers we lack; only the tied head may be "missing".
    if [m for m in missing if m != "lm_head.weight"] or unexpected:
        raise ValueError(f"weight mapping failed: missing {missing}, unexpected {unexpected}")
    hf.tie_weights()
    folder.mkdir(parents=True, exist_ok=True)
    hf.eval().save_pretrained(folder)
    hf_tokenizer(tok).save_pretrained(folder)
    return folder
