"""Seed 003: DevFlow Engine's coding sessions (table ``devflow-sessions``).

`SessionStore` keeps them on any `Store`: every column of the seed's table
validated, status changes along `TRANSITIONS` only (atomically), a 24-hour
TTL moved on by every write, and a prompt/response history that never hits
the 400 KB item limit (older turns move to blob storage).
"""

from .cursor import decode_cursor, encode_cursor
from .history import DEFAULT_ITEM_BUDGET
from .models import (
    BY_USER,
    SESSION_LIFETIME,
    SESSIONS_TABLE,
    TRANSITIONS,
    DevSession,
    HistoryEntry,
    NewSession,
    SessionChanges,
    SessionStatus,
    SessionSummary,
)
from .store import (
    DEFAULT_TABLE,
    TABLE_ENV,
    InvalidTransition,
    SessionConflict,
    SessionExists,
    SessionNotFound,
    SessionPage,
    SessionStore,
    session_spec,
)
from .sweep import SweepReport, sweep_chunks

__all__ = [
    "BY_USER",
    "DEFAULT_ITEM_BUDGET",
    "DEFAULT_TABLE",
    "SESSIONS_TABLE",
    "SESSION_LIFETIME",
    "TABLE_ENV",
    "TRANSITIONS",
    "DevSession",
    "HistoryEntry",
    "InvalidTransition",
    "NewSession",
    "SessionChanges",
    "SessionConflict",
    "SessionExists",
    "SessionNotFound",
    "SessionPage",
    "SessionStatus",
    "SessionStore",
    "SessionSummary",
    "SweepReport",
    "decode_cursor",
    "encode_cursor",
    "session_spec",
    "sweep_chunks",
]
