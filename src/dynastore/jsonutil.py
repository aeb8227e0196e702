"""JSON for items, so users never hand-convert Decimal, sets or bytes.

``dumps(item)`` / ``JSONEncoder`` write numbers as JSON numbers (a Decimal
that a float cannot hold exactly is written as its exact digits anyway),
sets as sorted lists and bytes as base64 strings. ``to_jsonable`` gives the
plain-JSON Python structure, for frameworks that serialise themselves.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from decimal import Decimal
from typing import Any


def to_jsonable(value: Any) -> Any:
    """Plain JSON types: Decimal -> int/float, set -> sorted list, bytes -> base64 str."""
    t = type(value)
    if t is dict:
        return {k: to_jsonable(v) for k, v in value.items()}
    if t is list or t is tuple:
        return [to_jsonable(v) for v in value]
    if t is Decimal:
        return int(value) if value == value.to_integral_value() else float(value)
    if t is set or t is frozenset:
        return sorted((to_jsonable(v) for v in value), key=lambda v: (str(type(v)), v))
    if t is bytes:
        return base64.b64encode(value).decode("ascii")
    return value


class JSONEncoder(json.JSONEncoder):
    """``json.dumps(item, cls=JSONEncoder)`` for items with Decimal, sets and bytes."""

    def default(self, o: Any) -> Any:
        if isinstance(o, Decimal):
            return int(o) if o == o.to_integral_value() else float(o)
        if isinstance(o, (set, frozenset)):
            return to_jsonable(o)
        if isinstance(o, (bytes, bytearray)):
            return base64.b64encode(bytes(o)).decode("ascii")
        return super().default(o)


def _exact(value: Any, token: str, used: list[bool]) -> Any:
    t = type(value)
    if t is dict:
        return {k: _exact(v, token, used) for k, v in value.items()}
    if t is list or t is tuple:
        return [_exact(v, token, used) for v in value]
    if t is Decimal:
        if value == value.to_integral_value():
            return int(value)
        f = float(value)
        if Decimal(repr(f)) == value:
            return f
        used[0] = True
        return f"{token}{value}{token}"
    if t is set or t is frozenset or t is bytes:
        return to_jsonable(value)
    return value


def dumps(item: Any, **kwargs: Any) -> str:
    """JSON text of an item; numbers keep every digit (even those a float cannot hold)."""
    # json only writes floats through float.__repr__, so exact decimals travel
    # as marked strings and are unquoted afterwards; the per-call random token
    # cannot occur in user data.
    token = "@" + secrets.token_hex(8) + "@"
    used = [False]
    text = json.dumps(_exact(item, token, used), ensure_ascii=kwargs.pop("ensure_ascii", False), **kwargs)
    if used[0]:
        text = re.sub(f'"{token}([^"@]+){token}"', r"\1", text)
    return text


def loads(text: str) -> Any:
    """JSON text -> canonical values (non-integral numbers as Decimal, never float)."""
    return json.loads(text, parse_float=Decimal)
