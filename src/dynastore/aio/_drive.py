"""The async driver of sans-IO steps (see `dynastore.steps`): the same steps, awaited."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from ..steps import Call, Gather, Sleep, Steps

if TYPE_CHECKING:
    from .engine import AsyncEngine

R = TypeVar("R")
P = ParamSpec("P")


async def adrive(steps: Steps[R], perform: Callable[[Any], Awaitable[Any]]) -> R:
    """Run ``steps`` to the end, awaiting ``perform`` for each yielded step."""
    try:
        op = next(steps)
        while True:
            try:
                result = await perform(op)
            except Exception as e:
                op = steps.throw(e)
            else:
                op = steps.send(result)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


class AsyncEngineDriver:
    """Runs steps on an `AsyncEngine`: a `Gather` as concurrent tasks, at most ``max_workers`` at once."""

    __slots__ = ("engine",)

    def __init__(self, engine: AsyncEngine):
        self.engine = engine

    async def __call__(self, steps: Steps[R]) -> R:
        return await adrive(steps, self._perform)

    async def _perform(self, op: Any) -> Any:
        if isinstance(op, Call):
            return await self.engine.call(op.method, *op.args, **op.kwargs)
        if isinstance(op, Sleep):
            await asyncio.sleep(op.seconds)
            return None
        if isinstance(op, Gather):
            if op.max_workers <= 1 or len(op.steps) <= 1:
                return [await self(s) for s in op.steps]
            limit = asyncio.Semaphore(op.max_workers)

            async def bounded(s: Steps[Any]) -> Any:
                async with limit:
                    return await self(s)

            tasks = [asyncio.ensure_future(bounded(s)) for s in op.steps]
            try:
                return await asyncio.gather(*tasks)
            except BaseException:
                # The first failure is the step's failure (not an ExceptionGroup, so the
                # step's own ``except`` sees it); the other parts are stopped and reaped.
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                raise
        raise TypeError(f"not a step: {op!r}")


def awaitable(fn: Callable[Concatenate[Any, P], Steps[R]]) -> Callable[Concatenate[Any, P], Coroutine[Any, Any, R]]:
    """The coroutine method of the steps method ``fn`` (named ``_x``, giving ``x``): awaits ``self._drive``."""

    @functools.wraps(fn)
    async def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return await self._drive(fn(self, *args, **kwargs))  # type: ignore[no-any-return]

    method.__name__ = fn.__name__.removeprefix("_")
    return method
