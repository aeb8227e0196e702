"""Fixtures of the endpoint tests: DynamoDB Local and `dynastore endpoint` side by side."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def servers(dynamodb_local_endpoint: str, dynastore_endpoint: str) -> dict[str, str]:
    return {"local": dynamodb_local_endpoint, "endpoint": dynastore_endpoint}
