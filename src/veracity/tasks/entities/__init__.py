"""Named entities as character spans of the source text.

- ``extract(text, types=None)``: the shipped CRF tagger (CoNLL-2003: PER, ORG, LOC, MISC), numpy
  only; ``text[e.start:e.end] == e.text`` for every entity.
- ``extract_with_generator(text, types, generator)``: any entity types through a ``Generator``,
  each mention checked to occur in the text.
- ``tokenize(text)``: the CoNLL-style tokenizer with exact offsets both use.

The tagger is trained by ``python -m benchmarks.train_entities`` (``veracity.train.entities``) and
measured by ``python -m benchmarks.entities``.
"""

from veracity.tasks.entities.extract import Entity, extract
from veracity.tasks.entities.generative import extract_with_generator
from veracity.tasks.entities.iob import ENTITY_TYPES
from veracity.tasks.entities.tokenize import Token, tokenize

__all__ = ["ENTITY_TYPES", "Entity", "Token", "extract", "extract_with_generator", "tokenize"]
