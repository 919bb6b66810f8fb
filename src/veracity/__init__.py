"""Veracity: grounded, cited answers over your own documents, local-first.

>>> import veracity
>>> col = veracity.open("./.veracity")          # doctest: +SKIP
>>> col.add(["./docs"])                          # doctest: +SKIP

Names are resolved lazily, so ``import veracity.store`` does not pull in the ingest pipeline.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "open": "veracity.collection",
    "Collection": "veracity.collection",
    "CollectionStatus": "veracity.collection",
    "VeracityError": "veracity.errors",
    "Answer": "veracity.records",
    "Chunk": "veracity.records",
    "Citation": "veracity.records",
    "Decoding": "veracity.records",
    "Document": "veracity.records",
    "Filter": "veracity.records",
    "Hit": "veracity.records",
    "Message": "veracity.records",
}

__all__ = [*sorted(_EXPORTS), "__version__"]

if TYPE_CHECKING:
    from veracity.collection import Collection, CollectionStatus, open
    from veracity.errors import VeracityError
    from veracity.records import Answer, Chunk, Citation, Decoding, Document, Filter, Hit, Message


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'veracity' has no attribute {name!r}")
    return getattr(import_module(module), name)
