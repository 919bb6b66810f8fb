"""Core errors map to HTTP statuses in the server, not in the core."""

from __future__ import annotations


def test_each_core_error_maps_to_its_status_and_a_subclass_to_its_parents() -> None:
    from veracity import errors
    from veracity.server.errors import status_of

    assert status_of(errors.NotFound("x")) == 404
    assert status_of(errors.SchemaError("x")) == 500  # a StoreError
    assert status_of(errors.MissingDependency("x", extra="onnx")) == 422  # a ConfigError
    assert status_of(errors.ModelNotFound("x")) == 422  # not its parent's 502

    class Custom(errors.GenerationError):
        pass

    assert status_of(Custom("x")) == 502
    assert not hasattr(errors.VeracityError, "http_status")  # the mapping is the server's
