"""``Model.bind(...)`` / ``Entities(...).bind(...)``: the sync or the async binding, by what it is bound to."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import ValidationError
from ..spec import TableSpec
from ..steps import drive
from ..store import Store
from ..table import BaseTable, Table

if TYPE_CHECKING:
    from .base import Model
    from .bound import Entities


def _no_io(step: Any) -> Any:
    raise AssertionError(f"binding to a spec does no I/O, got {step!r}")


def _table(who: str, spec: TableSpec | None, target: Any, create: bool) -> BaseTable:
    """The table to bind to: the target itself, or the spec's table on a store."""
    if isinstance(target, BaseTable):
        return target
    is_store = isinstance(target, Store)
    if not is_store:
        from ..aio import AsyncStore

        if not isinstance(target, AsyncStore):
            raise ValidationError(f"bind {who} to a store or a table, not {type(target).__name__}")
    if spec is None:
        raise ValidationError(f"{who} names no table spec: bind it to a table (store.table(...))")
    if is_store:
        return target.create_table(spec) if create else target.table(spec)
    if create:
        raise ValidationError(f"creating a table is awaited: bind {who} to `await store.create_table(spec)`")
    from ..aio import AsyncTable

    # Opening a table from a spec does no I/O, so an async store needs no await here.
    return AsyncTable(target, drive(target._table_spec(spec), _no_io))


def bind(model: type[Model], target: Any, *, create: bool = False) -> Any:
    table = _table(model.__name__, model.__dynastore__.table, target, create)
    if isinstance(table, Table):
        from .bound import Bound

        return Bound(model, table)
    from .aio import AsyncBound

    return AsyncBound(model, table)


def bind_entities(entities: Entities, target: Any, *, create: bool = False) -> Any:
    specs = {m.__dynastore__.table for m in entities.models} - {None}
    spec = specs.pop() if len(specs) == 1 else None
    table = _table("these entities", spec, target, create)
    if isinstance(table, Table):
        from .bound import BoundEntities

        return BoundEntities(entities, table)
    from .aio import AsyncBoundEntities

    return AsyncBoundEntities(entities, table)
