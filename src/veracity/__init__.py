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

if TYPE_CHECKING:  # for type checkers and IDEs; at run time names resolve in __getattr__
    from veracity.collection import Collection as Collection
    from veracity.collection import CollectionStatus as CollectionStatus
    from veracity.collection import open as open
    from veracity.errors import VeracityError as VeracityError
    from veracity.records import Answer as Answer
    from veracity.records import Chunk as Chunk
    from veracity.records import Citation as Citation
    from veracity.records import Decoding as Decoding
    from veracity.records import Document as Document
    from veracity.records import Filter as Filter
    from veracity.records import Hit as Hit
    from veracity.records import Message as Message


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'veracity' has no attribute {name!r}")
    return getattr(import_module(module), name)
