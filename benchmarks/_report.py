"""Write one benchmark's results into its own section of docs/benchmarks.md.

Each benchmark owns the text between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->``; rerunning
it replaces only that section, so benchmarks can run separately and the page stays whole.
"""

from __future__ import annotations

import fcntl
import os
import re
import sys
import tempfile
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = (
    "# Benchmarks\n\nEvery section below is written by the command it names; rerun it to refresh.\n"
)


def write_section(name: str, markdown: str, doc: Path = DOC) -> None:
    """Replace (or append) the section ``name`` of ``doc`` with ``markdown``, atomically."""
    doc.parent.mkdir(parents=True, exist_ok=True)
    lock = doc.with_suffix(".lock")
    with open(lock, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        text = doc.read_text() if doc.exists() else HEADER
        block = f"<!-- bench:{name} -->\n{markdown.strip()}\n<!-- /bench:{name} -->"
        pattern = re.compile(
            rf"<!-- bench:{re.escape(name)} -->.*?<!-- /bench:{re.escape(name)} -->", re.S
        )
        text = (
            pattern.sub(lambda _: block, text)
            if pattern.search(text)
            else (text.rstrip("\n") + "\n\n" + block + "\n")
        )
        fd, tmp = tempfile.mkstemp(dir=doc.parent)
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.replace(tmp, doc)
    lock.unlink(missing_ok=True)


def machine_line() -> str:
    """One line describing where the figures came from."""
    import platform

    return (
        f"Python {sys.version.split()[0]}, {platform.machine()}, {os.cpu_count()} cores (shared)."
    )
