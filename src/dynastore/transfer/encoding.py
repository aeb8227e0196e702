"""Items as JSON text: DynamoDB JSON (exact for every type) and plain JSON (exact, or refused).

DynamoDB JSON is the AttributeValue form AWS's own exports use (``{"n": {"N": "1.5"}}``;
binary as base64 text). Plain JSON is the item as a JSON object: numbers keep
every digit and come back as int / Decimal, but JSON has no sets and no bytes,
so an item holding either is refused rather than silently turned into a list or
a string.
"""

from __future__ import annotations

import base64
import binascii
import decimal
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..codec import deserialize_item, normalize_item, serialize_item
from ..engine import Item
from ..errors import ValidationError
from ..jsonutil import dumps, loads

_SCALAR_TAGS = frozenset({"S", "N", "BOOL", "NULL"})


def _json_av(av: dict[str, Any]) -> dict[str, Any]:
    """An AttributeValue made JSON-ready: bytes as base64 text."""
    (tag, v), = av.items()
    if tag == "B":
        return {"B": base64.b64encode(v).decode("ascii")}
    if tag == "BS":
        return {"BS": [base64.b64encode(b).decode("ascii") for b in v]}
    if tag == "M":
        return {"M": {k: _json_av(x) for k, x in v.items()}}
    if tag == "L":
        return {"L": [_json_av(x) for x in v]}
    return av


def ddb_json(item: Mapping[str, Any]) -> dict[str, Any]:
    """A canonical item as JSON-ready DynamoDB JSON."""
    return {k: _json_av(av) for k, av in serialize_item(item).items()}


def _b64(text: Any, where: str) -> bytes:
    if not isinstance(text, str):
        raise ValidationError(f"{where}: binary values are base64 strings, got {type(text).__name__}")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(f"{where}: {text[:20]!r} is not base64") from None


def _wire_av(av: Any, where: str) -> dict[str, Any]:
    """JSON DynamoDB JSON -> an AttributeValue for `codec.deserialize`, checking its shape."""
    if not isinstance(av, dict) or len(av) != 1:
        raise ValidationError(f"{where}: an attribute value is an object with one type key such as "
                              f"{{\"S\": \"x\"}}, got {json.dumps(av, default=str)[:40]}")
    (tag, v), = av.items()
    if tag == "B":
        return {"B": _b64(v, where)}
    if tag == "BS" and isinstance(v, list):
        return {"BS": [_b64(b, where) for b in v]}
    if tag == "M" and isinstance(v, dict):
        return {"M": {k: _wire_av(x, f"{where}.{k}") for k, x in v.items()}}
    if tag == "L" and isinstance(v, list):
        return {"L": [_wire_av(x, f"{where}[{i}]") for i, x in enumerate(v)]}
    ok = (
        (tag == "S" and isinstance(v, str))
        or (tag == "N" and isinstance(v, str))
        or (tag == "BOOL" and isinstance(v, bool))
        or (tag == "NULL" and v is True)
        or (tag in ("SS", "NS") and isinstance(v, list) and all(isinstance(x, str) for x in v))
    )
    if not ok:
        raise ValidationError(f"{where}: {tag!r} with a value of type {type(v).__name__} is not a DynamoDB "
                              "JSON attribute value")
    return av


def from_ddb_json(obj: Any) -> Item:
    """DynamoDB JSON (as parsed) -> a canonical, validated item."""
    if not isinstance(obj, dict):
        raise ValidationError(f"an item is a JSON object, got {type(obj).__name__}")
    wire = {k: _wire_av(v, k) for k, v in obj.items()}
    try:
        item = deserialize_item(wire)
    except (ArithmeticError, ValueError) as e:  # a malformed number string
        raise ValidationError(f"bad number in item: {e}") from None
    # Sets from text may be empty or hold duplicates, numbers may be out of range: check as any write would.
    for name, av in wire.items():
        (tag, v), = av.items()
        if tag in ("SS", "NS", "BS") and len(v) != len(item[name]):
            raise ValidationError(f"{name}: a set holds duplicate values")
    return normalize_item(item)


def plain_json(item: Mapping[str, Any], where: str = "item") -> str:
    """Plain JSON text of an item; ValidationError naming the attribute when it holds a set or bytes."""
    _refuse_unfaithful(item, where)
    return dumps(item)


def _refuse_unfaithful(value: Any, where: str) -> None:
    t = type(value)
    if t is dict:
        for k, v in value.items():
            _refuse_unfaithful(v, f"{where}.{k}")
    elif t is list:
        for i, v in enumerate(value):
            _refuse_unfaithful(v, f"{where}[{i}]")
    elif t is set or t is bytes:
        what = "a set" if t is set else "binary"
        raise ValidationError(f"{where} is {what}, which plain JSON cannot hold faithfully (it would come back "
                              "as a list or a string): use the dynamodb format")


def from_plain_json(obj: Any) -> Item:
    if not isinstance(obj, dict):
        raise ValidationError(f"an item is a JSON object, got {type(obj).__name__}")
    return normalize_item(obj)


def parse_line(text: str) -> Any:
    """One JSON Lines line; numbers that are not integers come back as Decimal."""
    try:
        return loads(text)
    except ValueError as e:
        raise ValidationError(f"not valid JSON: {e}") from None


def canonical(item: Mapping[str, Any]) -> bytes:
    """One byte string per item value, whatever store it came from: sorted names, sorted sets."""
    return json.dumps(_canon(item), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _canon(v: Any) -> Any:
    t = type(v)
    if t is dict:
        return {k: _canon(x) for k, x in v.items()}
    if t is list:
        return ["L", [_canon(x) for x in v]]
    if t is bool or v is None:
        return v
    if t is int:
        return ["N", str(v)]
    if t is Decimal:
        return ["N", _number_text(v)]
    if t is str:
        return v
    if t is bytes:
        return ["B", base64.b64encode(v).decode("ascii")]
    if t is set:
        elems = sorted(_canon(x) if type(x) is not bytes else _canon(x)[1] for x in v)
        return ["SET", elems]
    raise ValidationError(f"not a canonical value: {v!r:.60}")


def _number_text(d: Decimal) -> str:
    if d == d.to_integral_value():
        return str(int(d))
    return str(d.normalize(_WIDE))


_WIDE = decimal.Context(prec=100, Emax=999999, Emin=-999999)
