"""Opaque page cursors of a user's session list: the last key read, in URL-safe base64.

A cursor only says where the next page starts; one that was tampered with is
refused (a ValidationError, 422 in the API) or, when it still decodes to a
well-formed position of the same user, just starts the page there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import ValidationError
from ..cursors import pack, unpack
from .models import session_id_error

#: Cursors are short: a time and a session id.
MAX_CURSOR_CHARS = 200
#: created_at is Unix seconds; anything past year 5138 is no position of ours.
_MAX_TIME = 10**11


def encode_cursor(last_key: Mapping[str, Any]) -> str:
    return pack([int(last_key["created_at"]), last_key["session_id"]])


def decode_cursor(cursor: str, user_id: str) -> dict[str, Any]:
    """The start key a cursor stands for, on the user's partition of the index."""
    error = f"cursor is not one this API gave out: {cursor!r:.60}"
    created_at, session_id = unpack(cursor, fields=2, max_chars=MAX_CURSOR_CHARS, error=error)
    if type(created_at) is not int or not 0 <= created_at < _MAX_TIME or session_id_error(session_id):
        raise ValidationError(error)
    return {"user_id": user_id, "created_at": created_at, "session_id": session_id}
