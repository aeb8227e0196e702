"""Opaque page cursors for a user's generations.

A cursor names the last generation of a page: (user, createdAt, generationId),
as JSON in URL-safe base64. It is opaque to clients (no raw DynamoDB key is
shown) and checked when decoded, so a cursor that was tampered with, truncated
or issued for another user is a ValidationError (422), never a server error or
a query starting somewhere arbitrary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ...errors import ValidationError
from ..cursors import pack, unpack
from .models import ID_PATTERN, USER_PATTERN

#: Longer than any cursor `encode` writes; anything longer is refused before decoding.
MAX_CURSOR_CHARS = 1024


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page ended: the last generation returned."""

    user_id: str
    created_at: str
    generation_id: str


_INVALID = "invalid cursor: pass the cursor of the previous page unchanged"


def encode(pos: Position) -> str:
    return pack([pos.user_id, pos.created_at, pos.generation_id])


def decode(cursor: str, user_id: str) -> Position:
    """The position *cursor* names, for a listing of *user_id*'s generations; ValidationError if it is not one."""
    user, created, gid = unpack(cursor, fields=3, max_chars=MAX_CURSOR_CHARS, error=_INVALID)
    if not (isinstance(user, str) and isinstance(created, str) and isinstance(gid, str)
            and re.fullmatch(USER_PATTERN, user) and re.fullmatch(ID_PATTERN, gid) and _is_time(created)):
        raise ValidationError(_INVALID)
    if user != user_id:
        raise ValidationError("this cursor belongs to another user's listing")
    return Position(user, created, gid)


def _is_time(text: str) -> bool:
    if not 0 < len(text) <= 64:
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True
