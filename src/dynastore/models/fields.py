"""`FieldAttr`: an `Attr` for one model field that stores values the way the model stores them.

``sessions.attr("created_at").gt(yesterday)`` compares with the stored form
(Unix seconds or an ISO string, as the field is stored), enums become their
values, nested models maps; ``.set(v)`` validates ``v`` as the field first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..expressions import Attr, Condition, Path
from ..expressions.tree import AddAction, Arithmetic, DeleteAction, IfNotExists, ListAppend, SetAction, Size
from .schema import plain

if TYPE_CHECKING:
    from .schema import ModelSchema

_EXPRESSIONS = (Attr, Path, IfNotExists, Arithmetic, ListAppend, Size)


class FieldAttr(Attr):
    """An attribute path for conditions and update actions on a model field (see `Attr`)."""

    __slots__ = ("_schema", "_field")

    def __init__(self, schema: ModelSchema[Any], name: str):
        field = schema.field_name(name)
        super().__init__(Path((schema.attr_of[field],)))
        self._schema = schema
        self._field = field

    def __repr__(self) -> str:
        return f"{self._schema.name}.attr({self._field!r})"

    def _value(self, v: Any) -> Any:
        """A whole value of the field, as stored (references to other attributes pass through)."""
        return v if isinstance(v, _EXPRESSIONS) else self._schema.stored(self._field, v)

    def _checked(self, v: Any) -> Any:
        """A value written to the field: validated as the field, then stored."""
        if isinstance(v, _EXPRESSIONS):
            return v
        s = self._schema
        return s.stored(self._field, s._serialized(self._field, s.validate_field(self._field, v)))

    @staticmethod
    def _element(v: Any) -> Any:
        return v if isinstance(v, _EXPRESSIONS) else plain(v)

    # conditions: the operand in the stored form
    def eq(self, v: Any) -> Condition:
        return super().eq(self._value(v))

    def ne(self, v: Any) -> Condition:
        return super().ne(self._value(v))

    def lt(self, v: Any) -> Condition:
        return super().lt(self._value(v))

    def lte(self, v: Any) -> Condition:
        return super().lte(self._value(v))

    def gt(self, v: Any) -> Condition:
        return super().gt(self._value(v))

    def gte(self, v: Any) -> Condition:
        return super().gte(self._value(v))

    def between(self, low: Any, high: Any) -> Condition:
        return super().between(self._value(low), self._value(high))

    def is_in(self, values: Any) -> Condition:
        return super().is_in([self._value(v) for v in values])

    def contains(self, v: Any) -> Condition:
        return super().contains(self._element(v))

    # update actions: whole values validated, elements converted
    def set(self, value: Any) -> SetAction:
        return super().set(self._checked(value))

    def set_if_not_exists(self, value: Any) -> SetAction:
        return super().set_if_not_exists(self._checked(value))

    def add(self, value: Any) -> AddAction:
        return super().add(self._element(value))

    def delete(self, value: Any) -> DeleteAction:
        return super().delete(self._element(value))

    def append(self, values: Any) -> SetAction:
        return super().append(self._element(list(values) if isinstance(values, tuple) else values))

    def prepend(self, values: Any) -> SetAction:
        return super().prepend(self._element(list(values) if isinstance(values, tuple) else values))
