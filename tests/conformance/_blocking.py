"""The async API seen through blocking calls, so the conformance tests run on it unchanged.

`Portal` runs one event loop on its own thread for the whole session; `Blocking`
wraps an async object (`AsyncStore`, `AsyncTable`, `AsyncTransaction`) so that
each call returning a coroutine blocks until the loop has run it, and
`BlockingResults` iterates `AsyncResults` page by page the same way. Values
come back unchanged, exceptions are the very exceptions the async API raised.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Coroutine, Iterator
from typing import Any

from dynastore.aio import AsyncResults, AsyncStore, AsyncStream, AsyncTable, AsyncTransaction
from dynastore.engine import Item, Page

_ASYNC_TYPES = (AsyncStore, AsyncStream, AsyncTable, AsyncTransaction)


class Portal:
    """An event loop on a thread of its own; `run` blocks until a coroutine has finished on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="conformance-async", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def wrap(self, value: Any) -> Any:
        if asyncio.iscoroutine(value):
            value = self.run(value)
        if isinstance(value, _ASYNC_TYPES):
            return Blocking(value, self)
        if isinstance(value, AsyncResults):
            return BlockingResults(value, self)
        if inspect.isasyncgen(value):  # AsyncStream.iter_changes
            return self.iterate(value)
        return value

    def iterate(self, it: AsyncGenerator[Any, Any]) -> Iterator[Any]:
        try:
            while True:
                try:
                    yield self.run(_anext(it))
                except StopAsyncIteration:
                    return
        finally:
            self.run(it.aclose())

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


def _unwrap(value: Any) -> Any:
    if isinstance(value, Blocking):
        return value._target
    if isinstance(value, (list, tuple)):
        return type(value)(_unwrap(v) for v in value)
    return value


class Blocking:
    """``target``'s methods, blocking; its attributes as they are (async objects wrapped again)."""

    def __init__(self, target: Any, portal: Portal):
        self.__dict__["_target"] = target
        self.__dict__["_portal"] = portal

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if not callable(value) or isinstance(value, type):
            return self._portal.wrap(value)

        def method(*args: Any, **kwargs: Any) -> Any:
            kwargs = {k: _unwrap(v) for k, v in kwargs.items()}
            if callable(kwargs.get("stop")):
                # iter_changes asks stop() on the loop's thread; a stop() calling this facade would wait for that
                # very thread, so it runs on a worker thread instead.
                kwargs["stop"] = functools.partial(asyncio.to_thread, kwargs["stop"])
            return self._portal.wrap(value(*_unwrap(args), **kwargs))

        return method

    def __setattr__(self, name: str, value: Any) -> None:
        # Fixtures tag the store (conformance_engine); the tag belongs to this view.
        self.__dict__[name] = value

    def __enter__(self) -> Blocking:
        self._portal.run(self._target.__aenter__())
        return self

    def __exit__(self, *exc: Any) -> None:
        self._portal.run(self._target.__aexit__(*exc))

    def __repr__(self) -> str:
        return f"<Blocking {self._target!r}>"


async def _anext(it: AsyncIterator[Any]) -> Any:
    return await it.__anext__()


class BlockingResults:
    """`AsyncResults` with the interface of `Results`."""

    def __init__(self, results: AsyncResults, portal: Portal):
        self._results = results
        self._portal = portal

    def pages(self) -> Iterator[Page]:
        pages = self._results.pages()
        try:
            while True:
                try:
                    yield self._portal.run(_anext(pages))
                except StopAsyncIteration:
                    return
        finally:
            self._portal.run(pages.aclose())

    def __iter__(self) -> Iterator[Item]:
        for page in self.pages():
            yield from page.items

    def all(self) -> list[Item]:
        return self._portal.run(self._results.all())  # type: ignore[no-any-return]

    def first(self) -> Item | None:
        return self._portal.run(self._results.first())

    def __getattr__(self, name: str) -> Any:  # last_key, scanned_count, count_read
        return getattr(self._results, name)
