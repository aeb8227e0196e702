"""The model operations, written once for the sync and the async API.

Each operation is a generator (like `dynastore.steps`, one level up): it
validates and converts (through `ModelSchema`), yields the `Table` method
call it needs as a `steps.Call`, receives the
result (or the error, thrown in), and returns the model-level answer. A
runner performs the calls: `run` on a `Table`, `run_async` on an async table.
Only the awaiting differs between the two APIs.
"""

from __future__ import annotations

import inspect
from collections.abc import Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import ConditionFailed, ValidationError, VersionConflict
from ..expressions import Action, Attr, Condition, Path
from ..steps import Call, drive
from ..table import UNSET
from .base import Model
from .schema import ModelSchema

M = TypeVar("M", bound=Model)
T = TypeVar("T")


Op = Generator[Call, Any, T]


def perform(table: Any, call: Call) -> Any:
    """Make one call on a (sync or async) table or store; an async one's coroutine is returned, not awaited."""
    return getattr(table, call.method)(*call.args, **call.kwargs)


def run(table: Any, op: Op[T]) -> T:
    """Perform an operation's calls on a sync `Table` (or `Store`)."""
    return drive(op, lambda call: perform(table, call))


async def run_async(table: Any, op: Op[T]) -> T:
    """Perform an operation's calls on an `AsyncTable` (or `AsyncStore`), awaiting what they return."""
    from ..aio._drive import adrive  # only async users pay for importing the async API

    async def awaited(call: Call) -> Any:
        result = perform(table, call)
        return (await result) if inspect.isawaitable(result) else result

    return await adrive(op, awaited)


def and_(a: Condition | None, b: Condition | None) -> Condition | None:
    if a is None:
        return b
    return a if b is None else a & b


def _exists(schema: ModelSchema[Any]) -> Attr:
    return Attr(Path((schema.key_names[0],)))


def _describe(schema: ModelSchema[Any], key: Mapping[str, Any]) -> str:
    return f"{schema.name} {dict(key)} not found in table {schema.spec.name!r}"


def key_arg(key: Any, fields: Mapping[str, Any]) -> Any:
    """One key from either a positional model/mapping or keyword field values, not both."""
    if key is not None and fields:
        raise ValidationError("give the key as a model, a mapping or keyword fields, not several")
    if key is None:
        if not fields:
            raise ValidationError("no key given")
        return fields
    return key


def version_of(schema: ModelSchema[Any], target: Any, expected_version: Any) -> Any:
    if expected_version is UNSET and schema.version_field is not None and isinstance(target, schema.model):
        return getattr(target, schema.version_field)
    return expected_version


# -- single items --------------------------------------------------------------


def prepare_save(schema: ModelSchema[M], model: M, if_not_exists: bool,
                 condition: Condition | None) -> tuple[dict[str, Any], Condition | None]:
    """The item and condition of a save (also used inside transactions)."""
    item = schema.dump(model)
    return item, (and_(condition, _exists(schema).not_exists()) if if_not_exists else condition)


def save(schema: ModelSchema[M], model: M, *, if_not_exists: bool, condition: Condition | None,
         expected_version: Any) -> Op[M]:
    item, cond = prepare_save(schema, model, if_not_exists, condition)
    try:
        result = yield Call("put", (item,), {"condition": cond, "expected_version": expected_version,
                                             "return_item_on_failure": if_not_exists})
    except ConditionFailed as e:
        if if_not_exists and e.item is not None and not isinstance(e, VersionConflict):
            raise schema.model.AlreadyExists(
                f"{schema.name} {schema.key(model)} already exists in table {schema.spec.name!r}",
                item=e.item, code=e.code, cause=e) from e
        raise
    return schema.load(result.item)


def get(schema: ModelSchema[M], key: Any, *, consistent: bool, must_exist: bool) -> Op[M | None]:
    k = schema.key(key)
    item = yield Call("get", (k,), {"consistent": consistent})
    if item is None:
        if must_exist:
            raise schema.model.DoesNotExist(_describe(schema, k))
        return None
    return schema.load(item)


@dataclass(frozen=True, slots=True)
class UpdatePlan:
    key: dict[str, Any]
    actions: list[Action]
    condition: Condition | None
    expected_version: Any


def prepare_update(schema: ModelSchema[M], target: Any, changes: Mapping[str, Any], actions: Sequence[Action],
                   condition: Condition | None, expected_version: Any, must_exist: bool) -> UpdatePlan:
    """Key, actions and condition of an update (also used inside transactions)."""
    current = target if isinstance(target, schema.model) else None
    values = schema.key_values(target)
    k = {a: schema.render(a, values) for a in schema.key_names}
    acts = schema.update_actions(current, values, changes, creating=not must_exist) + list(actions)
    if not acts:
        raise ValidationError(f"update of {schema.name} {k}: nothing to change")
    cond = and_(_exists(schema).exists(), condition) if must_exist else condition
    return UpdatePlan(k, acts, cond, version_of(schema, target, expected_version))


def update(schema: ModelSchema[M], target: Any, changes: Mapping[str, Any], *, actions: Sequence[Action],
           condition: Condition | None, expected_version: Any, must_exist: bool) -> Op[M]:
    plan = prepare_update(schema, target, changes, actions, condition, expected_version, must_exist)
    try:
        item = yield Call("update", (plan.key, plan.actions), {
            "condition": plan.condition, "return_values": "ALL_NEW", "return_item_on_failure": must_exist,
            "expected_version": plan.expected_version})
    except ConditionFailed as e:
        if must_exist and e.item is None and not isinstance(e, VersionConflict):
            raise schema.model.DoesNotExist(_describe(schema, plan.key), cause=e) from e
        raise
    return schema.load(item)


def delete(schema: ModelSchema[M], target: Any, *, condition: Condition | None, expected_version: Any,
           must_exist: bool) -> Op[None]:
    k = schema.key(target)
    cond = and_(_exists(schema).exists(), condition) if must_exist else condition
    try:
        yield Call("delete", (k,), {"condition": cond, "return_item_on_failure": must_exist,
                                    "expected_version": version_of(schema, target, expected_version)})
    except ConditionFailed as e:
        if must_exist and e.item is None and not isinstance(e, VersionConflict):
            raise schema.model.DoesNotExist(_describe(schema, k), cause=e) from e
        raise


# -- batches -------------------------------------------------------------------


def batch_save(schema: ModelSchema[M], models: Iterable[M], *, ignore_versions: bool) -> Op[int]:
    items = [schema.dump(m) for m in models]
    n = yield Call("batch_write", (), {"puts": items, "ignore_versions": ignore_versions})
    return int(n)


def batch_get(schema: ModelSchema[M], keys: Iterable[Any], *, consistent: bool) -> Op[list[M]]:
    ks = [schema.key(k) for k in keys]
    items = yield Call("batch_get", (ks,), {"consistent": consistent})
    return [schema.load(i) for i in items]


def batch_delete(schema: ModelSchema[M], keys: Iterable[Any], *, ignore_versions: bool) -> Op[int]:
    ks = [schema.key(k) for k in keys]
    n = yield Call("batch_write", (), {"deletes": ks, "ignore_versions": ignore_versions})
    return int(n)


def transact_get(gets: Iterable[tuple[Any, Any]]) -> Op[list[Any]]:
    """Several models read atomically: ``(binding, key)`` pairs, one model (or None) each, in order."""
    pairs = [(b, b.schema.key(k)) for b, k in gets]
    items = yield Call("transact_get", ([(b.table, k) for b, k in pairs],))
    return [None if item is None else b.schema.load(item) for (b, _), item in zip(pairs, items, strict=True)]


# -- reads of many ---------------------------------------------------------------


def query_call(schema: ModelSchema[Any], key_condition: Condition | None, fields: Mapping[str, Any],
               index: str | None, filter: Condition | None, **options: Any) -> Call:
    """The Table.query call for a model: the key condition from fields, narrowed to this entity type."""
    if key_condition is None:
        key_condition, narrowed = schema.key_condition(index, schema.key_values(fields))
        if not narrowed:
            filter = and_(filter, schema.type_filter())
    elif fields:
        raise ValidationError("give a key condition or key fields, not both")
    else:
        filter = and_(filter, schema.type_filter())
    return Call("query", (key_condition,), {"index": index, "filter": filter, **options})


def scan_call(schema: ModelSchema[Any], filter: Condition | None, **options: Any) -> Call:
    return Call("scan", (), {"filter": and_(filter, schema.type_filter()), **options})


def count(schema: ModelSchema[Any], key_condition: Condition | None, index: str | None, filter: Condition | None,
          consistent: bool, fields: Mapping[str, Any]) -> Op[int]:
    """How many models a query (key condition or fields given) or a scan (neither) matches, every page."""
    if key_condition is None and not fields:
        call = scan_call(schema, filter, index=index, consistent=consistent)
    else:
        call = query_call(schema, key_condition, fields, index, filter, consistent=consistent)
    n = yield Call("count", call.args, call.kwargs)
    return int(n)
