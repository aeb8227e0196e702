"""Request checks shared by every engine, worded as DynamoDB words them.

The Table layer runs these before any engine sees a request, and the embedded
engine runs `check_item` again on the result of an update, so a request that
DynamoDB would refuse is refused identically everywhere, with nothing written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .codec import is_type_name, normalize, normalize_item, type_of
from .errors import ValidationError
from .expressions import (
    And,
    AttributeType,
    BeginsWith,
    Between,
    Compare,
    Condition,
    Contains,
    In,
    Not,
    Or,
    Path,
    Value,
)
from .expressions.evaluate import check_paths_disjoint
from .limits import MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES, check_item_size, check_nesting
from .spec import Index, KeyAttribute, TableSpec

_SCALAR = {"S": str, "N": (int,), "B": bytes}


def _key_bytes(v: Any) -> int:
    if type(v) is str:
        return len(v.encode("utf-8"))
    if type(v) is bytes:
        return len(v)
    return len(str(v))


def check_key_value(attr: KeyAttribute, v: Any, *, sort: bool, condition: bool = False) -> None:
    """A key attribute's value: the declared type, not empty, within DynamoDB's key sizes."""
    actual = type_of(v)
    if actual != attr.type and condition:
        raise ValidationError(
            "One or more parameter values were invalid: Condition parameter type does not match schema type"
        )
    if actual != attr.type:
        raise ValidationError(
            f"One or more parameter values were invalid: Type mismatch for key {attr.name} "
            f"expected: {attr.type} actual: {actual}"
        )
    if actual in ("S", "B") and not v:
        raise ValidationError(
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
            f"contain an empty {'string' if actual == 'S' else 'binary'} value. Key: {attr.name}"
        )
    n = _key_bytes(v)
    if sort and n > MAX_SORT_KEY_BYTES:
        raise ValidationError(
            "One or more parameter values were invalid: Aggregated size of all range keys has exceeded "
            "the size limit of 1024 bytes"
        )
    # A too-long partition value in a query just matches nothing (DynamoDB Local agrees).
    if not sort and n > MAX_PARTITION_KEY_BYTES and not condition:
        raise ValidationError(
            "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size "
            "limit of 2048 bytes"
        )


def check_key(spec: TableSpec, key: Mapping[str, Any]) -> dict[str, Any]:
    """A table key, normalised; exactly the key attributes with the right types."""
    if not isinstance(key, Mapping):
        raise ValidationError(f"a key is a dict of key attributes, got {type(key).__name__}")
    pk = spec.partition_key
    sk = spec.sort_key
    n = 2 if sk is not None else 1
    if len(key) != n or pk.name not in key or (sk is not None and sk.name not in key):
        raise ValidationError(
            "The provided key element does not match the schema"
            f" (expected {', '.join(spec.table_key_names())}; got {', '.join(map(str, key)) or 'nothing'})"
        )
    out = {pk.name: normalize(key[pk.name])}
    check_key_value(pk, out[pk.name], sort=False)
    if sk is not None:
        out[sk.name] = normalize(key[sk.name])
        check_key_value(sk, out[sk.name], sort=True)
    return out


def key_of(spec: TableSpec, item: Mapping[str, Any]) -> dict[str, Any]:
    """The table key of a (valid) item."""
    if spec.sort_key is None:
        return {spec.partition_key.name: item[spec.partition_key.name]}
    return {spec.partition_key.name: item[spec.partition_key.name], spec.sort_key.name: item[spec.sort_key.name]}


def check_item(spec: TableSpec, item: Mapping[str, Any], *, normalized: bool = False) -> dict[str, Any]:
    """A whole item, normalised: keys present and typed, index keys typed, under 400 KB."""
    out = dict(item) if normalized else normalize_item(item)
    for attr, sort in ((spec.partition_key, False), (spec.sort_key, True)):
        if attr is None:
            continue
        if attr.name not in out:
            raise ValidationError(f"One or more parameter values were invalid: Missing the key {attr.name} in the item")
        check_key_value(attr, out[attr.name], sort=sort)
    for ix in spec.indexes:
        check_index_keys(ix, out)
    check_item_size(out)
    check_nesting(out)
    return out


def check_index_keys(ix: Index, item: Mapping[str, Any]) -> None:
    for attr in (ix.partition_key, ix.sort_key):
        if attr is None or attr.name not in item:
            continue
        v = item[attr.name]
        actual = type_of(v)
        if actual != attr.type:
            raise ValidationError(
                "One or more parameter values were invalid: Type mismatch for Index Key "
                f"{attr.name} Expected: {attr.type} Actual: {actual} IndexName: {ix.name}"
            )
        if actual in ("S", "B") and not v:
            raise ValidationError(
                "One or more parameter values are not valid. A value specified for a secondary index key is "
                "not supported. The AttributeValue for a key attribute cannot contain an empty "
                f"{'string' if actual == 'S' else 'binary'} value. IndexName: {ix.name}, IndexKey: {attr.name}"
            )


def check_condition(c: Condition | None, what: str = "ConditionExpression") -> None:
    """Static checks DynamoDB makes when it parses an expression."""
    if c is None:
        return
    if not isinstance(c, Condition):
        raise ValidationError(f"{what} must be a condition (Attr(...).eq(...) ...), got {type(c).__name__}")
    stack: list[Condition] = [c]
    while stack:
        node = stack.pop()
        if isinstance(node, (And, Or)):
            stack += [node.left, node.right]
        elif isinstance(node, Not):
            stack.append(node.condition)
        elif isinstance(node, AttributeType):
            t = node.type
            if isinstance(t, Value) and not (isinstance(t.value, str) and is_type_name(t.value)):
                raise ValidationError(
                    f"Invalid {what}: Invalid attribute type name found; type: {t.value}, valid types: "
                    "{B,NULL,SS,BOOL,L,BS,N,NS,S,M}"
                )
        elif isinstance(node, BeginsWith):
            p = node.prefix
            if isinstance(p, Value) and type_of(p.value) not in ("S", "B"):
                raise ValidationError(
                    f"Invalid {what}: Incorrect operand type for operator or function; "
                    f"operator or function: begins_with, operand type: {type_of(p.value)}"
                )
        elif isinstance(node, Between):
            lo, hi = node.low, node.high
            for side in (node.operand, lo, hi):
                _check_ordered_literal(side, "BETWEEN", what)
            if isinstance(lo, Value) and isinstance(hi, Value) and type_of(lo.value) != type_of(hi.value):
                raise ValidationError(
                    f"Invalid {what}: The BETWEEN operator requires same data type for lower and upper bounds; "
                    f"lower bound operand: AttributeValue: {{{type_of(lo.value)}:{lo.value}}}, upper bound operand: "
                    f"AttributeValue: {{{type_of(hi.value)}:{hi.value}}}"
                )
            _check_distinct(node.operand, (lo, hi), "BETWEEN", what)
            if isinstance(lo, Value) and isinstance(hi, Value):
                tl, th = type_of(lo.value), type_of(hi.value)
                if tl == th and tl in ("S", "N", "B") and lo.value > hi.value:
                    raise ValidationError(
                        f"Invalid {what}: The BETWEEN operator requires upper bound to be greater than or "
                        f"equal to lower bound; lower bound operand: AttributeValue: {{{tl}:{lo.value}}}, "
                        f"upper bound operand: AttributeValue: {{{th}:{hi.value}}}"
                    )
        elif isinstance(node, Compare):
            if node.op not in ("=", "<>"):
                for side in (node.left, node.right):
                    _check_ordered_literal(side, node.op, what)
            _check_distinct(node.left, (node.right,), node.op, what)
        elif isinstance(node, In):
            _check_distinct(node.operand, node.options, "IN", what)
        elif isinstance(node, Contains):
            pass


_TYPE_WORDS = {"BOOL": "BOOL", "NULL": "NULL", "L": "L", "M": "M", "SS": "SS", "NS": "NS", "BS": "BS"}


def _check_ordered_literal(side: Any, op: str, what: str) -> None:
    if isinstance(side, Value):
        t = type_of(side.value)
        if t not in ("S", "N", "B"):
            raise ValidationError(
                f"Invalid {what}: Incorrect operand type for operator or function; operator or function: {op}, "
                f"operand type: {_TYPE_WORDS.get(t, t)}"
            )


def _check_distinct(first: Any, others: Sequence[Any], op: str, what: str) -> None:
    if isinstance(first, Path) and any(isinstance(o, Path) and o == first for o in others):
        raise ValidationError(
            f"Invalid {what}: The first operand must be distinct from the remaining operands for this operator "
            f"or function; operator: {op}, first operand: [{first}]"
        )


def condition_names(c: Condition) -> set[str]:
    """Top-level attribute names a condition reads."""
    names: set[str] = set()
    stack: list[Any] = [c]
    while stack:
        node = stack.pop()
        if isinstance(node, Path):
            names.add(node.name)
        elif isinstance(node, (Value, str, int)) or node is None:
            continue
        elif isinstance(node, tuple):
            stack.extend(node)
        elif hasattr(node, "__dataclass_fields__"):
            stack.extend(getattr(node, f) for f in node.__dataclass_fields__)
    return names


def check_projection(paths: Sequence[Path] | None) -> None:
    if paths is None:
        return
    if not paths:
        raise ValidationError("a projection names at least one attribute")
    check_paths_disjoint(paths)


def projection_paths(projection: Iterable[str | Path] | None) -> tuple[Path, ...] | None:
    if projection is None:
        return None
    if isinstance(projection, (str, Path)):
        projection = [projection]
    from .expressions import as_path

    paths = tuple(as_path(p) for p in projection)
    check_projection(paths)
    return paths
