"""Shared test set-up: offline, one thread, and no network except loopback."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

SHARED = Path(__file__).resolve().parents[2] / "shared"
DATASETS = SHARED / "datasets"

_LOOPBACK = ("127.", "::1", "localhost", "0.0.0.0")


def _is_loopback(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        return host.startswith(_LOOPBACK) or host == ""
    return isinstance(address, str | bytes)  # unix sockets


@pytest.fixture(autouse=True)
def _block_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any connection to a non-loopback address fails the test."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> None:
        if not _is_loopback(address):
            raise RuntimeError(f"network access blocked in tests: {address!r}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield


@pytest.fixture(scope="session", autouse=True)
def _injection_encoder_built() -> None:
    """Build the injection encoder's ONNX model once, before any test. On a fresh machine its first
    use costs about 10 s, which would otherwise land inside whichever test first ingests (a
    server request with a 5 s client timeout). ``veracity serve`` does the same at start."""
    from veracity.guard.quarantine import sentence_encoder

    sentence_encoder()


def dataset(name: str) -> Path:
    """Path of a shared dataset folder, or skip the test with the reason."""
    path = DATASETS / name
    if not path.exists():
        pytest.skip(f"shared dataset {name!r} not found at {path} (a fresh clone has no ../shared)")
    return path


@pytest.fixture
def datasets_dir() -> Path:
    """The shared evaluation data folder, or skip with the reason."""
    if not DATASETS.exists():
        pytest.skip(f"shared datasets not found at {DATASETS} (a fresh clone has no ../shared)")
    return DATASETS
