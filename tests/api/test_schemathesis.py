"""The whole API fuzzed from its own OpenAPI schema (schemathesis): no input may cause a server error,
and every response must match what the schema documents.

Bounded: ``DYNASTORE_FUZZ_EXAMPLES`` examples per operation (default 25), on the embedded
engine and on DynamoDB Local (+ S3 on moto_server), no deadline (shared CI machines).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dynastore import Store
from dynastore.api import create_app
from dynastore.blobs import BlobStore

EXAMPLES = int(os.environ.get("DYNASTORE_FUZZ_EXAMPLES", "25"))
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)


@pytest.fixture
def api_schema(api_backend: tuple[str, Store, BlobStore], table_prefix: str) -> Iterator[Any]:
    _, store, blobs = api_backend
    app = create_app(store, blobs=blobs, table_prefix=table_prefix)
    with TestClient(app):  # runs the lifespan: tables created, stores built
        yield schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
          database=None)
def test_no_input_makes_the_api_fail(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)
