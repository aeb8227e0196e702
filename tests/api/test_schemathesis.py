"""The whole API fuzzed from its own OpenAPI schema (schemathesis): no input may cause a server error,
and every response must match what the schema documents.

Bounded: ``DYNASTORE_FUZZ_EXAMPLES`` examples per operation (default 25), on the embedded
engine and on DynamoDB Local (+ S3 on moto_server), no deadline (shared CI machines).
Operations are listed from a schema of the app on a throwaway store; each test then
loads the schema of the app on its own backend (schemathesis' ``from_fixture`` does
not run under pytest 9, so the hypothesis test is driven here).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dynastore import open_store
from dynastore.api import create_app
from dynastore.testing import drop_tables

from .conftest import open_backend

EXAMPLES = int(os.environ.get("DYNASTORE_FUZZ_EXAMPLES", "25"))
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          allow_header_conformance)


def _operations(schema: Any) -> dict[str, Any]:
    return {op.label: op for op in (r.ok() for r in schema.get_all_operations())}


def _cases() -> list[Any]:
    """(operation, mode) pairs; an operation that takes no input has no invalid requests."""
    store = open_store("memory://")
    try:
        operations = _operations(schemathesis.openapi.from_asgi("/openapi.json", create_app(store)))
    finally:
        store.close()
    return [pytest.param(label, mode, id=f"{label}-{'valid' if mode is GenerationMode.POSITIVE else 'invalid'}")
            for label, op in sorted(operations.items()) for mode in GenerationMode
            if mode is GenerationMode.POSITIVE or list(op.iter_parameters()) or op.body]


@pytest.fixture(scope="module", params=["sqlite", "dynamodb"])
def api_schema(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One app per backend for the whole module: fuzzing needs no fresh tables per operation."""
    store, blobs = open_backend(request.param, tmp_path_factory.mktemp("fuzz"), request)
    prefix = f"fuzz{uuid.uuid4().hex[:8]}-"
    app = create_app(store, blobs=blobs, table_prefix=prefix)
    try:
        with TestClient(app):  # runs the lifespan: tables created, stores built
            yield schemathesis.openapi.from_asgi("/openapi.json", app)
    finally:
        drop_tables(store, prefix)
        store.close()


@pytest.mark.parametrize("label,mode", _cases())
def test_no_input_makes_the_api_fail(api_schema: Any, label: str, mode: GenerationMode) -> None:
    """Valid requests (by the schema) and invalid ones (violating it): neither may cause a 5xx."""
    operation = _operations(api_schema)[label]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
              database=None)
    def fuzz(case: Any) -> None:
        case.call_and_validate(checks=CHECKS)

    fuzz()
