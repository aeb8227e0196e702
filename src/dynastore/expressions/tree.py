"""The typed expression tree shared by both engines.

One tree covers all of DynamoDB's expression grammar: condition/filter and
key-condition expressions, update expressions and projections. The DynamoDB
engine compiles it to expression strings with ``#n``/``:v`` placeholders
(`compile.py`); the embedded engine evaluates it directly (`evaluate.py`).

Users build it the way boto3 taught them::

    Attr("status").eq("open") & Attr("tags").contains("x")
    Key("user_id").eq("u1") & Key("ts").begins_with("2026-11")
    Attr("count").set(Attr("count") + 1), Attr("old").remove()
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Union

from ..codec import normalize
from ..errors import ValidationError
from ..limits import MAX_IN_OPERANDS

# -- paths ---------------------------------------------------------------------

_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]|(\.)")


@dataclass(frozen=True, slots=True)
class Path:
    """A document path: attribute names (str) and list indexes (int).

    ``Path.parse("a.b[2].c")`` -> ``Path(("a", "b", 2, "c"))``. Names that
    themselves contain dots or brackets are built directly: ``Path(("a.b",))``.
    """

    elements: tuple[str | int, ...]

    def __post_init__(self) -> None:
        if not self.elements or not isinstance(self.elements[0], str):
            raise ValidationError(f"a path must start with an attribute name: {self.elements!r}")
        for e in self.elements:
            if isinstance(e, str):
                if not e:
                    raise ValidationError("attribute names in a path must not be empty")
            elif not isinstance(e, int) or isinstance(e, bool) or e < 0:
                raise ValidationError(f"list indexes in a path must be non-negative ints: {e!r}")

    @classmethod
    def parse(cls, text: str) -> Path:
        if isinstance(text, Path):
            return text
        if not isinstance(text, str) or not text:
            raise ValidationError(f"a path must be a non-empty string: {text!r}")
        elements: list[str | int] = []
        pos = 0
        expect_name = True
        for m in _PATH_TOKEN.finditer(text):
            if m.start() != pos:
                break
            pos = m.end()
            name, index, dot = m.groups()
            if name is not None:
                if not expect_name:
                    raise ValidationError(f"invalid path {text!r}")
                elements.append(name)
                expect_name = False
            elif index is not None:
                if expect_name:
                    raise ValidationError(f"invalid path {text!r}")
                elements.append(int(index))
            else:
                if expect_name:
                    raise ValidationError(f"invalid path {text!r}")
                expect_name = True
        if pos != len(text) or expect_name:
            raise ValidationError(f"invalid path {text!r}")
        return cls(tuple(elements))

    @property
    def name(self) -> str:
        """The top-level attribute name."""
        return self.elements[0]  # type: ignore[return-value]

    def __str__(self) -> str:
        out = ""
        for e in self.elements:
            out += f"[{e}]" if isinstance(e, int) else (f".{e}" if out else e)
        return out

    def overlaps(self, other: Path) -> bool:
        n = min(len(self.elements), len(other.elements))
        return self.elements[:n] == other.elements[:n]


def as_path(p: str | Path | Attr) -> Path:
    if isinstance(p, Path):
        return p
    if isinstance(p, Attr):
        return p.path
    return Path.parse(p)


# -- operands ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Value:
    """A literal value (canonical Python form)."""

    value: Any

    @classmethod
    def of(cls, v: Any) -> Value:
        return cls(normalize(v))


@dataclass(frozen=True, slots=True)
class Size:
    """``size(path)``: length of a string/binary, element count of a set/list/map.

    ``path`` is a `Path`, or (as DynamoDB allows, ``size(:v)``) a `Value`.
    """

    path: Path | Value

    def eq(self, v: Any) -> Condition:
        return Compare("=", self, operand(v))

    def ne(self, v: Any) -> Condition:
        return Compare("<>", self, operand(v))

    def lt(self, v: Any) -> Condition:
        return Compare("<", self, operand(v))

    def lte(self, v: Any) -> Condition:
        return Compare("<=", self, operand(v))

    def gt(self, v: Any) -> Condition:
        return Compare(">", self, operand(v))

    def gte(self, v: Any) -> Condition:
        return Compare(">=", self, operand(v))

    def between(self, low: Any, high: Any) -> Condition:
        return Between(self, operand(low), operand(high))

    def is_in(self, values: Any) -> Condition:
        return In(self, tuple(operand(v) for v in values))


Operand = Union[Path, Value, Size]


def operand(v: Any) -> Operand:
    """An operand from a user value: ``Attr`` -> its path, ``Size`` as is, else a literal."""
    if isinstance(v, Attr):
        return v.path
    if isinstance(v, (Path, Value, Size)):
        return v
    return Value.of(v)


# -- conditions ----------------------------------------------------------------


class Condition:
    """Base of condition nodes; combine with ``&``, ``|`` and ``~``."""

    __slots__ = ()

    def __and__(self, other: Condition) -> Condition:
        _check_condition(other)
        return And(self, other)

    def __or__(self, other: Condition) -> Condition:
        _check_condition(other)
        return Or(self, other)

    def __invert__(self) -> Condition:
        return Not(self)

    def __bool__(self) -> bool:
        # `a == b and c` on conditions is a classic mistake; make it loud.
        raise TypeError("use & | ~ to combine conditions, not and/or/not")


def _check_condition(c: Any) -> None:
    if not isinstance(c, Condition):
        raise ValidationError(f"expected a condition, got {type(c).__name__}")


COMPARATORS = ("=", "<>", "<", "<=", ">", ">=")


@dataclass(frozen=True, slots=True)
class Compare(Condition):
    op: str
    left: Operand
    right: Operand

    def __post_init__(self) -> None:
        if self.op not in COMPARATORS:
            raise ValidationError(f"unknown comparator {self.op!r}")


@dataclass(frozen=True, slots=True)
class Between(Condition):
    operand: Operand
    low: Operand
    high: Operand


@dataclass(frozen=True, slots=True)
class In(Condition):
    operand: Operand
    options: tuple[Operand, ...]

    def __post_init__(self) -> None:
        if not 1 <= len(self.options) <= MAX_IN_OPERANDS:
            raise ValidationError(f"IN takes between 1 and {MAX_IN_OPERANDS} operands")


@dataclass(frozen=True, slots=True)
class Exists(Condition):
    path: Path


@dataclass(frozen=True, slots=True)
class NotExists(Condition):
    path: Path


@dataclass(frozen=True, slots=True)
class AttributeType(Condition):
    path: Operand  # DynamoDB allows a value or size() here too, as in begins_with and contains
    type: Operand  # a Value holding the type name, or (rarely) a path


@dataclass(frozen=True, slots=True)
class BeginsWith(Condition):
    path: Operand  # ``begins_with(:v, a)``: DynamoDB allows a value (or size()) first
    prefix: Operand


@dataclass(frozen=True, slots=True)
class Contains(Condition):
    path: Operand
    operand: Operand


@dataclass(frozen=True, slots=True)
class And(Condition):
    left: Condition
    right: Condition


@dataclass(frozen=True, slots=True)
class Or(Condition):
    left: Condition
    right: Condition


@dataclass(frozen=True, slots=True)
class Not(Condition):
    condition: Condition


# -- update values and actions -------------------------------------------------


@dataclass(frozen=True, slots=True)
class IfNotExists:
    """``if_not_exists(path, default)``."""

    path: Path
    default: UpdateValue

    def __add__(self, other: Any) -> Arithmetic:
        return Arithmetic("+", self, update_value(other))

    def __sub__(self, other: Any) -> Arithmetic:
        return Arithmetic("-", self, update_value(other))


@dataclass(frozen=True, slots=True)
class ListAppend:
    """``list_append(left, right)``: concatenation of two lists."""

    left: UpdateValue
    right: UpdateValue


@dataclass(frozen=True, slots=True)
class Arithmetic:
    """``left + right`` or ``left - right`` on numbers."""

    op: str
    left: UpdateValue
    right: UpdateValue


UpdateValue = Union[Path, Value, IfNotExists, ListAppend, Arithmetic]


def update_value(v: Any) -> UpdateValue:
    if isinstance(v, Attr):
        return v.path
    if isinstance(v, (Path, Value, IfNotExists, ListAppend, Arithmetic)):
        return v
    if isinstance(v, Size):
        raise ValidationError("size() is not allowed in an update expression")
    return Value.of(v)


def if_not_exists(path: str | Path | Attr, default: Any) -> IfNotExists:
    """``if_not_exists(path, default)``: the attribute's value, or ``default`` when it is absent."""
    return IfNotExists(as_path(path), update_value(default))


def list_append(left: Any, right: Any) -> ListAppend:
    """``list_append(a, b)``: the two lists concatenated (either may be a path or a list)."""
    return ListAppend(update_value(left), update_value(right))


@dataclass(frozen=True, slots=True)
class SetAction:
    path: Path
    value: UpdateValue


@dataclass(frozen=True, slots=True)
class RemoveAction:
    path: Path


@dataclass(frozen=True, slots=True)
class AddAction:
    path: Path
    value: Value


@dataclass(frozen=True, slots=True)
class DeleteAction:
    path: Path
    value: Value


Action = Union[SetAction, RemoveAction, AddAction, DeleteAction]


# -- user-facing builders ------------------------------------------------------


class Attr:
    """An attribute path for conditions, filters and update actions (boto3 style)."""

    __slots__ = ("path",)

    def __init__(self, path: str | Path):
        self.path = as_path(path)

    def __repr__(self) -> str:
        return f"Attr({str(self.path)!r})"

    def __getitem__(self, key: str | int) -> Attr:
        """``Attr("a")["b"][0]`` is the path ``a.b[0]``."""
        return Attr(Path(self.path.elements + (key,)))

    # conditions
    def eq(self, v: Any) -> Condition:
        return Compare("=", self.path, operand(v))

    def ne(self, v: Any) -> Condition:
        return Compare("<>", self.path, operand(v))

    def lt(self, v: Any) -> Condition:
        return Compare("<", self.path, operand(v))

    def lte(self, v: Any) -> Condition:
        return Compare("<=", self.path, operand(v))

    def gt(self, v: Any) -> Condition:
        return Compare(">", self.path, operand(v))

    def gte(self, v: Any) -> Condition:
        return Compare(">=", self.path, operand(v))

    def between(self, low: Any, high: Any) -> Condition:
        return Between(self.path, operand(low), operand(high))

    def is_in(self, values: Any) -> Condition:
        return In(self.path, tuple(operand(v) for v in values))

    def begins_with(self, prefix: Any) -> Condition:
        return BeginsWith(self.path, operand(prefix))

    def contains(self, v: Any) -> Condition:
        return Contains(self.path, operand(v))

    def exists(self) -> Condition:
        return Exists(self.path)

    def not_exists(self) -> Condition:
        return NotExists(self.path)

    def attribute_type(self, type_name: str) -> Condition:
        return AttributeType(self.path, Value(type_name))

    def size(self) -> Size:
        return Size(self.path)

    # update actions
    def set(self, value: Any) -> SetAction:
        return SetAction(self.path, update_value(value))

    def set_if_not_exists(self, value: Any) -> SetAction:
        return SetAction(self.path, IfNotExists(self.path, update_value(value)))

    def remove(self) -> RemoveAction:
        return RemoveAction(self.path)

    def add(self, value: Any) -> AddAction:
        return AddAction(self.path, Value.of(value))

    def delete(self, value: Any) -> DeleteAction:
        return DeleteAction(self.path, Value.of(value))

    def append(self, values: Any) -> SetAction:
        """Append to a list (creating it when missing)."""
        return SetAction(self.path, ListAppend(IfNotExists(self.path, Value([])), update_value(values)))

    def prepend(self, values: Any) -> SetAction:
        return SetAction(self.path, ListAppend(update_value(values), IfNotExists(self.path, Value([]))))

    # value arithmetic for SET
    def __add__(self, other: Any) -> Arithmetic:
        return Arithmetic("+", self.path, update_value(other))

    def __sub__(self, other: Any) -> Arithmetic:
        return Arithmetic("-", self.path, update_value(other))

    def __radd__(self, other: Any) -> Arithmetic:
        return Arithmetic("+", update_value(other), self.path)

    def __rsub__(self, other: Any) -> Arithmetic:
        return Arithmetic("-", update_value(other), self.path)


class Key:
    """A key attribute for key conditions: ``Key("pk").eq("a") & Key("sk").gt(3)``."""

    __slots__ = ("path",)

    def __init__(self, name: str):
        if not isinstance(name, str) or not name:
            raise ValidationError(f"a key attribute name must be a non-empty string: {name!r}")
        self.path = Path((name,))

    def __repr__(self) -> str:
        return f"Key({self.path.name!r})"

    def eq(self, v: Any) -> Condition:
        return Compare("=", self.path, Value.of(v))

    def lt(self, v: Any) -> Condition:
        return Compare("<", self.path, Value.of(v))

    def lte(self, v: Any) -> Condition:
        return Compare("<=", self.path, Value.of(v))

    def gt(self, v: Any) -> Condition:
        return Compare(">", self.path, Value.of(v))

    def gte(self, v: Any) -> Condition:
        return Compare(">=", self.path, Value.of(v))

    def between(self, low: Any, high: Any) -> Condition:
        return Between(self.path, Value.of(low), Value.of(high))

    def begins_with(self, prefix: Any) -> Condition:
        return BeginsWith(self.path, Value.of(prefix))


def size(path: str | Path | Attr) -> Size:
    """``size(path)`` for comparisons: ``size("tags").gt(2)``."""
    return Size(as_path(path))


def all_of(conditions: Iterable[Condition]) -> Condition | None:
    """The conditions joined by AND, in order (``a AND b AND c``); None when there are none."""
    joined: Condition | None = None
    for c in conditions:
        joined = c if joined is None else And(joined, c)
    return joined


# -- key conditions, analysed --------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyCondition:
    """A key condition taken apart: partition value and optional sort-key test.

    ``sort_op`` is one of ``= < <= > >= between begins_with``; ``sort_values``
    holds one value (two for between).
    """

    partition_name: str
    partition_value: Any
    sort_name: str | None = None
    sort_op: str | None = None
    sort_values: tuple[Any, ...] = ()


def _flatten_and(c: Condition) -> list[Condition]:
    if isinstance(c, And):
        return _flatten_and(c.left) + _flatten_and(c.right)
    return [c]


def analyse_key_condition(cond: Condition, partition_name: str, sort_name: str | None) -> KeyCondition:
    """Check a key condition against the key schema in use and take it apart.

    Raises ValidationError with DynamoDB's wording when it is not a valid key
    condition (OR/NOT, a non-key attribute, two conditions on one key ...).
    """
    _check_condition(cond)
    parts = _flatten_and(cond)
    pk_value: Any = _MISSING
    sort: tuple[str, tuple[Any, ...]] | None = None
    for part in parts:
        if isinstance(part, Compare):
            if not isinstance(part.left, Path) or not isinstance(part.right, Value):
                raise ValidationError("Invalid KeyConditionExpression: key conditions compare a key attribute to a value")
            name = _key_name(part.left)
            if name == partition_name:
                if part.op != "=":
                    raise ValidationError("Query key condition not supported")
                if pk_value is not _MISSING:
                    raise ValidationError(
                        "KeyConditionExpressions must only contain one condition per key"
                    )
                pk_value = part.right.value
                continue
            if name != sort_name:
                raise ValidationError(f"Query condition missed key schema element: {name}" if sort_name is None else f"Query key condition not supported: {name} is not a key attribute")
            if part.op == "<>":
                raise ValidationError("Unsupported operator on KeyConditionExpression: operator: <>")
            if sort is not None:
                raise ValidationError("KeyConditionExpressions must only contain one condition per key")
            sort = (part.op, (part.right.value,))
        elif isinstance(part, Between):
            if not isinstance(part.operand, Path) or not isinstance(part.low, Value) or not isinstance(part.high, Value):
                raise ValidationError("Invalid KeyConditionExpression: BETWEEN compares a key attribute to values")
            name = _key_name(part.operand)
            if name != sort_name:
                raise ValidationError("Query key condition not supported")
            if sort is not None:
                raise ValidationError("KeyConditionExpressions must only contain one condition per key")
            sort = ("between", (part.low.value, part.high.value))
        elif isinstance(part, BeginsWith):
            if not isinstance(part.path, Path) or not isinstance(part.prefix, Value):
                raise ValidationError("Invalid KeyConditionExpression: begins_with compares a key attribute to a value")
            name = _key_name(part.path)
            if name != sort_name:
                raise ValidationError("Query key condition not supported")
            if sort is not None:
                raise ValidationError("KeyConditionExpressions must only contain one condition per key")
            sort = ("begins_with", (part.prefix.value,))
        else:
            raise ValidationError(
                f"Invalid KeyConditionExpression: only =, <, <=, >, >=, between and begins_with joined by AND "
                f"are allowed, got {type(part).__name__}"
            )
    if pk_value is _MISSING:
        raise ValidationError(f"Query condition missed key schema element: {partition_name}")
    if sort is None:
        return KeyCondition(partition_name, pk_value)
    return KeyCondition(partition_name, pk_value, sort_name, sort[0], sort[1])


def _key_name(p: Path) -> str:
    if len(p.elements) != 1:
        raise ValidationError("Invalid KeyConditionExpression: key attributes are top-level names")
    return p.name


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


_MISSING: Any = _Missing()
MISSING: Any = _MISSING
