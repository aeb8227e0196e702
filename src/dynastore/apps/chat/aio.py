"""AsyncMessageStore: the message store for async code (web handlers), never blocking the event loop.

Each call runs the blocking `MessageStore` method on a bounded thread pool of
its own, so at most ``max_workers`` storage operations run at once and the
event loop keeps serving meanwhile (the seed: storage must never block the UI).
"""

from __future__ import annotations

import asyncio
import builtins
import functools
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, Callable, TypeVar

from ...errors import ValidationError
from .models import Message, MessageRef
from .store import DEFAULT_GRACE, MessagePage, MessageStore, SweepReport

T = TypeVar("T")


class AsyncMessageStore:
    """Coroutines over a `MessageStore` (which it owns and closes)."""

    def __init__(self, messages: MessageStore, *, max_workers: int = 8):
        if not isinstance(max_workers, int) or max_workers < 1:
            raise ValidationError(f"max_workers must be a positive int, got {max_workers!r}")
        self.sync = messages
        self._pool = ThreadPoolExecutor(max_workers, thread_name_prefix="dynastore-chat-aio")

    async def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))

    async def aclose(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.close)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.sync.close()

    async def __aenter__(self) -> AsyncMessageStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def add(self, chat_id: str, role: str, content: str, *, content_type: str = "text",
                  images: Sequence[str] = (), attributes: Mapping[str, str] | None = None,
                  message_id: str | None = None, created_at: datetime | None = None,
                  overwrite: bool = False) -> MessageRef:
        return await self._run(self.sync.add, chat_id, role, content, content_type=content_type, images=images,
                               attributes=attributes, message_id=message_id, created_at=created_at,
                               overwrite=overwrite)

    async def put(self, message: Message, *, overwrite: bool = False) -> MessageRef:
        return await self._run(self.sync.put, message, overwrite=overwrite)

    async def get(self, chat_id: str, message_id: str) -> Message:
        return await self._run(self.sync.get, chat_id, message_id)

    async def ref(self, chat_id: str, message_id: str) -> MessageRef | None:
        return await self._run(self.sync.ref, chat_id, message_id)

    async def body(self, ref: MessageRef) -> Message:
        cached = self.sync.cache.get(ref.content_url)  # a hit needs no thread
        if cached is not None:
            return cached
        return await self._run(self.sync.body, ref)

    async def bodies(self, refs: Iterable[MessageRef]) -> builtins.list[Message]:
        """Many bodies at once, concurrently (bounded by the pool), in the order given."""
        return list(await asyncio.gather(*(self.body(r) for r in refs)))

    async def list(self, chat_id: str, *, limit: int | None = None, reverse: bool = False,
                   start_key: Mapping[str, Any] | None = None, after: datetime | None = None) -> MessagePage:
        return await self._run(self.sync.list, chat_id, limit=limit, reverse=reverse, start_key=start_key,
                               after=after)

    async def messages(self, chat_id: str, *, limit: int | None = None, reverse: bool = False) -> builtins.list[Message]:
        if limit is None:
            refs = await self._run(lambda: list(self.sync.iter_refs(chat_id, reverse=reverse)))
        else:
            refs = (await self.list(chat_id, limit=limit, reverse=reverse)).refs
        return await self.bodies(refs)

    async def delete(self, chat_id: str, message_id: str) -> bool:
        return await self._run(self.sync.delete, chat_id, message_id)

    async def delete_chat(self, chat_id: str) -> int:
        return await self._run(self.sync.delete_chat, chat_id)

    async def sweep(self, *, grace: timedelta = DEFAULT_GRACE, dry_run: bool = True) -> SweepReport:
        return await self._run(self.sync.sweep, grace=grace, dry_run=dry_run)
