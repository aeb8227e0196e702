"""`Model`: a pydantic v2 model that knows how it is stored.

Declaring a model names its table and how its keys are made; it holds no
connection. Operations go through a model bound to a table at run time
(``User.bind(store)`` or ``User.bind(table)``), so one class works against
any number of stores at once.

::

    class User(Model, table=BLOG, keys={"PK": "USER#{user_id}", "SK": "PROFILE"}):
        user_id: str
        name: str
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, TypeVar, overload

from pydantic import BaseModel, ConfigDict

from ..errors import ConditionFailed, ItemNotFound, ValidationError
from ..spec import TableSpec
from .templates import KeyTemplate

if TYPE_CHECKING:
    from ..aio import AsyncStore, AsyncTable
    from ..store import Store
    from ..table import Table
    from .aio import AsyncBound
    from .bound import Bound

M = TypeVar("M", bound="Model")

TimeFormat = Literal["iso", "epoch"]


@dataclass(frozen=True, slots=True)
class StoredAs:
    """Marks how a ``datetime`` field is stored: ``"iso"`` (ISO-8601 UTC string) or ``"epoch"`` (int seconds)."""

    format: TimeFormat


#: A datetime stored as Unix seconds (a Number): what a TTL attribute must be.
EpochSeconds = Annotated[datetime, StoredAs("epoch")]
#: A datetime stored as an ISO-8601 UTC string with microseconds (fixed width, sorts as time).
IsoDateTime = Annotated[datetime, StoredAs("iso")]


@dataclass(frozen=True, slots=True)
class ModelOptions:
    """What a model class declares about its storage (set by the class keywords)."""

    table: TableSpec | None = None
    keys: Mapping[str, KeyTemplate] = field(default_factory=dict)
    entity: str | None = None
    type_attribute: str | None = None
    abstract: bool = False


class ModelDoesNotExist(ItemNotFound):
    """Base of every model's ``DoesNotExist``."""


class ModelAlreadyExists(ConditionFailed):
    """Base of every model's ``AlreadyExists`` (``save(..., if_not_exists=True)`` found an item)."""


class Model(BaseModel):
    """Base of stored models. Class keywords (all optional):

    - ``table``: the `TableSpec` the model lives in (``bind`` can bind it to any table instead)
    - ``keys``: key templates, ``{"PK": "USER#{user_id}", "SK": "PROFILE", "GSI1PK": ...}``;
      attributes derived from fields, written with the item and never loaded back as fields
    - ``entity``: the value of the type attribute that tells entity types apart in one
      table (default: the class name, when the model has key templates)
    - ``type_attribute``: the attribute holding it (default ``"type"``)
    - ``abstract=True``: a base holding shared fields (and the table), never stored itself

    Every model class gets its own ``DoesNotExist`` (an `ItemNotFound`) and
    ``AlreadyExists`` (a `ConditionFailed`), so ``except User.DoesNotExist`` does
    not catch a missing session.
    """

    model_config = ConfigDict(validate_assignment=True, populate_by_name=True, extra="ignore")

    __dynastore__: ClassVar[ModelOptions] = ModelOptions()
    DoesNotExist: ClassVar[type[ModelDoesNotExist]] = ModelDoesNotExist
    AlreadyExists: ClassVar[type[ModelAlreadyExists]] = ModelAlreadyExists

    def __init_subclass__(
        cls,
        *,
        table: TableSpec | None = None,
        keys: Mapping[str, str] | None = None,
        entity: str | None = None,
        type_attribute: str | None = None,
        abstract: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        parent = cls.__dynastore__
        if table is not None and not isinstance(table, TableSpec):
            raise ValidationError(f"{cls.__name__}: table= takes a TableSpec, got {type(table).__name__}")
        templates = dict(parent.keys)
        if keys is not None:
            if not isinstance(keys, Mapping):
                raise ValidationError(f"{cls.__name__}: keys= maps attribute names to templates")
            templates = {a: KeyTemplate.parse(a, t) for a, t in keys.items()}
        if entity is None and type_attribute is None and keys is None:
            entity, type_attr = parent.entity, parent.type_attribute
        else:
            if entity is None and templates:
                entity = cls.__name__
            type_attr = (type_attribute or parent.type_attribute or "type") if entity else None
        cls.__dynastore__ = ModelOptions(table if table is not None else parent.table, templates, entity, type_attr,
                                         abstract)
        qual = cls.__qualname__
        cls.DoesNotExist = type("DoesNotExist", (parent_error(cls, "DoesNotExist"),),
                                {"__module__": cls.__module__, "__qualname__": f"{qual}.DoesNotExist"})
        cls.AlreadyExists = type("AlreadyExists", (parent_error(cls, "AlreadyExists"),),
                                 {"__module__": cls.__module__, "__qualname__": f"{qual}.AlreadyExists"})

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        opts = cls.__dynastore__
        names = set(cls.model_fields)
        for t in opts.keys.values():
            missing = [f for f in t.fields if f not in names]
            if missing:
                raise ValidationError(f"{cls.__name__}: key template {t.attribute} = {t.text!r} names "
                                      f"{missing}, which {'is not a field' if len(missing) == 1 else 'are not fields'}")
        attrs = {(f.alias or n) for n, f in cls.model_fields.items()}
        clash = sorted(attrs & (set(opts.keys) | ({opts.type_attribute} if opts.type_attribute else set())))
        if clash:
            raise ValidationError(f"{cls.__name__}: {clash} is both a field and a derived attribute "
                                  "(key template or type attribute)")
        if opts.table is not None and not opts.abstract:
            from .schema import schema_for

            schema_for(cls, opts.table)  # checks that the model can make the table's keys

    @overload
    @classmethod
    def bind(cls: type[M], target: Store | Table, *, create: bool = False) -> Bound[M]: ...

    @overload
    @classmethod
    def bind(cls: type[M], target: AsyncStore | AsyncTable, *, create: bool = False) -> AsyncBound[M]: ...

    @classmethod
    def bind(cls: type[M], target: Any, *, create: bool = False) -> Any:
        """This model on a table: a `Store` (the model's own spec) or a `Table`; async ones give an `AsyncBound`.

        ``create=True`` (with a store) creates the table or brings it up to the spec first.
        """
        from .binding import bind

        return bind(cls, target, create=create)


def parent_error(cls: type, name: str) -> type:
    for base in cls.__mro__[1:]:
        err = base.__dict__.get(name)
        if isinstance(err, type):
            return err
    raise AssertionError(name)  # Model itself always has both
