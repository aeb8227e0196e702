"""A blocking view of an async engine, for the few helpers written only blocking (health checks).

It is used from a worker thread while the event loop keeps running: each
method call is sent to the loop and waited for, so the helper sees an `Engine`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .engine import AsyncEngine


class BlockingEngine:
    def __init__(self, engine: AsyncEngine, loop: asyncio.AbstractEventLoop):
        self._engine = engine
        self._loop = loop
        self.kind = engine.kind

    def __getattr__(self, method: str) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            return asyncio.run_coroutine_threadsafe(self._engine.call(method, *args, **kwargs), self._loop).result()

        return run
