"""Seed 004 (blog + activities) as a single-table design: six entity types in table ``blog``.

The seed keeps four tables (``specs/blog.yaml``: activities, likes, comments,
sessions); here the same access patterns are served by one table, told apart
by the ``type`` attribute, with two overloaded global indexes:

=========  ==================  ===================  ==========================  ============================
entity     PK                  SK                   GSI1PK / GSI1SK             GSI2PK / GSI2SK
=========  ==================  ===================  ==========================  ============================
User       USER#{user_id}      PROFILE
Session    USER#{user_id}      SESSION#{session_id} SESSION#{session_id} /
                                                    SESSION
Activity   USER#{user_id}      ACTIVITY#{activity_id} ACTIVITY#{activity_type} /  POST#{post_id} /
                                                    ACTIVITY#{activity_id}      ACTIVITY#{activity_id}
Post       POST#{post_id}      POST                 USER#{author_id} /
                                                    POST#{published_at}
Likes      POST#{post_id}      LIKES
Comment    POST#{post_id}      COMMENT#{comment_id}
=========  ==================  ===================  ==========================  ============================

One query of ``USER#u`` returns the user, their sessions and their activities;
one query of ``POST#p`` the post, its like counter and its comments. Activity
and comment ids are ``<ISO-8601 UTC>#<random>``: they sort by time and two
events in the same microsecond still get different keys (the seed keyed
activities by whole seconds and lost events). Sessions expire through TTL on
``expires_at`` (Unix seconds). See docs/single-table.md.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from enum import Enum

from pydantic import Field

from ...models import Entities, EpochSeconds, Model
from ...spec import Index, KeyAttribute, TableSpec

BLOG_TABLE = TableSpec(
    name="blog",
    partition_key=KeyAttribute("PK", "S"),
    sort_key=KeyAttribute("SK", "S"),
    indexes=(
        Index("GSI1", partition_key=KeyAttribute("GSI1PK", "S"), sort_key=KeyAttribute("GSI1SK", "S")),
        Index("GSI2", partition_key=KeyAttribute("GSI2PK", "S"), sort_key=KeyAttribute("GSI2SK", "S")),
    ),
    ttl_attribute="expires_at",
    version_attribute="version",
    created_at_attribute="created_at",
    updated_at_attribute="updated_at",
    timestamp_format="iso",
    description=(
        "Seed 004's DynamoDB data in one table: users, their sessions (TTL) and activities; posts, their "
        "like counters and comments. Entity types are told apart by 'type'; GSI1 and GSI2 are overloaded."
    ),
    access_patterns=(
        "a user with their sessions and activities: query PK = USER#u",
        "a user's latest N activities: query PK = USER#u, SK begins_with ACTIVITY#, reverse, limit N",
        "latest activities of one kind: query GSI1, GSI1PK = ACTIVITY#<type>, reverse",
        "a post's activity over time: query GSI2, GSI2PK = POST#p",
        "a post with its like counter and comments: query PK = POST#p",
        "an author's posts, newest first: query GSI1, GSI1PK = USER#a, reverse",
        "look up a session by id: query GSI1, GSI1PK = SESSION#s (or get USER#u / SESSION#s)",
        "like once / unlike: update LIKES with ADD like_count and ADD/DELETE liked_by, conditioned on liked_by",
        "add a comment and its activity together: transaction",
    ),
)

#: How long a login session lives.
SESSION_LIFETIME = timedelta(days=7)


def time_id(now: datetime | None = None) -> str:
    """``<ISO-8601 UTC, microseconds>#<8 random hex>``: unique, and sorts by time."""
    t = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return f"{t.isoformat(timespec='microseconds')}#{secrets.token_hex(4)}"


class ActivityType(str, Enum):
    VIEW = "view"
    LIKE = "like"
    COMMENT = "comment"
    POST = "post"


class BlogModel(Model, table=BLOG_TABLE, abstract=True):
    """Fields every blog entity has: kept by dynastore (version for optimistic locking, timestamps)."""

    version: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class User(BlogModel, keys={"PK": "USER#{user_id}", "SK": "PROFILE"}):
    user_id: str = Field(min_length=1, pattern=r"^[^#]+$")
    name: str = Field(min_length=1)
    email: str | None = None


class Session(BlogModel, keys={"PK": "USER#{user_id}", "SK": "SESSION#{session_id}",
                               "GSI1PK": "SESSION#{session_id}", "GSI1SK": "SESSION"}):
    """A login session; gone (hidden at once, deleted later) when ``expires_at`` passes."""

    user_id: str = Field(min_length=1, pattern=r"^[^#]+$")
    session_id: str = Field(default_factory=lambda: secrets.token_urlsafe(24), min_length=16)
    expires_at: EpochSeconds = Field(default_factory=lambda: datetime.now(timezone.utc) + SESSION_LIFETIME)
    user_agent: str | None = None


class Activity(BlogModel, keys={"PK": "USER#{user_id}", "SK": "ACTIVITY#{activity_id}",
                                "GSI1PK": "ACTIVITY#{activity_type}", "GSI1SK": "ACTIVITY#{activity_id}",
                                "GSI2PK": "POST#{post_id}", "GSI2SK": "ACTIVITY#{activity_id}"}):
    """One event of a user's activity log (never rewritten: save it with ``if_not_exists=True``)."""

    user_id: str = Field(min_length=1, pattern=r"^[^#]+$")
    activity_id: str = Field(default_factory=time_id)
    activity_type: ActivityType
    post_id: str | None = Field(default=None, pattern=r"^[^#]+$")  # None: not in GSI2 (sparse)
    detail: str | None = None


class Post(BlogModel, keys={"PK": "POST#{post_id}", "SK": "POST",
                            "GSI1PK": "USER#{author_id}", "GSI1SK": "POST#{published_at}"}):
    post_id: str = Field(min_length=1, pattern=r"^[^#]+$")
    author_id: str = Field(min_length=1, pattern=r"^[^#]+$")
    title: str = Field(min_length=1, max_length=200)
    body: str = ""
    tags: set[str] = Field(default_factory=set)
    published_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))


class Likes(BlogModel, keys={"PK": "POST#{post_id}", "SK": "LIKES"}):
    """A post's like counter and who liked it, changed atomically (ADD), never read-modified-written."""

    post_id: str = Field(min_length=1, pattern=r"^[^#]+$")
    like_count: int = Field(default=0, ge=0)
    liked_by: set[str] = Field(default_factory=set)


class Comment(BlogModel, keys={"PK": "POST#{post_id}", "SK": "COMMENT#{comment_id}"}):
    """A comment; ``parent_id`` (another comment's id) makes threads, assembled by the app."""

    post_id: str = Field(min_length=1, pattern=r"^[^#]+$")
    comment_id: str = Field(default_factory=time_id)
    author_id: str = Field(min_length=1)
    body: str = Field(min_length=1, max_length=10_000)
    parent_id: str | None = None


#: Every entity of the blog table, for reads that return several types at once.
BLOG_ENTITIES = Entities(User, Session, Activity, Post, Likes, Comment)
