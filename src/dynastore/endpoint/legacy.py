"""DynamoDB's legacy (pre-expression) parameters, turned into the same expression trees.

``Expected``, ``QueryFilter``/``ScanFilter`` and ``KeyConditions`` become
conditions, ``AttributeUpdates`` update actions and ``AttributesToGet`` a
projection, with the meanings DynamoDB documents for each comparison operator.
"""

from __future__ import annotations

from typing import Any

from ..codec import type_of
from ..errors import ValidationError
from ..expressions.evaluate import type_word
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
    IfNotExists,
    In,
    ListAppend,
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
#: the types each operator's values may have (the rest take any)
_SCALARS = ("S", "N", "B")
_TYPES = {**dict.fromkeys(("LE", "LT", "GE", "GT", "BETWEEN", "CONTAINS", "NOT_CONTAINS", "IN"), _SCALARS),
          "BEGINS_WITH": ("S", "B")}
_INVALID = "One or more parameter values were invalid: "
#: what an AttributeUpdates that cannot apply to the item is refused with, whatever the action
TYPE_MISMATCH = "Type mismatch for attribute to update"
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
    operator = req.get("ConditionalOperator")
    if operator is not None:
        maps = [req[k] for k in ("Expected", "QueryFilter", "ScanFilter") if req.get(k) is not None]
        if not maps:
            raise ValidationError("ConditionalOperator cannot be used without Filter or Expected")
        if all(isinstance(m, dict) and len(m) < 2 for m in maps):
            raise ValidationError("ConditionalOperator can only be used when Filter or Expected has two or more "
                                  "elements")


def _compare(name: str, op: str, values: list[Any]) -> Condition:
    want = _ARITY.get(op, -1)
    if want == -1:
        raise ValidationError("Comparison type does not exist in DynamoDB")
    if (want is None and not values) or (want is not None and len(values) != want):
        raise ValidationError(_INVALID + f"Invalid number of argument(s) for the {op} ComparisonOperator")
    path = Path((name,))
    decoded = [decode_value(v) for v in values]
    kinds = [type_of(v) for v in decoded]
    allowed = _TYPES.get(op)
    for kind in kinds:
        if allowed is not None and kind not in allowed:
            raise ValidationError(_INVALID + f"ComparisonOperator {op} is not valid for {kind} AttributeValue type")
    if len(set(kinds)) > 1:
        raise ValidationError(_INVALID + "AttributeValues inside AttributeValueList must be of same type")
    vs = [Value(v) for v in decoded]
    if op in _COMPARE:
        return Compare(_COMPARE[op], path, vs[0])
    if op == "NOT_NULL":
        return Exists(path)
    if op == "NULL":
        return NotExists(path)
    if op == "CONTAINS":
        return Contains(path, vs[0])
    if op == "NOT_CONTAINS":  # an absent attribute does not match, unlike NOT contains(...) in an expression
        return And(Exists(path), Not(Contains(path, vs[0])))
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
    parts: list[Condition] = []
    for name, c in spec.items():
        if expected and "ComparisonOperator" not in c:
            exists = c.get("Exists", True)
            if exists and "Value" not in c:
                raise ValidationError(_INVALID + f"Value must be provided when Exists is true for Attribute: {name}")
            if not exists and "Value" in c:
                raise ValidationError(_INVALID + f"Value cannot be used when Exists is false for Attribute: {name}")
            parts.append(Compare("=", Path((name,)), Value(decode_value(c["Value"]))) if exists
                         else NotExists(Path((name,))))
            continue
        values = c.get("AttributeValueList")
        if expected:
            if "Exists" in c:
                raise ValidationError(_INVALID + f"Exists and ComparisonOperator cannot be used together for "
                                      f"Attribute: {name}")
            if "Value" in c:
                if values is not None:
                    raise ValidationError(_INVALID + f"Value and AttributeValueList cannot be used together for "
                                          f"Attribute: {name}")
                values = [c["Value"]]  # Value stands for a one-value list
        parts.append(_compare(name, c.get("ComparisonOperator", ""), list(values or ())))
    op = conditional_operator or "AND"
    if op not in ("AND", "OR"):
        raise ValidationError(f"1 validation error detected: Value '{op}' at 'conditionalOperator' failed to "
                              "satisfy constraint: Member must satisfy enum value set: [AND, OR]")
    return _join(parts, op)


def attribute_updates(updates: Json) -> list[Action]:
    """``AttributeUpdates`` as update actions. Their refusals at the item (a value of the wrong type for the
    attribute there) are DynamoDB's `TYPE_MISMATCH`: see `items.update_item`."""
    actions: list[Action] = []
    for name, u in updates.items():
        action = u.get("Action", "PUT")
        path = Path((name,))
        value = decode_value(u["Value"]) if u.get("Value") is not None else None
        kind = type_of(value) if value is not None else None
        if action not in ("PUT", "DELETE", "ADD"):
            raise ValidationError(f"1 validation error detected: Value '{action}' at 'attributeUpdates.{name}."
                                  "member.action' failed to satisfy constraint: Member must satisfy enum value set: "
                                  "[ADD, PUT, DELETE]")
        if value is None and action != "DELETE":
            raise ValidationError(_INVALID + "Only DELETE action is allowed when no attribute value is specified")
        if action == "PUT":
            actions.append(SetAction(path, Value(value)))
        elif action == "DELETE":
            if value is not None and kind not in ("SS", "NS", "BS"):
                raise ValidationError(_INVALID + f"DELETE action with value is not supported for the type "
                                      f"{type_word(kind or '')}")
            actions.append(RemoveAction(path) if value is None else DeleteAction(path, Value(value)))
        elif kind == "L":  # ADD of a list appends it (to an empty one when there is none)
            actions.append(SetAction(path, ListAppend(IfNotExists(path, Value([])), Value(value))))
        elif kind in ("N", "SS", "NS", "BS"):
            actions.append(AddAction(path, Value(value)))
        else:
            raise ValidationError(_INVALID + f"ADD action is not supported for the type {type_word(kind or '')}")
    return actions


def attributes_to_get(names: list[str]) -> tuple[Path, ...]:
    if len(set(names)) < len(names):
        raise ValidationError("One or more parameter values were invalid: Duplicate value in attribute name: "
                              f"{next(n for n in names if names.count(n) > 1)}")
    return tuple(Path((n,)) for n in names)
