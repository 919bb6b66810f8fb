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

``--mixed`` (``python -m benchmarks.server_load --mixed --seconds 60``) is the serving check of
issue 12 instead: the server as ``veracity serve`` builds it (the default engine: extractive
reader, SmolLM2 for ``"style": "generative"``, the collection's default embedder), an API key
with the upload right, and for ``--seconds`` a mix of clients: ``GET /api/health``, ``POST
/search``, ``POST /ask`` (1 in 10 generative), and uploads of small ``.md``/``.txt`` files and of
two DOCX bombs (thousands of styles x 100,000 paragraphs; a ``document.xml`` that inflates to
256 MB), which must be refused (a per-document failure or a 4xx), never a 5xx. Per route: count,
errors (5xx or transport), expected refusals, p50/p99; the server process's peak RSS sampled each
second; and whether ``/api/health`` and search kept p99 under 100 ms in every 10 s window.
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


def _serve_default(path: str, port: int) -> None:
    """Child process: serve one collection the way ``veracity serve`` does (default engine)."""
    import logging

    import uvicorn

    from veracity.server import ServerConfig, create_app

    logging.basicConfig(level=logging.WARNING)
    # rate/burst raised only so the load is not throttled by the per-key rate limit
    config = ServerConfig({"bench": Path(path)}, rate=1e9, burst=10**9)
    uvicorn.run(create_app(config), host="127.0.0.1", port=port, log_level="warning")


def _styles_bomb(path: Path) -> Path:
    """3,000 styles and 100,000 paragraphs each naming the last one (as
    ``tests/ingest/crafted_docx.py`` builds it): a small file, an O(styles x paragraphs) parse."""
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    styles = "".join(
        f'<w:style w:type="paragraph" w:styleId="S{i}"><w:name w:val="Style {i}"/></w:style>'
        for i in range(3000)
    )
    para = '<w:p><w:pPr><w:pStyle w:val="S2999"/></w:pPr><w:r><w:t>x</w:t></w:r></w:p>'
    parts = {
        "word/styles.xml": f'<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="{w}">'
        f'<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/>'
        f"</w:style>{styles}</w:styles>",
        "word/document.xml": f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{w}">'
        f"<w:body>{para * 100_000}</w:body></w:document>",
    }
    return _crafted(path, parts)


def _inflate_bomb(path: Path, megabytes: int = 256) -> Path:
    """A ``document.xml`` that inflates to ``megabytes`` MB of paragraphs (written in chunks)."""
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    chunk = ("<w:p><w:r><w:t>bomb</w:t></w:r></w:p>" * 28_000).encode()  # ~1 MB
    head = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{w}"><w:body>'.encode()

    def document(out: Any) -> None:
        out.write(head)
        for _ in range(megabytes):
            out.write(chunk)
        out.write(b"</w:body></w:document>")

    return _crafted(path, {"word/document.xml": document})


def _crafted(path: Path, parts: dict[str, Any]) -> Path:
    """A blank python-docx package with ``parts`` (name -> XML text, or a writer) replaced."""
    import io
    import zipfile

    import docx

    blank = io.BytesIO()
    docx.Document().save(blank)
    with zipfile.ZipFile(blank) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            part = parts.get(item.filename)
            if callable(part):
                with out.open(item.filename, "w", force_zip64=True) as fh:
                    part(fh)
            else:
                out.writestr(item.filename, part if part is not None else src.read(item.filename))
    return path


# one sample: (route, seconds since start, latency s, outcome: "ok" | "refused" | "error")
Sample = tuple[str, float, float, str]


def _mixed_client(
    url: str, token: str, role: str, questions: list[str], bombs: list[Path],
    t0: float, stop: float, out: list[Sample], seed: int, notes: dict[str, Any],
) -> None:  # fmt: skip
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    col = "/api/collections/bench"
    with httpx.Client(base_url=url, timeout=120, headers=headers) as http:
        i = seed
        while time.monotonic() < stop:
            q = questions[i % len(questions)]
            outcome = "ok"
            start = time.perf_counter()
            try:
                if role == "health":
                    route = "GET /api/health"
                    r = http.get("/api/health")
                elif role == "search":
                    route = "POST search"
                    r = http.post(f"{col}/search", json={"query": q, "k": 10})
                elif role == "ask":
                    generative = i % 10 == 0
                    route = "POST ask (generative)" if generative else "POST ask (extractive)"
                    body: dict[str, Any] = {"question": q}
                    if generative:
                        body.update(style="generative", max_tokens=96)
                    r = http.post(f"{col}/ask", json=body)
                else:  # uploads: md, txt, styles bomb, md, txt, inflate bomb
                    step = i % 6
                    if step in (2, 5):
                        bomb = bombs[0 if step == 2 else 1]
                        route = "POST upload (DOCX bomb)"
                        files = {"file": (bomb.name, bomb.read_bytes(), "application/octet-stream")}
                    else:
                        ext = "md" if step in (0, 3) else "txt"
                        route = f"POST upload (small .{ext})"
                        text = f"# Note {i}\n\nLoad-test note {i} (seed {seed}): {q}\n"
                        files = {"file": (f"load-note-{i % 4}.{ext}", text.encode(), "text/plain")}
                    r = http.post(f"{col}/documents", files=files, data={"labels": "public"})
                lat = time.perf_counter() - start
                if r.status_code >= 500:
                    outcome = "error"
                elif r.status_code >= 400:
                    outcome = "refused"
                elif route.startswith("POST upload"):
                    failed = r.json()["report"]["failed"]
                    outcome = "refused" if failed else "ok"
                    for f in failed:
                        notes.setdefault("reasons", set()).add(f"{route}: {f['reason'][:160]}")
                elif route.startswith("POST ask") and r.json().get("timings_ms", {}).get("cached"):
                    notes[route] = notes.get(route, 0) + 1
                if outcome == "refused" and r.status_code >= 400:
                    notes.setdefault("reasons", set()).add(f"{route}: HTTP {r.status_code}")
            except httpx.HTTPError:
                lat, outcome = time.perf_counter() - start, "error"
            out.append((route, time.monotonic() - t0, lat, outcome))
            i += 1
            if role == "health":
                time.sleep(0.05)
            elif role == "upload":
                time.sleep(0.5)


def _rss_sampler(pid: int, stop: threading.Event, peaks: dict[str, float]) -> None:
    """Each second: the server process's RSS and that of its children (the parse workers)."""
    try:
        import psutil
    except ImportError:
        psutil = None
    while not stop.wait(1.0):
        try:
            if psutil is not None:
                proc = psutil.Process(pid)
                own = proc.memory_info().rss
                kids = sum(c.memory_info().rss for c in proc.children(recursive=True))
            else:
                own = _proc_kb(pid, "VmRSS") * 1024
                kids = 0
        except Exception:  # the process (or a child) went away between the calls
            continue
        peaks["server"] = max(peaks.get("server", 0), own)
        peaks["children"] = max(peaks.get("children", 0), kids)
        peaks.setdefault("first", own)
        peaks["last"] = own


def _proc_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def mixed(seconds: float, write: bool) -> None:
    """The issue-12 serving check: mixed load against the default server; see the docstring."""
    import httpx

    from benchmarks._report import machine_line, write_section
    from veracity.collection import Collection
    from veracity.store.keys import create_key

    questions = [json.loads(x)["question"] for x in QUESTIONS.read_text().splitlines() if x.strip()]
    with tempfile.TemporaryDirectory(prefix="veracity-mixed-") as tmp:
        path = Path(tmp) / "col"
        with Collection(path) as col:  # the default embedder, as `veracity ingest` uses
            col.add([SAMPLES], labels=["public"])
            embedder = col.embedder_name or "default"
            token = create_key([col.store], ["public"], "bench", "upload,delete").token
        bombs = [_styles_bomb(Path(tmp) / "styles-bomb.docx"),
                 _inflate_bomb(Path(tmp) / "inflate-bomb.docx")]  # fmt: skip
        bomb_sizes = ", ".join(f"{b.stat().st_size / 1024:.0f} KB" for b in bombs)
        port = _free_port()
        proc = mp.get_context("spawn").Process(target=_serve_default, args=(str(path), port))
        proc.start()
        url = f"http://127.0.0.1:{port}"
        auth = {"Authorization": f"Bearer {token}"}
        peaks: dict[str, float] = {}
        hwm_kb = 0
        try:
            _wait_until_up(url, proc)
            # warm up: the first ask loads the embedder and the reader, the first generative
            # one loads SmolLM2; both happen before the clock starts
            warm = time.perf_counter()
            for body in ({"question": questions[0]},
                         {"question": questions[0], "style": "generative", "max_tokens": 16}):  # fmt: skip
                r = httpx.post(url + "/api/collections/bench/ask", json=body, headers=auth,
                               timeout=300)  # fmt: skip
                if r.status_code != 200:
                    raise SystemExit(f"warm-up ask failed: {r.status_code} {r.text[:300]}")
            warm_s = time.perf_counter() - warm
            roles = ["health", "search", "search", "ask", "ask", "upload"]
            results: list[Sample] = []
            notes: dict[str, Any] = {}
            sampling = threading.Event()
            sampler = threading.Thread(target=_rss_sampler, args=(proc.pid, sampling, peaks))
            sampler.start()
            t0 = time.monotonic()
            stop = t0 + seconds
            threads = [
                threading.Thread(
                    target=_mixed_client,
                    args=(url, token, role, questions, bombs, t0, stop, results, i * 7, notes),
                )
                for i, role in enumerate(roles)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(seconds + 180)
            elapsed = time.monotonic() - t0
            sampling.set()
            sampler.join()
            hwm_kb = _proc_kb(proc.pid, "VmHWM")
            alive = proc.is_alive()
        finally:
            proc.terminate()
            proc.join(10)
            if proc.is_alive():
                proc.kill()
                proc.join(5)

    order = ["GET /api/health", "POST search", "POST ask (extractive)", "POST ask (generative)",
             "POST upload (small .md)", "POST upload (small .txt)", "POST upload (DOCX bomb)"]  # fmt: skip
    rows, errors_total = [], 0
    for route in [*order, "all"]:
        sel = [r for r in results if route == "all" or r[0] == route]
        lat = [r[2] for r in sel if r[3] != "error"]
        errors = sum(1 for r in sel if r[3] == "error")
        refused = sum(1 for r in sel if r[3] == "refused")
        if route != "all":
            errors_total += errors
        rows.append(
            f"| {route} | {len(sel)} | {errors} | {refused} | {_pct(lat, 0.5):.1f} | "
            f"{_pct(lat, 0.99):.1f} |"
        )
    windows = max(1, int(-(-seconds // 10)))

    def worst_window_p99(route: str) -> float:
        worst = 0.0
        for w in range(windows):
            lat = [r[2] for r in results if r[0] == route and w * 10 <= r[1] < (w + 1) * 10]
            if lat:
                worst = max(worst, _pct(lat, 0.99))
        return worst

    mb = 1024**2
    health_w, search_w = worst_window_p99("GET /api/health"), worst_window_p99("POST search")
    bomb_rows = [r for r in results if r[0] == "POST upload (DOCX bomb)"]
    bomb_ok = bool(bomb_rows) and all(r[3] == "refused" for r in bomb_rows)
    goal = lambda ok: "met" if ok else "**not met**"  # noqa: E731
    md = "\n".join(
        [
            "## Mixed serving load (`python -m benchmarks.server_load --mixed --seconds "
            f"{seconds:g}`)",
            "",
            f"{seconds:g} s ({elapsed:.1f} s measured) over loopback against the server "
            "`veracity serve` builds (default engine: extractive reader, SmolLM2-135M for "
            '`"style": "generative"`; '
            f"{embedder} embedder; collection: `samples/`), in its "
            "own process, with an API key holding the upload right. Clients (threads): 1 polling "
            "`GET /api/health` every 50 ms, 2 looping `POST /search`, 2 looping `POST /ask` (1 in "
            "10 generative, `max_tokens` 96), 1 uploading in turn a small `.md`, a small `.txt` "
            "and a DOCX bomb (3,000 styles x 100,000 paragraphs; a `document.xml` inflating to "
            f"256 MB; {bomb_sizes} on disk), 0.5 s apart. Warm-up before the clock (loads the "
            f"embedder, reader and SmolLM2): {warm_s:.1f} s. Errors are 5xx or transport "
            "failures; refusals are expected 4xx or per-document upload failures. The answer "
            "cache is on, as `veracity serve` leaves it, and the 30 questions repeat; answers "
            f"served from it: extractive {notes.get('POST ask (extractive)', 0)}, generative "
            f"{notes.get('POST ask (generative)', 0)} (a generative p50 well under a second is "
            "mostly cache hits; its p99 is SmolLM2 writing).",
            "",
            "| route | count | errors | refused | p50 ms | p99 ms |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            f"- Server process RSS: {peaks.get('first', 0) / mb:.0f} MB at the start of the load, "
            f"{peaks.get('server', 0) / mb:.0f} MB peak (sampled each second; VmHWM "
            f"{hwm_kb / 1024:.0f} MB), {peaks.get('last', 0) / mb:.0f} MB at the end; parse "
            f"workers together peaked at {peaks.get('children', 0) / mb:.0f} MB.",
            f"- Goal `/api/health` p99 < 100 ms in every 10 s window: worst {health_w:.1f} ms, "
            f"{goal(health_w < 100)}.",
            f"- Goal search p99 < 100 ms in every 10 s window: worst {search_w:.1f} ms, "
            f"{goal(search_w < 100)}.",
            f"- Goal 0 errors: {errors_total}, {goal(errors_total == 0)}; every DOCX bomb refused, "
            f"never a 5xx: {goal(bomb_ok)}; server alive at the end: {goal(alive)}.",
            "- Refusal reasons seen: "
            + ("; ".join(f"`{x}`" for x in sorted(notes.get("reasons", ()))) or "none")
            + ".",
            "",
            machine_line(),
        ]
    )
    print(md)
    if write:
        write_section("server-mixed", md)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))] * 1000 if values else float("nan")


def _wait_until_up(url: str, proc: Any, limit_s: float = 120.0) -> None:
    """Poll ``/api/health`` until the server answers 200; exit if it dies or ``limit_s`` passes."""
    import httpx

    deadline = time.monotonic() + limit_s
    while True:
        try:
            if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or not proc.is_alive():
            raise SystemExit("the server did not start")
        time.sleep(0.2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--duration", "--seconds", type=float, default=60.0, help="seconds of load")
    ap.add_argument("--mixed", action="store_true", help="the issue-12 mixed serving check")
    ap.add_argument("--model", default="fake", help="fake (scripted) or smollm2")
    ap.add_argument("--embedder", default="hash", help="hash (default) or minilm")
    ap.add_argument("--cache", action="store_true", help="leave the answer cache on")
    ap.add_argument("--quick", action="store_true", help="4 clients for 10 s")
    ap.add_argument("--no-write", action="store_true", help="print only; do not update the docs")
    args = ap.parse_args()
    if args.quick:
        args.clients, args.duration = 4, 10.0
    if args.mixed:
        mixed(args.duration, not args.no_write)
        return

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
            _wait_until_up(url, proc)
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
