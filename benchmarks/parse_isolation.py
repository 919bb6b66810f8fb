"""The cost of parsing files in worker processes (``ingest.isolate.ParsePool``) instead of in-process.

Run: ``python -m benchmarks.parse_isolation`` (``--reps N``, default 50). Files: the repository's
``samples/`` (text, Markdown, HTML, JSONL) plus a generated 50-paragraph DOCX and 3-page PDF.
Wall time per file (what an ingest waits), median over repetitions, in-process and isolated calls
interleaved; the worker start (a fresh interpreter importing the loaders) is measured apart, as
the first file of a fresh pool minus its warm cost. Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from benchmarks._report import machine_line, write_section
from veracity.ingest.isolate import ParsePool
from veracity.ingest.loaders import LoadResult, load

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def generated_files(folder: Path) -> list[Path]:
    out = []
    try:
        import docx

        document = docx.Document()
        document.add_heading("Generated report", level=1)
        for i in range(50):
            document.add_paragraph(f"Paragraph {i}: the canteen serves soup on Fridays. " * 3)
        document.save(str(folder / "report.docx"))
        out.append(folder / "report.docx")
    except ImportError:
        pass
    try:
        import fpdf

        pdf = fpdf.FPDF()
        pdf.set_font("Helvetica", size=12)
        for page in range(3):
            pdf.add_page()
            pdf.multi_cell(0, 10, f"Page {page + 1}. The office opens at nine. " * 20)
        pdf.output(str(folder / "pages.pdf"))
        out.append(folder / "pages.pdf")
    except ImportError:
        pass
    return out


def _all(read: Callable[[Path], Iterator[LoadResult]], path: Path) -> list[LoadResult]:
    return list(read(path))


def wall(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(files: list[Path], reps: int) -> tuple[list[tuple[str, float, float]], float]:
    rows = []
    with ParsePool() as pool:
        first = wall(lambda: list(pool.load(files[0])))
        for path in files:
            list(load(path))  # warm this process's imports for the format
            list(pool.load(path))  # and the worker's
            inproc, isolated = [], []
            for _ in range(reps):
                inproc.append(wall(partial(_all, load, path)))
                isolated.append(wall(partial(_all, pool.load, path)))
            rows.append((path.name, statistics.median(inproc), statistics.median(isolated)))
    warm_first = rows[0][2]
    return rows, max(0.0, first - warm_first)


def report(rows: list[tuple[str, float, float]], start: float, reps: int) -> str:
    lines = [
        "## Parsing in worker processes (`ingest.isolate`)",
        "",
        "Command: `python -m benchmarks.parse_isolation`. Wall time per file, median of "
        f"{reps} interleaved repetitions. {machine_line()}",
        "",
        "| file | in-process (ms) | isolated (ms) | overhead (ms) |",
        "|---|---:|---:|---:|",
    ]
    for name, inproc, isolated in rows:
        lines.append(
            f"| {name} | {inproc * 1000:.2f} | {isolated * 1000:.2f} | "
            f"{(isolated - inproc) * 1000:.2f} |"
        )
    overheads = [(iso - inp) * 1000 for _, inp, iso in rows]
    lines += [
        "",
        f"Overhead per file: median {statistics.median(overheads):.2f} ms (pickling the "
        "request and the documents through a pipe); starting a worker (a fresh interpreter "
        f"importing the loaders) {start * 1000:.0f} ms, once per pool and after a worker is "
        "killed for overrunning its limits.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = sorted(p for p in SAMPLES.iterdir() if p.is_file())
        files += generated_files(Path(tmp))
        rows, start = measure(files, args.reps)
    text = report(rows, start, args.reps)
    print(text)
    write_section("parse-isolation", text)


if __name__ == "__main__":
    main()
