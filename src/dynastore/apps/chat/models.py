"""A chat message, its index item, and the size rule.

Every body goes to blob storage whatever its size (the seed's corrected
rule); the index item in DynamoDB holds what a listing shows: who, when, how
big, a 200-character preview and the body's URL.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ...errors import ValidationError

#: The seed's limit on a message, in UTF-8 bytes of its text (image URLs not counted).
MAX_MESSAGE_BYTES = 128 * 1024
#: Characters of the text kept in the index item.
PREVIEW_CHARS = 200

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
_ROLE = re.compile(r"[a-z][a-z0-9_-]{0,31}")
_CONTENT_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+/-]{0,63}")
# Image URLs inside the text: data: URIs and http(s) links to image files. They are not counted.
_IMAGE_URL = re.compile(
    r"data:image/[A-Za-z0-9.+-]+(?:;[A-Za-z0-9=.+-]+)*,[A-Za-z0-9+/=%_-]*"
    r"|https?://[^\s\"'<>()]+?\.(?:png|jpe?g|gif|webp|svg|bmp|avif|heic)(?:\?[^\s\"'<>()]*)?(?=[\s\"'<>()]|$)",
    re.IGNORECASE,
)


def new_message_id() -> str:
    return uuid.uuid4().hex


def utc(t: datetime) -> datetime:
    """A time as an aware UTC datetime (a naive one is taken to be UTC, as the seeds wrote them)."""
    return t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t.astimezone(timezone.utc)


def iso(t: datetime) -> str:
    """Fixed-width ISO-8601 UTC with microseconds, so strings sort as times."""
    return utc(t).isoformat(timespec="microseconds")


def parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return utc(value)
    if isinstance(value, str):
        try:
            return utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            pass
    raise ValidationError(f"not an ISO-8601 time: {value!r:.60}")


def counted_bytes(content: str) -> int:
    """What counts against the 128 KB limit: the text's UTF-8 bytes without the image URLs in it."""
    return len(_IMAGE_URL.sub("", content).encode("utf-8"))


def check_id(what: str, value: Any) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise ValidationError(f"{what} must be 1 to 128 characters of A-Z a-z 0-9 _ . : - (starting with a letter "
                              f"or digit), got {value!r:.80}")
    return value


@dataclass(frozen=True)
class Message:
    """One chat message, whole: what the blob holds."""

    chat_id: str
    role: str
    content: str
    id: str = field(default_factory=new_message_id)
    content_type: str = "text"
    created_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    #: image URLs attached to the message (kept in the body, not counted in its size)
    images: tuple[str, ...] = ()
    #: the application's own string attributes
    attributes: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_id("chat_id", self.chat_id)
        check_id("message id", self.id)
        if not isinstance(self.role, str) or not _ROLE.fullmatch(self.role):
            raise ValidationError(f"role must be a short lower-case word (user, assistant, system ...), "
                                  f"got {self.role!r:.40}")
        if not isinstance(self.content, str):
            raise ValidationError(f"content must be a str, got {type(self.content).__name__}")
        if not isinstance(self.content_type, str) or not _CONTENT_TYPE.fullmatch(self.content_type):
            raise ValidationError(f"content_type must be a short token such as text or text/markdown, "
                                  f"got {self.content_type!r:.40}")
        if not isinstance(self.created_at, datetime):
            raise ValidationError(f"created_at must be a datetime, got {type(self.created_at).__name__}")
        object.__setattr__(self, "created_at", utc(self.created_at))
        if isinstance(self.images, (str, bytes)):
            raise ValidationError("images must be a list of URLs, not one string")
        images = tuple(self.images)
        if not all(isinstance(u, str) and u for u in images):
            raise ValidationError("images must be non-empty URL strings")
        object.__setattr__(self, "images", images)
        if not isinstance(self.attributes, Mapping):
            raise ValidationError(f"attributes must be a mapping, got {type(self.attributes).__name__}")
        attrs = dict(self.attributes)
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in attrs.items()):
            raise ValidationError("attributes must map strings to strings")
        object.__setattr__(self, "attributes", attrs)

    @functools.cached_property
    def size_bytes(self) -> int:
        """UTF-8 bytes of the text."""
        return len(self.content.encode("utf-8"))

    @property
    def counted_bytes(self) -> int:
        return counted_bytes(self.content)

    def check_size(self, limit: int = MAX_MESSAGE_BYTES) -> None:
        if self.size_bytes <= limit:
            return  # image URLs only ever lower the count
        n = self.counted_bytes
        if n > limit:
            raise ValidationError(f"message is {n:,} bytes (image URLs not counted); the limit is {limit:,} bytes "
                                  f"({limit // 1024} KB)")

    def to_body(self) -> dict[str, Any]:
        """The blob's JSON: the seed's object structure (content, metadata, created_at) plus the rest."""
        return {
            "content": self.content,
            "metadata": {"chat_id": self.chat_id, "message_id": self.id, "role": self.role,
                         "content_type": self.content_type, "original_size": str(self.size_bytes)},
            "images": list(self.images),
            "attributes": dict(self.attributes),
            "created_at": iso(self.created_at),
        }

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> Message:
        meta = body.get("metadata") or {}
        try:
            return cls(chat_id=meta["chat_id"], id=meta["message_id"], role=meta["role"], content=body["content"],
                       content_type=meta.get("content_type", "text"), created_at=parse_time(body["created_at"]),
                       images=tuple(body.get("images") or ()), attributes=body.get("attributes") or {})
        except (KeyError, TypeError) as e:
            raise ValidationError(f"not a message body: missing {e}") from None


@dataclass(frozen=True)
class MessageRef:
    """A message's index item: everything a listing shows, and where the body is."""

    chat_id: str
    message_key: str
    message_id: str
    role: str
    content_type: str
    size_bytes: int
    content_url: str
    content_preview: str
    created_at: str

    @classmethod
    def of(cls, message: Message, content_url: str) -> MessageRef:
        created = iso(message.created_at)
        return cls(message.chat_id, f"{created}#{message.id}", message.id, message.role, message.content_type,
                   message.size_bytes, content_url, message.content[:PREVIEW_CHARS], created)

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> MessageRef:
        try:
            return cls(item["chat_id"], item["message_key"], item["message_id"], item["role"],
                       item.get("content_type", "text"), int(item["size_bytes"]), item["content_url"],
                       item.get("content_preview", ""), item["created_at"])
        except KeyError as e:
            raise ValidationError(f"not a message index item (missing {e}): {dict(item)!r:.120}") from None

    def to_item(self) -> dict[str, Any]:
        return {"chat_id": self.chat_id, "message_key": self.message_key, "message_id": self.message_id,
                "role": self.role, "content_type": self.content_type, "size_bytes": self.size_bytes,
                "content_url": self.content_url, "content_preview": self.content_preview,
                "created_at": self.created_at}

    @property
    def key(self) -> dict[str, str]:
        return {"chat_id": self.chat_id, "message_key": self.message_key}
