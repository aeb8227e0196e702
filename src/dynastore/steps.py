"""Sans-IO steps: logic that needs I/O, written once, run by a blocking or an async driver.

An operation that talks to an engine (a put with its version check, a batch
with its retries, a DynamoDB request with its response parsing) is written as
a generator. It yields what it needs done — a `Call` of an engine method, a
`Sleep`, a `Gather` of other steps — and receives the result, or has the
failure thrown in at the ``yield``, so its own ``try``/``except`` sees an
engine error exactly as if it had made the call itself. The blocking driver
here and the async one in `dynastore.aio` differ only in how they perform what
is yielded, so `Table`, `Store` and the DynamoDB engine hold their logic once
for both APIs.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Generator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeAlias, TypeVar

if TYPE_CHECKING:
    from .engine import Engine

R = TypeVar("R")
P = ParamSpec("P")

#: A generator that yields steps (`Call`, `Sleep`, `Gather`, or a driver's own) and returns an R.
Steps: TypeAlias = Generator[Any, Any, R]


@dataclass(frozen=True, slots=True)
class Call:
    """Call the engine method ``method``; the step receives what it returns."""

    method: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)


def call(method: str, *args: Any, **kwargs: Any) -> Call:
    return Call(method, args, kwargs)


@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait (a backoff); the step receives None."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Gather:
    """Run these steps, at most ``max_workers`` at a time; the step receives their results in order."""

    steps: tuple[Steps[Any], ...]
    max_workers: int = 1


def drive(steps: Steps[R], perform: Callable[[Any], Any]) -> R:
    """Run ``steps`` to the end, performing each yielded step with ``perform``."""
    try:
        op = next(steps)
        while True:
            try:
                result = perform(op)
            except Exception as e:
                op = steps.throw(e)
            else:
                op = steps.send(result)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


class EngineDriver:
    """Runs steps on a blocking `Engine`: calls on the caller's thread, a `Gather` on a thread pool."""

    __slots__ = ("engine",)

    def __init__(self, engine: Engine):
        self.engine = engine

    def __call__(self, steps: Steps[R]) -> R:
        return drive(steps, self._perform)

    def _perform(self, op: Any) -> Any:
        if isinstance(op, Call):
            return getattr(self.engine, op.method)(*op.args, **op.kwargs)
        if isinstance(op, Sleep):
            time.sleep(op.seconds)
            return None
        if isinstance(op, Gather):
            if op.max_workers <= 1 or len(op.steps) <= 1:
                return [self(s) for s in op.steps]
            with ThreadPoolExecutor(max_workers=op.max_workers) as pool:
                return list(pool.map(self, op.steps))
        raise TypeError(f"not a step: {op!r}")


def blocking(fn: Callable[Concatenate[Any, P], Steps[R]]) -> Callable[Concatenate[Any, P], R]:
    """The blocking method of the steps method ``fn`` (named ``_x``, giving ``x``): runs it on ``self._drive``."""

    @functools.wraps(fn)
    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._drive(fn(self, *args, **kwargs))  # type: ignore[no-any-return]

    method.__name__ = fn.__name__.removeprefix("_")
    return method


X = TypeVar("X")


def wrapping(
    make: Callable[[Any, Any], X],
) -> Callable[[Callable[Concatenate[Any, P], Any]], Callable[Concatenate[Any, P], X]]:
    """For a method ``_x`` that prepares something without I/O (a query's `Paging`): the method
    ``x`` returning ``make(prepared, self._drive)`` (a `Results`, an `AsyncResults`)."""

    def decorate(fn: Callable[Concatenate[Any, P], Any]) -> Callable[Concatenate[Any, P], X]:
        @functools.wraps(fn)
        def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> X:
            return make(fn(self, *args, **kwargs), self._drive)

        method.__name__ = fn.__name__.removeprefix("_")
        return method

    return decorate
