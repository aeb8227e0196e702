"""Fixtures: fallback stores on DynamoDB Local behind a proxy we can cut (``proxy``, ``fallback_url`` and
``remote`` are in the root conftest, shared with the API tests)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from dynastore.engines.fallback import FallbackEngine
from dynastore.store import Store, open_store


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


def engine(store: Store) -> FallbackEngine:
    assert isinstance(store.engine, FallbackEngine)
    return store.engine
