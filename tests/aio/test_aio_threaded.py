"""The async API on the embedded engine: a bounded thread pool, correct under concurrency.

Behaviour shared with the blocking API is pinned by the conformance suite (which runs
every test on the async API too, ids ``*-async``); these tests cover what only the
async side has: concurrency from one event loop, the pool's bound, closing, and
the async forms of results and transactions.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from dynastore import Attr, ConditionFailed, Key, StoreUnavailable, Throttled, ValidationError
from dynastore.aio import AsyncStore, ThreadedEngine, open_async_store
from dynastore.engine import Engine
from dynastore.retry import RetryPolicy
from dynastore.store import engine_from_url

pytestmark = pytest.mark.asyncio

SPEC = {"name": "counters", "partition_key": ("pk", "S")}


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/aio.db"


async def test_concurrent_atomic_increments_on_a_file_store_lose_nothing(url: str) -> None:
    async with open_async_store(url, max_workers=8) as store:
        t = await store.create_table(SPEC)
        await asyncio.gather(*[t.update({"pk": f"c{i % 4}"}, Attr("n").add(1)) for i in range(400)])
        assert [(await t.get({"pk": f"c{i}"}))["n"] for i in range(4)] == [100, 100, 100, 100]


async def test_concurrent_conditional_creates_let_exactly_one_win(url: str) -> None:
    async with open_async_store(url, max_workers=8) as store:
        t = await store.create_table(SPEC)

        async def claim(who: int) -> bool:
            try:
                await t.put({"pk": "lock", "owner": who}, condition=Attr("pk").not_exists())
                return True
            except ConditionFailed:
                return False

        wins = await asyncio.gather(*[claim(i) for i in range(50)])
        assert sum(wins) == 1
        assert (await t.get({"pk": "lock"}))["owner"] == wins.index(True)


async def test_two_async_stores_and_a_blocking_one_share_a_file(url: str) -> None:
    from dynastore import open_store

    async with open_async_store(url) as a, open_async_store(url) as b:
        ta = await a.create_table(SPEC)
        tb = await b.table("counters")
        await asyncio.gather(*[(ta if i % 2 else tb).update({"pk": "x"}, Attr("n").add(1)) for i in range(100)])
        with open_store(url) as blocking:
            assert blocking.table("counters").get({"pk": "x"}) == {"pk": "x", "n": 100}


class _Watch:
    """A blocking engine that records how many calls ran at once."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self.kind = engine.kind
        self.running = 0
        self.most = 0
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        fn = getattr(self._engine, name)

        def watched(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.running += 1
                self.most = max(self.most, self.running)
            try:
                time.sleep(0.005)  # long enough for other threads to pile up, if the pool let them
                return fn(*args, **kwargs)
            finally:
                with self._lock:
                    self.running -= 1

        return watched


async def test_the_pool_bounds_how_many_engine_calls_run_at_once(url: str) -> None:
    watch = _Watch(engine_from_url(url))
    store = AsyncStore(ThreadedEngine(watch, max_workers=3))  # type: ignore[arg-type]
    try:
        t = await store.create_table(SPEC)
        await asyncio.gather(*[t.put({"pk": str(i)}) for i in range(40)])
        assert 1 <= watch.most <= 3
        assert await t.count() == 40
    finally:
        await store.close()


@pytest.mark.parametrize("bad", [0, -1, 1.5, "4"])
async def test_max_workers_must_be_a_positive_int(bad: Any) -> None:
    with pytest.raises(ValidationError, match="max_workers"):
        ThreadedEngine(engine_from_url("memory://"), max_workers=bad)


async def test_a_closed_store_refuses_calls(url: str) -> None:
    store = open_async_store(url)
    t = await store.create_table(SPEC)
    await t.put({"pk": "a"})
    await store.close()
    await store.close()  # closing twice is harmless
    with pytest.raises(StoreUnavailable):
        await t.get({"pk": "a"})


async def test_results_page_lazily_and_resume_from_last_key() -> None:
    async with open_async_store("memory://") as store:
        t = await store.create_table({"name": "events", "partition_key": ("pk", "S"), "sort_key": ("sk", "N")})
        await t.batch_write([{"pk": "a", "sk": i} for i in range(10)])
        r = t.query(Key("pk").eq("a"), limit=4, page_size=3)
        pages = [[i["sk"] for i in p.items] async for p in r.pages()]
        assert pages == [[0, 1, 2], [3]]
        assert r.last_key == {"pk": "a", "sk": 3} and r.count_read == 4
        with pytest.raises(RuntimeError, match="once"):
            await r.all()
        rest = t.query(Key("pk").eq("a"), start_key=r.last_key)
        assert [i["sk"] async for i in rest] == [4, 5, 6, 7, 8, 9]
        assert rest.last_key is None
        assert await t.query(Key("pk").eq("a"), reverse=True).first() == {"pk": "a", "sk": 9}
        assert await t.query(Key("pk").eq("zz")).first() is None


async def test_transaction_commits_on_leaving_the_block_and_not_on_an_error() -> None:
    async with open_async_store("memory://") as store:
        t = await store.create_table(SPEC)
        async with store.transaction() as tx:
            tx.put(t, {"pk": "a"}).put("counters", {"pk": "b"})
        assert tx.committed
        assert await t.count() == 2
        with pytest.raises(KeyError):
            async with store.transaction() as tx2:
                tx2.delete(t, {"pk": "a"})
                raise KeyError("no")
        assert not tx2.committed and await t.count() == 2


async def test_a_transaction_names_only_tables_the_store_knows() -> None:
    async with open_async_store("memory://") as store:
        await store.create_table(SPEC)
        other = open_async_store("memory://")  # knows no tables
        with pytest.raises(ValidationError, match="await store.table"):
            other.transaction().put("counters", {"pk": "a"})
        await other.close()


class _Unprocessed:
    """A blocking engine that never processes a batch write."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self.kind = engine.kind
        self.attempts = 0

    def batch_write(self, requests: dict[str, Any]) -> dict[str, Any]:
        self.attempts += 1
        return requests

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


async def test_batch_retries_back_off_and_fail_with_the_steps_own_error() -> None:
    engine = _Unprocessed(engine_from_url("memory://"))
    store = AsyncStore(ThreadedEngine(engine), retry=RetryPolicy(max_attempts=3, base_delay=0))  # type: ignore[arg-type]
    try:
        t = await store.create_table(SPEC)
        with pytest.raises(Throttled, match="still unprocessed after 3 attempts"):
            await t.batch_write([{"pk": str(i)} for i in range(60)], max_workers=3)
        assert 3 <= engine.attempts <= 9  # three chunks, three attempts each at most
    finally:
        await store.close()


async def test_parallel_scan_and_batch_get_run_chunks_concurrently() -> None:
    async with open_async_store("memory://", max_workers=4) as store:
        t = await store.create_table(SPEC)
        await t.batch_write([{"pk": str(i)} for i in range(250)], max_workers=4)
        assert sorted(int(i["pk"]) for i in await t.parallel_scan(5, max_workers=3)) == list(range(250))
        keys = [{"pk": str(i)} for i in range(300)]
        got = await t.batch_get(keys, max_workers=3)
        assert [i["pk"] for i in got] == [str(i) for i in range(250)]


async def test_health_is_checked_without_blocking_the_loop(url: str) -> None:
    async with open_async_store(url) as store:
        t = await store.create_table(SPEC)
        h = await store.health()
        assert h.status == "ok" and h.tables == {t.name: "ACTIVE"} and h.engine == "sqlite"
