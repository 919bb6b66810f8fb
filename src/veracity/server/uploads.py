"""Upload checks: file-name sanitizing, allowed types, size limit, and the write to uploads/."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

from fastapi import UploadFile

from veracity.ingest.loaders import SUPPORTED_EXTENSIONS
from veracity.server.errors import ApiError

# Content types a browser or client may send for each extension (besides the generic ones).
_TYPES: dict[str, tuple[str, ...]] = {
    ".txt": ("text/plain",),
    ".md": ("text/markdown", "text/x-markdown", "text/plain"),
    ".markdown": ("text/markdown", "text/x-markdown", "text/plain"),
    ".html": ("text/html",),
    ".htm": ("text/html",),
    ".pdf": ("application/pdf",),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",),
    ".jsonl": ("application/jsonl", "application/x-ndjson", "application/json", "text/plain"),
    ".csv": ("text/csv", "application/vnd.ms-excel", "text/plain"),
}
_GENERIC = ("", "application/octet-stream")
_MAGIC = {".pdf": b"%PDF", ".docx": b"PK\x03\x04"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def safe_filename(name: str) -> str:
    """A plain file name from a client-supplied one: no directories, no leading dots, no control
    or shell-special characters, at most 120 characters (the extension kept)."""
    base = unicodedata.normalize("NFKC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", base).strip(" .")
    stem, ext = os.path.splitext(base)
    stem = stem.strip(" .")[: 120 - len(ext)] or "upload"
    return stem + ext.lower()


def check_type(filename: str, content_type: str | None) -> str:
    """The lower-case extension, if it and the declared content type are allowed."""
    ext = os.path.splitext(filename)[1].lower()
    if ext not in SUPPORTED_EXTENSIONS:
        allowed = ", ".join(sorted(SUPPORTED_EXTENSIONS))
        raise ApiError(
            415, f"files of type {ext or '(none)'!r} cannot be ingested; allowed: {allowed}"
        )
    declared = (content_type or "").split(";")[0].strip().lower()
    if declared not in _GENERIC and declared not in _TYPES.get(ext, ()):
        raise ApiError(
            415, f"content type {declared!r} does not match a {ext} file; send {_TYPES[ext][0]}"
        )
    return ext


async def save_upload(file: UploadFile, folder: Path, max_bytes: int) -> Path:
    """Write the upload to ``folder`` under its sanitized name, atomically, refusing it (413)
    past ``max_bytes``. An existing file of the same name is replaced (an upsert on ingest)."""
    name = safe_filename(file.filename or "upload")
    ext = check_type(name, file.content_type)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # uploads are private, as the store
    target = (folder / name).resolve()
    if target.parent != folder.resolve():  # defence in depth: safe_filename already ensures it
        raise ApiError(400, "bad file name")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".part-")
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := await file.read(1 << 20):
                if size == 0 and ext in _MAGIC and not chunk.startswith(_MAGIC[ext]):
                    raise ApiError(415, f"the file does not look like a {ext} file")
                size += len(chunk)
                if size > max_bytes:
                    raise ApiError(413, f"file larger than the {max_bytes} byte upload limit")
                out.write(chunk)
        if size == 0:
            raise ApiError(422, "the uploaded file is empty")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
