"""`AsyncStore.stream()` / `streams()` and stream calls in the store metrics.

What stream reading returns is pinned by the conformance suite, which runs on
the async API too (``tests/conformance/test_streams.py``, ids ``*-async``);
here: what only the async side has (an async iterator, a coroutine ``stop``,
tailing while another task writes) and the metrics of stream calls on both APIs.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from dynastore import ValidationError, open_store
from dynastore.aio import AsyncStream, open_async_store
from dynastore.metrics import NO_TABLE

SPEC = {"name": "orders", "partition_key": ("pk", "S"), "stream": "NEW_AND_OLD_IMAGES"}


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/streams.db"


def _count(store: Any, metric: str, table: str, operation: str) -> float:
    value = store.metrics.registry.get_sample_value(metric, {"table": table, "operation": operation})
    return value or 0.0


@pytest.mark.asyncio
async def test_async_stream_reads_every_change_in_order(url: str) -> None:
    async with open_async_store(url) as store:
        t = await store.create_table(SPEC)
        stream = await store.stream("orders")
        assert isinstance(stream, AsyncStream)
        assert stream.table == "orders" and stream.view_type == "NEW_AND_OLD_IMAGES"
        await t.put({"pk": "a", "v": 1})
        await t.put({"pk": "a", "v": 2})
        await t.delete({"pk": "a"})
        records = [r async for r in stream.iter_changes()]
        assert [(r.event_name, r.old_image, r.new_image) for r in records] == [
            ("INSERT", None, {"pk": "a", "v": 1}),
            ("MODIFY", {"pk": "a", "v": 1}, {"pk": "a", "v": 2}),
            ("REMOVE", {"pk": "a", "v": 2}, None),
        ]
        (shard,) = await stream.shards()
        first = await stream.records(shard.shard_id, "TRIM_HORIZON", limit=2)
        assert [r.event_name for r in first.records] == ["INSERT", "MODIFY"]
        assert first.next_iterator is not None
        rest = await stream.read(first.next_iterator)
        assert [r.event_name for r in rest.records] == ["REMOVE"]
        after = [r async for r in stream.iter_changes(after=records[0].sequence_number)]
        assert [r.sequence_number for r in after] == [r.sequence_number for r in records[1:]]
        assert [s.arn for s in await store.streams("orders")] == [stream.arn]


@pytest.mark.asyncio
async def test_follow_tails_changes_another_task_makes(url: str) -> None:
    async with open_async_store(url) as store:
        t = await store.create_table(SPEC)
        stream = await store.stream("orders")
        wanted = [f"k{i}" for i in range(5)]
        seen: list[str] = []

        async def writer() -> None:
            for k in wanted:
                await t.put({"pk": k})
                await asyncio.sleep(0)

        async def done() -> bool:  # a coroutine function is awaited between polls
            return len(seen) >= len(wanted)

        task = asyncio.ensure_future(writer())
        async for record in stream.iter_changes(follow=True, poll_interval=0.01, stop=done):
            seen.append(record.keys["pk"])
        await task
        assert seen == wanted


@pytest.mark.asyncio
async def test_bad_requests_are_refused_before_any_call(url: str) -> None:
    async with open_async_store(url) as store:
        await store.create_table({"name": "plain", "partition_key": ("pk", "S")})
        with pytest.raises(ValidationError, match="has no stream"):
            await store.stream("plain")
        await store.create_table(SPEC)
        stream = await store.stream("orders")
        (shard,) = await stream.shards()
        with pytest.raises(ValidationError):
            await stream.iterator(shard.shard_id, "AFTER_SEQUENCE_NUMBER")
        with pytest.raises(ValidationError):
            await stream.read("")
        with pytest.raises(ValidationError):
            [r async for r in stream.iter_changes(start="MIDDLE")]  # type: ignore[arg-type]


def _stream_calls(store: Any, records: int) -> None:
    ops = ("describe_stream", "get_shard_iterator", "get_records", "list_streams")
    counted = {op: _count(store, "dynastore_operations_total", "orders", op) for op in ops}
    assert all(counted[op] >= 1 for op in ops), counted
    assert _count(store, "dynastore_items_total", "orders", "get_records") == records
    assert _count(store, "dynastore_operations_total", "orders", "set_stream") == 0  # the spec made the stream


def test_stream_calls_are_store_metrics(url: str) -> None:
    with open_store(url) as store:
        t = store.create_table(SPEC)
        t.put({"pk": "a"})
        t.put({"pk": "b"})
        stream = store.stream("orders")
        assert len(list(stream.iter_changes())) == 2
        store.streams("orders")
        store.streams()
        _stream_calls(store, records=2)
        assert _count(store, "dynastore_operations_total", NO_TABLE, "list_streams") == 1
        assert "get_records" in store.metrics.render()


@pytest.mark.asyncio
async def test_async_stream_calls_are_store_metrics(url: str) -> None:
    async with open_async_store(url) as store:
        t = await store.create_table(SPEC)
        for k in "abc":
            await t.put({"pk": k})
        stream = await store.stream("orders")
        assert len([r async for r in stream.iter_changes()]) == 3
        await store.streams("orders")
        _stream_calls(store, records=3)
