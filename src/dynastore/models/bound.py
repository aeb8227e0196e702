"""A model bound to a table: the sync API (`Bound`), its results, transactions and mixed-type reads."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ..engine import Item
from ..errors import ValidationError
from ..expressions import Action, Attr, Condition, Path
from ..spec import TableSpec
from ..table import UNSET, Table
from . import ops
from .base import Model
from .fields import FieldAttr
from .schema import ModelSchema, schema_for

M = TypeVar("M", bound=Model)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ModelPage(Generic[T]):
    """One page of models and the key to resume after it (None at the end)."""

    items: list[T]
    last_key: Item | None


class ResultsView(Generic[T]):
    """What sync and async model results share: the underlying results and the loader."""

    def __init__(self, results: Any, load: Callable[[Item], T]):
        self._results = results
        self._load = load

    @property
    def last_key(self) -> Item | None:
        """Where to resume (``start_key=``) after iterating; None when everything was read."""
        return self._results.last_key  # type: ignore[no-any-return]

    @property
    def scanned_count(self) -> int:
        return self._results.scanned_count  # type: ignore[no-any-return]

    def page(self, page: Any) -> ModelPage[T]:
        return ModelPage([self._load(i) for i in page.items], page.last_key)


class ModelResults(ResultsView[T]):
    """Models of a query or scan, fetched page by page as you iterate (like `Results`)."""

    def __iter__(self) -> Iterator[T]:
        for item in self._results:
            yield self._load(item)

    def pages(self) -> Iterator[ModelPage[T]]:
        for page in self._results.pages():
            yield self.page(page)

    def all(self) -> list[T]:
        return list(self)

    def first(self) -> T | None:
        for m in self:
            return m
        return None


class Binding(Generic[M]):
    """What the sync and async bindings share: the table, the schema, keys and transactions."""

    def __init__(self, model: type[M], table: Any):
        self.model = model
        self.table = table
        self.schema: ModelSchema[M] = schema_for(model, table.spec)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.model.__name__} on {self.table!r}>"

    @property
    def spec(self) -> TableSpec:
        return self.table.spec  # type: ignore[no-any-return]

    def key(self, key: M | Mapping[str, Any] | None = None, /, **fields: Any) -> Item:
        """The table key (attribute values, templates rendered) of a model or of its key fields."""
        return self.schema.key(ops.key_arg(key, fields))

    def attr(self, field: str) -> FieldAttr:
        """A field for conditions and update actions, its values stored as the model stores them:
        ``sessions.attr("status").eq(Status.RUNNING)``, ``sessions.attr("history").append([entry])``."""
        return FieldAttr(self.schema, field)

    def load(self, item: Mapping[str, Any]) -> M:
        """The model for an item read some other way (validated)."""
        return self.schema.load(item)

    def dump(self, model: M) -> Item:
        """The item a model is stored as (with derived key attributes and type)."""
        return self.schema.dump(model)

    def in_transaction(self, tx: Any) -> TxBound[M]:
        """This model's writes added to a transaction (`Store.transaction()` or the async one)."""
        return TxBound(self, tx)


class Bound(Binding[M]):
    """A model on one `Table`. Get it with ``Model.bind(store)`` or ``Model.bind(table)``."""

    table: Table

    def save(self, model: M, *, if_not_exists: bool = False, condition: Condition | None = None,
             expected_version: Any = UNSET) -> M:
        """Write the whole model; returns it as stored (version and timestamps filled in).

        ``if_not_exists=True`` refuses to replace an item (``Model.AlreadyExists``).
        On a versioned table the model's own version is the one expected in the
        table (None: it must be new); a stale one raises `VersionConflict`.
        """
        return ops.run(self.table, ops.save(self.schema, model, if_not_exists=if_not_exists,
                                            condition=condition, expected_version=expected_version))

    def get(self, key: M | Mapping[str, Any] | None = None, /, *, consistent: bool = False, **fields: Any) -> M:
        """The model with this key; ``Model.DoesNotExist`` if there is none."""
        got = ops.run(self.table, ops.get(self.schema, ops.key_arg(key, fields), consistent=consistent,
                                          must_exist=True))
        assert got is not None
        return got

    def get_or_none(self, key: M | Mapping[str, Any] | None = None, /, *, consistent: bool = False,
                    **fields: Any) -> M | None:
        """The model with this key, or None."""
        return ops.run(self.table, ops.get(self.schema, ops.key_arg(key, fields), consistent=consistent,
                                           must_exist=False))

    def update(self, target: M | Mapping[str, Any], changes: Mapping[str, Any] | None = None, /, *,
               actions: Sequence[Action] = (), condition: Condition | None = None,
               expected_version: Any = UNSET, must_exist: bool = True, **fields: Any) -> M:
        """Change some fields without reading first; returns the model as it now is.

        ``target`` is a model (its key, and its version on a versioned table) or
        its key fields. Changes are validated against the field types; None
        removes an attribute. ``actions`` adds raw update actions (counters:
        ``Attr("likes").add(1)``). A missing item raises ``Model.DoesNotExist``
        (``must_exist=False`` creates it, as DynamoDB's UpdateItem does).
        """
        return ops.run(self.table, ops.update(
            self.schema, target, {**(changes or {}), **fields}, actions=actions, condition=condition,
            expected_version=expected_version, must_exist=must_exist))

    def delete(self, target: M | Mapping[str, Any], /, *, condition: Condition | None = None,
               expected_version: Any = UNSET, must_exist: bool = False) -> None:
        """Delete the item (a model, or its key fields). ``must_exist=True``: ``Model.DoesNotExist`` if absent."""
        ops.run(self.table, ops.delete(self.schema, target, condition=condition,
                                       expected_version=expected_version, must_exist=must_exist))

    def query(self, key_condition: Condition | None = None, /, *, index: str | None = None,
              filter: Condition | None = None, limit: int | None = None, page_size: int | None = None,
              reverse: bool = False, start_key: Mapping[str, Any] | None = None, consistent: bool = False,
              include_expired: bool = False, **fields: Any) -> ModelResults[M]:
        """Models of one partition: ``sessions.query(user_id="u1")`` (key templates rendered,
        narrowed to this model's items) or an explicit ``Key(...)`` condition."""
        call = ops.query_call(self.schema, key_condition, fields, index, filter, limit=limit, page_size=page_size,
                              reverse=reverse, start_key=start_key, consistent=consistent,
                              include_expired=include_expired)
        return ModelResults(ops.perform(self.table, call), self.schema.load)

    def scan(self, *, index: str | None = None, filter: Condition | None = None, limit: int | None = None,
             page_size: int | None = None, start_key: Mapping[str, Any] | None = None,
             segment: int | None = None, total_segments: int | None = None, consistent: bool = False,
             include_expired: bool = False) -> ModelResults[M]:
        """Every model of this type in the table (reads cost the whole table)."""
        call = ops.scan_call(self.schema, filter, index=index, limit=limit, page_size=page_size,
                             start_key=start_key, segment=segment, total_segments=total_segments,
                             consistent=consistent, include_expired=include_expired)
        return ModelResults(ops.perform(self.table, call), self.schema.load)

    def count(self, key_condition: Condition | None = None, /, *, index: str | None = None,
              filter: Condition | None = None, consistent: bool = False, **fields: Any) -> int:
        """How many models a query (key condition or fields given) or a scan (neither) matches."""
        return ops.run(self.table, ops.count(self.schema, key_condition, index, filter, consistent, fields))

    def batch_save(self, models: Iterable[M], *, ignore_versions: bool = False) -> int:
        """Write any number of models (25 per request, retried); returns how many."""
        return ops.run(self.table, ops.batch_save(self.schema, models, ignore_versions=ignore_versions))

    def batch_get(self, keys: Iterable[M | Mapping[str, Any]], *, consistent: bool = False) -> list[M]:
        """Models for any number of keys, in key order (missing ones left out)."""
        return ops.run(self.table, ops.batch_get(self.schema, keys, consistent=consistent))

    def batch_delete(self, keys: Iterable[M | Mapping[str, Any]], *, ignore_versions: bool = False) -> int:
        """Delete any number of items by key; returns how many requests were written."""
        return ops.run(self.table, ops.batch_delete(self.schema, keys, ignore_versions=ignore_versions))


def transact_get(store: Any, gets: Iterable[tuple[Bound[Any], Any]]) -> list[Any]:
    """Read up to 100 models atomically: ``transact_get(store, [(users, {"user_id": "a"}), (posts, post)])``;
    one model (or None) per pair, in order."""
    return ops.run(store, ops.transact_get(gets))


class TxBound(Generic[M]):
    """A model's writes inside a transaction; they happen when the transaction commits.

    ::

        with store.transaction() as tx:
            posts.in_transaction(tx).save(post, if_not_exists=True)
            activities.in_transaction(tx).save(activity)
    """

    def __init__(self, binding: Binding[M], tx: Any):
        self._b = binding
        self._tx = tx

    def save(self, model: M, *, if_not_exists: bool = False, condition: Condition | None = None,
             expected_version: Any = UNSET) -> M:
        """Add a put; returns the model as it will be stored (version and timestamps filled in)."""
        s = self._b.schema
        item, condition = ops.prepare_save(s, model, if_not_exists, condition)
        self._tx.put(self._b.table, item, condition=condition, expected_version=expected_version)
        return s.load(self._tx.actions[-1].item)

    def update(self, target: M | Mapping[str, Any], changes: Mapping[str, Any] | None = None, /, *,
               actions: Sequence[Action] = (), condition: Condition | None = None,
               expected_version: Any = UNSET, must_exist: bool = True, **fields: Any) -> None:
        plan = ops.prepare_update(self._b.schema, target, {**(changes or {}), **fields}, actions, condition,
                                  expected_version, must_exist)
        self._tx.update(self._b.table, plan.key, plan.actions, condition=plan.condition,
                        expected_version=plan.expected_version)

    def delete(self, target: M | Mapping[str, Any], /, *, condition: Condition | None = None,
               expected_version: Any = UNSET) -> None:
        s = self._b.schema
        self._tx.delete(self._b.table, s.key(target), condition=condition,
                        expected_version=ops.version_of(s, target, expected_version))

    def check(self, target: M | Mapping[str, Any], condition: Condition) -> None:
        """Add a condition check on an item the transaction does not write."""
        self._tx.check(self._b.table, self._b.schema.key(target), condition)


class Entities:
    """Several models sharing one table (single-table design), told apart by their type attribute.

    ::

        blog = Entities(User, Session, Activity).bind(table)
        for m in blog.query(User, user_id="u1"):   # the user's partition: a User, Sessions, Activities
            ...
    """

    def __init__(self, *models: type[Model]):
        if not models:
            raise ValidationError("Entities needs at least one model")
        attrs = {m.__dynastore__.type_attribute for m in models}
        if None in attrs or len(attrs) != 1:
            raise ValidationError("Entities are models with an entity type in the same type attribute; "
                                  f"got {[(m.__name__, m.__dynastore__.type_attribute) for m in models]}")
        names = [m.__dynastore__.entity for m in models]
        if len(set(names)) != len(names):
            raise ValidationError(f"entity names must differ, got {names}")
        self.models = models
        self.type_attribute: str = attrs.pop()  # type: ignore[assignment]

    def bind(self, target: Any, *, create: bool = False) -> Any:
        """These models on one table (a `Table`/`Store` gives `BoundEntities`, async ones `AsyncBoundEntities`)."""
        from .binding import bind_entities

        return bind_entities(self, target, create=create)


R = TypeVar("R")


class EntitiesBinding(Generic[R]):
    """Mixed-type reads, sync or async (``R`` is the results type): dispatch by type, query, scan.

    ``query`` and ``scan`` do no I/O themselves on either API (their results
    read when iterated), so they are written once here.
    """

    results: Callable[[Any, Callable[[Item], Model]], R]

    def __init__(self, entities: Entities, table: Any):
        self.entities = entities
        self.table = table
        self.schemas = {str(m.__dynastore__.entity): schema_for(m, table.spec) for m in entities.models}
        self._by_model = {s.model: s for s in self.schemas.values()}
        self._type = Attr(Path((entities.type_attribute,)))

    def load(self, item: Mapping[str, Any]) -> Model:
        schema = self.schemas.get(item.get(self.entities.type_attribute))  # type: ignore[arg-type]
        if schema is None:
            raise ValidationError(f"item of type {item.get(self.entities.type_attribute)!r} is none of "
                                  f"{sorted(self.schemas)}")
        return schema.load(item)

    def _filter(self, filter: Condition | None) -> Condition | None:
        return ops.and_(filter, self._type.is_in(sorted(self.schemas)))

    def query(self, key_condition: Condition | type[Model], /, *, index: str | None = None,
              filter: Condition | None = None, limit: int | None = None, page_size: int | None = None,
              reverse: bool = False, start_key: Mapping[str, Any] | None = None, consistent: bool = False,
              include_expired: bool = False, **fields: Any) -> R:
        """One partition: ``query(User, user_id="u1")`` (that model's partition key from the fields)
        or ``query(Key("PK").eq(...))``; each item as its own model class."""
        if isinstance(key_condition, type):
            schema = self._by_model.get(key_condition)
            if schema is None:
                raise ValidationError(f"{key_condition.__name__} is not one of these entities")
            key_condition = schema.partition_condition(index, schema.key_values(fields))
        elif fields:
            raise ValidationError("give a key condition or a model and its partition fields, not both")
        call = ops.Call("query", (key_condition,), {
            "index": index, "filter": self._filter(filter), "limit": limit, "page_size": page_size,
            "reverse": reverse, "start_key": start_key, "consistent": consistent, "include_expired": include_expired})
        return self.results(ops.perform(self.table, call), self.load)

    def scan(self, *, index: str | None = None, filter: Condition | None = None, limit: int | None = None,
             page_size: int | None = None, start_key: Mapping[str, Any] | None = None,
             consistent: bool = False, include_expired: bool = False) -> R:
        """Every item of these entity types in the table (or index)."""
        call = ops.Call("scan", (), {
            "index": index, "filter": self._filter(filter), "limit": limit, "page_size": page_size,
            "start_key": start_key, "consistent": consistent, "include_expired": include_expired})
        return self.results(ops.perform(self.table, call), self.load)


class BoundEntities(EntitiesBinding[ModelResults[Model]]):
    """Mixed-type reads on a sync `Table`: each item comes back as its own model class."""

    results = ModelResults
