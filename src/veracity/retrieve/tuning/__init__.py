"""Tuning a collection's hybrid fusion (``veracity tune``), in three parts:

- ``grid``: pure selection: score a grid of fusion settings on labelled queries, pick one;
- ``queries``: labelled queries made from a collection's own text (inverse cloze), for when the
  user has none;
- ``tune``: the collection's side: ranked lists through its indexes, the choice kept in its meta.
"""
