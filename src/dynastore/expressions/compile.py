"""Expression tree -> DynamoDB expression strings.

Every attribute name becomes a ``#nN`` placeholder and every literal a ``:vN``
one, so reserved words (``status``, ``name``, ``size`` ...) and odd characters
can never leak into the expression text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..errors import ValidationError
from .tree import (
    Action,
    AddAction,
    And,
    Arithmetic,
    AttributeType,
    BeginsWith,
    Between,
    Compare,
    Condition,
    Contains,
    DeleteAction,
    Exists,
    IfNotExists,
    In,
    ListAppend,
    Not,
    NotExists,
    Or,
    Path,
    RemoveAction,
    SetAction,
    Size,
    UpdateValue,
    Value,
)


class Placeholders:
    """Collects ``#n``/``:v`` placeholders for one request (shared across its expressions)."""

    __slots__ = ("names", "values", "_name_index")

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        self._name_index: dict[str, str] = {}

    def name(self, n: str) -> str:
        ph = self._name_index.get(n)
        if ph is None:
            ph = f"#n{len(self._name_index)}"
            self._name_index[n] = ph
            self.names[ph] = n
        return ph

    def value(self, v: Any) -> str:
        ph = f":v{len(self.values)}"
        self.values[ph] = v
        return ph

    def path(self, p: Path) -> str:
        out = []
        for e in p.elements:
            if isinstance(e, int):
                out.append(f"[{e}]")
            else:
                out.append(("." if out else "") + self.name(e))
        return "".join(out)


def compile_operand(o: Any, ph: Placeholders) -> str:
    if isinstance(o, Path):
        return ph.path(o)
    if isinstance(o, Value):
        return ph.value(o.value)
    if isinstance(o, Size):
        return f"size({compile_operand(o.path, ph)})"
    raise ValidationError(f"not an operand: {o!r:.60}")


def compile_condition(c: Condition, ph: Placeholders) -> str:
    if isinstance(c, Compare):
        return f"{compile_operand(c.left, ph)} {c.op} {compile_operand(c.right, ph)}"
    if isinstance(c, And):
        return f"({compile_condition(c.left, ph)}) AND ({compile_condition(c.right, ph)})"
    if isinstance(c, Or):
        return f"({compile_condition(c.left, ph)}) OR ({compile_condition(c.right, ph)})"
    if isinstance(c, Not):
        return f"NOT ({compile_condition(c.condition, ph)})"
    if isinstance(c, Between):
        return (
            f"{compile_operand(c.operand, ph)} BETWEEN {compile_operand(c.low, ph)} "
            f"AND {compile_operand(c.high, ph)}"
        )
    if isinstance(c, In):
        opts = ", ".join(compile_operand(o, ph) for o in c.options)
        return f"{compile_operand(c.operand, ph)} IN ({opts})"
    if isinstance(c, Exists):
        return f"attribute_exists({ph.path(c.path)})"
    if isinstance(c, NotExists):
        return f"attribute_not_exists({ph.path(c.path)})"
    if isinstance(c, AttributeType):
        return f"attribute_type({compile_operand(c.path, ph)}, {compile_operand(c.type, ph)})"
    if isinstance(c, BeginsWith):
        return f"begins_with({compile_operand(c.path, ph)}, {compile_operand(c.prefix, ph)})"
    if isinstance(c, Contains):
        return f"contains({compile_operand(c.path, ph)}, {compile_operand(c.operand, ph)})"
    raise ValidationError(f"not a condition: {c!r:.60}")


def compile_update_value(v: UpdateValue, ph: Placeholders) -> str:
    if isinstance(v, (Path, Value)):
        return compile_operand(v, ph)
    if isinstance(v, IfNotExists):
        return f"if_not_exists({ph.path(v.path)}, {compile_update_value(v.default, ph)})"
    if isinstance(v, ListAppend):
        return f"list_append({compile_update_value(v.left, ph)}, {compile_update_value(v.right, ph)})"
    if isinstance(v, Arithmetic):
        return f"{compile_update_value(v.left, ph)} {v.op} {compile_update_value(v.right, ph)}"
    raise ValidationError(f"not an update value: {v!r:.60}")


def compile_update(actions: Sequence[Action], ph: Placeholders) -> str:
    sets: list[str] = []
    removes: list[str] = []
    adds: list[str] = []
    deletes: list[str] = []
    for a in actions:
        if isinstance(a, SetAction):
            sets.append(f"{ph.path(a.path)} = {compile_update_value(a.value, ph)}")
        elif isinstance(a, RemoveAction):
            removes.append(ph.path(a.path))
        elif isinstance(a, AddAction):
            adds.append(f"{ph.path(a.path)} {ph.value(a.value.value)}")
        elif isinstance(a, DeleteAction):
            deletes.append(f"{ph.path(a.path)} {ph.value(a.value.value)}")
        else:
            raise ValidationError(f"not an update action: {a!r:.60}")
    clauses = []
    for keyword, parts in (("SET", sets), ("REMOVE", removes), ("ADD", adds), ("DELETE", deletes)):
        if parts:
            clauses.append(f"{keyword} {', '.join(parts)}")
    return " ".join(clauses)


def compile_projection(paths: Iterable[Path], ph: Placeholders) -> str:
    return ", ".join(ph.path(p) for p in paths)
