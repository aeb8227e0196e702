"""Seed 003 (DevFlow Engine): one item per coding session, in ``devflow-sessions``.

The table is the seed's own (``specs/devflow_sessions.yaml``): partition key
``session_id``; GSI ``user_id-created_at-index`` (``created_at`` a Number);
TTL on ``ttl``, 24 hours after the session was created or last updated;
``created_at``/``updated_at`` are Unix seconds kept by dynastore.

Every text field has a limit in UTF-8 bytes, so that the columns other than
the history can never take more than `MAX_FIELDS_BYTES` of an item: the
history's budget (see `history`) is what is left of the 400 KB.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    PlainSerializer,
    field_validator,
    model_validator,
)

from ...models import EpochSeconds, Model
from .. import shipped_spec

#: The seed's table: ``devflow-sessions``.
SESSIONS_TABLE = shipped_spec("devflow_sessions.yaml", "devflow-sessions")
#: The seed's GSI: a user's sessions by creation time.
BY_USER = "user_id-created_at-index"
#: How long a session lives after it was created or last updated.
SESSION_LIFETIME = timedelta(hours=24)

#: Limits, in UTF-8 bytes (what DynamoDB counts), of the text columns.
MAX_USER_ID_BYTES = 512
MAX_NAME_BYTES = 400  # repository owner and name (GitHub allows 39 and 100 characters)
MAX_BRANCH_BYTES = 1024  # git refuses longer ref names on most file systems
MAX_URL_CHARS = 2048
MAX_ARN_CHARS = 2048
MAX_PROMPT_BYTES = 32 * 1024
MAX_RESPONSE_BYTES = 64 * 1024
MAX_ERROR_BYTES = 8 * 1024
#: Largest number stored in pr_number / github_installation_id (a signed 64-bit int, as GitHub's ids are).
MAX_ID_NUMBER = 2**63 - 1
#: What the columns other than the history can take of an item at most (checked by the tests).
MAX_FIELDS_BYTES = 64 * 1024

_UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
#: The pattern of a session id as the API takes it (any case; stored lower-case).
SESSION_ID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"


def expiry(now: datetime | None = None) -> datetime:
    """The TTL of a session touched now (24 hours on)."""
    return (now or datetime.now(timezone.utc)) + SESSION_LIFETIME


def new_session_id() -> str:
    return str(uuid.uuid4())


def session_id_error(value: object) -> str | None:
    """Why ``value`` is not a session id (a UUID version 4, hyphenated), or None when it is one."""
    if not isinstance(value, str) or not _UUID4.fullmatch(value.lower()):
        return f"session_id must be a UUID version 4 (xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx), got {value!r:.60}"
    return None


def utf8_bytes(text: str) -> int:
    """UTF-8 bytes of ``text``; ValueError for text that has none (a lone surrogate from JSON's ``\\ud800``)."""
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise ValueError("text is not valid Unicode (it holds a lone surrogate)") from None


def _within(limit: int) -> Callable[[str], str]:
    def check(text: str) -> str:
        n = utf8_bytes(text)
        if n > limit:
            raise ValueError(f"at most {limit:,} bytes of UTF-8, got {n:,}")
        return text

    return check


def _short_url(url: HttpUrl) -> HttpUrl:
    # the normalised URL (percent-encoded, punycode) can be longer than what was given
    if len(str(url)) > MAX_URL_CHARS:
        raise ValueError(f"URL is longer than {MAX_URL_CHARS} characters once normalised")
    return url


# Text columns: non-empty (but a response), each within its limit in UTF-8 bytes.
UserId = Annotated[str, Field(min_length=1), AfterValidator(_within(MAX_USER_ID_BYTES))]
RepoName = Annotated[str, Field(min_length=1), AfterValidator(_within(MAX_NAME_BYTES))]
Branch = Annotated[str, Field(min_length=1), AfterValidator(_within(MAX_BRANCH_BYTES))]
Prompt = Annotated[str, Field(min_length=1), AfterValidator(_within(MAX_PROMPT_BYTES))]
Response = Annotated[str, AfterValidator(_within(MAX_RESPONSE_BYTES))]
ErrorMessage = Annotated[str, Field(min_length=1), AfterValidator(_within(MAX_ERROR_BYTES))]
#: A URL, stored and shown as its normalised text.
Url = Annotated[HttpUrl, AfterValidator(_short_url), PlainSerializer(str, return_type=str)]
Arn = Annotated[str, Field(min_length=1, max_length=MAX_ARN_CHARS, pattern=r"^arn:[^\s]+$")]
IdNumber = Annotated[int, Field(ge=1, le=MAX_ID_NUMBER)]


class SessionStatus(str, Enum):
    STARTING = "starting"
    RUNNING = "running"
    STOPPED = "stopped"
    ERROR = "error"


#: Status -> the statuses a session may move to from it. Setting the status a session already has is
#: accepted too (a retried request), except that only ``error`` may then change its message.
TRANSITIONS: dict[SessionStatus, frozenset[SessionStatus]] = {
    SessionStatus.STARTING: frozenset({SessionStatus.RUNNING, SessionStatus.STOPPED, SessionStatus.ERROR}),
    SessionStatus.RUNNING: frozenset({SessionStatus.STOPPED, SessionStatus.ERROR}),
    SessionStatus.STOPPED: frozenset({SessionStatus.STARTING}),
    SessionStatus.ERROR: frozenset({SessionStatus.STARTING, SessionStatus.STOPPED}),
}


def sources_of(target: SessionStatus) -> list[SessionStatus]:
    """The statuses from which a session may move to ``target`` (itself included)."""
    return [s for s in SessionStatus if s is target or target in TRANSITIONS[s]]


class HistoryEntry(BaseModel):
    """One exchange of the session's prompt/response history (kept in order)."""

    prompt: Prompt
    response: Response | None = None
    at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))

    @field_validator("at")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        try:  # stored as UTC: a time near year 1 or 9999 may have none
            return v.replace(tzinfo=timezone.utc) if v.tzinfo is None else v.astimezone(timezone.utc)
        except OverflowError:
            raise ValueError("time out of range once in UTC") from None


class NewSession(BaseModel):
    """What a client gives to open a session: the seed's columns but those dynastore keeps."""

    model_config = ConfigDict(extra="forbid")

    session_id: str = Field(default_factory=new_session_id, min_length=1, max_length=64)
    user_id: UserId
    repository_url: Url
    repository_owner: RepoName
    repository_name: RepoName
    branch_name: Branch
    ecs_cluster_arn: Arn | None = None
    ecs_task_arn: Arn | None = None
    ecs_task_definition_arn: Arn | None = None
    pr_number: IdNumber | None = None
    pr_url: Url | None = None
    editor_url: Url | None = None
    status: SessionStatus = SessionStatus.STARTING
    initial_prompt: Prompt
    github_installation_id: IdNumber
    error_message: ErrorMessage | None = None

    @model_validator(mode="after")
    def _error_has_message(self) -> Self:
        if self.status is SessionStatus.ERROR and not self.error_message:
            raise ValueError("a session in status 'error' needs an error_message")
        if self.status is not SessionStatus.ERROR and self.error_message is not None:
            raise ValueError(f"error_message is for a session in status 'error' (this one is {self.status.value!r})")
        return self


class SessionFields(Model, NewSession, abstract=True, table=SESSIONS_TABLE):
    """Every column of the seed's table but the history: what a session and its summary share."""

    model_config = ConfigDict(extra="ignore")

    #: Kept by dynastore (Unix seconds, as the seed defines them).
    created_at: EpochSeconds | None = None
    updated_at: EpochSeconds | None = None
    #: When DynamoDB deletes the session (Unix seconds); reads hide it from then on.
    ttl: EpochSeconds = Field(default_factory=expiry)


class DevSession(SessionFields):
    """A user's coding session: repository, branch, ECS task, PR, editor, status and history."""

    history: list[HistoryEntry] = Field(default_factory=list)


class SessionSummary(SessionFields):
    """A session as a listing shows it: every column but the history, and how many turns it holds."""

    history_count: int = Field(default=0, ge=0)


class SessionChanges(BaseModel):
    """A partial update: the fields given are changed, an optional one given as null is removed.

    ``status`` moves the session along `TRANSITIONS`; ``error_message`` goes
    with status ``error`` (and only with it).
    """

    model_config = ConfigDict(extra="forbid")

    repository_url: Url | None = None
    repository_owner: RepoName | None = None
    repository_name: RepoName | None = None
    branch_name: Branch | None = None
    ecs_cluster_arn: Arn | None = None
    ecs_task_arn: Arn | None = None
    ecs_task_definition_arn: Arn | None = None
    pr_number: IdNumber | None = None
    pr_url: Url | None = None
    editor_url: Url | None = None
    status: SessionStatus | None = None
    initial_prompt: Prompt | None = None
    github_installation_id: IdNumber | None = None
    error_message: ErrorMessage | None = None

    @model_validator(mode="after")
    def _required_stay(self) -> Self:
        cleared = sorted(f for f in REQUIRED_COLUMNS & self.model_fields_set if getattr(self, f) is None)
        if cleared:
            raise ValueError(f"{', '.join(cleared)} {'is' if len(cleared) == 1 else 'are'} required: "
                             "it cannot be removed")
        if self.status is SessionStatus.ERROR and not self.error_message:
            raise ValueError("moving a session to status 'error' needs an error_message")
        if self.status is not None and self.status is not SessionStatus.ERROR and self.error_message is not None:
            raise ValueError(f"error_message is for status 'error', not {self.status.value!r}")
        return self

    def values(self) -> dict[str, object]:
        """The changes as stored: given fields only, None for those to remove."""
        return self.model_dump(mode="json", exclude_unset=True)


#: Columns a session always has (the seed's required flag) that a client may change.
REQUIRED_COLUMNS = frozenset({"repository_url", "repository_owner", "repository_name", "branch_name", "status",
                              "initial_prompt", "github_installation_id"})
