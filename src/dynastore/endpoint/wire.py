"""DynamoDB's JSON wire format: AttributeValues, request fields, and the error envelope.

Requests arrive as DynamoDB JSON (binary values as base64 text); items go to
the engine as dynastore's canonical values (`dynastore.codec`) and come back
the same way.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..codec import deserialize_checked as decode_value
from ..codec import serialize
from ..errors import DynastoreError, ValidationError

Json = dict[str, Any]

#: the ``__type`` prefix of each error code, as DynamoDB Local prints it
_VALIDATE_PREFIX = "com.amazon.coral.validate#"
_SERVICE_PREFIX = "com.amazonaws.dynamodb.v20120810#"
#: DynamoDB's rule for table and index names
_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}\Z")


class ApiError(DynastoreError):
    """An error answered as is: its code, message, HTTP status and extra envelope fields."""

    def __init__(self, code: str, message: str, *, status: int = 400, extra: Json | None = None):
        super().__init__(message, code=code)
        self.status = status
        self.extra = extra or {}


def envelope(code: str, message: str | None) -> Json:
    prefix = _VALIDATE_PREFIX if code == "ValidationException" else _SERVICE_PREFIX
    out: Json = {"__type": prefix + code}
    if message is not None:
        out["Message"] = message
    return out


def decode_item(item: Any, what: str = "Item") -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise ValidationError(f"1 validation error detected: Value null at '{_camel(what)}' failed to satisfy "
                              "constraint: Member must not be null")
    return {str(k): decode_value(v) for k, v in item.items()}


def encode_value(value: Any) -> Any:
    t = type(value)
    # The common types, nested ones too, as `serialize` writes them, without its dispatch and the base64 walk;
    # the rest (numbers as Decimal, None, binaries, sets) through both (tests/endpoint/test_speed_paths.py).
    if t is str:
        return {"S": value}
    if t is int:
        return {"N": str(value)}
    if t is dict:
        return {"M": {k: encode_value(v) for k, v in value.items()}}
    if t is list:
        return {"L": [encode_value(v) for v in value]}
    if t is bool:
        return {"BOOL": value}
    return _b64(serialize(value))


def _b64(av: Any) -> Any:
    ((tag, v),) = av.items()
    if tag == "B":
        return {"B": base64.b64encode(v).decode()}
    # Sets leave in DynamoDB Local's order (strings by UTF-16 code units, numbers by value, binaries by their
    # base64 text), not Python's hash order, which changes from one process to the next.
    if tag == "SS":
        return {"SS": sorted(v, key=_utf16)}
    if tag == "NS":
        return {"NS": sorted(v, key=Decimal)}
    if tag == "BS":
        return {"BS": sorted(base64.b64encode(x).decode() for x in v)}
    if tag == "M":
        return {"M": {k: _b64(x) for k, x in v.items()}}
    if tag == "L":
        return {"L": [_b64(x) for x in v]}
    return av


def _utf16(s: str) -> bytes:
    return s.encode("utf-16-be", "surrogatepass")


def encode_item(item: Mapping[str, Any]) -> Json:
    out: Json = {}
    for k, v in item.items():  # strings and ints inline: most attributes, and a call each saved (~25% of a query's)
        t = type(v)
        out[k] = {"S": v} if t is str else {"N": str(v)} if t is int else encode_value(v)
    return out


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def required(req: Json, *names: str, within: str = "") -> None:
    """DynamoDB's "N validation errors detected" for absent required members (of member ``within``, if given)."""
    missing = [n for n in names if req.get(n) is None]
    if missing:
        at = f"{_camel(within)}." if within else ""
        parts = [f"Value null at '{at}{_camel(n)}' failed to satisfy constraint: Member must not be null"
                 for n in missing]
        noun = "error" if len(parts) == 1 else "errors"
        raise ValidationError(f"{len(parts)} validation {noun} detected: " + "; ".join(parts))


def text(req: Json, name: str) -> str | None:
    v = req.get(name)
    if v is not None and not isinstance(v, str):
        raise ApiError("SerializationException", "NUMBER_VALUE can not be converted to a String" if isinstance(
            v, (int, float)) else "Unexpected value type in payload")
    return v


def table_name(req: Json, name: str = "TableName") -> str:
    required(req, name)
    v = text(req, name)
    assert v is not None
    if not _NAME.match(v):
        raise ValidationError(
            "Invalid table/index name.  Table/index names must be between 3 and 255 characters long, "
            "and may contain only the characters a-z, A-Z, 0-9, '_', '-', and '.'"
        )
    return v


def json_kind(value: Any) -> str:
    """Jackson's name for a JSON value's kind, as DynamoDB's SerializationException words it."""
    if isinstance(value, bool):
        return "TRUE_VALUE" if value else "FALSE_VALUE"
    if isinstance(value, str):
        return "STRING_VALUE"
    if isinstance(value, (int, float)):
        return "NUMBER_VALUE"
    return "START_OBJECT" if isinstance(value, dict) else "START_ARRAY"


def limit_member(req: Json, most: int | None = None, too_many: str = "") -> int | None:
    """A request's ``Limit`` (None when absent), refused as DynamoDB refuses it: not an integer, below 1,
    or (with ``most``) above ``most`` in the operation's own words ``too_many``."""
    limit = req.get("Limit")
    if limit is None:
        return None
    if type(limit) is not int:
        raise ApiError("SerializationException", f"{json_kind(limit)} can not be converted to an Integer")
    if limit < 1:
        raise ValidationError(f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
                              "constraint: Member must have value greater than or equal to 1")
    if most is not None and limit > most:
        raise ValidationError("One or more parameter values were invalid: " + too_many)
    return limit


def length_member(req: Json, name: str, least: int, most: int) -> Any:
    """A string member's value, its length checked with DynamoDB's constraint message (None when absent)."""
    value = req.get(name)
    if value is None or least <= len(str(value)) <= most:
        return value
    words, bound = ("greater", least) if len(str(value)) < least else ("less", most)
    raise ValidationError(f"1 validation error detected: Value '{value}' at '{_camel(name)}' failed to satisfy "
                          f"constraint: Member must have length {words} than or equal to {bound}")


_WHOLE = re.compile(r"\s*[+-]?[0-9]+\s*\Z")


def long_member(value: Any) -> Any:
    """A JSON value of a Long member (capacity units) read as DynamoDB Local reads it; None stays None.

    Fractions are cut to whole numbers, as DynamoDB does. A string of digits counts as its number:
    DynamoDB refuses strings there, but dynamodb-admin's create-table form sends the units as strings
    (through the JS SDK, which passes them on) and works against DynamoDB Local. Anything else is
    DynamoDB's SerializationException (DynamoDB Local fails with a 500).
    """
    if value is None or type(value) is int:
        return value
    if type(value) is float and math.isfinite(value):
        return int(value)
    if isinstance(value, str) and _WHOLE.match(value):
        return int(value)
    raise ApiError("SerializationException", f"{json_kind(value)} can not be converted to a Long")


def one_of(req: Json, name: str, allowed: tuple[str, ...], default: str) -> str:
    v = req.get(name)
    if v is None:
        return default
    if v not in allowed:
        raise ValidationError(
            f"1 validation error detected: Value '{v}' at '{_camel(name)}' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{', '.join(allowed)}]"
        )
    return str(v)
