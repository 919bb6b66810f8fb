"""What the derived indexes write is private to the owner, as the store is: folders 0700 and files
0600, also inside a collection folder that someone created with wider rights."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

import veracity
from veracity.index.bm25 import BM25Index
from veracity.index.dirlock import directory_lock
from veracity.text.analyzer import get_analyzer

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def _modes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): stat.S_IMODE(p.stat().st_mode) for p in root.rglob("*")}


def test_a_collection_in_a_shared_folder_keeps_its_indexes_private(tmp_path: Path) -> None:
    home = tmp_path / "col"
    home.mkdir(mode=0o755)
    os.chmod(home, 0o755)  # as `mkdir` under a usual umask makes it
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The Lisbon office opens at nine. Salaries are paid monthly.")
    col = veracity.open(home, embedder="hash")
    col.add([docs])
    col.indexes().refresh()
    assert col.search("Lisbon office", k=1)
    modes = _modes(home / "index")
    assert any(name.endswith(".npz") for name in modes)  # the BM25 save is among them
    assert any(name.endswith(".npy") for name in modes)  # and the vectors
    for name, mode in modes.items():
        is_dir = (home / "index" / name).is_dir()
        assert mode == (0o700 if is_dir else 0o600), (name, oct(mode))
    assert stat.S_IMODE((home / "index").stat().st_mode) == 0o700


def test_saves_and_locks_create_private_folders_and_files(tmp_path: Path) -> None:
    os.chmod(tmp_path, 0o755)
    index = BM25Index(get_analyzer("english"))
    index.add([1, 2], ["cats purr", "dogs bark"])
    index.save(tmp_path / "new" / "bm25")
    with directory_lock(tmp_path / "locked" / "x", exclusive=True):
        pass
    for name, mode in _modes(tmp_path).items():
        expected = 0o700 if (tmp_path / name).is_dir() else 0o600
        assert mode == expected, (name, oct(mode))


def test_an_existing_folder_keeps_its_mode(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o750)
    BM25Index(get_analyzer("english")).save(shared)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o750
    assert {stat.S_IMODE(p.stat().st_mode) for p in shared.iterdir()} == {0o600}
