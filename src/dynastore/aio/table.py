"""`AsyncTable`: `dynastore.table.Table`, awaited; the operations themselves are shared (`BaseTable`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..spec import TableSpec
from ..steps import wrapping
from ..table import BaseTable
from ._drive import awaitable
from .results import AsyncResults

if TYPE_CHECKING:
    from .store import AsyncStore

__all__ = ["AsyncTable"]

class AsyncTable(BaseTable):
    """One table of an `AsyncStore`: the methods of `Table`, as coroutines.

    ``query`` and ``scan`` return `AsyncResults` at once (nothing is read until
    you iterate them): ``async for item in table.query(...)``, or
    ``await table.query(...).all()``.
    """

    def __init__(self, store: AsyncStore, spec: TableSpec):
        super().__init__(store, spec, store.engine.kind)
        self.store = store
        self._drive = store._drive

    get = awaitable(BaseTable._get)
    put = awaitable(BaseTable._put)
    update = awaitable(BaseTable._update)
    delete = awaitable(BaseTable._delete)
    query = wrapping(AsyncResults)(BaseTable._query)
    scan = wrapping(AsyncResults)(BaseTable._scan)
    parallel_scan = awaitable(BaseTable._parallel_scan)
    count = awaitable(BaseTable._count)
    batch_get = awaitable(BaseTable._batch_get)
    batch_write = awaitable(BaseTable._batch_write)
    sweep_expired = awaitable(BaseTable._sweep_expired)
    describe = awaitable(BaseTable._describe)
