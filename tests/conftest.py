"""Session-wide fixtures shared by every test directory: throwaway local servers.

Each server starts once per test session, on first use. Set
``DYNASTORE_TEST_DYNAMODB_ENDPOINT`` (or ``DYNASTORE_TEST_MOTO_ENDPOINT``) to
use an endpoint you run yourself instead, e.g. real AWS
(``https://dynamodb.us-east-1.amazonaws.com``) with your own credentials.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Local servers accept any credentials, but botocore insists on having some.
_DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "dummy", "AWS_SECRET_ACCESS_KEY": "dummy"}


def _use_dummy_credentials() -> None:
    for name, value in _DUMMY_CREDENTIALS.items():
        os.environ.setdefault(name, value)


@pytest.fixture(scope="session")
def dynamodb_local_endpoint() -> Iterator[str]:
    """URL of AWS's DynamoDB Local 3.3.0 on 127.0.0.1 (or ``$DYNASTORE_TEST_DYNAMODB_ENDPOINT``)."""
    endpoint = os.environ.get("DYNASTORE_TEST_DYNAMODB_ENDPOINT")
    if endpoint:
        from dynastore.aws import is_loopback

        if is_loopback(endpoint):
            # the same keys whichever server fixture comes first: DynamoDB Local keeps tables per access key
            _use_dummy_credentials()
        yield endpoint
        return
    from dynastore.testing import dynamodb_local

    _use_dummy_credentials()
    with dynamodb_local() as server:
        yield server.endpoint


@pytest.fixture(scope="session")
def dynastore_endpoint() -> Iterator[str]:
    """URL of an in-process ``dynastore endpoint`` (in memory, shared namespace) on a free 127.0.0.1 port."""
    from dynastore.endpoint import EndpointServer

    _use_dummy_credentials()
    # No background TTL sweep: tests decide when expired items go, as on DynamoDB Local.
    with EndpointServer("127.0.0.1", 0, shared_db=True, ttl_sweep_seconds=None) as server:
        yield server.url


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """URL of a moto_server on 127.0.0.1 (or ``$DYNASTORE_TEST_MOTO_ENDPOINT``)."""
    endpoint = os.environ.get("DYNASTORE_TEST_MOTO_ENDPOINT")
    if endpoint:
        yield endpoint
        return
    from dynastore.testing import moto_server

    _use_dummy_credentials()
    with moto_server() as server:
        yield server.endpoint


@pytest.fixture
def proxy(dynamodb_local_endpoint: str) -> Iterator[Any]:
    """DynamoDB Local behind a TCP proxy on 127.0.0.1 that a test can cut (`fallback._proxy.TcpProxy`)."""
    from urllib.parse import urlsplit

    from fallback._proxy import TcpProxy

    parts = urlsplit(dynamodb_local_endpoint)
    assert parts.hostname and parts.port
    with TcpProxy(parts.hostname, parts.port) as p:
        yield p


@pytest.fixture
def fallback_url(proxy: Any, tmp_path: Path) -> str:
    """A store URL: DynamoDB Local through ``proxy``, falling back on SQLite in tmp_path."""
    # one attempt and short timeouts: an outage is noticed at once, not after botocore's retries
    return (f"dynamodb://?endpoint={proxy.endpoint}&region=us-east-1&max_attempts=1&connect_timeout=2"
            f"&read_timeout=10&fallback=sqlite:///{tmp_path}/offline.db&fallback_probe_interval=0.02"
            "&fallback_max_probe_interval=0.1&fallback_auto_sync=false")  # tests sync explicitly


@pytest.fixture(scope="session")
def remote(dynamodb_local_endpoint: str) -> Iterator[Any]:
    """The same DynamoDB Local, directly: what another client sees."""
    from dynastore import open_store

    with open_store(f"dynamodb://?endpoint={dynamodb_local_endpoint}&region=us-east-1") as s:
        yield s
