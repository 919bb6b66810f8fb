"""File loaders: one function per format family, chosen by file extension, or by name for the
plain-text files that source trees and ``/usr/share/doc`` keep without one (``README``,
``LICENSE``, ``COPYING``, ``copyright``, ``README.Debian``: ``TEXT_NAMES``); either of them
gzip-compressed too (``changelog.Debian.gz``, ``notes.md.gz``: ``loaders.compressed``).

``load(path)`` yields ``Document`` records: one per file, or one per row of a ``.jsonl``/``.csv``
file (uri ``"<path>#<row id>"``). A row that cannot be read is yielded as a ``LoadFailure`` (uri and
reason) so the pipeline reports it and goes on with the file; a file that cannot be read at all
raises ``LoaderError`` whose message starts with the path. Any unexpected exception from a parsing
library is converted to ``LoaderError`` too, so one bad file never stops an ingest.

``iter_files(paths)`` expands folders into the supported files under them. Decisions:

- Inside folders, hidden entries (``.git``, ``.DS_Store``) are skipped silently and files of
  unsupported types are skipped and counted by extension in ``skipped`` (a folder of mixed files
  is normal, but the ingest summary says what it left out); a file named explicitly is always
  yielded, so ``load`` refuses an unsupported one with a message listing the supported types.
- Symlinked folders are not followed (no cycles); symlinked files are. A file reached twice is
  yielded once.
- A path that does not exist raises ``ConfigError``: a typo on the command line, not a bad
  document.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

from veracity.errors import ConfigError, LoaderError, VeracityError
from veracity.ingest.loaders.base import Loader, LoadFailure, LoadOptions, LoadResult
from veracity.ingest.loaders.compressed import load_gzip_markdown, load_gzip_rst, load_gzip_text
from veracity.ingest.loaders.html import load_html
from veracity.ingest.loaders.pdf import load_pdf
from veracity.ingest.loaders.rows import load_csv, load_jsonl
from veracity.ingest.loaders.rst import load_rst
from veracity.ingest.loaders.text import load_markdown, load_txt
from veracity.ingest.loaders.word import load_docx

__all__ = [
    "SUPPORTED_EXTENSIONS",
    "LoadFailure",
    "LoadOptions",
    "LoadResult",
    "check_loadable",
    "is_supported",
    "iter_files",
    "load",
]

# Extension -> (format name for messages, loader). Keys are lower case.
_LOADERS: dict[str, tuple[str, Loader]] = {
    ".txt": ("text", load_txt),
    ".rst": ("reStructuredText", load_rst),
    ".md": ("Markdown", load_markdown),
    ".markdown": ("Markdown", load_markdown),
    ".html": ("HTML", load_html),
    ".htm": ("HTML", load_html),
    ".pdf": ("PDF", load_pdf),
    ".docx": ("DOCX", load_docx),
    ".jsonl": ("JSONL", load_jsonl),
    ".csv": ("CSV", load_csv),
}

SUPPORTED_EXTENSIONS: frozenset[str] = frozenset(_LOADERS)

# Plain-text files known by their name (any case; "README.Debian" and "LICENSE" too).
TEXT_NAMES: frozenset[str] = frozenset({
    "authors", "changelog", "changes", "code_of_conduct", "contributing", "contributors",
    "copying", "copyright", "credits", "hacking", "history", "install", "licence", "license",
    "maintainers", "news", "notice", "readme", "security", "thanks", "todo",
})  # fmt: skip
# Suffixes that make a named file something else: "changelog.gz" is compressed, not text.
_NOT_TEXT = frozenset({
    ".7z", ".bz2", ".dll", ".exe", ".gif", ".gz", ".ico", ".jpeg", ".jpg", ".lz", ".o",
    ".png", ".pyc", ".so", ".svg", ".tar", ".tgz", ".xz", ".z", ".zip", ".zst",
})  # fmt: skip


def is_supported(path: Path) -> bool:
    """Whether ``load`` has a loader for ``path``: by its extension, or by its name."""
    return _find_loader(path) is not None


def _find_loader(path: Path) -> tuple[str, Loader] | None:
    """(format name, loader) for ``path``: by extension, by name, or by the name inside .gz."""
    ext = path.suffix.lower()
    if ext in _LOADERS:
        return _LOADERS[ext]
    if _named_text(path):
        return "text", load_txt
    return _gzip_loader(path)


def _gzip_loader(path: Path) -> tuple[str, Loader] | None:
    """The loader of a gzip-compressed text or Markdown file, by the name inside ``.gz``."""
    if path.suffix.lower() != ".gz":
        return None
    inner = Path(path.name[: -len(".gz")])
    ext = inner.suffix.lower()
    if ext in (".md", ".markdown"):
        return "gzip-compressed Markdown", load_gzip_markdown
    if ext == ".rst":
        return "gzip-compressed reStructuredText", load_gzip_rst
    if ext == ".txt" or _named_text(inner):
        return "gzip-compressed text", load_gzip_text
    return None


def _named_text(path: Path) -> bool:
    name = path.name.split(".", 1)[0].lower()
    return name in TEXT_NAMES and path.suffix.lower() not in _NOT_TEXT


def load(path: Path, options: LoadOptions | None = None) -> Iterator[LoadResult]:
    """Read one file into documents (see the module docstring for what is yielded and raised).

    The path, its type and its existence are checked now; the content as the iterator is consumed.
    """
    options = options or LoadOptions()
    path = Path(path)
    fmt, loader = _loader_for(path)
    return _guarded(check_loadable(path), fmt, loader, options)


def check_loadable(path: Path) -> Path:
    """The resolved path if ``load`` accepts it (an existing regular file of a supported type);
    ``LoaderError`` saying why not otherwise. Reads nothing but the file's metadata."""
    path = Path(path)
    _loader_for(path)
    if not path.exists():
        raise LoaderError(f"{path}: file not found (was it moved or deleted?)")
    if not path.is_file():
        raise LoaderError(f"{path}: not a regular file; pass folders through iter_files()")
    return path.resolve()


def _loader_for(path: Path) -> tuple[str, Loader]:
    if (found := _find_loader(path)) is not None:
        return found
    supported = ", ".join(sorted(SUPPORTED_EXTENSIONS))
    ext = path.suffix.lower()
    raise LoaderError(
        f"{path}: unsupported file type {ext or '(no extension)'}; supported: {supported}, and "
        "plain-text files named like README, LICENSE or COPYING, and any of these as .gz"
    )


def _guarded(path: Path, fmt: str, loader: Loader, options: LoadOptions) -> Iterator[LoadResult]:
    try:
        yield from loader(path, options)
    except VeracityError:
        raise
    except MemoryError as e:
        raise LoaderError(f"{path}: out of memory reading this {fmt} file; lower max_bytes") from e
    except OSError as e:
        raise LoaderError(f"{path}: cannot read the file: {e.strerror or e}") from e
    except Exception as e:  # a parser bug or an input it did not expect: one file, not the run
        raise LoaderError(
            f"{path}: could not read this {fmt} file ({type(e).__name__}: {e})"
        ) from e


def iter_files(paths: Sequence[Path], skipped: Counter[str] | None = None) -> Iterator[Path]:
    """The files to load under ``paths``, in a stable order (sorted by name, depth first).
    Files of unsupported types found in folders are counted in ``skipped`` by lower-case
    extension (``"(no extension)"`` for none)."""
    for given in paths:
        if not Path(given).exists():
            raise ConfigError(
                f"path does not exist: {given}; check the spelling, or pass an existing file "
                "or folder"
            )
    seen: set[Path] = set()
    for given in paths:
        given = Path(given)
        candidates = [given] if given.is_file() else _walk(given, skipped)
        for path in candidates:
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                yield path


def _walk(folder: Path, skipped: Counter[str] | None = None) -> Iterator[Path]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as e:
        raise ConfigError(
            f"cannot list folder {folder}: {e.strerror or e}; check permissions"
        ) from e
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(path, skipped)
        elif entry.is_file() and is_supported(path):
            yield path
        elif entry.is_file() and skipped is not None:
            skipped[path.suffix.lower() or "(no extension)"] += 1
