"""The model layer through whichever API the ``store`` fixture is testing.

The conformance ``store`` is a `Store` or, for the async API, a `Blocking`
view of an `AsyncStore`; tables made with ``make_table`` are the same. Here a
model bound to such a table is the sync `Bound`, or an `AsyncBound` seen
through blocking calls on the same event loop (`ModelBlocking`), so one test
body checks both APIs.
"""

from __future__ import annotations

import asyncio
from typing import Any

from dynastore import Store

from ._blocking import Blocking, BlockingResults, Portal, _unwrap


class ModelBlocking:
    """An `AsyncBound` / `AsyncBoundEntities` with blocking methods."""

    def __init__(self, target: Any, portal: Portal):
        self._target = target
        self._portal = portal

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if not callable(value):
            return value

        def method(*args: Any, **kwargs: Any) -> Any:
            result = value(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()})
            if asyncio.iscoroutine(result):
                return self._portal.run(result)
            if hasattr(result, "__aiter__"):
                return BlockingResults(result, self._portal)
            return result

        return method


class ModelApi:
    """``bind``, ``transaction`` and ``transact_get`` for models, on the API under test."""

    def __init__(self, store: Store | Blocking):
        self.store = store
        self.is_async = isinstance(store, Blocking)

    def bind(self, model: Any, table: Any) -> Any:
        if isinstance(table, Blocking):
            return ModelBlocking(model.bind(table._target), table._portal)
        return model.bind(table)

    def transaction(self) -> Any:
        return self.store.transaction()  # a Blocking view of the async one is a `with` block too

    def transact_get(self, gets: list[tuple[Any, Any]]) -> list[Any]:
        if isinstance(self.store, Blocking):
            from dynastore.models.aio import transact_get as atransact_get

            pairs = [(b._target, k) for b, k in gets]
            return self.store._portal.run(atransact_get(self.store._target, pairs))  # type: ignore[no-any-return]
        from dynastore.models import transact_get

        return transact_get(self.store, gets)
