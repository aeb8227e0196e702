"""Seed 000's video scripts over HTTP: ``/api/scripts/...`` and the seed's own
``POST /api/bedrock-scripts/sync-with-dynamodb`` (see docs/scripts.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from ...apps.scripts.models import (
    ID_PATTERN,
    MAX_CHAPTER,
    MAX_MERGE_CHAPTERS,
    Analysis,
    Chapter,
    Content,
    Duration,
    Feedback,
    FeedbackAdded,
    FeedbackId,
    FeedbackText,
    MergedId,
    MergedScript,
    Script,
    ScriptContent,
    ScriptVersion,
    SessionId,
    Title,
)
from ...apps.scripts.offline import SessionSync, sync_session
from ...apps.scripts.store import (
    MERGED_TABLE,
    SCRIPTS_TABLE,
    VERSIONS_TABLE,
    ScriptStore,
)
from ...table import ANY_VERSION
from ..context import ApiContext, Component
from ..errors import ERROR_RESPONSES

#: versions are counted in ints far below DynamoDB's number limits
MAX_VERSION = 2**31 - 1


def _build(ctx: ApiContext) -> ScriptStore:
    return ScriptStore(
        ctx.store,
        scripts_table=ctx.table_name(SCRIPTS_TABLE, "DYNAMODB_SCRIPTS_TABLE"),
        merged_table=ctx.table_name(MERGED_TABLE, "DYNAMODB_MERGED_SCRIPTS_TABLE"),
        versions_table=ctx.table_name(VERSIONS_TABLE, "DYNAMODB_SCRIPT_VERSIONS_TABLE"),
        registry=ctx.registry,
    )


scripts = Component("scripts", _build)
setup = scripts.setup


Scripts = Annotated[ScriptStore, Depends(scripts)]
SessionPath = Annotated[str, Path(pattern=ID_PATTERN, description="the session's id")]
ChapterPath = Annotated[int, Path(ge=1, le=MAX_CHAPTER, description="the chapter number")]
VersionPath = Annotated[int, Path(ge=1, le=MAX_VERSION)]
ExpectedVersion = Annotated[int, Field(ge=0, le=MAX_VERSION)]


# -- request and response bodies -------------------------------------------------------


class SaveScript(ScriptContent):
    """A whole version of the chapter's script."""

    expected_version: ExpectedVersion | None = Field(
        default=None, description="the version you read (409 if it moved on); null: the chapter must be new; "
                                  "left out: save over whatever is there (still as a new version)")


class EditScript(BaseModel):
    """Some fields of the script; ``analysis`` / ``duration_seconds`` null removes them."""

    model_config = ConfigDict(extra="forbid")

    expected_version: ExpectedVersion = Field(description="the version you read (409 if it moved on)")
    title: Title | None = None
    content: Content | None = None
    analysis: Analysis | None = None
    duration_seconds: Duration | None = None


class AddFeedback(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: FeedbackText
    feedback_id: FeedbackId | None = Field(default=None, description="idempotency key; default: from the text")


class Rollback(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_version: Annotated[int, Field(ge=1, le=MAX_VERSION)]
    expected_version: ExpectedVersion | None = Field(default=None, description="the version you read; "
                                                     "left out or null: roll back whatever is current")


class Merge(BaseModel):
    model_config = ConfigDict(extra="forbid")

    chapters: list[Chapter] | None = Field(default=None, min_length=1, max_length=MAX_MERGE_CHAPTERS,
                                           description="which chapters (default: all of the session's)")
    title: Title | None = None
    merged_id: MergedId | None = Field(default=None, description="default: a new random id")


class SyncRequest(BaseModel):
    session_id: SessionId


class SessionScripts(BaseModel):
    session_id: str
    scripts: list[Script]


class FeedbackHistory(BaseModel):
    script_id: str
    feedback_history: list[Feedback]


class VersionPage(BaseModel):
    script_id: str
    versions: list[ScriptVersion]
    next_after: int | None = Field(description="pass as ?after= for the next page; null: no more")


class MergedScripts(BaseModel):
    session_id: str
    merged_scripts: list[MergedScript]


# -- routes ------------------------------------------------------------------------------

api = APIRouter(prefix="/api/scripts", tags=["scripts"], responses=ERROR_RESPONSES)


@api.get("/{session_id}", summary="A session's scripts, in chapter order")
def list_scripts(session_id: SessionPath, store: Scripts) -> SessionScripts:
    return SessionScripts(session_id=session_id, scripts=store.get_scripts_by_session(session_id))


@api.put("/{session_id}/chapters/{chapter}", summary="Save a chapter's script as its next version",
         responses={201: {"model": Script, "description": "The chapter's first version"}})
def save_script(session_id: SessionPath, chapter: ChapterPath, body: SaveScript, store: Scripts,
                response: Response) -> Script:
    expected: Any = body.expected_version if "expected_version" in body.model_fields_set else ANY_VERSION
    saved = store.save_script(session_id, chapter, **body.fields(), expected_version=expected)
    if saved.version == 1:
        response.status_code = status.HTTP_201_CREATED
    return saved


@api.get("/{session_id}/chapters/{chapter}", summary="A chapter's script as it is now")
def get_script(session_id: SessionPath, chapter: ChapterPath, store: Scripts) -> Script:
    return store.get_script(session_id, chapter)


@api.patch("/{session_id}/chapters/{chapter}", summary="Edit some fields, as a new version (version-checked)")
def edit_script(session_id: SessionPath, chapter: ChapterPath, body: EditScript, store: Scripts) -> Script:
    changes = {f: getattr(body, f) for f in body.model_fields_set if f != "expected_version"}
    return store.edit_script(session_id, chapter, expected_version=body.expected_version, **changes)


@api.post("/{session_id}/chapters/{chapter}/feedback", summary="Append feedback (once per feedback id)",
          status_code=status.HTTP_201_CREATED,
          responses={200: {"model": FeedbackAdded, "description": "That feedback id was already there"}})
def add_feedback(session_id: SessionPath, chapter: ChapterPath, body: AddFeedback, store: Scripts,
                 response: Response) -> FeedbackAdded:
    added = store.add_feedback(session_id, chapter, body.text, feedback_id=body.feedback_id)
    if not added.added:
        response.status_code = status.HTTP_200_OK
    return added


@api.get("/{session_id}/chapters/{chapter}/feedback", summary="The feedback history, oldest first")
def feedback_history(session_id: SessionPath, chapter: ChapterPath, store: Scripts) -> FeedbackHistory:
    script = store.get_script(session_id, chapter)
    return FeedbackHistory(script_id=script.script_id, feedback_history=script.feedback_history)


@api.get("/{session_id}/chapters/{chapter}/versions", summary="The script's versions, oldest first, by pages")
def list_versions(session_id: SessionPath, chapter: ChapterPath, store: Scripts,
                  after: Annotated[int, Query(ge=0, le=MAX_VERSION, description="versions after this one")] = 0,
                  limit: Annotated[int, Query(ge=1, le=100)] = 50) -> VersionPage:
    script = store.get_script(session_id, chapter)
    versions = store.list_versions(session_id, chapter, after=after, limit=limit + 1)
    more = len(versions) > limit
    versions = versions[:limit]
    return VersionPage(script_id=script.script_id, versions=versions,
                       next_after=versions[-1].version if more else None)


@api.get("/{session_id}/chapters/{chapter}/versions/{version}", summary="One version of the script")
def get_version(session_id: SessionPath, chapter: ChapterPath, version: VersionPath, store: Scripts) -> ScriptVersion:
    return store.get_version(session_id, chapter, version)


@api.post("/{session_id}/chapters/{chapter}/rollback",
          summary="Make an earlier version current again (as a new version)")
def rollback(session_id: SessionPath, chapter: ChapterPath, body: Rollback, store: Scripts) -> Script:
    expected: Any = ANY_VERSION if body.expected_version is None else body.expected_version
    return store.rollback(session_id, chapter, body.to_version, expected_version=expected)


@api.post("/{session_id}/merged", summary="Merge chapters into a merged script (all or nothing)",
          status_code=status.HTTP_201_CREATED)
def merge(session_id: SessionPath, body: Merge, store: Scripts) -> MergedScript:
    return store.merge_scripts(session_id, chapters=body.chapters, title=body.title, merged_id=body.merged_id)


@api.get("/{session_id}/merged", summary="A session's merged scripts, oldest first")
def list_merged(session_id: SessionPath, store: Scripts) -> MergedScripts:
    return MergedScripts(session_id=session_id, merged_scripts=store.get_merged_scripts_by_session(session_id))


@api.get("/{session_id}/merged/{merged_id}", summary="One of the session's merged scripts")
def get_merged(session_id: SessionPath, merged_id: Annotated[str, Path(pattern=ID_PATTERN)],
               store: Scripts) -> MergedScript:
    return store.get_merged_script(session_id, merged_id)


bedrock = APIRouter(prefix="/api/bedrock-scripts", tags=["scripts"], responses=ERROR_RESPONSES)


@bedrock.post("/sync-with-dynamodb", summary="The seed's sync button: replay offline writes, return the session")
def sync_with_dynamodb(body: SyncRequest, store: Scripts) -> SessionSync:
    """On a store with an offline fallback: replay the writes kept locally while DynamoDB was
    unreachable, pull the session's items from DynamoDB, and return what moved and the session's
    scripts. Without a fallback: ``synced: false`` with the reason, and the session's scripts."""
    return sync_session(store, body.session_id)


router = APIRouter()
router.include_router(api)
router.include_router(bedrock)
