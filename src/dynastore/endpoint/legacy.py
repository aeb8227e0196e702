"""DynamoDB's legacy (pre-expression) parameters, turned into the same expression trees.

``Expected``, ``QueryFilter``/``ScanFilter`` and ``KeyConditions`` become
conditions, ``AttributeUpdates`` update actions and ``AttributesToGet`` a
projection, with the meanings DynamoDB documents for each comparison operator.
"""

from __future__ import annotations

from typing import Any

from ..errors import ValidationError
from ..expressions import (
    Action,
    AddAction,
    And,
    BeginsWith,
    Between,
    Compare,
    Condition,
    Contains,
    DeleteAction,
    Exists,
    In,
    Not,
    NotExists,
    Or,
    Path,
    RemoveAction,
    SetAction,
    Value,
)
from .wire import Json, decode_value

_COMPARE = {"EQ": "=", "NE": "<>", "LE": "<=", "LT": "<", "GE": ">=", "GT": ">"}
#: how many values each operator takes (None: one or more)
_ARITY = {**dict.fromkeys(_COMPARE, 1), "NOT_NULL": 0, "NULL": 0, "CONTAINS": 1, "NOT_CONTAINS": 1,
          "BEGINS_WITH": 1, "IN": None, "BETWEEN": 2}
#: the expression parameter each legacy parameter stands for
PAIRS = {"Expected": "ConditionExpression", "QueryFilter": "FilterExpression", "ScanFilter": "FilterExpression",
         "KeyConditions": "KeyConditionExpression", "AttributeUpdates": "UpdateExpression",
         "AttributesToGet": "ProjectionExpression"}


def check_not_mixed(req: Json) -> None:
    legacy = sorted(k for k in (*PAIRS, "ConditionalOperator") if req.get(k) is not None)
    # Placeholders alone are not "expression parameters": they are refused as placeholders without expressions.
    modern = sorted(k for k in set(PAIRS.values()) if req.get(k) is not None)
    if legacy and modern:
        raise ValidationError(
            "Can not use both expression and non-expression parameters in the same request: "
            f"Non-expression parameters: {{{', '.join(legacy)}}} Expression parameters: {{{', '.join(modern)}}}"
        )


def _compare(name: str, op: str, values: list[Any]) -> Condition:
    want = _ARITY.get(op, -1)
    if want == -1:
        raise ValidationError(f"Unsupported operator: {op}")
    if (want is None and not values) or (want is not None and len(values) != want):
        raise ValidationError(f"One or more parameter values were invalid: Invalid number of argument(s) for the "
                              f"{op} ComparisonOperator")
    path = Path((name,))
    vs = [Value(decode_value(v)) for v in values]
    if op in _COMPARE:
        return Compare(_COMPARE[op], path, vs[0])
    if op == "NOT_NULL":
        return Exists(path)
    if op == "NULL":
        return NotExists(path)
    if op == "CONTAINS":
        return Contains(path, vs[0])
    if op == "NOT_CONTAINS":
        return Not(Contains(path, vs[0]))
    if op == "BEGINS_WITH":
        return BeginsWith(path, vs[0])
    if op == "IN":
        return In(path, tuple(vs))
    return Between(path, vs[0], vs[1])


def _join(parts: list[Condition], operator: str) -> Condition | None:
    out: Condition | None = None
    for c in parts:
        out = c if out is None else (Or(out, c) if operator == "OR" else And(out, c))
    return out


def conditions(spec: Json, conditional_operator: str | None = None, *, expected: bool = False) -> Condition | None:
    """``Expected`` (``expected=True``) or a ``QueryFilter``/``ScanFilter``/``KeyConditions`` map as a condition."""
    op = conditional_operator or "AND"
    if op not in ("AND", "OR"):
        raise ValidationError(f"1 validation error detected: Value '{op}' at 'conditionalOperator' failed to "
                              "satisfy constraint: Member must satisfy enum value set: [AND, OR]")
    parts: list[Condition] = []
    for name, c in spec.items():
        if expected and "ComparisonOperator" not in c:
            exists = c.get("Exists", True)
            if exists and "Value" not in c:
                raise ValidationError("One or more parameter values were invalid: Value must be provided when "
                                      f"Exists is true for Attribute: {name}")
            if not exists and "Value" in c:
                raise ValidationError("One or more parameter values were invalid: Value cannot be used when Exists "
                                      f"is false for Attribute: {name}")
            parts.append(Compare("=", Path((name,)), Value(decode_value(c["Value"]))) if exists
                         else NotExists(Path((name,))))
            continue
        parts.append(_compare(name, c.get("ComparisonOperator", ""), list(c.get("AttributeValueList") or ())))
    return _join(parts, op)


def attribute_updates(updates: Json) -> list[Action]:
    actions: list[Action] = []
    for name, u in updates.items():
        action = u.get("Action", "PUT")
        path = Path((name,))
        value = decode_value(u["Value"]) if u.get("Value") is not None else None
        if action == "PUT":
            if value is None:
                raise ValidationError("One or more parameter values were invalid: Only DELETE action is allowed "
                                      "when no attribute value is specified")
            actions.append(SetAction(path, Value(value)))
        elif action == "DELETE":
            actions.append(RemoveAction(path) if value is None else DeleteAction(path, Value(value)))
        elif action == "ADD":
            if value is None:
                raise ValidationError("One or more parameter values were invalid: Only DELETE action is allowed "
                                      "when no attribute value is specified")
            actions.append(AddAction(path, Value(value)))
        else:
            raise ValidationError(f"1 validation error detected: Value '{action}' at 'attributeUpdates.{name}."
                                  "member.action' failed to satisfy constraint: Member must satisfy enum value set: "
                                  "[ADD, PUT, DELETE]")
    return actions


def attributes_to_get(names: list[str]) -> tuple[Path, ...]:
    if len(set(names)) < len(names):
        raise ValidationError("One or more parameter values were invalid: Duplicate value in attribute name: "
                              f"{next(n for n in names if names.count(n) > 1)}")
    return tuple(Path((n,)) for n in names)
