"""Table specifications: keys, indexes, TTL, billing, versioning, timestamps.

A spec is plain data, written in Python or loaded from YAML/JSON::

    TableSpec(name="activities", partition_key=("user_id", "S"), sort_key=("ts", "S"),
              indexes=[Index("ByType", partition_key=("activity_type", "S"), sort_key=("ts", "S"))],
              ttl_attribute="expires_at")

.. code-block:: yaml

    tables:
      - name: activities
        partition_key: [user_id, S]
        sort_key: {name: ts, type: S}
        indexes:
          - {name: ByType, partition_key: [activity_type, S], sort_key: [ts, S]}
        ttl_attribute: expires_at
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal, NamedTuple, Union, cast

import yaml
from pydantic import BeforeValidator, ConfigDict, Discriminator, Field, Tag, TypeAdapter, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic.dataclasses import dataclass

from .errors import ValidationError

KeyType = Literal["S", "N", "B"]
Projection = Union[Literal["ALL", "KEYS_ONLY"], tuple[str, ...]]

_CONFIG = ConfigDict(extra="forbid", frozen=True)


class KeyAttribute(NamedTuple):
    """A key attribute: its name and DynamoDB scalar type (S, N or B)."""

    name: str
    type: KeyType


def _key(v: Any) -> Any:
    if v is None or isinstance(v, KeyAttribute):
        return v
    if isinstance(v, dict):
        v = (v.get("name"), v.get("type", "S"))
    elif isinstance(v, str):
        name, _, typ = v.partition(":")
        v = (name, typ or "S")
    if not isinstance(v, (tuple, list)) or len(v) != 2:
        raise ValueError(f"a key is (name, type), got {v!r}")
    name, typ = v
    if not isinstance(name, str) or not name:
        raise ValueError(f"a key attribute name must be a non-empty string, got {name!r}")
    if len(name.encode()) > 255:
        raise ValueError(f"key attribute name {name[:20]!r}... is longer than 255 bytes")
    if typ not in ("S", "N", "B"):
        raise ValueError(f"key attribute {name!r} has type {typ!r}; key types are S, N or B")
    return KeyAttribute(name, cast(KeyType, typ))  # one of S, N, B: checked above


def _check_table_name(name: str, what: str = "table") -> str:
    import re

    if not re.fullmatch(r"[A-Za-z0-9_.\-]{3,255}", name):
        raise ValueError(
            f"{what} name {name!r} is invalid: 3-255 characters of a-z, A-Z, 0-9, '_', '-' and '.'"
        )
    return name


def _names(v: Any) -> Any:
    """One attribute name or a list of them."""
    return (v,) if isinstance(v, str) else tuple(v) if isinstance(v, list) else v


# -- what `dynastore check` reads: silencing, attribute facts, access patterns ------


@dataclass(config=_CONFIG)
class Ignore:
    """Silences one check (``DS001``...) where it is declared, saying why."""

    code: str
    reason: str = ""

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, v: Any) -> Any:
        import re

        if not isinstance(v, str) or not re.fullmatch(r"DS\d{3}", v.strip().upper()):
            raise ValueError(f"a check code looks like DS001, got {v!r}")
        return v.strip().upper()


def _ignores(v: Any) -> Any:
    """``ignore: DS001``, ``[DS001, DS002]`` or ``[{code: DS001, reason: ...}]``."""
    v = (v,) if isinstance(v, dict) else _names(v) or ()
    return tuple({"code": x} if isinstance(x, str) else x for x in v) if isinstance(v, tuple) else v


Names = Annotated[tuple[str, ...], BeforeValidator(_names)]
Ignores = Annotated[tuple[Ignore, ...], BeforeValidator(_ignores)]


@dataclass(config=_CONFIG)
class AttributeHint:
    """Declared facts about one attribute, so checks judge from facts, not names.

    ``values`` lists every value it can take; ``cardinality`` is ``low``,
    ``high`` or an estimated number of distinct values.
    """

    name: str
    values: tuple[Union[bool, int, float, str], ...] | None = None
    cardinality: Union[Literal["low", "high"], int, None] = None
    description: str = ""

    @field_validator("values", mode="before")
    @classmethod
    def _values(cls, v: Any) -> Any:
        if isinstance(v, list) and not v:
            raise ValueError("values lists at least one value")
        return tuple(v) if isinstance(v, list) else v

    @field_validator("cardinality")
    @classmethod
    def _cardinality(cls, v: Any) -> Any:
        if isinstance(v, int) and v < 1:
            raise ValueError(f"cardinality is low, high or a number of distinct values (1 or more), got {v}")
        return v


Operation = Literal["get", "query", "scan", "put", "update", "delete"]


@dataclass(config=_CONFIG)
class AccessPattern:
    """One way the application reads or writes a table, declared so it can be checked.

    ``key`` names the attributes of the key condition (query: partition key,
    then optionally sort key; get/put/update/delete: the primary key);
    ``attributes`` what the pattern reads (``"*"``: the whole item; empty:
    not declared); ``filter`` the attributes of its filter expression.
    """

    name: str
    operation: Operation
    index: str | None = None
    key: Names = ()
    attributes: Names = ()
    filter: Names = ()
    description: str = ""
    ignore: Ignores = ()

    @field_validator("operation", mode="before")
    @classmethod
    def _operation(cls, v: Any) -> Any:
        return v.strip().lower() if isinstance(v, str) else v

    @model_validator(mode="after")
    def _shape(self) -> AccessPattern:
        if not self.name.strip():
            raise ValueError("an access pattern needs a name")
        if any(not a for a in self.key + self.attributes + self.filter):
            raise ValueError(f"access pattern {self.name!r}: attribute names must be non-empty")
        if self.index is not None and self.operation not in ("query", "scan"):
            raise ValueError(f"access pattern {self.name!r}: only a query or a scan reads an index")
        if self.operation == "query" and not 1 <= len(self.key) <= 2:
            raise ValueError(f"access pattern {self.name!r}: a query's key is its partition key, then optionally its sort key")
        if self.operation == "scan" and self.key:
            raise ValueError(f"access pattern {self.name!r}: a scan has no key (a filter, perhaps?)")
        if self.filter and self.operation not in ("query", "scan"):
            raise ValueError(f"access pattern {self.name!r}: only a query or a scan has a filter")
        return self


# Free text or structured: told apart by shape, so an error names the structured fields.
PatternOrText = Annotated[
    Union[Annotated[str, Tag("text")], Annotated[AccessPattern, Tag("pattern")]],
    Discriminator(lambda v: "text" if isinstance(v, str) else "pattern"),
]


@dataclass(config=_CONFIG)
class Index:
    """A secondary index. ``local=True`` makes it an LSI (same partition key as the table).

    ``projection`` is ``"ALL"``, ``"KEYS_ONLY"`` or a list of non-key
    attribute names to include (DynamoDB's ``INCLUDE``).
    """

    name: str
    partition_key: KeyAttribute | None = None
    sort_key: KeyAttribute | None = None
    projection: Projection = "ALL"
    local: bool = False
    read_capacity: int | None = None
    write_capacity: int | None = None
    ignore: Ignores = ()

    @field_validator("partition_key", "sort_key", mode="before")
    @classmethod
    def _keys(cls, v: Any) -> Any:
        return _key(v)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _check_table_name(v, "index")

    @field_validator("projection", mode="before")
    @classmethod
    def _projection(cls, v: Any) -> Any:
        if isinstance(v, str):
            if v.upper() in ("ALL", "KEYS_ONLY"):
                return v.upper()
            raise ValueError(f"projection is ALL, KEYS_ONLY or a list of attribute names, got {v!r}")
        if isinstance(v, dict):  # DynamoDB's shape: {ProjectionType: INCLUDE, NonKeyAttributes: [...]}
            kind = str(v.get("ProjectionType", v.get("type", "ALL"))).upper()
            if kind != "INCLUDE":
                return cls._projection(kind)
            v = v.get("NonKeyAttributes", v.get("attributes")) or ()
        if not isinstance(v, (list, tuple)):
            raise ValueError(f"projection is ALL, KEYS_ONLY or a list of attribute names, got {v!r}")
        names = tuple(v)
        if not names or not all(isinstance(n, str) and n for n in names):
            raise ValueError("an INCLUDE projection lists at least one attribute name")
        if len(set(names)) != len(names):
            raise ValueError("an INCLUDE projection lists each attribute once")
        return names

    @property
    def projection_type(self) -> str:
        return self.projection if isinstance(self.projection, str) else "INCLUDE"


TimestampFormat = Literal["iso", "epoch"]
BillingMode = Literal["PAY_PER_REQUEST", "PROVISIONED"]
#: What a DynamoDB stream record carries besides the keys (see docs/streams.md).
StreamViewType = Literal["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]
STREAM_VIEW_TYPES: tuple[str, ...] = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")


def _stream(v: Any) -> Any:
    """``NEW_IMAGE`` (any case), ``true`` (both images), or DynamoDB's StreamSpecification shape."""
    if isinstance(v, dict):
        v = v.get("StreamViewType", "NEW_AND_OLD_IMAGES") if v.get("StreamEnabled", True) else None
    if v is None or v is False:
        return None
    if v is True:
        return "NEW_AND_OLD_IMAGES"
    if isinstance(v, str) and v.strip().upper() in STREAM_VIEW_TYPES:
        return v.strip().upper()
    raise ValueError(f"stream is one of {', '.join(STREAM_VIEW_TYPES)} (or none), got {v!r}")


@dataclass(config=_CONFIG)
class TableSpec:
    """Everything dynastore needs to create a table and to behave like it.

    ``version_attribute``, ``created_at_attribute`` and ``updated_at_attribute``
    are client-side behaviours (DynamoDB does not store them): optimistic locking
    and automatic timestamps, applied by dynastore on every write.
    """

    name: str
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None = None
    indexes: tuple[Index, ...] = ()
    ttl_attribute: str | None = None
    billing_mode: BillingMode = "PAY_PER_REQUEST"
    read_capacity: int | None = None
    write_capacity: int | None = None
    version_attribute: str | None = None
    created_at_attribute: str | None = None
    updated_at_attribute: str | None = None
    timestamp_format: TimestampFormat = "iso"
    description: str = ""
    # Free text, or structured (AccessPattern) so `dynastore check` can judge them.
    access_patterns: tuple[PatternOrText, ...] = Field(default=())
    attributes: tuple[AttributeHint, ...] = ()
    ignore: Ignores = ()
    #: a DynamoDB stream of every item change, with this view type (None: no stream)
    stream: Annotated[StreamViewType | None, BeforeValidator(_stream)] = None

    @field_validator("partition_key", "sort_key", mode="before")
    @classmethod
    def _keys(cls, v: Any) -> Any:
        return _key(v)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _check_table_name(v)

    @field_validator("indexes", mode="before")
    @classmethod
    def _indexes(cls, v: Any) -> Any:
        return tuple(v or ())

    @field_validator("attributes", mode="before")
    @classmethod
    def _attributes(cls, v: Any) -> Any:
        """``{status: {values: [...]}}`` or a list of hints with names."""
        if isinstance(v, dict):
            return tuple({**(h or {}), "name": n} if h is None or isinstance(h, dict) else h for n, h in v.items())
        return tuple(v or ())

    @model_validator(mode="after")
    def _consistent(self) -> TableSpec:
        names = [i.name for i in self.indexes]
        if len(set(names)) != len(names):
            raise ValueError(f"index names must be unique, got {names}")
        fixed: list[Index] = []
        for ix in self.indexes:
            if ix.local:
                if ix.sort_key is None:
                    raise ValueError(f"local index {ix.name!r} needs a sort key")
                if self.sort_key is None:
                    raise ValueError(f"local index {ix.name!r} needs a table with a sort key")
                if ix.partition_key is not None and ix.partition_key != self.partition_key:
                    raise ValueError(
                        f"local index {ix.name!r} must use the table's partition key {self.partition_key.name!r}"
                    )
                # An LSI shares the table's partition key and capacity.
                ix = dataclasses.replace(ix, partition_key=self.partition_key, read_capacity=None, write_capacity=None)
            elif ix.partition_key is None:
                raise ValueError(f"global index {ix.name!r} needs a partition key")
            fixed.append(ix)
        if sum(1 for i in fixed if i.local) > 5:
            raise ValueError("a table has at most 5 local secondary indexes")
        if sum(1 for i in fixed if not i.local) > 20:
            raise ValueError("a table has at most 20 global secondary indexes")
        object.__setattr__(self, "indexes", tuple(fixed))
        # One attribute, one type: a key attribute reused by an index must agree.
        types: dict[str, str] = {}
        for k in self.key_attributes():
            if types.setdefault(k.name, k.type) != k.type:
                raise ValueError(f"attribute {k.name!r} is declared as both {types[k.name]} and {k.type}")
        if self.billing_mode == "PROVISIONED" and (not self.read_capacity or not self.write_capacity):
            raise ValueError("PROVISIONED billing needs read_capacity and write_capacity")
        special = [a for a in (self.version_attribute, self.created_at_attribute, self.updated_at_attribute) if a]
        keys = {self.partition_key.name} | ({self.sort_key.name} if self.sort_key else set())
        for a in special:
            if a in keys:
                raise ValueError(f"{a!r} is a key attribute; it cannot also be a version or timestamp attribute")
        for what, named in (("access pattern", [p.name for p in self.access_patterns if isinstance(p, AccessPattern)]),
                            ("attribute", [h.name for h in self.attributes])):
            dupes = sorted({n for n in named if named.count(n) > 1})
            if dupes:
                raise ValueError(f"{what} names must be unique, got {', '.join(map(repr, dupes))} twice")
        return self

    # -- derived facts -------------------------------------------------------

    def key_attributes(self) -> list[KeyAttribute]:
        """Every key attribute of the table and its indexes (table's first)."""
        out = [self.partition_key] + ([self.sort_key] if self.sort_key else [])
        for ix in self.indexes:
            out += [k for k in (ix.partition_key, ix.sort_key) if k is not None]
        return out

    def table_key_names(self) -> tuple[str, ...]:
        return (self.partition_key.name,) + ((self.sort_key.name,) if self.sort_key else ())

    def index(self, name: str) -> Index:
        for ix in self.indexes:
            if ix.name == name:
                return ix
        from .errors import ValidationError as VE

        raise VE(f"The table does not have the specified index: {name}")

    def with_capacity(self, billing_mode: BillingMode, read_capacity: int | None = None,
                      write_capacity: int | None = None,
                      index_capacity: Mapping[str, tuple[int, int]] | None = None) -> TableSpec:
        """This spec with another billing mode or throughput (what UpdateTable changes).

        PROVISIONED needs both table capacities; ``index_capacity`` sets the
        named global indexes' own units, the others keep theirs (None: as the
        table). PAY_PER_REQUEST drops every capacity.
        """
        from .errors import ValidationError as VE

        caps = dict(index_capacity or {})
        globals_ = {ix.name for ix in self.indexes if not ix.local}
        for name in caps:
            if name not in globals_:
                raise VE(f"The table does not have the specified index: {name}")
        if billing_mode == "PROVISIONED":
            given = [read_capacity, write_capacity, *(u for pair in caps.values() for u in pair)]
            if any(type(u) is not int or u < 1 for u in given):
                raise VE("PROVISIONED billing needs read and write capacity of at least 1 for the table and the "
                         "indexes given")
        elif read_capacity is not None or write_capacity is not None or caps:
            raise VE("PAY_PER_REQUEST billing takes no read or write capacity")
        def units(ix: Index) -> tuple[int | None, int | None]:
            r: int | None
            w: int | None
            if billing_mode != "PROVISIONED":
                return None, None
            if ix.name in caps:
                r, w = caps[ix.name]
            elif self.billing_mode == "PROVISIONED":  # an index keeps what it has, even when the table's change
                r, w = ix.read_capacity or self.read_capacity, ix.write_capacity or self.write_capacity
            else:
                r, w = read_capacity, write_capacity
            return (None, None) if (r, w) == (read_capacity, write_capacity) else (r, w)  # None: as the table

        indexes = tuple(
            ix if ix.local else dataclasses.replace(ix, read_capacity=units(ix)[0], write_capacity=units(ix)[1])
            for ix in self.indexes
        )
        return dataclasses.replace(self, billing_mode=billing_mode, read_capacity=read_capacity,
                                   write_capacity=write_capacity, indexes=indexes)

    def without_index(self, name: str) -> TableSpec:
        """This spec without its global index ``name`` (ValidationError if it has none of that name)."""
        from .errors import ValidationError as VE

        if not any(ix.name == name and not ix.local for ix in self.indexes):
            raise VE(f"The table does not have the specified index: {name}")
        return dataclasses.replace(self, indexes=tuple(ix for ix in self.indexes if ix.name != name))

    def server_view(self) -> TableSpec:
        """The part DynamoDB itself stores (client-side behaviours dropped)."""
        return TableSpec(
            name=self.name,
            partition_key=self.partition_key,
            sort_key=self.sort_key,
            indexes=tuple(dataclasses.replace(ix, ignore=()) for ix in self.indexes),
            ttl_attribute=self.ttl_attribute,
            billing_mode=self.billing_mode,
            read_capacity=self.read_capacity,
            write_capacity=self.write_capacity,
            stream=self.stream,
        )

    def to_dict(self) -> dict[str, Any]:
        return json.loads(_ADAPTER.dump_json(self, exclude_defaults=True))


_ADAPTER = TypeAdapter(TableSpec)


def spec_from_dict(data: dict[str, Any]) -> TableSpec:
    try:
        return _ADAPTER.validate_python(data)
    except PydanticValidationError as e:
        raise ValidationError(f"invalid table spec {data.get('name', '?')!r}: {_pydantic_message(e)}", cause=e) from None


def _pydantic_message(e: PydanticValidationError) -> str:
    parts = []
    for err in e.errors():
        loc = ".".join(str(x) for x in err.get("loc", ()))
        msg = err.get("msg", "")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts)


def load_specs(path: str | FsPath) -> list[TableSpec]:
    """Table specs from a YAML or JSON file: ``{tables: [...]}``, a list, or one table."""
    p = FsPath(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise ValidationError(f"cannot read spec file {p}: {e.strerror or e}", cause=e) from None
    except UnicodeDecodeError as e:
        raise ValidationError(f"spec file {p} is not UTF-8 text: {e.reason} at byte {e.start}", cause=e) from None
    try:
        data = json.loads(text) if p.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as e:
        raise ValidationError(f"spec file {p} is not valid {'JSON' if p.suffix == '.json' else 'YAML'}: {e}", cause=e) from None
    if isinstance(data, dict) and "tables" in data:
        data = data["tables"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise ValidationError(f"spec file {p} must hold a table, a list of tables, or {{tables: [...]}}")
    return [spec_from_dict(d) for d in data]


def make_spec(spec: TableSpec | dict[str, Any]) -> TableSpec:
    return spec if isinstance(spec, TableSpec) else spec_from_dict(spec)


def _raise_our_errors(cls: Any) -> None:
    """Constructing a spec in Python raises dynastore's ValidationError, like loading one does."""
    pydantic_init = cls.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        try:
            pydantic_init(self, *args, **kwargs)
        except PydanticValidationError as e:
            raise ValidationError(f"invalid {cls.__name__}: {_pydantic_message(e)}", cause=e) from None

    __init__.__doc__ = pydantic_init.__doc__
    cls.__init__ = __init__


_raise_our_errors(Index)
_raise_our_errors(TableSpec)
for _cls in (Ignore, AttributeHint, AccessPattern):
    _raise_our_errors(_cls)


# -- the same in DynamoDB's API shapes (CreateTable requests, DescribeTable answers) -------------


def key_schema(pk: KeyAttribute, sk: KeyAttribute | None) -> list[dict[str, str]]:
    """A ``KeySchema``: the partition key as HASH, the sort key (if any) as RANGE."""
    out = [{"AttributeName": pk.name, "KeyType": "HASH"}]
    if sk is not None:
        out.append({"AttributeName": sk.name, "KeyType": "RANGE"})
    return out


def projection_shape(index: Index) -> dict[str, Any]:
    """An index's ``Projection``."""
    p = index.projection
    if isinstance(p, str):
        return {"ProjectionType": p}
    return {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(p)}
