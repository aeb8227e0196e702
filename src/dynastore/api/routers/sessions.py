"""Seed 003's developer sessions over HTTP: ``/api/sessions/...`` (see docs/sessions.md).

A session is created for a user and repository, moves along its statuses
(starting, running, stopped, error), gathers prompt/response turns and
expires 24 hours after its last change. Times are Unix seconds, as the seed's
table defines them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from ...apps.devflow.cursor import MAX_CURSOR_CHARS
from ...apps.devflow.models import (
    SESSION_ID_PATTERN,
    DevSession,
    ErrorMessage,
    HistoryEntry,
    NewSession,
    Prompt,
    SessionChanges,
    SessionStatus,
    SessionSummary,
    new_session_id,
)
from ...apps.devflow.models import (
    Response as ResponseText,
)
from ...apps.devflow.store import (
    DEFAULT_PAGE_SIZE,
    DEFAULT_TABLE,
    MAX_PAGE_SIZE,
    TABLE_ENV,
    SessionStore,
)
from ..context import ApiContext, Component
from ..errors import ERROR_RESPONSES

router = APIRouter(prefix="/api/sessions", tags=["sessions"], responses=ERROR_RESPONSES)


def _build(ctx: ApiContext) -> SessionStore:
    return SessionStore(ctx.store, ctx.blobs, table=ctx.table_name(DEFAULT_TABLE, TABLE_ENV), registry=ctx.registry)


sessions = Component("sessions", _build)
setup = sessions.setup


Sessions = Annotated[SessionStore, Depends(sessions)]
SessionId = Annotated[str, Path(pattern=SESSION_ID_PATTERN, description="the session's id (a UUID version 4)")]


class CreateSession(NewSession):
    """A new session: status ``starting`` unless given (``error`` needs ``error_message``)."""

    session_id: str = Field(default_factory=new_session_id, pattern=SESSION_ID_PATTERN,
                            description="a UUID version 4; default: a new one")


class StatusChange(BaseModel):
    """Move a session to another status; ``error`` needs ``error_message``, the others take none."""

    model_config = ConfigDict(extra="forbid")

    status: SessionStatus
    error_message: ErrorMessage | None = None


class Turn(BaseModel):
    """One prompt and its response (the response may come later, in another turn)."""

    model_config = ConfigDict(extra="forbid")

    prompt: Prompt
    response: ResponseText | None = None


class TurnOut(Turn):
    at: datetime = Field(description="when the turn was added (UTC)")


class SessionOut(NewSession):
    """A session's columns as the seed's table defines them (times in Unix seconds), and its turn count."""

    created_at: int
    updated_at: int
    ttl: int = Field(description="when the session expires (24 hours after its last change)")
    history_count: int = Field(description="turns in the history")

    @classmethod
    def of(cls, store: SessionStore, summary: SessionSummary) -> SessionOut:
        return cls.model_validate(store.summaries.dump(summary))


class SessionWithHistory(SessionOut):
    history: list[TurnOut] = Field(description="every turn, oldest first (older ones read from blob storage)")

    @classmethod
    def of_session(cls, store: SessionStore, session: DevSession) -> SessionWithHistory:
        item: dict[str, Any] = store.sessions.dump(session)
        return cls.model_validate({**item, "history_count": len(session.history)})


class SessionList(BaseModel):
    sessions: list[SessionOut] = Field(description="newest first")
    cursor: str | None = Field(description="pass as ?cursor= for the next page; null: this was the last")


class History(BaseModel):
    session_id: str
    history: list[TurnOut]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SessionOut, summary="Open a session")
def create_session(body: CreateSession, store: Sessions) -> SessionOut:
    """409 when a live session has the id already."""
    return SessionOut.of(store, store.create(body))


@router.get("", response_model=SessionList, summary="A user's sessions, newest first")
def list_sessions(
    store: Sessions,
    user_id: Annotated[str, Query(min_length=1, max_length=512, description="whose sessions")],
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(min_length=1, max_length=MAX_CURSOR_CHARS,
                                        description="the cursor of the previous page")] = None,
) -> SessionList:
    """Expired sessions never appear. A cursor not given out by this API is a 422."""
    page = store.list_for_user(user_id, limit=limit, cursor=cursor)
    return SessionList(sessions=[SessionOut.of(store, s) for s in page.sessions], cursor=page.cursor)


@router.get("/{session_id}", response_model=SessionWithHistory, summary="A session with its whole history")
def get_session(session_id: SessionId, store: Sessions) -> SessionWithHistory:
    return SessionWithHistory.of_session(store, store.get(session_id))


@router.patch("/{session_id}", response_model=SessionOut, summary="Change a session's fields")
def update_session(session_id: SessionId, body: SessionChanges, store: Sessions) -> SessionOut:
    """Fields given are set, optional ones given as null removed. A status change must be allowed from the
    current status (else 409, naming both); ``error_message`` goes with status ``error`` only."""
    return SessionOut.of(store, store.update(session_id, body))


@router.put("/{session_id}/status", response_model=SessionOut, summary="Move a session to another status")
def set_status(session_id: SessionId, body: StatusChange, store: Sessions) -> SessionOut:
    """starting → running, stopped, error; running → stopped, error; stopped → starting;
    error → starting, stopped (and any status to itself). Anything else is a 409."""
    return SessionOut.of(store, store.set_status(session_id, body.status, error_message=body.error_message))


@router.post("/{session_id}/keep-alive", response_model=SessionOut, summary="Push the expiry 24 hours on")
def keep_alive(session_id: SessionId, store: Sessions) -> SessionOut:
    return SessionOut.of(store, store.keep_alive(session_id))


@router.post("/{session_id}/history", status_code=status.HTTP_201_CREATED, response_model=SessionOut,
             summary="Add a turn to the history")
def append_turn(session_id: SessionId, body: Turn, store: Sessions) -> SessionOut:
    """Turns are kept in the order they arrive; the history never outgrows the item (older turns move to
    blob storage)."""
    entry = HistoryEntry(prompt=body.prompt, response=body.response)
    return SessionOut.of(store, store.append_history(session_id, entry))


@router.get("/{session_id}/history", response_model=History, summary="A session's whole history")
def get_history(session_id: SessionId, store: Sessions) -> History:
    session = store.get(session_id)
    return History.model_validate({"session_id": session.session_id,
                                   "history": [h.model_dump() for h in session.history]})


@router.delete("/{session_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               summary="Delete a session and its history")
def delete_session(session_id: SessionId, store: Sessions) -> Response:
    store.delete(session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
