"""The async model API: `AsyncBound` mirrors `Bound` one to one, every call awaited.

As on `AsyncTable`, ``query`` and ``scan`` return their results at once
(nothing is read until you iterate): ``async for m in users.query(...)`` or
``await users.query(...).all()``.

The operations themselves (validation, conversion, error mapping) are the
same generators as the sync API's (`dynastore.models.ops`); only the runner
differs. Get an `AsyncBound` with ``Model.bind(async_table)`` or
``Model.bind(async_store)``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from ..expressions import Action, Condition
from ..table import UNSET
from . import ops
from .base import Model
from .bound import Binding, EntitiesBinding, ModelPage, ResultsView

M = TypeVar("M", bound=Model)
T = TypeVar("T")


class AsyncModelResults(ResultsView[T]):
    """Models of a query or scan, page by page: ``async for``, ``await .all()``, ``await .first()``, ``.pages()``."""

    async def __aiter__(self) -> AsyncIterator[T]:
        async for item in self._results:
            yield self._load(item)

    async def pages(self) -> AsyncIterator[ModelPage[T]]:
        async for page in self._results.pages():
            yield self.page(page)

    async def all(self) -> list[T]:
        return [m async for m in self]

    async def first(self) -> T | None:
        async for m in self:
            return m
        return None


class AsyncBound(Binding[M]):
    """A model on one async table; the same methods as `Bound`, as coroutines."""

    async def save(self, model: M, *, if_not_exists: bool = False, condition: Condition | None = None,
                   expected_version: Any = UNSET) -> M:
        return await ops.run_async(self.table, ops.save(
            self.schema, model, if_not_exists=if_not_exists, condition=condition, expected_version=expected_version))

    async def get(self, key: M | Mapping[str, Any] | None = None, /, *, consistent: bool = False,
                  **fields: Any) -> M:
        got = await ops.run_async(self.table, ops.get(self.schema, ops.key_arg(key, fields), consistent=consistent,
                                                      must_exist=True))
        assert got is not None
        return got

    async def get_or_none(self, key: M | Mapping[str, Any] | None = None, /, *, consistent: bool = False,
                          **fields: Any) -> M | None:
        return await ops.run_async(self.table, ops.get(self.schema, ops.key_arg(key, fields),
                                                       consistent=consistent, must_exist=False))

    async def update(self, target: M | Mapping[str, Any], changes: Mapping[str, Any] | None = None, /, *,
                     actions: Sequence[Action] = (), condition: Condition | None = None,
                     expected_version: Any = UNSET, must_exist: bool = True, **fields: Any) -> M:
        return await ops.run_async(self.table, ops.update(
            self.schema, target, {**(changes or {}), **fields}, actions=actions, condition=condition,
            expected_version=expected_version, must_exist=must_exist))

    async def delete(self, target: M | Mapping[str, Any], /, *, condition: Condition | None = None,
                     expected_version: Any = UNSET, must_exist: bool = False) -> None:
        await ops.run_async(self.table, ops.delete(self.schema, target, condition=condition,
                                                   expected_version=expected_version, must_exist=must_exist))

    def query(self, key_condition: Condition | None = None, /, *, index: str | None = None,
                    filter: Condition | None = None, limit: int | None = None, page_size: int | None = None,
                    reverse: bool = False, start_key: Mapping[str, Any] | None = None, consistent: bool = False,
                    include_expired: bool = False, **fields: Any) -> AsyncModelResults[M]:
        call = ops.query_call(self.schema, key_condition, fields, index, filter, limit=limit, page_size=page_size,
                              reverse=reverse, start_key=start_key, consistent=consistent,
                              include_expired=include_expired)
        return AsyncModelResults(ops.perform(self.table, call), self.schema.load)

    def scan(self, *, index: str | None = None, filter: Condition | None = None, limit: int | None = None,
                   page_size: int | None = None, start_key: Mapping[str, Any] | None = None,
                   segment: int | None = None, total_segments: int | None = None, consistent: bool = False,
                   include_expired: bool = False) -> AsyncModelResults[M]:
        call = ops.scan_call(self.schema, filter, index=index, limit=limit, page_size=page_size,
                             start_key=start_key, segment=segment, total_segments=total_segments,
                             consistent=consistent, include_expired=include_expired)
        return AsyncModelResults(ops.perform(self.table, call), self.schema.load)

    async def count(self, key_condition: Condition | None = None, /, *, index: str | None = None,
                    filter: Condition | None = None, consistent: bool = False, **fields: Any) -> int:
        return await ops.run_async(self.table, ops.count(self.schema, key_condition, index, filter, consistent, fields))

    async def batch_save(self, models: Iterable[M], *, ignore_versions: bool = False) -> int:
        return await ops.run_async(self.table, ops.batch_save(self.schema, models, ignore_versions=ignore_versions))

    async def batch_get(self, keys: Iterable[M | Mapping[str, Any]], *, consistent: bool = False) -> list[M]:
        return await ops.run_async(self.table, ops.batch_get(self.schema, keys, consistent=consistent))

    async def batch_delete(self, keys: Iterable[M | Mapping[str, Any]], *, ignore_versions: bool = False) -> int:
        return await ops.run_async(self.table, ops.batch_delete(self.schema, keys, ignore_versions=ignore_versions))


async def transact_get(store: Any, gets: Iterable[tuple[AsyncBound[Any], Any]]) -> list[Any]:
    """`dynastore.models.transact_get` on an async store."""
    return await ops.run_async(store, ops.transact_get(gets))


class AsyncBoundEntities(EntitiesBinding[AsyncModelResults[Model]]):
    """Mixed-type reads on an async table: `BoundEntities` with `AsyncModelResults`."""

    results = AsyncModelResults
