"""Seed 003 (DevFlow Engine): one item per coding session, in ``devflow-sessions``.

The table is the seed's own (``specs/devflow_sessions.yaml``): partition key
``session_id``; GSI ``user_id-created_at-index`` (``created_at`` a Number);
TTL on ``ttl``, 24 hours after the session was created or last updated;
``created_at``/``updated_at`` are Unix seconds kept by dynastore.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from enum import Enum

from pydantic import BaseModel, Field, HttpUrl, field_serializer, model_validator

from ...models import EpochSeconds, Model
from .. import shipped_spec

#: The seed's table: ``devflow-sessions``.
SESSIONS_TABLE = shipped_spec("devflow_sessions.yaml", "devflow-sessions")
#: The seed's GSI: a user's sessions by creation time.
BY_USER = "user_id-created_at-index"
#: How long a session lives after it was created or last updated.
SESSION_LIFETIME = timedelta(hours=24)


def expiry(now: datetime | None = None) -> datetime:
    """The TTL of a session touched now (24 hours on)."""
    return (now or datetime.now(timezone.utc)) + SESSION_LIFETIME


class SessionStatus(str, Enum):
    STARTING = "starting"
    RUNNING = "running"
    STOPPED = "stopped"
    ERROR = "error"


class HistoryEntry(BaseModel):
    """One exchange of the session's prompt/response history (kept in order)."""

    prompt: str
    response: str | None = None
    at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))


class DevSession(Model, table=SESSIONS_TABLE):
    """A user's coding session: repository, branch, ECS task, PR, editor, status and history."""

    session_id: str = Field(default_factory=lambda: str(uuid.uuid4()), min_length=1)
    user_id: str = Field(min_length=1)
    repository_url: HttpUrl
    repository_owner: str = Field(min_length=1)
    repository_name: str = Field(min_length=1)
    branch_name: str = Field(min_length=1)
    ecs_cluster_arn: str | None = None
    ecs_task_arn: str | None = None
    ecs_task_definition_arn: str | None = None
    pr_number: int | None = Field(default=None, ge=1)
    pr_url: HttpUrl | None = None
    editor_url: HttpUrl | None = None
    status: SessionStatus = SessionStatus.STARTING
    initial_prompt: str = Field(min_length=1)
    history: list[HistoryEntry] = Field(default_factory=list)
    github_installation_id: int = Field(ge=1)
    error_message: str | None = None
    #: Kept by dynastore (Unix seconds, as the seed defines them).
    created_at: EpochSeconds | None = None
    updated_at: EpochSeconds | None = None
    #: When DynamoDB deletes the session (Unix seconds); reads hide it from then on.
    ttl: EpochSeconds = Field(default_factory=expiry)

    @field_serializer("repository_url", "pr_url", "editor_url")
    def _url(self, v: HttpUrl | None) -> str | None:
        return None if v is None else str(v)

    @model_validator(mode="after")
    def _error_has_message(self) -> DevSession:
        if self.status is SessionStatus.ERROR and not self.error_message:
            raise ValueError("a session in status 'error' needs an error_message")
        return self
