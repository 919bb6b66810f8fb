"""Ingest: loaders per format and the streaming pipeline into the store."""
