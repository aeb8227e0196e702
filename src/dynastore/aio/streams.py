"""`AsyncStream`: a table's stream (`dynastore.streams.Stream`), awaited.

The operations are `BaseStream`'s steps, the very ones `Stream` runs on the
calling thread; here each engine call is awaited on the `AsyncEngine`.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Literal

from ..steps import Steps
from ..streams import _ASK_STOP, BaseStream, StreamDescription, StreamRecord, _Emit
from ._drive import AsyncEngineDriver, awaitable
from .engine import AsyncEngine

__all__ = ["AsyncStream"]


class AsyncStream(BaseStream):
    """A table's stream on an async engine. Get one with ``await store.stream(table)``.

    The methods of `Stream`, as coroutines (``describe``, ``shards``,
    ``iterator``, ``read``, ``records``); `iter_changes` is an async iterator.
    ``description``, ``table`` and ``view_type`` answer from the last
    ``describe()`` (`AsyncStore.stream` makes one), as a property cannot await.
    """

    engine: AsyncEngine

    def __init__(self, engine: AsyncEngine, arn: str):
        super().__init__(engine, arn)
        self._drive = AsyncEngineDriver(engine)

    describe = awaitable(BaseStream._describe)
    shards = awaitable(BaseStream._shards)
    iterator = awaitable(BaseStream._iterator)
    read = awaitable(BaseStream._read)
    records = awaitable(BaseStream._records)

    @property
    def description(self) -> StreamDescription:
        if self._description is None:
            raise RuntimeError("await stream.describe() first (AsyncStore.stream does)")
        return self._description

    async def iter_changes(self, *, start: Literal["TRIM_HORIZON", "LATEST"] = "TRIM_HORIZON",
                           after: str | None = None, follow: bool = False, poll_interval: float = 1.0,
                           stop: Callable[[], bool | Awaitable[bool]] | None = None) -> AsyncIterator[StreamRecord]:
        """Every record of the stream in order (see `Stream.iter_changes`): ``async for record in ...``.

        ``stop`` may be a plain function or a coroutine function; it is asked
        between polls when following.
        """
        steps: Steps[None] = self._changes(start, after, follow, poll_interval)
        answer: Any = None
        while True:
            try:
                op = steps.send(answer)
            except StopIteration:
                return
            if isinstance(op, _Emit):
                for record in op.records:
                    yield record
                answer = None
            elif op is _ASK_STOP:
                answer = False if stop is None else stop()
                if inspect.isawaitable(answer):
                    answer = await answer
            else:
                answer = await self._drive._perform(op)
