"""The async engine seam, and `ThreadedEngine`: any blocking `Engine` on a bounded thread pool.

An async engine does what an `Engine` does, awaited: ``await engine.call("get_item",
table, key, consistent=True)`` runs the `Engine` method of that name with those
arguments. The Table/Store layer above (shared with the blocking API, see
`dynastore.steps`) only ever calls engines this way, so an async engine needs no
copy of the `Engine` interface.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from abc import ABC, abstractmethod
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from ..engine import Engine
from ..engines.instrumented import InstrumentedEngine
from ..errors import StoreUnavailable, ValidationError
from ..metrics import StoreMetrics

__all__ = ["AsyncEngine", "InstrumentedAsyncEngine", "ThreadedEngine", "DEFAULT_MAX_WORKERS"]

#: Threads of a `ThreadedEngine` unless told otherwise.
DEFAULT_MAX_WORKERS = 8


class AsyncEngine(ABC):
    """An engine whose every `Engine` method is awaited through `call`."""

    #: short name used in URLs, tests and messages: "sqlite", "memory", "dynamodb"
    kind: str = "engine"

    @abstractmethod
    async def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Run the `Engine` method ``method`` (same arguments, same result, same errors)."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections and threads; the engine is unusable afterwards."""


class ThreadedEngine(AsyncEngine):
    """Runs a blocking `Engine` on a bounded pool of ``max_workers`` threads.

    The embedded engine is safe for this: on a file, each thread has its own
    SQLite connection and every write is one ``BEGIN IMMEDIATE`` transaction,
    so concurrent conditional writes and atomic counters stay correct; in
    memory, one connection is shared under a lock. At most ``max_workers``
    calls run at once; the others wait their turn. A cancelled call still
    finishes on its thread (a thread cannot be interrupted), it is only no
    longer awaited.
    """

    def __init__(self, engine: Engine, *, max_workers: int = DEFAULT_MAX_WORKERS):
        if type(max_workers) is not int or max_workers < 1:
            raise ValidationError(f"max_workers must be a positive int, got {max_workers!r}")
        self.engine = engine
        self.kind = engine.kind
        self.max_workers = max_workers
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=f"dynastore-{engine.kind}")
        self._closed = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<ThreadedEngine {self.engine!r} max_workers={self.max_workers}>"

    async def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        fn = functools.partial(getattr(self.engine, method), *args, **kwargs)
        try:
            future = self._pool.submit(fn)
        except RuntimeError:  # the pool was shut down
            raise StoreUnavailable("this store is closed") from None
        return await asyncio.wrap_future(future)

    async def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        # Let calls in flight finish, then close the engine, without blocking the event loop.
        await asyncio.to_thread(self._shutdown)

    def _shutdown(self) -> None:
        self._pool.shutdown(wait=True)
        self.engine.close()


class _Calls:
    """An async engine as `InstrumentedEngine` sees it: each method returns the awaitable of its call."""

    def __init__(self, engine: AsyncEngine):
        self._engine = engine
        self.kind = engine.kind

    def __getattr__(self, method: str) -> Any:
        if method.startswith("_"):
            raise AttributeError(method)
        return functools.partial(self._engine.call, method)

    @property
    def capacity_listener(self) -> Any:
        return getattr(self._engine, "capacity_listener", None)

    @capacity_listener.setter
    def capacity_listener(self, listener: Any) -> None:
        if hasattr(self._engine, "capacity_listener"):
            self._engine.capacity_listener = listener  # type: ignore[attr-defined]


class InstrumentedAsyncEngine(AsyncEngine):
    """An async engine measured into `StoreMetrics` by `InstrumentedEngine`'s own rules (same names, labels, items)."""

    def __init__(self, engine: AsyncEngine, metrics: StoreMetrics):
        self.engine = engine
        self.kind = engine.kind
        self.metrics = metrics
        self._measured = InstrumentedEngine(cast(Engine, _Calls(engine)), metrics)

    def __repr__(self) -> str:
        return f"<InstrumentedAsyncEngine {self.engine!r}>"

    async def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return await getattr(self._measured, method)(*args, **kwargs)

    async def close(self) -> None:
        await self.engine.close()
