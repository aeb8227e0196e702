"""Seed 000's video scripts as pydantic models: what the store returns and what the API answers.

Identifiers are checked here, once: a session id or merged id is 1 to 128
characters of ``A-Z a-z 0-9 _ . : -`` (not starting with a dot: it is a URL
path segment), so a script id ``<session_id>#<chapter>`` is unambiguous and far
below DynamoDB's 2048-byte key limit. Texts must be valid Unicode (JSON lets a
client send a lone surrogate, which no store can encode) and are bounded in
UTF-8 bytes so that a script item stays well under DynamoDB's 400 KB.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal, Self, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from ...codec import text
from ...errors import ValidationError

T = TypeVar("T")

#: A session id or merged id: a URL path segment, part of a key.
ID_PATTERN = r"^[A-Za-z0-9_:-][A-Za-z0-9_.:-]{0,127}$"
MAX_CHAPTER = 9999
#: UTF-8 bytes of a script's text, and of the analysis it came from: with the
#: feedback history, the item stays below DynamoDB's 400 KB.
MAX_CONTENT_BYTES = 100_000
MAX_ANALYSIS_BYTES = 50_000
MAX_TITLE_CHARS = 200
MAX_FEEDBACK_CHARS = 4000
#: A duration in seconds (a day is far beyond any video chapter, and far within DynamoDB's numbers).
MAX_DURATION = 86_400.0
#: A merge is one transaction: the merged script plus one action per chapter, at most 100 actions.
MAX_MERGE_CHAPTERS = 99

Change = Literal["create", "save", "edit", "rollback"]


def _max_bytes(limit: int) -> AfterValidator:
    def check(value: str) -> str:
        n = len(value.encode("utf-8"))
        if n > limit:
            raise ValueError(f"must be at most {limit:,} bytes of UTF-8 (got {n:,})")
        return value

    return AfterValidator(check)


Text = Annotated[str, AfterValidator(text)]  # codec.text: no lone surrogates
SessionId = Annotated[str, Field(pattern=ID_PATTERN, description="the session's id (1-128 of A-Z a-z 0-9 _ . : -)")]
MergedId = Annotated[str, Field(pattern=ID_PATTERN, description="the merged script's id")]
FeedbackId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]{1,64}$",
                                  description="makes an append idempotent: the same id is kept once")]
Chapter = Annotated[int, Field(ge=1, le=MAX_CHAPTER, description="the chapter number (1-9999)")]
Title = Annotated[Text, Field(min_length=1, max_length=MAX_TITLE_CHARS)]
Content = Annotated[Text, Field(min_length=1), _max_bytes(MAX_CONTENT_BYTES)]
Analysis = Annotated[Text, _max_bytes(MAX_ANALYSIS_BYTES)]
FeedbackText = Annotated[Text, Field(min_length=1, max_length=MAX_FEEDBACK_CHARS)]
Duration = Annotated[float, Field(ge=0, le=MAX_DURATION, allow_inf_nan=False)]
VersionNumber = Annotated[int, Field(ge=0)]

#: The attributes that make up a version of a script (feedback and merges are not versioned).
CONTENT_FIELDS = ("title", "content", "analysis", "duration_seconds")


@cache
def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


def checked(kind: Any, value: T, what: str) -> T:
    """``value`` checked (strictly: no coercion) against one of the types above; a refusal is
    dynastore's ValidationError, so the store's callers see one error type."""
    try:
        return _adapter(kind).validate_python(value, strict=True)  # type: ignore[no-any-return]
    except PydanticValidationError as e:
        raise ValidationError(f"{what}: {e.errors()[0]['msg']} (got {value!r:.80})") from None


def script_id(session_id: str, chapter: int) -> str:
    """The key of a session's chapter: one item per session and chapter, by construction."""
    return f"{session_id}#{chapter}"


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Self:
        return cls.model_validate({k: float(v) if isinstance(v, Decimal) else v for k, v in item.items()})


class ScriptContent(BaseModel):
    """What one version of a script holds."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    content: Content
    analysis: Analysis | None = Field(default=None, description="the video analysis the script was written from")
    duration_seconds: Duration | None = None

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in CONTENT_FIELDS}


class Feedback(_Out):
    feedback_id: str
    text: str
    at: str = Field(description="when it was added (ISO 8601, UTC)")


class _ScriptState(_Out):
    """What a script and each of its versions hold."""

    script_id: str
    session_id: str
    chapter: int
    version: int
    title: str
    content: str
    analysis: str | None = None
    duration_seconds: float | None = None
    created_at: str | None = None


class Script(_ScriptState):
    """A session's chapter script as it is now (``version``: 1 for the first save, +1 for each
    save, edit or rollback)."""

    feedback_history: list[Feedback] = Field(default_factory=list, description="oldest first")
    merged_id: str | None = Field(default=None, description="the latest merged script this chapter went into")
    updated_at: str | None = None


class ScriptVersion(_ScriptState):
    """One version of a script, as it was saved (never changed afterwards)."""

    change: Change
    rolled_back_from: int | None = Field(default=None, description="for a rollback: the version it restored")


class MergedChapter(_Out):
    chapter: int
    script_id: str
    version: int = Field(description="the version of the chapter that was merged")
    title: str


class MergedScript(_Out):
    """Chapters of a session merged into one script."""

    merged_id: str
    session_id: str
    title: str | None = None
    content: str
    chapters: list[MergedChapter]
    duration_seconds: float | None = None
    created_at: str | None = None
    updated_at: str | None = None


class FeedbackAdded(BaseModel):
    """The outcome of appending feedback: ``added`` is False when that feedback id was already there."""

    feedback: Feedback
    added: bool
    position: int = Field(description="its index in the history (0 = oldest)")
