"""How one model class maps to one table: items in and out, keys, update actions, key conditions.

A `ModelSchema` is pure (no I/O): the sync and async bindings both use it, so
conversion and validation behave the same whichever API you call.
"""

from __future__ import annotations

import enum
import typing
import uuid
from collections.abc import Mapping
from datetime import date, datetime, time, timezone
from decimal import Decimal
from functools import lru_cache
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel, ConfigDict, create_model, field_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic.fields import FieldInfo
from pydantic_core import to_jsonable_python

from ..engine import Item
from ..errors import ValidationError
from ..expressions import Action, Attr, Condition, Key, Path
from ..spec import TableSpec
from ..timestamps import now_value
from .base import Model, StoredAs, TimeFormat
from .templates import KeyTemplate

M = TypeVar("M", bound=Model)


def format_datetime(v: datetime, fmt: TimeFormat) -> str | int:
    """A datetime as stored. Naive datetimes are taken as UTC."""
    aware = v if v.tzinfo is not None else v.replace(tzinfo=timezone.utc)
    if fmt == "epoch":
        return int(aware.timestamp())
    # Same shape as the Table's own timestamps, so stored times sort as times.
    return aware.astimezone(timezone.utc).isoformat(timespec="microseconds")


def plain(v: Any) -> Any:
    """A Python value in a form the codec stores (None for an empty set: DynamoDB has none)."""
    if v is None or isinstance(v, (str, bool, int, float, bytes)) and not isinstance(v, enum.Enum):
        return v
    if isinstance(v, enum.Enum):
        return plain(v.value)
    if isinstance(v, datetime):
        return format_datetime(v, "iso")
    if isinstance(v, (date, time)):
        return v.isoformat()
    if isinstance(v, uuid.UUID):
        return str(v)
    if isinstance(v, BaseModel):
        return plain(v.model_dump(by_alias=True))
    if isinstance(v, (set, frozenset)):
        return {plain(x) for x in v} or None
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, Mapping):
        out = {}
        for k, x in v.items():
            p = plain(x)
            if p is None and isinstance(x, (set, frozenset)):
                continue
            out[str(k.value) if isinstance(k, enum.Enum) else k] = p
        return out
    if isinstance(v, Decimal):
        return v
    return to_jsonable_python(v)  # URLs, paths, ...: their JSON form


def _markers(annotation: Any) -> list[Any]:
    """Annotated metadata anywhere inside an annotation (``Optional[EpochSeconds]`` included)."""
    found: list[Any] = []
    if typing.get_origin(annotation) is typing.Annotated:
        found += list(annotation.__metadata__)
    for arg in typing.get_args(annotation):
        if arg is not annotation:
            found += _markers(arg)
    return found


def _mentions_datetime(annotation: Any) -> bool:
    if annotation is datetime:
        return True
    return any(_mentions_datetime(a) for a in typing.get_args(annotation))


def _time_format(info: FieldInfo, attr: str, spec: TableSpec) -> TimeFormat | None:
    if not _mentions_datetime(info.annotation) and not any(isinstance(m, StoredAs) for m in info.metadata):
        return None
    for m in list(info.metadata) + _markers(info.annotation):
        if isinstance(m, StoredAs):
            return m.format
    if attr == spec.ttl_attribute:
        return "epoch"  # DynamoDB's TTL reads Unix seconds only
    if attr in (spec.created_at_attribute, spec.updated_at_attribute):
        return spec.timestamp_format
    return "iso"


class ModelSchema(Generic[M]):
    """One model class on one table spec."""

    def __init__(self, model: type[M], spec: TableSpec):
        self.model = model
        self.spec = spec
        self.name = model.__name__
        opts = model.__dynastore__
        if opts.abstract:
            raise ValidationError(f"{model.__name__} is abstract: bind one of its subclasses")
        self.templates: Mapping[str, KeyTemplate] = opts.keys
        self.entity = opts.entity
        self.type_attribute = opts.type_attribute
        fields = model.model_fields
        self.attr_of = {n: (f.alias or n) for n, f in fields.items()}
        self.field_of = {a: n for n, a in self.attr_of.items()}
        self.formats = {n: fmt for n, f in fields.items()
                        if (fmt := _time_format(f, self.attr_of[n], spec)) is not None}
        self.key_names = spec.table_key_names()
        self.derived = frozenset(self.templates) | ({self.type_attribute} if self.type_attribute else frozenset())
        key_fields: set[str] = set()
        for a in self.key_names:
            if a in self.templates:
                key_fields.update(self.templates[a].fields)
            elif a in self.field_of:
                key_fields.add(self.field_of[a])
            else:
                raise ValidationError(
                    f"{self.name} cannot make key attribute {a!r} of table {spec.name!r}: "
                    f"add a field named {a!r} or a key template keys={{{a!r}: ...}}"
                )
        for k in spec.key_attributes():
            if k.type != "S" and k.name in self.templates:
                raise ValidationError(f"{self.name}: {k.name!r} is a key of type {k.type}; templates make strings")
        self.key_fields = frozenset(key_fields)
        self.index_keys = [frozenset(k.name for k in (ix.partition_key, ix.sort_key) if k is not None)
                           for ix in spec.indexes]
        self.template_fields = frozenset(f for t in self.templates.values() for f in t.fields)
        created = spec.created_at_attribute
        self.created_field = self.field_of.get(created) if created else None
        version = spec.version_attribute
        self.version_field = self.field_of.get(version) if version else None
        if version and self.version_field is None:
            # Without it a model read back cannot say which version it replaces: every
            # save after the first would be a VersionConflict.
            raise ValidationError(f"table {spec.name!r} is versioned: declare the field "
                                  f"`{version}: int | None = None` on {self.name}")
        self._checkers: dict[str, type[BaseModel]] = {}

    # -- values --------------------------------------------------------------

    def stored(self, field: str, v: Any) -> Any:
        """A field's value as stored (datetimes in the field's format, enums as values ...)."""
        if isinstance(v, datetime):
            return format_datetime(v, self.formats.get(field, "iso"))
        return plain(v)

    def _serialized(self, field: str, v: Any) -> Any:
        """A validated value as ``dump`` would see it (the model's own field serializers applied)."""
        partial = self.model.model_construct(**{field: v})
        return partial.model_dump(by_alias=True, include={field})[self.attr_of[field]]

    def field_name(self, name: str) -> str:
        if name in self.attr_of:
            return name
        if name in self.field_of:
            return self.field_of[name]
        raise ValidationError(f"{self.name} has no field {name!r}")

    def validate_field(self, field: str, v: Any) -> Any:
        """One field's value validated as the model would: type, constraints and its field validators."""
        checker = self._checkers.get(field)
        if checker is None:
            checker = self._checkers[field] = _field_checker(self.model, field)
        try:
            return getattr(checker.model_validate({field: v}), field)
        except PydanticValidationError as e:
            raise ValidationError(f"{self.name}.{field}: {first_error(e)}", cause=e) from None

    # -- items ---------------------------------------------------------------

    def dump(self, m: M) -> Item:
        """The item for a model: its fields, its derived key attributes and its type."""
        if not isinstance(m, self.model):
            raise ValidationError(f"expected a {self.name}, got {type(m).__name__}")
        raw = m.model_dump(by_alias=True)
        item: Item = {}
        for name, attr in self.attr_of.items():
            v = raw.get(attr)
            if v is None:
                continue  # absent, not NULL: a sparse index leaves the item out
            s = self.stored(name, v)
            if s is not None:
                item[attr] = s
        values = {n: getattr(m, n) for n in self.attr_of}
        created = self.created_field
        if created is not None and values[created] is None and created in self.template_fields:
            # A key made from the creation time (SK = "SESSION#{created_at}") needs it now,
            # not when the table would set it; the table keeps a value that is there.
            values[created] = item[self.attr_of[created]] = now_value(self.spec.timestamp_format)
        for attr, t in self.templates.items():
            if attr not in self.sparse_skip(values):
                item[attr] = t.render(values, self.stored, self.name)
        if self.type_attribute and self.entity:
            item[self.type_attribute] = self.entity
        return item

    def sparse_skip(self, values: Mapping[str, Any]) -> set[str]:
        """Index-key templates left out: a part of the index's key is missing, so the item is not in it."""
        missing = {a for a, t in self.templates.items()
                   if a not in self.key_names and any(values.get(f) is None for f in t.fields)}
        for names in self.index_keys:
            if names & missing:
                missing |= names - set(self.key_names)
        return missing

    def load(self, item: Mapping[str, Any]) -> M:
        """The model for an item (validated on the way out)."""
        data = {k: v for k, v in item.items() if k not in self.derived}
        try:
            return self.model.model_validate(data)
        except PydanticValidationError as e:
            key = {k: item[k] for k in self.key_names if k in item}
            raise ValidationError(
                f"item {key} in table {self.spec.name!r} is not a valid {self.name}: {first_error(e)}", cause=e
            ) from None

    def key_values(self, source: M | Mapping[str, Any]) -> dict[str, Any]:
        """Field values (validated) from a model or a mapping of field names (or attribute names)."""
        if isinstance(source, self.model):
            return {n: getattr(source, n) for n in self.attr_of}
        if isinstance(source, Model):
            raise ValidationError(f"expected a {self.name} or its key fields, got a {type(source).__name__}")
        if not isinstance(source, Mapping):
            raise ValidationError(f"a {self.name} key is a mapping of field values, got {type(source).__name__}")
        out = {}
        for k, v in source.items():
            f = self.field_name(k)
            out[f] = None if v is None else self.validate_field(f, v)
        return out

    def key(self, source: M | Mapping[str, Any]) -> Item:
        """The table key of a model, of its key fields, or a table key as it is (``{"PK": ..., "SK": ...}``)."""
        if (isinstance(source, Mapping) and set(source) == set(self.key_names)
                and not set(source) & set(self.attr_of) and not set(source) & set(self.field_of)):
            return dict(source)
        values = self.key_values(source)
        return {a: self.render(a, values) for a in self.key_names}

    def render(self, attr: str, values: Mapping[str, Any]) -> Any:
        t = self.templates.get(attr)
        if t is not None:
            return t.render(values, self.stored, self.name)
        field = self.field_of[attr]
        v = values.get(field)
        if v is None:
            raise ValidationError(f"{self.name}: the key needs {field!r}")
        return self.stored(field, v)

    # -- updates -------------------------------------------------------------

    def update_actions(self, current: M | None, values: Mapping[str, Any], changes: Mapping[str, Any],
                       creating: bool = False) -> list[Action]:
        """SET/REMOVE actions for field changes (validated), with the derived attributes they move.

        ``current`` (a model the caller holds) lets model validators run on the
        change; ``values`` are the field values known without a read.
        ``creating``: the update may create the item, so it also writes what a
        save would have: the key fields as attributes and the type.
        """
        changed: dict[str, Any] = {}
        # With the model in hand, the change is validated on a copy of it (model validators
        # included); a frozen model cannot be changed that way, so its fields are checked alone.
        frozen = bool(self.model.model_config.get("frozen"))
        staged = current.model_copy() if current is not None and not frozen else None
        for name, v in changes.items():
            f = self.field_name(name)
            if f in self.key_fields:
                raise ValidationError(f"{self.name}.{f} is part of the table key; a key cannot be updated "
                                      "(save a new item and delete the old one)")
            if f == self.version_field:
                raise ValidationError(f"{self.name}.{f} is the version attribute; dynastore maintains it")
            if staged is not None:
                try:
                    setattr(staged, f, v)
                except PydanticValidationError as e:
                    raise ValidationError(f"{self.name}.{f}: {first_error(e)}", cause=e) from None
                changed[f] = getattr(staged, f)
            else:
                changed[f] = None if v is None else self.validate_field(f, v)
        acts: list[Action] = []
        for f, v in changed.items():
            a = Attr(Path((self.attr_of[f],)))
            s = None if v is None else self.stored(f, self._serialized(f, v))
            acts.append(a.remove() if s is None else a.set(s))
        known = {**values, **changed}
        removed = {a for a, t in self.templates.items()
                   if any(f in changed and changed[f] is None for f in t.fields)}
        for names in self.index_keys:  # half an index key is no index key: drop the other half too
            if names & removed:
                removed |= names & set(self.templates)
        for attr, t in self.templates.items():
            if attr in self.key_names:
                continue
            a = Attr(Path((attr,)))
            if attr in removed:
                acts.append(a.remove())
                continue
            if not set(t.fields) & set(changed):
                continue
            missing = [f for f in t.fields if known.get(f) is None]
            if missing:
                raise ValidationError(f"{self.name}: changing {sorted(set(t.fields) & set(changed))} changes "
                                      f"{attr} = {t.text!r}, which also needs {missing}: pass them too")
            acts.append(a.set(t.render(known, self.stored, self.name)))
        if creating:
            for f in sorted(self.key_fields):
                attr = self.attr_of[f]
                if attr not in self.key_names and f not in changed and values.get(f) is not None:
                    acts.append(Attr(Path((attr,))).set(self.stored(f, values[f])))
            if self.type_attribute and self.entity:
                acts.append(Attr(Path((self.type_attribute,))).set(self.entity))
        return acts

    # -- reads ---------------------------------------------------------------

    def _index_keys(self, index: str | None) -> tuple[str, str | None]:
        if index is None:
            return self.spec.partition_key.name, (self.spec.sort_key.name if self.spec.sort_key else None)
        ix = self.spec.index(index)
        assert ix.partition_key is not None
        return ix.partition_key.name, (ix.sort_key.name if ix.sort_key else None)

    def partition_condition(self, index: str | None, values: Mapping[str, Any]) -> Condition:
        """``Key(pk).eq(...)`` for the table or an index, the partition key made from field values."""
        pk, _ = self._index_keys(index)
        if pk not in self.templates and pk not in self.field_of:
            raise ValidationError(f"{self.name} does not make {pk!r}, the partition key of "
                                  f"{'index ' + repr(index) if index else 'the table'}")
        return Key(pk).eq(self.render(pk, values))

    def key_condition(self, index: str | None, values: Mapping[str, Any]) -> tuple[Condition, bool]:
        """A query's key condition from field values, and whether it already singles out this entity type.

        The partition key comes from the fields; the sort key narrows to this
        model's items: by equality when its fields are all given, else by its
        template's literal prefix (``SESSION#``).
        """
        cond = self.partition_condition(index, values)
        _, sk = self._index_keys(index)
        if sk is None:
            return cond, False
        t = self.templates.get(sk)
        needed = t.fields if t is not None else ((self.field_of[sk],) if sk in self.field_of else None)
        if needed and all(values.get(f) is not None for f in needed):
            return cond & Key(sk).eq(self.render(sk, values)), False
        if t is not None and t.prefix:
            return cond & Key(sk).begins_with(t.prefix), True
        return cond, False

    def type_filter(self) -> Condition | None:
        if self.type_attribute and self.entity:
            return Attr(Path((self.type_attribute,))).eq(self.entity)
        return None


def _field_checker(model: type[Model], field: str) -> type[BaseModel]:
    """A model of just this field, with the field validators that apply to it.

    Checking one field of an update made without a read: the model's own
    validators would see a half-empty model, so only the field's run.
    """
    validators = {
        name: field_validator(field, mode=d.info.mode)(classmethod(getattr(d.func, "__func__", d.func)))
        for name, d in model.__pydantic_decorators__.field_validators.items()
        if field in d.info.fields or "*" in d.info.fields
    }
    config = cast(ConfigDict, {k: v for k, v in model.model_config.items() if k not in ("validate_assignment", "extra")})
    config["populate_by_name"] = True  # the value comes keyed by field name
    checker: type[BaseModel] = create_model(  # type: ignore[call-overload]
        f"{model.__name__}.{field}", __config__=config, __validators__=validators,
        **{field: (model.model_fields[field].annotation, model.model_fields[field])},
    )
    return checker


def first_error(e: PydanticValidationError) -> str:
    """A pydantic error in one line: the first failure's ``loc: msg``, and how many more there are."""
    errs = e.errors()
    if not errs:
        return str(e)
    err = errs[0]
    loc = ".".join(str(x) for x in err.get("loc", ()))
    more = f" (and {len(errs) - 1} more)" if len(errs) > 1 else ""
    return f"{loc + ': ' if loc else ''}{err.get('msg', '')}{more}"


@lru_cache(maxsize=512)
def _cached(model: type[Model], spec: TableSpec) -> ModelSchema[Any]:
    return ModelSchema(model, spec)


def schema_for(model: type[M], spec: TableSpec) -> ModelSchema[M]:
    return _cached(model, spec)


