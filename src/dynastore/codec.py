"""Python values <-> DynamoDB's data model.

Every value entering dynastore is normalised once, at the edge, into the
*canonical* Python form both engines work on:

=========================  ==========  ======================================
Python in                  DynamoDB    canonical Python out
=========================  ==========  ======================================
str                        S           str
int, float, Decimal        N           int when integral, else Decimal
bool                       BOOL        bool
None                       NULL        None
bytes, bytearray, memview  B           bytes
list, tuple                L           list
dict (str keys)            M           dict
set/frozenset of str       SS          set
set/frozenset of numbers   NS          set of int/Decimal
set/frozenset of bytes     BS          set of bytes
=========================  ==========  ======================================

Floats are taken through their shortest ``repr`` so ``0.1`` stores as
``0.1``, not as the 55-digit binary expansion. Numbers follow DynamoDB's
limits: at most 38 significant digits, magnitude within 1E-130 .. 1E+126.
"""

from __future__ import annotations

import base64
import decimal
import re
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

from .errors import ValidationError

Item = dict[str, Any]
AttributeValue = dict[str, Any]

_MAX_DIGITS = 38
_MAX_EXP = 126  # magnitude must be < 1E+126
_MIN_EXP = -130  # and >= 1E-130
_DECIMAL_CTX = decimal.Context(prec=100, Emax=999999, Emin=-999999)

_TYPE_NAMES = ("S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS")


def normalize_number(value: int | float | Decimal) -> int | Decimal:
    """Canonical form of a number, with DynamoDB's precision and range checks."""
    if type(value) is int:
        if -(10**38) < value < 10**38:
            return value
        return _check_decimal(Decimal(value))
    if isinstance(value, bool):
        raise ValidationError("a bool is not a number")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValidationError(f"number {value!r} is not supported: DynamoDB numbers are finite")
        return _check_decimal(Decimal(repr(value)))
    if isinstance(value, Decimal):
        return _check_decimal(value)
    if isinstance(value, int):  # int subclasses (IntEnum ...)
        return normalize_number(int(value))
    raise ValidationError(f"not a number: {value!r}")


def _check_decimal(d: Decimal) -> int | Decimal:
    if not d.is_finite():
        raise ValidationError(f"number {d} is not supported: DynamoDB numbers are finite")
    sign, digits, exp = d.as_tuple()
    assert isinstance(exp, int)
    # strip leading and trailing zeros: DynamoDB counts significant digits only
    i = 0
    while i < len(digits) - 1 and digits[i] == 0:
        i += 1
    digits = digits[i:]
    j = len(digits)
    while j > 1 and digits[j - 1] == 0:
        j -= 1
    exp += len(digits) - j
    digits = digits[:j]
    if digits == (0,):
        return 0
    if len(digits) > _MAX_DIGITS:
        raise ValidationError("Attempting to store more than 38 significant digits in a Number")
    adjusted = exp + len(digits) - 1  # exponent of the leading digit
    if adjusted >= _MAX_EXP:
        raise ValidationError(
            "Number overflow. Attempting to store a number with magnitude larger than supported range"
        )
    if adjusted < _MIN_EXP:
        raise ValidationError(
            "Number underflow. Attempting to store a number with magnitude smaller than supported range"
        )
    if exp >= 0:
        n = int("".join(map(str, digits))) * 10**exp
        return -n if sign else n
    return Decimal((sign, digits, exp))


def text(value: str) -> str:
    """``value`` if it has a UTF-8 form (what DynamoDB stores); a lone surrogate such as ``"\\ud800"``,
    which a Python str may hold and JSON decoders produce, has none."""
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError(f"string {value!r:.60} is not valid Unicode (a lone surrogate has no UTF-8 "
                                  "form): DynamoDB stores UTF-8") from None
    return value


def normalize(value: Any) -> Any:
    """Canonical Python form of any storable value (validates as it goes)."""
    t = type(value)
    if t is str:
        return value if value.isascii() else text(value)
    if t is int:
        return value if -(10**38) < value < 10**38 else normalize_number(value)
    if t is bool or value is None:
        return value
    if t is dict:
        return {_check_name(k): normalize(v) for k, v in value.items()}
    if t is list:
        return [normalize(v) for v in value]
    if t is bytes:
        return value
    if t is Decimal or t is float:
        return normalize_number(value)
    if t is set or t is frozenset:
        return _normalize_set(value)
    if t is tuple:
        return [normalize(v) for v in value]
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, Enum):  # its value: str() of a (str, Enum) member is "Cls.NAME" on 3.11
        return normalize(value.value)
    if isinstance(value, str):  # str subclasses, e.g. StrEnum
        return text(str(value))
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, (int, float, Decimal)):
        return normalize_number(value)
    if isinstance(value, Mapping):
        return {_check_name(k): normalize(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return _normalize_set(value)
    raise ValidationError(
        f"unsupported type {t.__name__} ({value!r:.60}): DynamoDB stores str, numbers, bool, None, "
        "bytes, list, dict and sets of str/numbers/bytes"
    )


def _check_name(name: Any) -> str:
    if type(name) is not str:
        raise ValidationError(f"map keys must be strings, got {type(name).__name__} {name!r:.40}")
    return text(name)


def _normalize_set(value: set[Any] | frozenset[Any]) -> set[Any]:
    if not value:
        raise ValidationError("One or more parameter values were invalid: a set may not be empty")
    kinds = {set_kind(v) for v in value}
    if len(kinds) != 1 or None in kinds:
        raise ValidationError(
            f"a set must hold only strings, only numbers or only bytes, got {sorted(type(v).__name__ for v in value)}"
        )
    kind = kinds.pop()
    if kind == "NS":
        return {normalize_number(v) for v in value}
    if kind == "BS":
        return {bytes(v) for v in value}
    return {text(str(v)) for v in value}


def set_kind(v: Any) -> str | None:
    if isinstance(v, str):
        return "SS"
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float, Decimal)):
        return "NS"
    if isinstance(v, (bytes, bytearray, memoryview)):
        return "BS"
    return None


def normalize_item(item: Mapping[str, Any]) -> Item:
    """Canonical form of a whole item (top-level must be a mapping of names)."""
    if not isinstance(item, Mapping):
        raise ValidationError(f"an item must be a dict of attribute names to values, got {type(item).__name__}")
    out = {}
    for k, v in item.items():
        if type(k) is not str or not k:
            raise ValidationError(f"attribute names must be non-empty strings, got {k!r:.40}")
        out[text(k)] = normalize(v)
    return out


def type_of(value: Any) -> str:
    """DynamoDB type name (S, N, B, BOOL, NULL, L, M, SS, NS, BS) of a canonical value."""
    t = type(value)
    if t is str:
        return "S"
    if t is bool:
        return "BOOL"
    if t is int or t is Decimal:
        return "N"
    if value is None:
        return "NULL"
    if t is dict:
        return "M"
    if t is list:
        return "L"
    if t is bytes:
        return "B"
    if t is set:
        for v in value:
            return set_kind(v) or "SS"
        return "SS"
    raise ValidationError(f"not a canonical value: {value!r:.60}")


def is_type_name(name: str) -> bool:
    return name in _TYPE_NAMES


def values_equal(a: Any, b: Any) -> bool:
    """DynamoDB equality: same type and same value (so True != 1, 1 == 1.0)."""
    ta, tb = type(a), type(b)
    if ta is tb or (ta in (int, Decimal) and tb in (int, Decimal)):
        if ta is list:
            return len(a) == len(b) and all(map(values_equal, a, b))
        if ta is dict:
            return a.keys() == b.keys() and all(values_equal(v, b[k]) for k, v in a.items())
        if ta is set:
            return type_of(a) == type_of(b) and a == b
        return bool(a == b)
    return False


# -- AttributeValue wire format (DynamoDB engine) --------------------------------


def serialize(value: Any) -> AttributeValue:
    """Canonical value -> AttributeValue (``{"S": "x"}``)."""
    t = type(value)
    if t is str:
        return {"S": value}
    if t is bool:
        return {"BOOL": value}
    if t is int:
        return {"N": str(value)}
    if t is dict:
        return {"M": {k: serialize(v) for k, v in value.items()}}
    if t is list:
        return {"L": [serialize(v) for v in value]}
    if t is Decimal:
        return {"N": str(value)}
    if value is None:
        return {"NULL": True}
    if t is bytes:
        return {"B": value}
    if t is set:
        kind = type_of(value)
        if kind == "NS":
            return {"NS": [str(v) for v in value]}
        return {kind: list(value)}
    raise ValidationError(f"not a canonical value: {value!r:.60}")


def serialize_item(item: Mapping[str, Any]) -> dict[str, AttributeValue]:
    """Canonical item -> DynamoDB's wire form (``{"name": {"S": "x"}}``)."""
    return {k: serialize(v) for k, v in item.items()}


def _parse_number(s: str) -> int | Decimal:
    if "." in s or "e" in s or "E" in s:
        d = Decimal(s)
        if d == d.to_integral_value():
            return int(d)
        return d.normalize(_DECIMAL_CTX)
    return int(s)


def deserialize(av: AttributeValue) -> Any:
    """AttributeValue -> canonical value."""
    (tag, v), = av.items()
    if tag == "S":
        return v
    if tag == "N":
        return _parse_number(v)
    if tag == "M":
        return {k: deserialize(x) for k, x in v.items()}
    if tag == "L":
        return [deserialize(x) for x in v]
    if tag == "BOOL":
        return v
    if tag == "NULL":
        return None
    if tag == "B":
        return bytes(v)
    if tag == "SS":
        return set(v)
    if tag == "NS":
        return {_parse_number(x) for x in v}
    if tag == "BS":
        return {bytes(x) for x in v}
    raise ValidationError(f"unknown AttributeValue type {tag!r}")


def deserialize_item(item: Mapping[str, AttributeValue]) -> Item:
    """DynamoDB's wire form -> canonical item."""
    return {k: deserialize(v) for k, v in item.items()}


# -- request values: checked as DynamoDB checks them ----------------------------------

_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
#: numbers that are plainly Python ints (no sign but '-', no leading zero, well inside DynamoDB's 38 digits)
_SMALL_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})\Z")
_SET_WORDS = {"SS": "string", "NS": "number", "BS": "binary"}
_TAGS = frozenset(_TYPE_NAMES)
_INVALID = "One or more parameter values were invalid: "


def _number(text: Any) -> Any:
    if not isinstance(text, str) or not _NUMBER.match(text.strip()):
        raise ValidationError("A value provided cannot be converted into a number")
    return normalize_number(Decimal(text.strip()))


def _bytes(v: Any) -> bytes:
    # boto3 hands over bytes; the JSON wire (dynastore endpoint) base64 text
    return base64.b64decode(v) if isinstance(v, str) else bytes(v)


def deserialize_checked(av: Any) -> Any:
    """An AttributeValue from a request -> its canonical value, refused with DynamoDB's messages.

    Unlike `deserialize` (for values dynastore wrote itself), it checks what
    DynamoDB checks in requests: exactly one type tag, numbers that parse and
    fit, sets non-empty and without duplicates, NULL only as true, no empty
    map keys. Binaries may be bytes (boto3) or base64 text (the JSON wire).
    Expression attribute values and the endpoint's items are decoded by it.
    """
    # Most attributes are strings and small integers: they answer here, as the general path below would.
    if type(av) is dict and len(av) == 1:
        if "S" in av:
            return av["S"]
        n = av.get("N")
        if type(n) is str and _SMALL_INT.match(n):
            return int(n)
    return _checked(av)


def _checked(av: Any) -> Any:
    if isinstance(av, Mapping) and len(av) > 1:
        raise ValidationError(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
        )
    # An unknown member is dropped as DynamoDB's protocol drops it, which leaves the value empty.
    if not isinstance(av, Mapping) or len(av) != 1 or next(iter(av)) not in _TAGS:
        raise ValidationError(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
        )
    ((tag, v),) = av.items()
    if tag == "N":
        return _number(v)
    if tag == "NULL" and v is not True:
        raise ValidationError(_INVALID + "Null attribute value types must have the value of true")
    if tag == "M":
        if "" in v:
            raise ValidationError("Empty attribute name")
        return {k: deserialize_checked(x) for k, x in v.items()}
    if tag == "L":
        return [deserialize_checked(x) for x in v]
    if tag == "B":
        return _bytes(v)
    if tag in _SET_WORDS:
        if not v:
            raise ValidationError(f"{_INVALID}An {_SET_WORDS[tag]} set  may not be empty")
        items = [_number(x) for x in v] if tag == "NS" else [_bytes(x) for x in v] if tag == "BS" else list(v)
        if len(set(items)) < len(items):
            if tag == "NS":
                raise ValidationError("Input collection contains duplicates")
            if tag == "SS":
                raise ValidationError(f"{_INVALID}Input collection [{', '.join(v)}] contains duplicates")
            raise ValidationError(f"{_INVALID}Input collection of type BS contains duplicates.")
        return set(items)
    return deserialize({tag: v})
