"""Opaque page cursors: a few values as JSON in URL-safe base64 (no raw DynamoDB key shown to clients).

Each store checks the values it gets back (types, patterns, whose listing) before
using them as a start key: a cursor that was tampered with or truncated is a
ValidationError (422 in the API), never a server error.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

from ..errors import ValidationError


def pack(values: Sequence[str | int]) -> str:
    raw = json.dumps(list(values), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unpack(cursor: object, *, fields: int, max_chars: int, error: str) -> list[Any]:
    """The ``fields`` values a cursor of `pack` holds; ``ValidationError(error)`` if it holds no such list."""
    if not isinstance(cursor, str) or not cursor or len(cursor) > max_chars or not cursor.isascii():
        raise ValidationError(error)
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        raise ValidationError(error) from None
    if not isinstance(values, list) or len(values) != fields:
        raise ValidationError(error)
    return values
