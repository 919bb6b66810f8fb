"""Server load: N concurrent clients asking and searching over loopback for a fixed time.

Run: ``python -m benchmarks.server_load`` (``--clients 8 --duration 60``; ``--quick``: 4 clients,
10 s; ``--model smollm2`` for the real small model; ``--cache`` to leave the answer cache on).

The server runs in its own process (``veracity.server`` under uvicorn on 127.0.0.1, a free port)
over a collection built from ``samples/``; the clients are threads of this process, each looping
over the 30 questions of ``tests/rag/abstention_samples.jsonl``, alternating ``POST /ask`` (JSON)
and ``POST /search``. The default generator is the scripted fake (it answers by quoting the first
sentence of source 1, so answers are short and cited), which measures the server and the pipeline
around the model: retrieval, reranking, support checks, JSON and HTTP. The answer cache is off
unless ``--cache``: with it, every question after the first round is a cache hit. Figures:
requests/s, p50/p99 latency per request kind, and errors (non-200 or transport failures).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import re
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
QUESTIONS = ROOT / "tests" / "rag" / "abstention_samples.jsonl"
_SOURCE = re.compile(r'<source id="(\d+)"[^>]*>\n(.*?)\n</source>', re.S)


def _quote(messages: list[Any]) -> str:
    found = _SOURCE.findall(messages[-1].content)
    if not found:
        return "I don't know"
    first = re.split(r"(?<=[.!?])\s", found[0][1].strip())[0].rstrip(".!?")
    return f"{first} [{found[0][0]}]."


def _serve(path: str, port: int, model: str, embedder: str, cache: bool, status: Any) -> None:
    """Child process: serve one collection on loopback."""
    import logging

    import uvicorn

    from veracity.server import ServerConfig, create_app

    logging.basicConfig(level=logging.WARNING)

    def factory(col: Any) -> Any:
        try:
            return col.answer_engine(
                _fake() if model == "fake" else model, cache=cache, **_gen_opts(model)
            )
        except Exception as exc:  # the groundedness model may be absent in a work tree
            if "groundedness model" not in str(exc):
                raise
            status.put("lexical (groundedness model file absent)")
            return _lexical_engine(col, model, cache)

    config = ServerConfig(
        {"bench": Path(path)}, generator=model, embedder=embedder, rate=1e9, burst=10**9,
        engine_factory=factory,
    )  # fmt: skip
    uvicorn.run(create_app(config), host="127.0.0.1", port=port, log_level="warning")


def _fake() -> Any:
    from veracity.generate.fake import ScriptedGenerator

    return ScriptedGenerator(_quote)


def _gen_opts(model: str) -> dict[str, Any]:
    return {} if model == "fake" else {"n_threads": 1}


def _lexical_engine(col: Any, model: str, cache: bool) -> Any:
    from veracity.generate.base import get_generator
    from veracity.guard.grounding import LexicalJudge
    from veracity.rag.cache import AnswerCache
    from veracity.rag.engine import AnswerEngine, AskOptions
    from veracity.rag.relevance import BlendReranker
    from veracity.retrieve.search import SearchOptions
    from veracity.store.cache import CacheStore

    gen = _fake() if model == "fake" else get_generator(model, **_gen_opts(model))
    rer = BlendReranker(col.store, col.indexes().bm25(), col.embedder())
    return AnswerEngine(
        col.searcher(SearchOptions(mode="hybrid", candidates=100)), gen, LexicalJudge(),
        reranker=rer, cache=AnswerCache(CacheStore(col.store), col.embedder()) if cache else None,
        options=AskOptions(relevance_floor=rer.model.floor, use_cache=cache),
    )  # fmt: skip


def _client(
    url: str, questions: list[str], stop: float, out: list[tuple[str, float, bool]], seed: int
) -> None:
    import httpx

    with httpx.Client(base_url=url, timeout=120) as http:
        i = seed
        while time.monotonic() < stop:
            q = questions[i % len(questions)]
            kind = "ask" if i % 2 == 0 else "search"
            body = {"question": q} if kind == "ask" else {"query": q, "k": 10}
            t0 = time.perf_counter()
            try:
                ok = http.post(f"/api/collections/bench/{kind}", json=body).status_code == 200
            except httpx.HTTPError:
                ok = False
            out.append((kind, time.perf_counter() - t0, ok))
            i += 1


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))] * 1000 if values else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    ap.add_argument("--model", default="fake", help="fake (scripted) or smollm2")
    ap.add_argument("--embedder", default="hash", help="hash (default) or minilm")
    ap.add_argument("--cache", action="store_true", help="leave the answer cache on")
    ap.add_argument("--quick", action="store_true", help="4 clients for 10 s")
    ap.add_argument("--no-write", action="store_true", help="print only; do not update the docs")
    args = ap.parse_args()
    if args.quick:
        args.clients, args.duration = 4, 10.0

    import httpx

    from benchmarks._report import machine_line, write_section
    from veracity.collection import Collection

    questions = [json.loads(x)["question"] for x in QUESTIONS.read_text().splitlines() if x.strip()]
    with tempfile.TemporaryDirectory(prefix="veracity-load-") as tmp:
        with Collection(Path(tmp) / "col", embedder=args.embedder) as col:
            col.add([SAMPLES])
        port = _free_port()
        ctx = mp.get_context("spawn")
        status = ctx.Queue()
        proc = ctx.Process(
            target=_serve,
            args=(str(Path(tmp) / "col"), port, args.model, args.embedder, args.cache, status),
        )
        proc.start()
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or not proc.is_alive():
                    raise SystemExit("the server did not start")
                time.sleep(0.2)
            # warm up: the first ask builds the engine (loads the embedder and the model)
            httpx.post(url + "/api/collections/bench/ask", json={"question": questions[0]},
                       timeout=300)  # fmt: skip
            results: list[tuple[str, float, bool]] = []
            stop = time.monotonic() + args.duration
            start = time.perf_counter()
            threads = [
                threading.Thread(target=_client, args=(url, questions, stop, results, i))
                for i in range(args.clients)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - start
        finally:
            proc.terminate()
            proc.join(10)
        judge = "combined" if status.empty() else status.get()
        status.close()
        status.join_thread()

    rows = []
    for kind in ("ask", "search", "all"):
        sel = [r for r in results if kind == "all" or r[0] == kind]
        lat = [r[1] for r in sel if r[2]]
        errors = sum(1 for r in sel if not r[2])
        rows.append(
            f"| {kind} | {len(sel)} | {len(sel) / elapsed:.1f} | {_pct(lat, 0.5):.1f} | "
            f"{_pct(lat, 0.99):.1f} | {errors} |"
        )
    md = "\n".join(
        [
            "## Server load (`python -m benchmarks.server_load`)",
            "",
            f"{args.clients} concurrent clients for {args.duration:g} s over loopback against "
            f"`veracity.server` in its own process; collection: `samples/` ({args.embedder} "
            f"embedder); generator: {args.model}{' (scripted: quotes source 1)' if args.model == 'fake' else ''}; "
            f"support judge: {judge}; answer cache {'on' if args.cache else 'off'}. Each client "
            "alternates `POST /ask` (JSON) and `POST /search` over 30 questions.",
            "",
            "| requests | count | per second | p50 ms | p99 ms | errors |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            "Search and answers share one lock per collection (the indexes and in-process "
            "generators are not reentrant), so throughput is bounded by one core per collection "
            "and latency grows with the number of clients; p99 is mostly queueing.",
            "",
            machine_line(),
        ]
    )
    print(md)
    if not args.no_write:
        write_section("server", md)


if __name__ == "__main__":
    main()
