"""Stores for the operations tests (cleanup, migrate, export/import) and failure injection.

``store`` runs a test on the embedded engine (memory, SQLite file) and on
DynamoDB Local (``DYNASTORE_TEST_ENGINES`` narrows the set, as for the
conformance suite). ``ddb`` is a DynamoDB Local store for tests that inject
failures into its real HTTP traffic with botocore's ``before-send`` event
(`Inject`). Remote stores retry once in botocore at most, so dynastore's own
retries are what the tests see working.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError

from dynastore import DynastoreError, RetryPolicy, Store, open_store

ENGINES = ("memory", "sqlite", "dynamodb")
FAST_RETRY = RetryPolicy(max_attempts=6, base_delay=0.01, max_delay=0.05)


def _engines() -> list[str]:
    chosen = os.environ.get("DYNASTORE_TEST_ENGINES", "").strip()
    names = [n.strip() for n in chosen.split(",") if n.strip()] if chosen else list(ENGINES)
    return [n for n in ENGINES if n in names]


def unique_name(suffix: str = "t") -> str:
    return f"op{uuid.uuid4().hex[:10]}_{suffix}"


@pytest.fixture(scope="session")
def ddb_url(dynamodb_local_endpoint: str) -> str:
    return f"dynamodb://?endpoint={dynamodb_local_endpoint}&region=us-east-1&max_attempts=1"


class Tables:
    """Creates uniquely named tables on stores and deletes them afterwards."""

    def __init__(self) -> None:
        self.made: list[tuple[Store, str]] = []

    def name(self, store: Store, suffix: str = "t") -> str:
        n = unique_name(suffix)
        self.made.append((store, n))
        return n

    def cleanup(self) -> None:
        for store, n in self.made:
            try:
                store.delete_table(n)
            except DynastoreError:
                pass


@pytest.fixture
def tables() -> Iterator[Tables]:
    t = Tables()
    yield t
    t.cleanup()


@pytest.fixture
def ddb(ddb_url: str) -> Iterator[Store]:
    s = open_store(ddb_url, retry=FAST_RETRY)
    yield s
    s.close()


@pytest.fixture(params=_engines())
def store(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Store]:
    kind = request.param
    if kind == "dynamodb":
        s = open_store(request.getfixturevalue("ddb_url"), retry=FAST_RETRY)
    else:
        s = open_store("memory://" if kind == "memory" else f"sqlite:///{tmp_path}/ops.db", retry=FAST_RETRY)
    s.engine_name = kind  # type: ignore[attr-defined]
    yield s
    s.close()


class _Body:
    def __init__(self, data: bytes):
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


class Inject:
    """Make a real DynamoDB client fail some calls of one operation, at the HTTP layer.

    ``after`` calls go through first; then ``times`` calls (None: all) fail
    with ``error``: an AWS error code (a 400 response carrying it) or
    ``"connection"`` (the endpoint cannot be reached).
    """

    def __init__(self, store: Store, operation: str, *, error: str = "ThrottlingException", after: int = 0,
                 times: int | None = None):
        self.events = store.engine.client.meta.events  # type: ignore[attr-defined]
        self.event = f"before-send.dynamodb.{operation}"
        self.error, self.after, self.times = error, after, times
        self.calls = self.injected = 0

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        self.calls += 1
        if self.calls <= self.after or (self.times is not None and self.injected >= self.times):
            return None
        self.injected += 1
        if self.error == "connection":
            raise EndpointConnectionError(endpoint_url=request.url)
        body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{self.error}",
                           "message": f"injected {self.error}"}).encode()
        return AWSResponse(request.url, 400, {"x-amzn-ErrorType": self.error,
                                              "Content-Type": "application/x-amz-json-1.0"}, _Body(body))

    def __enter__(self) -> Inject:
        self.events.register(self.event, self)
        return self

    def __exit__(self, *exc: object) -> None:
        self.events.unregister(self.event, self)
