"""`AsyncStore`, `AsyncTransaction` and `open_async_store(url)`: the `Store` API, awaited."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from prometheus_client import CollectorRegistry

from ..engines.instrumented import instrument
from ..errors import ValidationError
from ..health import Health, check_health
from ..metrics import StoreMetrics
from ..retry import RetryPolicy
from ..spec import TableSpec, load_specs
from ..store import BaseStore, BaseTransaction, dynamodb_options, engine_from_url
from ..streams import StreamSummary
from ..table import BaseTable
from ._bridge import BlockingEngine
from ._drive import AsyncEngineDriver, awaitable
from .engine import (
    DEFAULT_MAX_WORKERS,
    AsyncEngine,
    InstrumentedAsyncEngine,
    ThreadedEngine,
)
from .streams import AsyncStream
from .table import AsyncTable

__all__ = ["AsyncStore", "AsyncTransaction", "async_engine_from_url", "open_async_store"]


def open_async_store(
    url: str | None = None,
    *,
    retry: RetryPolicy | None = None,
    metrics: StoreMetrics | CollectorRegistry | None = None,
    max_workers: int = DEFAULT_MAX_WORKERS,
    **options: Any,
) -> AsyncStore:
    """An async store on the engine the URL names (the URLs and options of `open_store`).

    ``dynamodb://`` talks to DynamoDB through aiobotocore; the embedded engine
    (``sqlite://``, ``memory://``) and a DynamoDB store with ``fallback=`` run
    their blocking engine on a pool of ``max_workers`` threads. Nothing is
    opened before the first call, so this is a plain function::

        async with open_async_store("sqlite:///data/app.db") as store:
            table = await store.create_table(spec)
    """
    if url is None:
        from ..settings import Settings

        url = Settings().store_url()
    metrics = metrics if isinstance(metrics, StoreMetrics) else StoreMetrics(metrics)
    engine = async_engine_from_url(url, max_workers=max_workers, metrics=metrics, **options)
    return AsyncStore(engine, retry=retry, url=url, metrics=metrics)


def async_engine_from_url(
    url: str, *, max_workers: int = DEFAULT_MAX_WORKERS, metrics: StoreMetrics | None = None, **options: Any
) -> AsyncEngine:
    """The async engine for a store URL: aiobotocore for ``dynamodb://``, else the blocking engine on threads."""
    if urlsplit(url).scheme.lower() == "dynamodb":
        kwargs, fallback, _ = dynamodb_options(url, **options)
        if fallback is None:  # with a fallback: the blocking FallbackEngine on threads, below
            from .dynamodb import AsyncDynamoDBEngine

            aio: AsyncEngine = AsyncDynamoDBEngine(**kwargs)
            return aio if metrics is None else InstrumentedAsyncEngine(aio, metrics)
    engine = engine_from_url(url, **options)
    if metrics is not None:
        engine = instrument(engine, metrics)
    return ThreadedEngine(engine, max_workers=max_workers)


class AsyncStore(BaseStore):
    """Tables on one async engine: the methods of `Store`, as coroutines.

    Use as an async context manager to close it (``async with``), or
    ``await store.close()``.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        retry: RetryPolicy | None = None,
        url: str | None = None,
        metrics: StoreMetrics | None = None,
    ):
        super().__init__(retry=retry, url=url)
        self.engine = engine
        #: the per-table, per-operation metrics of `Store.metrics` (when the engine records them)
        self.metrics = metrics
        self._drive = AsyncEngineDriver(engine)

    def __repr__(self) -> str:
        return f"<AsyncStore {self.url or self.engine.kind}>"

    async def __aenter__(self) -> AsyncStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self.engine.close()

    async def health(self, tables: Iterable[str] | None = None) -> Health:
        """Reachability, latency, table status and the engine's degraded/outbox state (see `dynastore.health`)."""
        # check_health is blocking code: run it on a thread, its engine calls sent back to this loop.
        view = SimpleNamespace(engine=BlockingEngine(self.engine, asyncio.get_running_loop()), url=self.url,
                               _specs=self._specs)
        return await asyncio.to_thread(check_health, view, tables)  # type: ignore[arg-type]

    # -- tables --------------------------------------------------------------

    async def create_table(self, spec: TableSpec | Mapping[str, Any]) -> AsyncTable:
        """Create the table as specified, or bring an existing one up to the spec (see `Store.create_table`)."""
        return AsyncTable(self, await self._drive(self._create_table(spec)))

    async def create_tables_from_file(self, path: str) -> list[AsyncTable]:
        return [await self.create_table(s) for s in load_specs(path)]

    async def table(self, name_or_spec: str | TableSpec) -> AsyncTable:
        """A table that exists. A spec adds its client-side behaviours (versions, timestamps)."""
        return AsyncTable(self, await self._drive(self._table_spec(name_or_spec)))

    tables = awaitable(BaseStore._tables)
    describe = awaitable(BaseStore._describe)
    index_sizes = awaitable(BaseStore._index_sizes)
    delete_table = awaitable(BaseStore._delete_table)
    drop_index = awaitable(BaseStore._drop_index)
    set_capacity = awaitable(BaseStore._set_capacity)
    transact_get = awaitable(BaseStore._transact_get)

    # -- streams (dynastore.streams) ---------------------------------------------

    async def stream(self, table: str) -> AsyncStream:
        """The table's current stream, described, to read its changes (``async for r in stream.iter_changes()``).

        ValidationError when the table has no stream (see `Store.stream`).
        """
        arn = (await self.describe(table)).stream_arn
        if arn is None:
            raise ValidationError(f"table {table!r} has no stream: set stream (e.g. NEW_AND_OLD_IMAGES) in its spec")
        stream = AsyncStream(self.engine, arn)
        await stream.describe()
        return stream

    async def streams(self, table: str | None = None) -> list[StreamSummary]:
        """Streams of a table (or of all), newest first, disabled ones too until retention trims them."""
        return await self.engine.call("list_streams", table)  # type: ignore[no-any-return]

    # -- transactions --------------------------------------------------------

    def transaction(self, *, token: str | None = None) -> AsyncTransaction:
        """A write transaction: add actions, then ``await commit()`` (or leave an ``async with`` block)."""
        return AsyncTransaction(self, token=token)


class AsyncTransaction(BaseTransaction):
    """`Transaction` for an `AsyncStore`: adding actions is immediate, committing is awaited.

    ::

        async with store.transaction() as tx:
            tx.put(orders, {...}, condition=Attr("order_id").not_exists())
            tx.update(stock, {"sku": "a"}, Attr("qty").set(Attr("qty") - 1), condition=Attr("qty").gt(0))

    A table may be named by a string only once this store knows it (it made it
    or opened it with ``await store.table(name)``): adding an action does no I/O.
    """

    def __init__(self, store: AsyncStore, *, token: str | None = None):
        super().__init__(token)
        self.store = store
        self._drive = store._drive

    async def __aenter__(self) -> AsyncTransaction:
        return self

    async def __aexit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None and not self.committed:
            await self.commit()

    def _resolve(self, name: str) -> BaseTable:
        spec = self.store._specs.get(name)
        if spec is None:
            raise ValidationError(
                f"table {name!r} is not known to this store yet: pass the AsyncTable, or open it first "
                "with await store.table(name)"
            )
        return AsyncTable(self.store, spec)

    commit = awaitable(BaseTransaction._commit)
