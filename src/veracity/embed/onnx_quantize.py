"""Smooth the outlier channels of an exported MiniLM, then quantize its MatMuls to int8.

Every MatMul weight is quantized to int8 per output channel (``quantize_dynamic(per_channel=True)``;
activations are quantized at run time, one scale per tensor). Before quantizing, the few outlier
channels of each MatMul input (LayerNorm and GELU outputs reach up to 20x the median channel's
range) are scaled down to 3x that median, and the matching weight rows up by the same factor: the
product is unchanged, but the per-tensor activation scale no longer spends its 256 levels on a
handful of channels. The factors are measured once, at export, on a few built-in sentences.
Per-tensor weight quantization is not offered: it drops cosine similarity to the fp32 vectors to
about 0.91 on this model, while per-channel keeps it above 0.99.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from veracity.errors import MissingDependency

if TYPE_CHECKING:
    from onnx import ModelProto, NodeProto

MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length
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
    """``src`` with every MatMul weight quantized to int8 per output channel, written to ``out``
    (activations are quantized at run time, one scale per tensor)."""
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
