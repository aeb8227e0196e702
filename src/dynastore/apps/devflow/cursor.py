"""Opaque page cursors of a user's session list: the last key read, in URL-safe base64.

A cursor only says where the next page starts; one that was tampered with is
refused (a ValidationError, 422 in the API) or, when it still decodes to a
well-formed position of the same user, just starts the page there.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from ...errors import ValidationError
from .models import session_id_error

#: Cursors are short: a time and a session id.
MAX_CURSOR_CHARS = 200
#: created_at is Unix seconds; anything past year 5138 is no position of ours.
_MAX_TIME = 10**11


def encode_cursor(last_key: Mapping[str, Any]) -> str:
    raw = json.dumps([int(last_key["created_at"]), last_key["session_id"]], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, user_id: str) -> dict[str, Any]:
    """The start key a cursor stands for, on the user's partition of the index."""
    bad = ValidationError(f"cursor is not one this API gave out: {cursor!r:.60}")
    if not isinstance(cursor, str) or not cursor or len(cursor) > MAX_CURSOR_CHARS or not cursor.isascii():
        raise bad
    try:
        created_at, session_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, TypeError):
        raise bad from None
    if type(created_at) is not int or not 0 <= created_at < _MAX_TIME or session_id_error(session_id):
        raise bad
    return {"user_id": user_id, "created_at": created_at, "session_id": session_id}
