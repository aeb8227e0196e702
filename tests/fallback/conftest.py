"""Fixtures: DynamoDB Local behind a proxy we can cut, and fallback stores on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from dynastore.engines.fallback import FallbackEngine
from dynastore.store import Store, open_store

from ._proxy import TcpProxy


@pytest.fixture
def proxy(dynamodb_local_endpoint: str) -> Iterator[TcpProxy]:
    parts = urlsplit(dynamodb_local_endpoint)
    assert parts.hostname and parts.port
    with TcpProxy(parts.hostname, parts.port) as p:
        yield p


@pytest.fixture
def fallback_url(proxy: TcpProxy, tmp_path: Path) -> str:
    # one attempt and short timeouts: an outage is noticed at once, not after botocore's retries
    return (f"dynamodb://?endpoint={proxy.endpoint}&region=us-east-1&max_attempts=1&connect_timeout=2"
            f"&read_timeout=10&fallback=sqlite:///{tmp_path}/offline.db&fallback_probe_interval=0.02"
            "&fallback_max_probe_interval=0.1&fallback_auto_sync=false")  # tests sync explicitly


@pytest.fixture
def open_fallback(fallback_url: str) -> Iterator[Callable[[], Store]]:
    opened: list[Store] = []

    def open_() -> Store:
        store = open_store(fallback_url)
        assert isinstance(store.engine, FallbackEngine)
        opened.append(store)
        return store

    yield open_
    for s in opened:
        s.close()


@pytest.fixture
def store(open_fallback: Callable[[], Store]) -> Store:
    """A fallback store: DynamoDB Local through the proxy, SQLite in tmp_path."""
    return open_fallback()


@pytest.fixture(scope="session")
def remote(dynamodb_local_endpoint: str) -> Iterator[Store]:
    """The same DynamoDB Local, directly: what another client sees."""
    with open_store(f"dynamodb://?endpoint={dynamodb_local_endpoint}&region=us-east-1") as s:
        yield s


def engine(store: Store) -> FallbackEngine:
    assert isinstance(store.engine, FallbackEngine)
    return store.engine
