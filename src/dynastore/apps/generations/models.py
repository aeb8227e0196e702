"""Seed 001 (Video Gennie): the state of one video generation, as pydantic models.

A generation starts with ``initialParams`` and gains one map per finished
stage, in this order: script, audio, keywords, clips, baseVideo, finalVideo,
youtube. Its ``status`` is the last of those stages present (``created`` while
none is), so it is derived, never chosen by a caller.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, Literal, TypeVar, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError

from ...codec import normalize_number, text
from ...errors import ValidationError
from ...jsonutil import to_jsonable
from ...limits import MAX_NESTING_LEVELS
from ...models.schema import first_error

Status = Literal["created", "script", "audio", "keywords", "clips", "baseVideo", "finalVideo", "youtube"]
#: Every status, in order: ``created`` (no stage yet), then the stages in the order they are reached.
STATUSES: tuple[Status, ...] = get_args(Status)
#: ``status`` of a generation no stage has reached yet.
CREATED: Status = STATUSES[0]
#: The stages of a generation, in the order they are reached.
STAGES: tuple[Status, ...] = STATUSES[1:]

#: Owner of generations saved without one (the seed had no users; migrated files get this).
DEFAULT_USER = "anonymous"

#: Generation ids: safe as a DynamoDB key, a URL segment and a file name (no ``/``, no leading dot).
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"
#: User ids: the same, plus ``@`` and ``+`` (e-mail addresses), up to 256 characters.
USER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:@+-]{0,255}$"
#: The most generations one page lists.
MAX_PAGE = 100
#: The longest maximum age a cleanup takes (100 years: the cutoff stays a representable time).
MAX_AGE_SECONDS = 100 * 365 * 86400


def status_of(stages: Any) -> Status:
    """The status of a generation holding *stages* (names of the stages present): the last one reached."""
    present = set(stages)
    reached = [s for s in STAGES if s in present]
    return reached[-1] if reached else CREATED


def statuses_up_to(status: Status) -> tuple[Status, ...]:
    """The statuses at or before *status*: those an update reaching *status* may replace."""
    return STATUSES[: STATUSES.index(status) + 1]


def _json_map(value: dict[str, Any]) -> dict[str, Any]:
    """Refuse what JSON lets through but DynamoDB (and UTF-8) cannot store: lone surrogates, deep nesting,
    numbers beyond DynamoDB's (NaN, infinities, more than 38 digits)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        v, depth = stack.pop()
        if depth > MAX_NESTING_LEVELS - 1:
            raise ValueError(f"nested more than {MAX_NESTING_LEVELS - 1} levels deep (DynamoDB's limit is "
                             f"{MAX_NESTING_LEVELS} for the whole item)")
        if isinstance(v, dict):
            for k, x in v.items():
                text(k)
                stack.append((x, depth + 1))
        elif isinstance(v, list):
            stack.extend((x, depth + 1) for x in v)
        elif isinstance(v, str):
            text(v)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            normalize_number(v)  # DynamoDB's range and 38 digits, in every storage (files too)
    return value


#: A stage's (or the initial parameters') data: a JSON object, stored as a DynamoDB map.
StageData = Annotated[dict[str, Any], AfterValidator(_json_map)]
GenerationId = Annotated[str, Field(pattern=ID_PATTERN, description="1-128 of A-Z a-z 0-9 _ . : - (not first)",
                                    examples=["gen_123"])]
UserId = Annotated[str, Field(pattern=USER_PATTERN, description="1-256 of A-Z a-z 0-9 _ . : @ + - (not first)",
                              examples=["user-42"])]


def iso(dt: datetime) -> str:
    """A timestamp as dynastore writes it: ISO-8601 UTC with microseconds (fixed width, so it sorts as time)."""
    return dt.astimezone(timezone.utc).isoformat(timespec="microseconds")


class Stages(BaseModel):
    """The stage maps; every one optional."""

    model_config = ConfigDict(extra="forbid")

    script: StageData | None = Field(default=None, examples=[{"content": "AI is transforming our world...",
                                                              "mood": "informative", "source": "generated"}])
    audio: StageData | None = None
    keywords: StageData | None = None
    clips: StageData | None = None
    baseVideo: StageData | None = None
    finalVideo: StageData | None = None
    youtube: StageData | None = None


class GenerationChanges(Stages):
    """A partial update: the stages (and/or initial parameters) to set; what is absent or null is left as it is."""

    initialParams: StageData | None = None

    def attributes(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump(exclude_none=True).items()}


class _Identity(BaseModel):
    generationId: GenerationId
    userId: UserId = DEFAULT_USER
    initialParams: StageData = Field(default_factory=dict,
                                     examples=[{"prompt": "Create a video about AI", "language": "en",
                                                "options": {"aspectRatio": "16:9"}}])


class GenerationState(Stages, _Identity):
    """One generation as stored: ``status``, ``version``, ``createdAt``, ``updatedAt`` are kept by the store."""

    model_config = ConfigDict(extra="ignore")

    status: Status = CREATED
    version: int | None = Field(default=None, ge=1, description="incremented by every write (optimistic locking)")
    createdAt: datetime | None = None
    updatedAt: datetime | None = None

    @field_validator("createdAt", "updatedAt")
    @classmethod
    def _utc(cls, v: datetime | None) -> datetime | None:
        if v is None:
            return None
        try:  # a naive time is taken as UTC; one at the edges of datetime's range cannot be moved to UTC
            return v.replace(tzinfo=timezone.utc) if v.tzinfo is None else v.astimezone(timezone.utc)
        except OverflowError:
            raise ValueError("timestamp out of range") from None

    @model_validator(mode="after")
    def _derive_status(self) -> GenerationState:
        # Whatever a file or an old item says, the status is what its stages make it.
        self.status = status_of(self.stages_present())
        return self

    @field_serializer("createdAt", "updatedAt")
    def _iso(self, v: datetime | None) -> str | None:
        return None if v is None else iso(v)

    def stages_present(self) -> list[str]:
        return [s for s in STAGES if getattr(self, s) is not None]

    def to_item(self) -> dict[str, Any]:
        """The item to write (no version: the table maintains it; no timestamps left unset)."""
        return self.model_dump(exclude_none=True, exclude={"version"})

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> GenerationState:
        """The state of a stored item (numbers as JSON has them: Decimals become floats)."""
        return cls.model_validate(to_jsonable(dict(item)))


M = TypeVar("M", bound=BaseModel)


# -- what both storages accept -------------------------------------------------

_ID = re.compile(ID_PATTERN)
_USER = re.compile(USER_PATTERN)


def check_id(generation_id: Any) -> str:
    if not isinstance(generation_id, str) or not _ID.fullmatch(generation_id):
        raise ValidationError(f"invalid generation id {str(generation_id)[:80]!r}: 1-128 of A-Z a-z 0-9 _ . : - "
                              "starting with a letter or digit")
    return generation_id


def check_user(user_id: Any) -> str:
    if not isinstance(user_id, str) or not _USER.fullmatch(user_id):
        raise ValidationError(f"invalid user id {str(user_id)[:80]!r}: 1-256 of A-Z a-z 0-9 _ . : @ + - "
                              "starting with a letter or digit")
    return user_id


def check_limit(limit: Any) -> int:
    if type(limit) is not int or not 1 <= limit <= MAX_PAGE:
        raise ValidationError(f"limit must be an int from 1 to {MAX_PAGE}, got {limit!r}")
    return limit


def as_state(state: GenerationState | Mapping[str, Any]) -> GenerationState:
    """A state to save, from a model or a plain dict (the seed's objects); bad input is a ValidationError."""
    if isinstance(state, GenerationState):
        return state
    return _validated(GenerationState, state, "generation state")


def as_changes(changes: GenerationChanges | Mapping[str, Any]) -> dict[str, Any]:
    """The attributes an update sets: at least one; ``None`` means "leave as it is", as the seed's undefined."""
    ch = changes if isinstance(changes, GenerationChanges) else _validated(GenerationChanges, changes, "update")
    attrs = ch.attributes()
    if not attrs:
        raise ValidationError("nothing to update: give initialParams or at least one stage "
                              f"({', '.join(STAGES)})")
    return attrs


def as_max_age(max_age: timedelta | float) -> timedelta:
    """A maximum age as a timedelta (a number is seconds)."""
    if isinstance(max_age, bool) or not isinstance(max_age, (timedelta, int, float)):
        raise ValidationError(f"max age is a timedelta or seconds, got {max_age!r}")
    try:
        age = max_age if isinstance(max_age, timedelta) else timedelta(seconds=max_age)
    except (OverflowError, ValueError):
        raise ValidationError(f"max age {max_age!r} is out of range") from None
    if not timedelta(0) < age <= timedelta(seconds=MAX_AGE_SECONDS):
        raise ValidationError(f"max age must be positive and at most 100 years, got {max_age!r}")
    return age


def _validated(model: type[M], data: Any, what: str) -> M:
    if not isinstance(data, Mapping):
        raise ValidationError(f"a {what} is a mapping, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except PydanticValidationError as e:
        raise ValidationError(f"invalid {what}: {first_error(e)}", cause=e) from None
