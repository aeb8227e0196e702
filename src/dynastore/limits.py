"""DynamoDB's hard limits, and the checks every engine applies before it writes.

The embedded engine must refuse exactly what DynamoDB refuses, or code that
works on a laptop breaks in production; the DynamoDB engine applies the same
checks client-side so both engines fail identically (and before a network call).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from .errors import ItemTooLarge, ValidationError

MAX_ITEM_BYTES = 400 * 1024
#: DynamoDB refuses a document whose maps/lists nest this deep (31 levels are accepted).
MAX_NESTING_LEVELS = 32
MAX_PARTITION_KEY_BYTES = 2048
MAX_SORT_KEY_BYTES = 1024
MAX_BATCH_WRITE = 25
MAX_BATCH_GET = 100
MAX_TRANSACT_ACTIONS = 100
MAX_PAGE_BYTES = 1024 * 1024
MAX_BATCH_GET_RESPONSE_BYTES = 16 * 1024 * 1024
MAX_TRANSACTION_BYTES = 4 * 1024 * 1024
MAX_IN_OPERANDS = 100
MAX_EXPRESSION_BYTES = 4096
TOKEN_WINDOW_SECONDS = 600


def number_size(n: int | Decimal) -> int:
    """Bytes DynamoDB counts for a number: one per two significant digits, plus one."""
    if type(n) is int:
        digits = str(abs(n)).rstrip("0") or "0"
    else:
        # exact-type dispatch (fast, and bool is not a number here); mypy cannot narrow this branch
        digits = "".join(map(str, cast(Decimal, n).as_tuple().digits)).strip("0") or "0"
    return (len(digits) + 1) // 2 + 1


def value_size(v: Any) -> int:
    """Bytes DynamoDB counts for a canonical value (without its attribute name)."""
    t = type(v)
    if t is str:
        return len(v.encode("utf-8"))
    if t is bool or v is None:
        return 1
    if t is int or t is Decimal:
        return number_size(v)
    if t is bytes:
        return len(v)
    if t is dict:
        return 3 + sum(len(k.encode("utf-8")) + value_size(x) + 1 for k, x in v.items())
    if t is list:
        return 3 + sum(value_size(x) + 1 for x in v)
    if t is set:
        return sum(value_size(x) for x in v)
    raise TypeError(f"not a canonical value: {v!r:.40}")


def item_size(item: dict[str, Any]) -> int:
    """Bytes DynamoDB counts for an item: names plus values, with list/map overheads."""
    total = 0
    for k, v in item.items():
        total += len(k) if k.isascii() else len(k.encode("utf-8"))
        t = type(v)  # strings and integers inline: most attributes are one or the other
        if t is str:
            total += len(v) if v.isascii() else len(v.encode("utf-8"))
        elif t is int and 0 <= v < 10:
            total += 2
        else:
            total += value_size(v)
    return total


def check_item_size(item: dict[str, Any]) -> int:
    size = item_size(item)
    if size > MAX_ITEM_BYTES:
        raise ItemTooLarge("Item size has exceeded the maximum allowed size")
    return size


def check_nesting(item: dict[str, Any]) -> None:
    """Refuse maps and lists nested ``MAX_NESTING_LEVELS`` deep, in DynamoDB's words."""
    # Iterative: a hostile document must not be able to exhaust the interpreter's stack here.
    stack = [(v, 1) for v in item.values() if type(v) is dict or type(v) is list]
    while stack:
        value, level = stack.pop()
        if level >= MAX_NESTING_LEVELS:
            raise ValidationError("Nesting Levels have exceeded supported limits: "
                                  "Attributes in the item have nested levels beyond supported limit")
        children = value.values() if type(value) is dict else value
        stack.extend((c, level + 1) for c in children if type(c) is dict or type(c) is list)
