"""Seed 002, chat storage: every message body in blob storage, only the index in DynamoDB.

`MessageStore` (and `AsyncMessageStore` for async web code) stores messages;
`KeyLayout` is the body key template; `migrate_legacy` moves messages kept
under the seed's old rule (small bodies inline in DynamoDB) to this one.
"""

from .aio import AsyncMessageStore
from .cache import BodyCache
from .layout import DEFAULT_TEMPLATE, KeyLayout
from .legacy import MigrationReport, migrate_legacy
from .models import MAX_MESSAGE_BYTES, PREVIEW_CHARS, Message, MessageRef, counted_bytes
from .store import DEFAULT_GRACE, DEFAULT_TABLE, MessagePage, MessageStore, SweepReport, message_spec

__all__ = [
    "DEFAULT_GRACE",
    "DEFAULT_TABLE",
    "DEFAULT_TEMPLATE",
    "MAX_MESSAGE_BYTES",
    "PREVIEW_CHARS",
    "AsyncMessageStore",
    "BodyCache",
    "KeyLayout",
    "Message",
    "MessagePage",
    "MessageRef",
    "MessageStore",
    "MigrationReport",
    "SweepReport",
    "counted_bytes",
    "message_spec",
    "migrate_legacy",
]
