"""Deployment faces: an MLflow ``pyfunc`` model and a BentoML service over one collection.

Both wrap the same plain core (``veracity.deploy.service.AnswerService``): open a collection
(a directory or a ``postgresql://`` URI), build its answer engine once, answer questions with
citations or abstain, and search. MLflow and BentoML are imported only inside the functions that
need them, so ``import veracity.deploy`` costs nothing and needs neither installed.

The container image and compose file for a PostgreSQL + Dask cluster live in the repository's
``deploy/`` folder; ``docs/deploy.md`` says how to run each artifact and how each was checked.
"""
