"""AsyncMessageStore: the same store from coroutines, never blocking the event loop."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timedelta, timezone

import pytest

from dynastore.apps.chat import AsyncMessageStore
from dynastore.errors import ItemNotFound, ValidationError

from .conftest import MakeMessages

T0 = datetime(2025, 7, 10, tzinfo=timezone.utc)


@pytest.mark.asyncio
async def test_async_round_trip(make_messages: MakeMessages) -> None:
    async with AsyncMessageStore(make_messages(cache_bytes=0), max_workers=3) as ms:
        refs = await asyncio.gather(*(ms.add("c", "user", f"m{n}", created_at=T0 + timedelta(seconds=n))
                                      for n in range(10)))
        assert len({r.message_id for r in refs}) == 10
        page = await ms.list("c", limit=4, reverse=True)
        assert [r.content_preview for r in page.refs] == ["m9", "m8", "m7", "m6"]
        assert [m.content for m in await ms.messages("c")] == [f"m{n}" for n in range(10)]
        assert [m.content for m in await ms.messages("c", limit=2)] == ["m0", "m1"]
        assert (await ms.get("c", refs[3].message_id)).content == "m3"
        assert (await ms.ref("c", refs[3].message_id)) == refs[3]
        assert await ms.delete("c", refs[3].message_id)
        with pytest.raises(ItemNotFound):
            await ms.get("c", refs[3].message_id)
        with pytest.raises(ValidationError):
            await ms.add("c", "user", "x" * (200 * 1024))
        assert (await ms.sweep()).orphans == []
        assert await ms.delete_chat("c") == 9


@pytest.mark.asyncio
async def test_storage_work_runs_off_the_event_loop(make_messages: MakeMessages) -> None:
    """While a body write is held up, the loop keeps running other tasks."""
    ms = make_messages()
    gate = threading.Event()
    inner = ms.blobs.put

    def slow_put(*a, **k):  # type: ignore[no-untyped-def]
        assert gate.wait(10)
        return inner(*a, **k)

    ms.blobs.put = slow_put  # type: ignore[method-assign]
    async with AsyncMessageStore(ms) as ams:
        write = asyncio.create_task(ams.add("c", "user", "held"))
        ticks = 0
        while ticks < 5:  # the loop is free while the write waits in its thread
            await asyncio.sleep(0)
            ticks += 1
        assert not write.done()
        gate.set()
        ref = await write
        assert (await ams.body(ref)).content == "held"


def test_bad_pool_size(make_messages: MakeMessages) -> None:
    with pytest.raises(ValidationError):
        AsyncMessageStore(make_messages(), max_workers=0)
