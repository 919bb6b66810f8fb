"""Zip-based formats (DOCX): refuse decompression bombs before any part is inflated.

A 69 KB DOCX once expanded to 11 MB of XML and held a server for five minutes. Everything needed
to refuse such a file is in the archive's central directory, which is read without inflating
anything: each entry's compressed and declared uncompressed size. Python's ``zipfile`` never
inflates an entry past its declared size (it cuts the stream there and then fails the CRC
check), so limits on the declared sizes bound what a parser can be handed.

Checked, each naming its limit and the file:

- the number of entries (``MAX_ZIP_ENTRIES``; a DOCX holds a few dozen, a few thousand with many
  images), since a parser opens every one;
- the declared uncompressed size of all entries together (``LoadOptions.max_unzipped_bytes``);
- the inflation ratio of each entry over ``RATIO_GRACE_BYTES`` (``LoadOptions.max_zip_ratio``);
  small entries are exempt because tiny repetitive XML parts legitimately compress very well.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from veracity.errors import LoaderError
from veracity.ingest.loaders.base import LoadOptions, fail

MAX_ZIP_ENTRIES = 10_000
RATIO_GRACE_BYTES = 1024 * 1024


def check_zip(path: Path, options: LoadOptions, kind: str) -> None:
    """Raise ``LoaderError`` if the zip archive at ``path`` (a ``kind`` file, e.g. "DOCX") is
    corrupt or declares more than the limits allow."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as e:
        raise fail(path, f"corrupt {kind} (not a readable zip archive: {e})") from e
    if len(entries) > MAX_ZIP_ENTRIES:
        raise _bomb(
            path,
            kind,
            f"it holds {len(entries):,} entries, over the limit of {MAX_ZIP_ENTRIES:,}",
        )
    total = sum(e.file_size for e in entries)
    if total > options.max_unzipped_bytes:
        raise _bomb(
            path,
            kind,
            f"it unzips to {total:,} bytes, over the limit of {options.max_unzipped_bytes:,} "
            "(LoadOptions.max_unzipped_bytes)",
        )
    for entry in entries:
        if entry.file_size <= RATIO_GRACE_BYTES:
            continue
        ratio = entry.file_size / max(entry.compress_size, 1)
        if ratio > options.max_zip_ratio:
            raise _bomb(
                path,
                kind,
                f"its part {entry.filename!r} inflates {ratio:,.0f} times ({entry.compress_size:,}"
                f" -> {entry.file_size:,} bytes), over the limit of {options.max_zip_ratio:,} "
                "(LoadOptions.max_zip_ratio)",
            )


def _bomb(path: Path, kind: str, what: str) -> LoaderError:
    return fail(
        path,
        f"refused before parsing: {what}; the {kind} may be a decompression bomb. If it is a "
        "genuine document, raise the limit or save it again from its application",
    )
