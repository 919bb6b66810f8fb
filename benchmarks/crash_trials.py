"""Kill -9 trials: an ingest or an index merge is SIGKILLed at a random moment, then the collection
is checked (issue 12, "How it is checked").

Run: ``python -m benchmarks.crash_trials`` (``--trials 50 --seed 0``; ``--no-write`` prints the
section instead of writing it into docs/benchmarks.md).

Each trial gets a fresh collection folder and a child process (``--child``) that works on a
generated corpus of small text files with the ``hash`` embedder, and is killed after a seeded
random delay. Two kinds of trial alternate:

- ``ingest``: one ``Collection.add`` of the whole corpus in small batches (16 chunks), killed at
  a random point of its run, measured from start.
- ``merge``: a base corpus is ingested and searched (the indexes are built and saved), then small
  batches are added, each followed by a search. A search replays the store's change log into the
  saved indexes (``index.sync``): each replay adds one BM25 segment, every 8 segments of a tier are
  merged (``BM25Index._maybe_merge``), and both indexes are saved (temp file, fsync, rename). The
  kill lands at a random point of this add/search loop, measured from its start; or, in every
  other merge trial, a random 0-6 ms after the start of the n-th BM25 merge (n drawn over the
  merges an uninterrupted run makes), so kills land inside merges and the saves that follow.

The child logs what it is doing (unbuffered appends, so the log survives the kill): entry and exit
of every store commit, index catch-up, rebuild, BM25 merge and index save, and the uri and content
hash of each document after its batch's transaction returned. The parent then checks:

1. the store: ``PRAGMA integrity_check``/foreign keys/``SQLiteStore.check`` report nothing;
2. every stored document is complete: its text hashes to its content hash, its chunks are exactly
   the slices ``text[start:end]`` with ``n_chunks`` of them, and each chunk has one vector;
3. no loss: every document the child logged as committed is stored with that hash;
4. the indexes: the on-disk indexes the child left (possibly mid-save) load or rebuild, catch up,
   and give the same BM25 and vector top-20 as indexes rebuilt from scratch in a fresh folder;
   ``Collection.search`` answers;
5. resume: the same child run again, not killed, exits 0 and leaves every corpus document stored
   exactly once, with the store check clean.

Where each kill landed is the innermost step open in the child's log at the kill.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

WORDS = [
    *("tide", "harbour", "ledger", "invoice", "glacier", "orbit", "lantern", "meadow", "quartz"),
    *("violet", "canal", "ember", "falcon", "granite", "hollow", "juniper", "kettle", "lagoon"),
    *("marble", "nectar", "oyster", "pepper", "quiver", "saddle", "thistle"),
]
N_INGEST_DOCS = 600
N_BASE_DOCS = 60
N_MERGE_DOCS = 300
MERGE_BATCH = 3
QUERIES = ("tide harbour", "glacier orbit lantern", "quartz", "marble nectar oyster", "saddle")

# Log markers: "+NAME" opens a step, "-NAME" closes it, "C uri hash" records a committed document.
STEP_NAMES = {
    "write": "store commit (write transaction)",
    "catchup": "index catch-up (log replay)",
    "rebuild": "index rebuild",
    "merge": "BM25 segment merge",
    "bm25save": "BM25 index save",
    "vecsave": "vector index save",
    "search": "search (after catch-up)",
}


# --- the child -----------------------------------------------------------------------------------


def _logger(path: Path) -> Callable[[str], None]:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def log(line: str) -> None:
        os.write(fd, (line + "\n").encode())  # unbuffered: survives SIGKILL

    return log


def _wrap(owner: Any, name: str, step: str, log: Callable[[str], None]) -> None:
    original = getattr(owner, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        log(f"+{step}")
        result = original(*args, **kwargs)
        log(f"-{step}")
        return result

    setattr(owner, name, wrapped)


def _instrument(log: Callable[[str], None]) -> None:
    import veracity.index.bm25.index as bm25_index
    from veracity.index.sync import IndexSet
    from veracity.index.vector.exact import ExactIndex
    from veracity.store.sqlite import SQLiteStore

    write = SQLiteStore.write

    def logged_write(self: SQLiteStore, items: Any) -> None:
        log("+write")
        write(self, items)
        for item in items:  # the transaction has committed: these are durable now
            log(f"C {item.document.uri}\t{item.document.content_hash}")
        log("-write")

    SQLiteStore.write = logged_write  # type: ignore[method-assign]
    _wrap(IndexSet, "_catch_up", "catchup", log)
    _wrap(IndexSet, "_rebuild_bm25", "rebuild", log)
    _wrap(IndexSet, "_rebuild_vectors", "rebuild", log)
    _wrap(bm25_index, "merge", "merge", log)
    _wrap(bm25_index.BM25Index, "save", "bm25save", log)
    _wrap(ExactIndex, "save", "vecsave", log)


def child(mode: str, col_path: Path, corpus: Path, log_path: Path) -> None:
    import veracity
    from veracity.ingest.pipeline import IngestOptions

    log = _logger(log_path)
    _instrument(log)
    options = IngestOptions(batch_chunks=16, lookup_window=8)
    col = veracity.open(col_path, embedder="hash")
    if mode == "ingest":
        log("phase")
        col.add([corpus / "ingest"], options=options)
        return
    col.add([corpus / "base"], options=options)
    col.search(QUERIES[0])  # builds and saves both indexes
    log("phase")
    extra = sorted((corpus / "extra").iterdir())
    for i in range(0, len(extra), MERGE_BATCH):
        col.add(extra[i : i + MERGE_BATCH], options=options)
        log("+search")
        col.search(QUERIES[i % len(QUERIES)])
        log("-search")


# --- the corpus ----------------------------------------------------------------------------------


def make_corpus(root: Path, seed: int) -> None:
    rng = random.Random(seed)
    sizes = {"ingest": N_INGEST_DOCS, "base": N_BASE_DOCS, "extra": N_MERGE_DOCS}
    for folder, n in sizes.items():
        (root / folder).mkdir(parents=True)
        for i in range(n):
            sentences = [
                " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize() + "."
                for _ in range(rng.randint(4, 12))
            ]
            text = f"{folder} note {i}. " + " ".join(sentences)
            (root / folder / f"{folder}{i:04}.txt").write_text(text, encoding="utf-8")


def expected_uris(corpus: Path, mode: str) -> set[str]:
    folders = ["ingest"] if mode == "ingest" else ["base", "extra"]
    return {str(p.resolve()) for f in folders for p in (corpus / f).iterdir()}


# --- the checks ----------------------------------------------------------------------------------


@dataclass
class Trial:
    mode: str
    delay: float
    nth_merge: int = 0  # > 0: the delay counts from the start of this BM25 merge
    landed: str = ""
    corrupt: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    index_mismatch: list[str] = field(default_factory=list)
    resumed: bool = False
    resume_problems: list[str] = field(default_factory=list)
    committed_before_kill: int = 0


def read_log(path: Path) -> tuple[dict[str, str], list[str], bool]:
    """(committed uri -> hash, steps open at the kill innermost last, whether "phase" was reached)."""
    committed: dict[str, str] = {}
    stack: list[str] = []
    phase = False
    text = path.read_text() if path.exists() else ""
    for line in text.splitlines():
        if line.startswith("C "):
            uri, digest = line[2:].split("\t")
            committed[uri] = digest
        elif line == "phase":
            phase = True
        elif line.startswith("+"):
            stack.append(line[1:])
        elif line.startswith("-") and stack and stack[-1] == line[1:]:
            stack.pop()
    return committed, stack, phase


def landing(stack: list[str], phase: bool, mode: str) -> str:
    if stack:
        return STEP_NAMES.get(stack[-1], stack[-1])
    if not phase:
        return "startup (before the measured phase)"
    if mode == "ingest":
        return "between commits (parse, chunk, embed)"
    return "between steps (add: parse/chunk/embed; search: scoring)"


def store_problems(col_path: Path) -> list[str]:
    """Integrity and completeness of every stored document (checks 1 and 2)."""
    from veracity.store import SQLiteStore

    store = SQLiteStore(col_path, create=False)
    try:
        problems = list(store.check())
    finally:
        store.close()
    db = sqlite3.connect(col_path / "veracity.db")
    try:
        problems += _document_problems(db)
    finally:
        db.close()
    return problems


def _document_problems(db: sqlite3.Connection) -> list[str]:
    problems = []
    docs = db.execute(
        "SELECT d.id, d.uri, d.content_hash, d.n_chunks, t.text FROM documents d "
        "LEFT JOIN document_text t ON t.document_id = d.id"
    ).fetchall()
    for doc_id, uri, digest, n_chunks, text in docs:
        if text is None or hashlib.sha256(text.encode()).hexdigest() != digest:
            problems.append(f"{uri}: text missing or not matching its content hash")
            continue
        chunks = db.execute(
            'SELECT c.text, c.start, c."end", v.chunk_rid IS NOT NULL FROM chunks c '
            "LEFT JOIN vectors v ON v.chunk_rid = c.rid WHERE c.document_id = ? ORDER BY ordinal",
            (doc_id,),
        ).fetchall()
        if len(chunks) != n_chunks or not chunks:
            problems.append(f"{uri}: {len(chunks)} chunks stored, n_chunks says {n_chunks}")
        if any(c_text != text[s:e] for c_text, s, e, _ in chunks):
            problems.append(f"{uri}: a chunk's text is not its slice of the document")
        if not all(has_vector for *_, has_vector in chunks):
            problems.append(f"{uri}: a chunk has no vector")
    return problems


def stored_documents(col_path: Path) -> list[tuple[str, str]]:
    db = sqlite3.connect(col_path / "veracity.db")
    try:
        return db.execute("SELECT uri, content_hash FROM documents").fetchall()
    finally:
        db.close()


def index_mismatches(col_path: Path) -> list[str]:
    """The indexes the killed child left, caught up, against ones rebuilt from scratch (check 4)."""
    import veracity
    from veracity.index.sync import IndexSet

    col = veracity.open(col_path, embedder="hash", create=False)
    problems = []
    try:
        left = col.indexes()
        with tempfile.TemporaryDirectory() as fresh_dir:
            fresh = IndexSet(
                col.store, Path(fresh_dir), dim=left.dim, vector_backend=left.vector_backend
            )
            for q in QUERIES:
                if not _same(left.bm25().search(q, 20), fresh.bm25().search(q, 20)):
                    problems.append(f"BM25 top-20 for {q!r} differs from a fresh rebuild")
                qv = col.embedder().embed([q])  # (1, dim)
                a, b = left.vectors().search(qv, 20), fresh.vectors().search(qv, 20)
                if not _same((a[0][0], a[1][0]), (b[0][0], b[1][0])):
                    problems.append(f"vector top-20 for {q!r} differs from a fresh rebuild")
            if len(left.bm25()) != len(fresh.bm25()) or len(left.vectors()) != len(fresh.vectors()):
                problems.append("index sizes differ from a fresh rebuild")
        col.search(QUERIES[0])
    except Exception as e:  # a crash here is a finding, not a reason to stop the benchmark
        problems.append(f"search/index failed: {type(e).__name__}: {e}")
    finally:
        col.close()
    return problems


def _same(a: tuple[Any, Any], b: tuple[Any, Any]) -> bool:
    """Equal top lists: same scores (float tolerance) and the same ids above the last tied score."""
    ids_a, sc_a = np.asarray(a[0]), np.asarray(a[1], dtype=np.float64)
    ids_b, sc_b = np.asarray(b[0]), np.asarray(b[1], dtype=np.float64)
    if sc_a.shape != sc_b.shape or not np.allclose(sc_a, sc_b, rtol=1e-4, atol=1e-5):
        return False
    if not len(sc_a):
        return True
    cut = sc_a[-1] + 1e-4  # ids tied with the last score may legitimately differ
    return set(ids_a[sc_a > cut].tolist()) == set(ids_b[sc_b > cut].tolist())


# --- one trial -----------------------------------------------------------------------------------


def _spawn(mode: str, col: Path, corpus: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "benchmarks.crash_trials", "--child", mode, str(col)]
    cmd += [str(corpus), str(log)]
    root = Path(__file__).resolve().parent.parent
    return subprocess.Popen(cmd, env=env, cwd=root, stderr=subprocess.PIPE)


def _wait_phase(
    log: Path, proc: subprocess.Popen[bytes], nth_merge: int = 0, timeout: float = 120
) -> None:
    """Return once the child logged its phase start (and, with ``nth_merge``, that merge's
    start), or exited."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        text = "\n" + log.read_text() if log.exists() else ""
        after = text.partition("\nphase\n")[2]
        if "\nphase\n" in text and ("\n" + after).count("\n+merge\n") >= nth_merge:
            return
        time.sleep(0.002)


def calibrate(corpus: Path, work: Path) -> dict[str, float]:
    """Seconds each mode's measured phase takes when not killed (to spread the kills over it),
    and (``"merges"``) how many BM25 merges the add/search loop makes."""
    out = {}
    for mode in ("ingest", "merge"):
        log = work / f"calib-{mode}.log"
        proc = _spawn(mode, work / f"calib-{mode}", corpus, log)
        _wait_phase(log, proc)
        started = time.perf_counter()
        _, err = proc.communicate(timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"calibration run ({mode}) failed: {err.decode()[-2000:]}")
        out[mode] = time.perf_counter() - started
    after = ("\n" + log.read_text()).partition("\nphase\n")[2]
    out["merges"] = ("\n" + after).count("\n+merge\n")
    return out


def run_trial(trial: Trial, corpus: Path, work: Path) -> Trial:
    col, log = work / "col", work / "child.log"
    proc = _spawn(trial.mode, col, corpus, log)
    _wait_phase(log, proc, trial.nth_merge)
    time.sleep(trial.delay)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    committed, stack, phase = read_log(log)
    trial.landed = landing(stack, phase, trial.mode) if proc.returncode == -9 else "after exit"
    trial.committed_before_kill = len(committed)
    if (col / "veracity.db").exists():
        trial.corrupt = store_problems(col)
        stored = dict(stored_documents(col))
        trial.lost = [u for u, h in committed.items() if stored.get(u) != h]
        if not trial.corrupt:
            trial.index_mismatch = index_mismatches(col)
    elif committed:
        trial.lost = sorted(committed)
    _resume(trial, corpus, col, work)
    return trial


def _resume(trial: Trial, corpus: Path, col: Path, work: Path) -> None:
    proc = _spawn(trial.mode, col, corpus, work / "resume.log")
    _, err = proc.communicate(timeout=600)
    if proc.returncode != 0:
        trial.resume_problems.append(f"exit {proc.returncode}: {err.decode()[-500:]}")
        return
    problems = store_problems(col)
    docs = stored_documents(col)
    uris = [u for u, _ in docs]
    if len(uris) != len(set(uris)):
        problems.append("a document is stored more than once")
    if set(uris) != expected_uris(corpus, trial.mode):
        problems.append(f"{len(set(uris))} documents stored after resume, expected all")
    trial.resume_problems = problems
    trial.resumed = not problems


# --- the report ----------------------------------------------------------------------------------


def trials(n: int, seed: int, durations: dict[str, float]) -> Iterator[Trial]:
    rng = random.Random(seed)
    for i in range(n):
        if i % 4 == 3 and durations["merges"]:
            yield Trial("merge", rng.uniform(0.0, 0.006), rng.randint(1, int(durations["merges"])))
        else:
            mode = "ingest" if i % 2 == 0 else "merge"
            yield Trial(mode, rng.uniform(0.0, durations[mode] * 0.95))


def report(done: list[Trial], durations: dict[str, float], args: argparse.Namespace) -> str:
    n_corrupt = sum(bool(t.corrupt) for t in done)
    n_lost = sum(len(t.lost) for t in done)
    n_mismatch = sum(bool(t.index_mismatch) for t in done)
    n_resumed = sum(t.resumed for t in done)
    lines = [
        "## Crash trials (kill -9 during ingest and index merges)",
        "",
        f"Command: `python -m benchmarks.crash_trials --trials {args.trials} --seed {args.seed}`. "
        + machine_line(),
        "",
        f"Corpus: {N_INGEST_DOCS} small text files for ingest trials; {N_BASE_DOCS} base + "
        f"{N_MERGE_DOCS} files added {MERGE_BATCH} at a time, each add followed by a search "
        "(log replay, BM25 segment merges, index saves) for merge trials; embedder `hash`. "
        f"Kill delays uniform over the measured phase (ingest {durations['ingest']:.1f} s, "
        f"add/search loop {durations['merge']:.1f} s with {durations['merges']:.0f} BM25 "
        "merges when not killed); every other merge trial is killed 0-6 ms after the start "
        "of a random one of those merges.",
        "",
        "| trials | corrupt stores | lost committed documents | index mismatches after "
        "replay | resumes completed |",
        "|---|---|---|---|---|",
        f"| {len(done)} | {n_corrupt} | {n_lost} | {n_mismatch} | {n_resumed} / {len(done)} |",
        "",
        "Where the kills landed (innermost step open at the kill):",
        "",
        "| trial kind | step | kills |",
        "|---|---|---|",
    ]
    kinds = Counter((_kind(t), t.landed) for t in done)
    for (kind, where), count in sorted(kinds.items()):
        lines.append(f"| {kind} | {where} | {count} |")
    committed = [t.committed_before_kill for t in done if t.mode == "ingest"]
    lines += [
        "",
        f"Ingest trials had {min(committed, default=0)}-{max(committed, default=0)} documents "
        "committed at the kill (all of them found after it).",
        "",
        "A BM25 merge (`BM25Index._maybe_merge`) runs in memory and writes nothing; on this "
        "corpus it takes well under a millisecond, so kills aimed at one land in the index "
        "saves that follow it (`persist.save`: temp file, fsync, rename of data then manifest), "
        "which is where a merge could corrupt an index on disk.",
    ]
    lines += _findings(done)
    return "\n".join(lines)


def _kind(t: Trial) -> str:
    if t.mode == "ingest":
        return "ingest"
    return "merge (aimed at a merge)" if t.nth_merge else "merge (random in add/search loop)"


def _findings(done: list[Trial]) -> list[str]:
    bad = [t for t in done if t.corrupt or t.lost or t.index_mismatch or not t.resumed]
    if not bad:
        return []
    out = ["", "Findings:", ""]
    for i, t in enumerate(done):
        issues = t.corrupt[:3] + t.lost[:3] + t.index_mismatch[:3] + t.resume_problems[:3]
        if issues:
            out.append(f"- trial {i} ({t.mode}, {t.landed}): " + "; ".join(issues))
    return out


def machine_line() -> str:
    from benchmarks._report import machine_line as line

    return line()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--child", nargs=4, metavar=("MODE", "COL", "CORPUS", "LOG"))
    args = parser.parse_args(argv)
    if args.child:
        mode, col, corpus, log = args.child
        child(mode, Path(col), Path(corpus), Path(log))
        return
    with tempfile.TemporaryDirectory(prefix="crash-trials-") as tmp:
        root = Path(tmp)
        make_corpus(root / "corpus", args.seed)
        durations = calibrate(root / "corpus", root)
        done = []
        for i, trial in enumerate(trials(args.trials, args.seed, durations)):
            work = root / f"trial{i:03}"
            work.mkdir()
            done.append(run_trial(trial, root / "corpus", work))
            t = done[-1]
            flag = "BAD" if t.corrupt or t.lost or t.index_mismatch or not t.resumed else "ok"
            print(f"trial {i:3} {_kind(t)} {t.delay:5.2f}s {t.landed}: {flag}", flush=True)
    md = report(done, durations, args)
    if args.no_write:
        print(md)
    else:
        from benchmarks._report import write_section

        write_section("crash-trials", md)
        print(md)


if __name__ == "__main__":
    main()
