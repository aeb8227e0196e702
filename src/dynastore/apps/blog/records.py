"""What the blog store hands out: plain frozen records, never raw items."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from .models import ActivityType

T = TypeVar("T")


class Page(list[T]):
    """The newest items of a listing, in order, and ``next``: the opaque cursor of the next (older) page,
    None when this page is the last. Pass it back as ``older=`` to read on."""

    def __init__(self, items: Iterable[T] = (), next: str | None = None):
        super().__init__(items)
        self.next = next


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    created_at: datetime


@dataclass(frozen=True)
class LoginSession:
    """A logged-in browser: the cookie holds ``session_id``; ``csrf_token`` guards its writes."""

    session_id: str
    user_id: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Post:
    post_id: str
    author: str
    title: str
    body: str
    created_at: datetime
    updated_at: datetime | None = None


@dataclass(frozen=True)
class LikeState:
    post_id: str
    count: int
    liked: bool = False


@dataclass(frozen=True)
class Comment:
    post_id: str
    comment_id: str
    author: str
    body: str
    created_at: datetime
    parent_id: str | None = None
    edited_at: datetime | None = None
    deleted: bool = False


@dataclass
class CommentNode:
    """A comment with its replies (oldest first), as the page shows the thread."""

    comment: Comment
    depth: int = 0
    replies: list[CommentNode] = field(default_factory=list)


@dataclass(frozen=True)
class Activity:
    user_id: str
    timestamp: str  # "<ISO-8601 UTC>#<random>": unique per event, sorts by time
    activity_type: ActivityType
    at: datetime
    post_id: str | None = None
    detail: str | None = None
