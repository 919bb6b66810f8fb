"""The extractive reader: question + passages in, answer spans with calibrated answerability out.

``Reader`` runs the trained model (``model``); ``TableReader`` is the fake for tests (``fake``);
the engine depends only on ``SpanReader`` (``base``).
"""

from veracity.rag.reader.base import Reading, SpanReader
from veracity.rag.reader.fake import TableReader

__all__ = ["Reading", "SpanReader", "TableReader"]
