"""Answers on real documents with hand-written questions: licences, specs and manuals on Debian.

Run: ``python -m benchmarks.real_docs_answers [--corpus
debian|book|node|attrs|pip|click|valgrind|manuals|clibs|manpages] [--llm] [--no-write]``.

``--corpus book`` asks ``book_questions.jsonl`` of the Rust book folder that rustup installs
(``_real_corpus.rust_book``), ingested in place, as a user would point Veracity at it;
``--corpus node`` asks ``node_questions.jsonl`` of Node.js's API reference as Debian installs it
(``_real_corpus.node_docs``), also in place; ``--corpus attrs`` asks ``attrs_questions.jsonl`` of
the attrs documentation folder (``_real_corpus.attrs_docs``, fetched once from PyPI), ``--corpus
pip`` ``pip_questions.jsonl`` of pip's (``_real_corpus.pip_docs``) and ``--corpus click``
``click_questions.jsonl`` of click's (``_real_corpus.click_docs``); ``--corpus valgrind`` asks
``valgrind_questions.jsonl`` of Valgrind's HTML manual as Debian installs it
(``_real_corpus.valgrind_docs``, in place) and ``--corpus manuals`` ``manuals_questions.jsonl``
of two PDF manuals from Debian's packages (``_real_corpus.pdf_manuals``); ``--corpus clibs``
``clibs_questions.jsonl`` of libffi's and Expat's docs (``_real_corpus.c_library_docs``);
``--corpus manpages`` ``manpages_questions.jsonl`` of 55 Linux man pages rendered to text
(``_real_corpus.man_pages``).

The corpus (``_real_corpus``: licence texts, dpkg specifications, a Bash manual chapter, Git's
README and release notes, a long copyright file) is copied from the machine into a temporary
folder and ingested with the default settings, exactly as a user would ingest a folder. The
questions (``real_questions.jsonl``) were written by hand for this benchmark, in a user's words,
not in the documents' wording; none of them, and none of these documents, is used by the tests
or by training. A question whose source file is missing on this machine is skipped (counted in
the report).

For each answerable question: does the top-5 retrieval hold a gold answer (a retrieved passage
contains it), and does the answer's text contain one. For each unanswerable one: did the system
abstain. Systems: the default extractive engine, the extractive baseline (best source sentence of
the top passages), and with ``--llm`` SmolLM2: the engine as it was before the reader (it writes
from the top passages, checked by the support judge) and the generative style with the reader.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VERACITY_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

import veracity  # noqa: E402
from benchmarks._real_corpus import (  # noqa: E402
    ATTRS_QUESTIONS_PATH,
    BOOK_QUESTIONS_PATH,
    CLIBS_QUESTIONS_PATH,
    CLICK_QUESTIONS_PATH,
    MANPAGES_QUESTIONS_PATH,
    MANUALS_QUESTIONS_PATH,
    NODE_QUESTIONS_PATH,
    PIP_QUESTIONS_PATH,
    VALGRIND_QUESTIONS_PATH,
    assemble,
    attrs_docs,
    c_library_docs,
    click_docs,
    load_questions,
    man_pages,
    node_docs,
    pdf_manuals,
    pip_docs,
    rust_book,
    valgrind_docs,
)
from benchmarks._report import machine_line, write_section  # noqa: E402
from veracity.evaluate.bootstrap import bootstrap_ci  # noqa: E402
from veracity.evaluate.qa_metrics import normalize_answer, strip_citations  # noqa: E402
from veracity.generate.base import get_generator  # noqa: E402
from veracity.rag.engine import AnswerEngine, AskOptions  # noqa: E402
from veracity.rag.extractive import best_quote  # noqa: E402
from veracity.rag.prompt import Source  # noqa: E402


def contains(text: str, golds: list[str]) -> bool:
    t = normalize_answer(strip_citations(text))
    return any(normalize_answer(g) in t for g in golds)


def _ci(values: list[float]) -> str:
    if not values:
        return "-"
    p, lo, hi = bootstrap_ci(np.asarray(values, dtype=np.float64))
    return f"{p * 100:.0f}% [{lo * 100:.0f}, {hi * 100:.0f}] (n={len(values)})"


def run_system(
    name: str, ask: Any, questions: list[dict[str, Any]], top5: dict[str, bool]
) -> dict[str, Any]:
    """Ask every question; per-question records and the summary cells."""
    rows = []
    t0 = time.process_time()
    for q in questions:
        text, abstained, *extra = ask(q["question"])
        near, short = [*extra, None, None][:2]
        rows.append({"id": q["id"], "answerable": q["answerable"], "abstained": abstained,
                     "contains": (not abstained) and contains(text, q["answers"]), "text": text,
                     "short": short,
                     "short_contains": (not abstained) and short is not None
                     and contains(short, q["answers"]),
                     "closest": near,
                     "closest_contains": near is not None and contains(near, q["answers"])})  # fmt: skip
    cpu = (time.process_time() - t0) / max(1, len(questions)) * 1000
    pos = [r for r in rows if r["answerable"]]
    in5 = [r for r in pos if top5[r["id"]]]
    neg = [r for r in rows if not r["answerable"]]
    return {
        "name": name,
        "rows": rows,
        "cells": [
            _ci([float(r["contains"]) for r in in5]),
            _ci([float(r["short_contains"]) for r in in5])
            if any(r["short"] is not None for r in rows)
            else "n/a (no short answer)",
            _ci([float(r["contains"]) for r in pos]),
            _ci([float(not r["abstained"]) for r in pos]),
            _ci([float(r["abstained"]) for r in neg]),
            f"{cpu:.0f}",
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--llm", action="store_true", help="also the generative style (SmolLM2)")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--show", action="store_true", help="print every answer")
    parser.add_argument(
        "--corpus",
        choices=("debian", *QUESTIONS),
        default="debian",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder, questions, skipped = _corpus(args.corpus, Path(tmp))
        pages_only = args.corpus in ("book", "node")  # their folders hold scripts and assets
        n_files = sum(
            1
            for p in folder.rglob("*")
            if p.is_file() and (not pages_only or p.suffix in (".md", ".html"))
        )
        col = veracity.open(Path(tmp) / "col")
        col.add([folder])
        engine = col.answer_engine("smollm2", cache=False, n_threads=1)
        opts = dataclasses.replace(engine.options, use_cache=False)
        reranker = engine.reranker
        assert reranker is not None
        top5: dict[str, bool] = {}
        for q in questions:
            hits = reranker.rerank(q["question"], engine.retriever.retrieve(q["question"], 30), 30)
            top5[q["id"]] = any(contains(h.chunk.text, q["answers"]) for h in hits[:5])

        def engine_ask(eng: AnswerEngine, o: AskOptions) -> Any:
            def ask(question: str) -> tuple[str, bool, str | None, str | None]:
                a = eng.ask(question, options=o)
                near = None if a.closest is None else a.closest.text
                return a.text, a.abstained, near, None if a.short is None else a.short.text

            return ask

        def baseline(question: str) -> tuple[str, bool]:
            hits = reranker.rerank(question, engine.retriever.retrieve(question, 30), 30)
            if not hits or hits[0].score < engine.options.relevance_floor:
                return "", True
            quote = best_quote(question, [Source(i + 1, h) for i, h in enumerate(hits[:4])],
                               col.embedder())  # fmt: skip
            return ("", True) if quote is None else (quote.text, False)

        systems = [
            run_system("extractive baseline", baseline, questions, top5),
            run_system("reader (default, extractive)",
                       engine_ask(engine, dataclasses.replace(opts, style="extractive")),
                       questions, top5),
        ]  # fmt: skip
        if args.llm:
            today = AnswerEngine(
                engine.retriever, get_generator("smollm2", n_threads=1), engine.judge,
                reranker=reranker, options=dataclasses.replace(opts, style="generative"),
            )  # fmt: skip
            systems += [
                run_system("today's engine (SmolLM2, no reader)", engine_ask(today, today.options),
                           questions, top5),
                run_system("generative + reader (SmolLM2)",
                           engine_ask(engine, dataclasses.replace(opts, style="generative")),
                           questions, top5),
            ]  # fmt: skip
        n_chunks = col.status().chunks
    if args.show:
        for s in systems:
            for r in s["rows"]:
                print(s["name"], r["id"], r["answerable"], r["abstained"], r["contains"],
                      r["text"][:200].replace("\n", " "))  # fmt: skip
    pos = [q for q in questions if q["answerable"]]
    reader = systems[1]["rows"]
    declined = [r for r in reader if r["answerable"] and r["abstained"]]
    shown = [r for r in declined if r["closest"] is not None]
    neg_shown = [r for r in reader if not r["answerable"] and r["closest"] is not None]
    closest_line = (
        "The default engine declined no answerable question."
        if not declined
        else (
            f"When the default engine declines, it shows the closest passage beside the "
            f"abstention (`Answer.closest`, not an answer): for {len(shown)} of the {len(declined)} "
            f"answerable questions it declined (the rest were under the relevance floor), and that "
            f"sentence holds a gold answer for {sum(r['closest_contains'] for r in shown)} of them; "
            f"for {len(neg_shown)} of the {len(questions) - len(pos)} unanswerable ones."
        )
    )
    table = "\n".join(f"| {s['name']} | " + " | ".join(s["cells"]) + " |" for s in systems)
    flags = (f" --corpus {args.corpus}" if args.corpus != "debian" else "") + (
        " --llm" if args.llm else ""
    )
    corpus = {
        "book": f"The Rust book as rustup installs it ({n_files} HTML pages under `{folder}`, "
        "ingested in place: code listings, program output, `print.html` repeating every "
        "chapter; `_real_corpus.rust_book`)",
        "node": f"Node.js {_node_version()} API reference as Debian's `nodejs` package installs "
        f"it ({n_files} Markdown and HTML pages under `{folder}`, ingested in place: each page "
        "twice, as Markdown and HTML, and `all.html` with every page again; signatures, "
        "`Default:` lines, option lists, code examples; `_real_corpus.node_docs`, questions "
        "in `node_questions.jsonl`, whose provenance that function's docstring states)",
        "attrs": f"The documentation of the Python library attrs 24.3.0 as its source "
        f"distribution ships it ({n_files} files: README, a 66 KB changelog, MyST Markdown pages "
        "and reStructuredText API pages; fetched once from PyPI, `_real_corpus.attrs_docs`, "
        "questions in `attrs_questions.jsonl`, whose provenance that function's docstring states)",
        "pip": f"The documentation source of pip 24.3.1 ({n_files} files under `docs/html` of "
        "its source distribution: MyST Markdown and reStructuredText pages, Sphinx's `conf.py`, an "
        "image; fetched once from PyPI, `_real_corpus.pip_docs`, questions in "
        "`pip_questions.jsonl`, whose provenance that function's docstring states)",
        "click": f"The documentation of click 8.1.8 as its source distribution ships it "
        f"({n_files} files: README, the changelog CHANGES.rst, reStructuredText pages under "
        "`docs/` with Sphinx's `conf.py`, a Makefile and images; fetched once from PyPI, "
        "`_real_corpus.click_docs`, questions in `click_questions.jsonl`, whose provenance that "
        "function's docstring states)",
        "valgrind": f"Valgrind's manual as Debian's `valgrind` package installs it ({n_files} "
        "files under `/usr/share/doc/valgrind/html`, ingested in place: DocBook HTML pages with "
        "navigation tables on every page, the FAQ, release notes, READMEs and licences, images "
        "and a stylesheet; `_real_corpus.valgrind_docs`, questions in `valgrind_questions.jsonl`, "
        "whose provenance that function's docstring states)",
        "manuals": "Two PDF manuals that ship with Debian (the GNU Libtasn1 manual and the "
        "Shared MIME-info Database specification; `_real_corpus.pdf_manuals`, questions in "
        "`manuals_questions.jsonl`, whose provenance that function's docstring states)",
        "clibs": f"Two C libraries' documentation from Debian's packages ({n_files} files: the "
        "libffi manual as Texinfo HTML pages, Expat's API reference as one HTML page and its "
        "changelog, plain text and gzip-compressed; `_real_corpus.c_library_docs`, questions in "
        "`clibs_questions.jsonl`, whose provenance that function's docstring states)",
        "manpages": f"{n_files} Linux man pages (system calls and C library functions from "
        "Debian's `manpages-dev`) rendered to plain text as `man` shows them at 80 columns "
        "(`_real_corpus.man_pages`, questions in `manpages_questions.jsonl`, whose provenance "
        "that function's docstring states)",
        "debian": f"{n_files} plain-text documents that ship with Debian (licences, dpkg "
        "specifications, a Bash manual chapter, Git's README and release notes; "
        "`benchmarks/_real_corpus.py`)",
    }[args.corpus]
    title = {
        "book": ", the Rust book",
        "node": ", Node.js API reference",
        "attrs": ", the attrs documentation",
        "pip": ", the pip documentation",
        "click": ", the click documentation",
        "valgrind": ", Valgrind's HTML manual",
        "manuals": ", two PDF manuals",
        "clibs": ", two C libraries' docs",
        "manpages": ", Linux man pages",
        "debian": "",
    }
    md = f"""## Answers on real documents (hand-written questions{title[args.corpus]})

Command: `python -m benchmarks.real_docs_answers{flags}`. {corpus}, {n_chunks} chunks, default
ingest settings.
{len(pos)} answerable and {len(questions) - len(pos)} unanswerable questions written by hand in a
user's words ({skipped} skipped: source missing here). Top-5 retrieval holds a gold answer for
{sum(top5[q["id"]] for q in pos)} of {len(pos)} answerable questions. 95% bootstrap intervals.
"Answer contains gold" reads the whole answer, the quoted sentence too; "short answer" reads only
the span it leads with (`Answer.short`), which is stricter: a quote can hold the gold around a
wrong span.

| system | answer contains gold, when top 5 does | short answer contains gold, when top 5 does | answer contains gold, all answerable | answered (answerable) | abstained (unanswerable) | CPU ms / question |
|---|---|---|---|---|---|---|
{table}

{closest_line}

{machine_line()}
"""
    print(md)
    if not args.no_write:
        suffix = "" if args.corpus == "debian" else f"-{args.corpus}"
        write_section(f"real-docs-answers{suffix}", md)


def _corpus(name: str, tmp: Path) -> tuple[Path, list[dict[str, Any]], int]:
    """The folder to ingest, its questions, and how many questions were skipped because their
    source file is missing on this machine (Debian's corpus only; the others are whole or not
    at all)."""
    if name == "debian":
        files = assemble(tmp / "docs")
        present = {f.name for f in files}
        questions = [q for q in load_questions() if q["source"] in present]
        return tmp / "docs", questions, len(load_questions()) - len(questions)
    fetched = {"attrs": attrs_docs, "pip": pip_docs, "click": click_docs}
    if name in fetched:
        return fetched[name](tmp), load_questions(QUESTIONS[name]), 0
    found = {
        "book": (rust_book, "no Rust book here: `rustup component add rust-docs` installs it"),
        "node": (node_docs, "no Node.js API docs here: Debian's `nodejs` package installs them"),
        "valgrind": (
            valgrind_docs,
            "no Valgrind manual here: Debian's `valgrind` package installs it",
        ),
        "manuals": (
            lambda: pdf_manuals(tmp),
            "no PDF manuals here: Debian's `libtasn1-doc` and `shared-mime-info` install them",
        ),
        "clibs": (
            lambda: c_library_docs(tmp),
            "no libffi or Expat docs here: Debian's `libffi8` and `libexpat1-dev` install them",
        ),
        "manpages": (
            lambda: man_pages(tmp),
            "no man pages here: Debian's `man-db` and `manpages-dev` install them",
        ),
    }
    locate, missing = found[name]
    folder = locate()
    if folder is None:
        raise SystemExit(missing)
    return folder, load_questions(QUESTIONS[name]), 0


QUESTIONS = {
    "book": BOOK_QUESTIONS_PATH,
    "node": NODE_QUESTIONS_PATH,
    "attrs": ATTRS_QUESTIONS_PATH,
    "pip": PIP_QUESTIONS_PATH,
    "click": CLICK_QUESTIONS_PATH,
    "valgrind": VALGRIND_QUESTIONS_PATH,
    "manuals": MANUALS_QUESTIONS_PATH,
    "clibs": CLIBS_QUESTIONS_PATH,
    "manpages": MANPAGES_QUESTIONS_PATH,
}


def _node_version() -> str:
    """The installed Node.js version ("v20.20.2"), or "" when ``node`` is not on the PATH."""
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        return ""
    out = subprocess.run([node, "--version"], capture_output=True, text=True, check=False)
    return out.stdout.strip()


if __name__ == "__main__":
    main()
