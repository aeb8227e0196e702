"""An engine wrapper that records every call in `StoreMetrics`.

It is a transparent proxy (`wrapt.ObjectProxy`): everything it does not
measure — ``client``, ``refresh_credentials``, ``health_details``, a fallback
engine's ``sync`` — reaches the wrapped engine, and ``isinstance`` sees the
wrapped engine's class, so code that inspects ``store.engine`` keeps working.
"""

from __future__ import annotations

import inspect
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar, cast

import wrapt
from prometheus_client import CollectorRegistry

from ..engine import BatchGetRequest, Engine, Item, Page, TableInfo, TxAction, TxGet, WriteRequest
from ..errors import DynastoreError
from ..metrics import NO_TABLE, StoreMetrics
from ..spec import Index, TableSpec

__all__ = ["InstrumentedEngine", "instrument"]

R = TypeVar("R")


def instrument(engine: Engine, metrics: StoreMetrics) -> Engine:
    """``engine``, measured into ``metrics`` (an engine already measured is returned as it is)."""
    if type(engine) is InstrumentedEngine:
        return engine
    own = getattr(engine, "registry", None)  # an engine's own metrics (the fallback engine's outbox)
    if isinstance(own, CollectorRegistry):
        metrics.include(own)
    return cast(Engine, InstrumentedEngine(engine, metrics))


def _error_code(e: BaseException) -> str:
    return e.code if isinstance(e, DynastoreError) else type(e).__name__


def _one(table: str, n: int) -> Mapping[str, int]:
    return {table: n}


class InstrumentedEngine(wrapt.ObjectProxy):  # type: ignore[misc]
    """``engine`` with every Engine operation counted, timed and its items tallied."""

    def __init__(self, engine: Engine, metrics: StoreMetrics):
        super().__init__(engine)
        self._self_metrics = metrics
        self._self_iterators = _Iterators()
        if hasattr(engine, "capacity_listener"):
            engine.capacity_listener = metrics.consumed

    @property
    def metrics(self) -> StoreMetrics:
        return self._self_metrics  # type: ignore[no-any-return]

    @property
    def wrapped(self) -> Engine:
        """The engine being measured."""
        return self.__wrapped__  # type: ignore[no-any-return]

    def _run(
        self, tables: Iterable[str], op: str, call: Callable[[], R],
        items: Callable[[R], Mapping[str, int]] | None = None,
    ) -> R:
        names = sorted(set(tables)) or [NO_TABLE]
        start = time.perf_counter()
        try:
            result = call()
        except Exception as e:
            self._self_metrics.observe(names, op, time.perf_counter() - start, error=_error_code(e))
            raise
        if inspect.isawaitable(result):  # an async engine's call (dynastore.aio.instrument_async)
            return self._awaited(names, op, start, result, items)  # type: ignore[return-value]
        self._self_metrics.observe(names, op, time.perf_counter() - start, items=items(result) if items else None)
        return result

    def _run_item(self, table: str, op: str, call: Callable[[], R], found: bool = False) -> R:
        """`_run` for one item on one table: counted as 1 item (a read: 1 if it found one)."""
        start = time.perf_counter()
        try:
            result = call()
        except Exception as e:
            self._self_metrics.observe((table,), op, time.perf_counter() - start, error=_error_code(e))
            raise
        if result is None or type(result) is dict:  # a sync engine's answer; anything else may be awaitable
            self._self_metrics.observe_one(table, op, time.perf_counter() - start, int(result is not None or not found))
            return result
        if inspect.isawaitable(result):  # an async engine's call (dynastore.aio.instrument_async)
            return self._awaited([table], op, start, result,  # type: ignore[return-value]
                                 (lambda r: _one(table, r is not None)) if found else (lambda _: _one(table, 1)))
        self._self_metrics.observe_one(table, op, time.perf_counter() - start, 1)
        return result

    async def _awaited(
        self, names: list[str], op: str, start: float, pending: Awaitable[R],
        items: Callable[[R], Mapping[str, int]] | None,
    ) -> R:
        try:
            result = await pending
        except Exception as e:
            self._self_metrics.observe(names, op, time.perf_counter() - start, error=_error_code(e))
            raise
        self._self_metrics.observe(names, op, time.perf_counter() - start, items=items(result) if items else None)
        return result

    # -- tables --------------------------------------------------------------

    def create_table(self, spec: TableSpec) -> None:
        return self._run([spec.name], "create_table", lambda: self.__wrapped__.create_table(spec))

    def describe_table(self, name: str) -> TableInfo:
        return self._run([name], "describe_table", lambda: self.__wrapped__.describe_table(name))

    def add_index(self, table: str, index: Index) -> None:
        return self._run([table], "add_index", lambda: self.__wrapped__.add_index(table, index))

    def drop_index(self, table: str, index: str) -> None:
        return self._run([table], "drop_index", lambda: self.__wrapped__.drop_index(table, index))

    def set_capacity(self, table: str, billing_mode: Any, **kw: Any) -> None:
        return self._run([table], "set_capacity", lambda: self.__wrapped__.set_capacity(table, billing_mode, **kw))

    def set_ttl(self, table: str, attribute: str | None) -> None:
        return self._run([table], "set_ttl", lambda: self.__wrapped__.set_ttl(table, attribute))

    def delete_table(self, name: str) -> None:
        return self._run([name], "delete_table", lambda: self.__wrapped__.delete_table(name))

    def list_tables(self) -> list[str]:
        return self._run([], "list_tables", self.__wrapped__.list_tables)

    # -- items ---------------------------------------------------------------

    def get_item(self, table: str, key: Item, **kw: Any) -> Item | None:
        return self._run_item(table, "get_item", lambda: self.__wrapped__.get_item(table, key, **kw), found=True)

    def put_item(self, table: str, item: Item, **kw: Any) -> Item | None:
        return self._run_item(table, "put_item", lambda: self.__wrapped__.put_item(table, item, **kw))

    def update_item(self, table: str, key: Item, actions: Sequence[Any], **kw: Any) -> Item | None:
        return self._run_item(table, "update_item", lambda: self.__wrapped__.update_item(table, key, actions, **kw))

    def delete_item(self, table: str, key: Item, **kw: Any) -> Item | None:
        return self._run_item(table, "delete_item", lambda: self.__wrapped__.delete_item(table, key, **kw))

    def query(self, table: str, key_condition: Any, **kw: Any) -> Page:
        return self._run([table], "query", lambda: self.__wrapped__.query(table, key_condition, **kw),
                         lambda p: _one(table, p.count))

    def scan(self, table: str, **kw: Any) -> Page:
        return self._run([table], "scan", lambda: self.__wrapped__.scan(table, **kw), lambda p: _one(table, p.count))

    def batch_get(self, requests: dict[str, BatchGetRequest]) -> tuple[dict[str, list[Item]], dict[str, list[Item]]]:
        return self._run(requests, "batch_get", lambda: self.__wrapped__.batch_get(requests),
                         lambda r: {t: len(found) for t, found in r[0].items()})

    def batch_write(self, requests: dict[str, list[WriteRequest]]) -> dict[str, list[WriteRequest]]:
        return self._run(requests, "batch_write", lambda: self.__wrapped__.batch_write(requests),
                         lambda left: {t: len(rs) - len(left.get(t, ())) for t, rs in requests.items()})

    def transact_write(self, actions: Sequence[TxAction], *, token: str | None = None) -> None:
        written = Counter(a.table for a in actions if a.kind != "check")
        return self._run([a.table for a in actions], "transact_write",
                  lambda: self.__wrapped__.transact_write(actions, token=token), lambda _: written)

    def transact_get(self, gets: Sequence[TxGet]) -> list[Item | None]:
        def found(items: list[Item | None]) -> Mapping[str, int]:
            return Counter(g.table for g, i in zip(gets, items, strict=False) if i is not None)

        return self._run([g.table for g in gets], "transact_get", lambda: self.__wrapped__.transact_get(gets), found)

    def sweep_expired(self, table: str, attribute: str, now: int) -> int:
        return self._run([table], "sweep_expired", lambda: self.__wrapped__.sweep_expired(table, attribute, now),
                         lambda n: _one(table, n))

    # -- streams (dynastore.streams): one table label per call, records counted as items --------

    def set_stream(self, table: str, view_type: str | None) -> None:
        return self._run([table], "set_stream", lambda: self.__wrapped__.set_stream(table, view_type))

    def list_streams(self, table: str | None = None) -> list[Any]:
        return self._run([table] if table is not None else [], "list_streams",
                         lambda: self.__wrapped__.list_streams(table))

    def describe_stream(self, arn: str) -> Any:
        return self._run([_stream_table(arn)], "describe_stream", lambda: self.__wrapped__.describe_stream(arn))

    def get_shard_iterator(self, arn: str, shard_id: str, iterator_type: Any, sequence_number: str | None = None) -> str:
        table = _stream_table(arn)

        def remember(iterator: str) -> Mapping[str, int]:
            self._self_iterators.note(iterator, table)
            return {}

        return self._run([table], "get_shard_iterator", lambda: self.__wrapped__.get_shard_iterator(
            arn, shard_id, iterator_type, sequence_number), remember)

    def get_records(self, iterator: str, limit: int = 1000) -> Any:
        # An iterator is opaque (DynamoDB's are): its table is the one of the iterator it came from.
        table = self._self_iterators.table(iterator)

        def counted(batch: Any) -> Mapping[str, int]:
            if batch.next_iterator is not None:
                self._self_iterators.note(batch.next_iterator, table)
            return {table: len(batch.records)}

        return self._run([table], "get_records", lambda: self.__wrapped__.get_records(iterator, limit), counted)

    def trim_streams(self, before: float | None = None) -> int:
        return self._run([], "trim_streams", lambda: self.__wrapped__.trim_streams(before))


def _stream_table(arn: str) -> str:
    """The table of a stream ARN (``arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>``)."""
    _, found, rest = arn.partition(":table/")
    name = rest.partition("/stream/")[0] if found else ""
    return name or NO_TABLE


class _Iterators:
    """The table of each shard iterator handed out lately (iterators name no table DynamoDB lets us read)."""

    #: readers that stop leave their last iterator behind; the oldest are forgotten past this many
    LIMIT = 1024

    def __init__(self) -> None:
        self._tables: dict[str, str] = {}
        self._lock = threading.Lock()

    def note(self, iterator: str, table: str) -> None:
        with self._lock:
            self._tables[iterator] = table
            if len(self._tables) > self.LIMIT:
                del self._tables[next(iter(self._tables))]

    def table(self, iterator: str) -> str:
        with self._lock:
            return self._tables.get(iterator, NO_TABLE)
