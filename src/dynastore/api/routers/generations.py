"""Seed 001's video-generation states over HTTP: ``/api/generations/...`` (see docs/generations.md).

A generation is created with its initial parameters, gains one stage per
PATCH (script, audio, keywords, clips, baseVideo, finalVideo, youtube) and is
listed per user, newest first, a page at a time. ``userId`` on a single
generation's routes checks ownership: another user's generation is "not found".
The ``/admin/...`` routes act on every generation.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ...apps.generations.cursor import MAX_CURSOR_CHARS
from ...apps.generations.errors import not_found
from ...apps.generations.models import (
    DEFAULT_USER,
    ID_PATTERN,
    MAX_AGE_SECONDS,
    MAX_PAGE,
    USER_PATTERN,
    GenerationChanges,
    GenerationId,
    GenerationState,
    StageData,
    Stages,
    UserId,
)
from ...apps.generations.store import DEFAULT_TABLE, GenerationStore
from ...errors import ValidationError
from ..context import ApiContext, Component
from ..errors import ERROR_RESPONSES

router = APIRouter(prefix="/api/generations", tags=["generations"], responses=ERROR_RESPONSES)


def _build(ctx: ApiContext) -> GenerationStore:
    return GenerationStore(ctx.store, table=ctx.table_name(DEFAULT_TABLE, "DYNAMODB_TABLE_NAME"),
                           registry=ctx.registry)


generations = Component("generations", _build)
setup = generations.setup


Generations = Annotated[GenerationStore, Depends(generations)]
IdPath = Annotated[str, Path(pattern=ID_PATTERN, max_length=128, description="the generation's id")]
Owner = Annotated[str | None, Query(alias="userId", pattern=USER_PATTERN, max_length=256,
                                    description="when given, the generation must be this user's (else 404)")]


def _new_id() -> str:
    return f"gen_{uuid.uuid4().hex}"


class CreateGeneration(Stages):
    """A new generation: its initial parameters, and any stages already done."""

    model_config = ConfigDict(extra="forbid")

    generationId: GenerationId = Field(default_factory=_new_id, description="default: a new random id")
    userId: UserId = DEFAULT_USER
    initialParams: StageData = Field(examples=[{"prompt": "Create a video about AI", "language": "en",
                                                "options": {"aspectRatio": "16:9"}}])


class GenerationList(BaseModel):
    items: list[GenerationState]
    cursor: str | None = Field(description="pass as ?cursor= for the next page; null: this was the last")


class Cleanup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    maxAgeSeconds: float = Field(default=86400, gt=0, le=MAX_AGE_SECONDS,
                                 description="delete generations created longer ago than this (default 24 h)")
    userId: UserId | None = Field(default=None, description="only this user's generations")


class Deleted(BaseModel):
    deleted: int


class Healthy(BaseModel):
    healthy: bool


class Metrics(BaseModel):
    activeGenerations: int
    operations: dict[str, int]
    errors: dict[str, int]


# -- a user's generations -------------------------------------------------------------


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a generation")
def create(body: CreateGeneration, store: Generations,
           overwrite: Annotated[bool, Query(description="replace a generation with the same id (else 409)")] = False,
           ) -> GenerationState:
    return store.save(GenerationState.model_validate(body.model_dump()), overwrite=overwrite)


@router.get("", summary="A user's generations, newest first")
def list_generations(
    store: Generations,
    user_id: Annotated[str, Query(alias="userId", pattern=USER_PATTERN, max_length=256)],
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
    cursor: Annotated[str | None, Query(min_length=1, max_length=MAX_CURSOR_CHARS,
                                        description="the previous page's cursor")] = None,
) -> GenerationList:
    page = store.get_user_generations(user_id, limit=limit, cursor=cursor)
    return GenerationList(items=page.items, cursor=page.cursor)


@router.get("/{generation_id}", summary="One generation")
def get(generation_id: IdPath, store: Generations, user_id: Owner = None) -> GenerationState:
    found = store.get(generation_id) if user_id is None else store.get_user_generation(user_id, generation_id)
    if found is None:
        raise not_found(generation_id, user_id)
    return found


@router.patch("/{generation_id}", summary="Record stages (or new initial parameters) of a generation")
def update(generation_id: IdPath, body: GenerationChanges, store: Generations, user_id: Owner = None,
           expected_version: Annotated[int | None, Query(alias="expectedVersion", ge=1, le=2**53,
                                                         description="the version you read (409 if it moved on)")]
           = None) -> GenerationState:
    """Sets only the stages given (one conditional write); the status moves to the latest stage present."""
    return store.update(generation_id, body, user_id=user_id, expected_version=expected_version)


@router.delete("/{generation_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a generation")
def delete(generation_id: IdPath, store: Generations, user_id: Owner = None) -> Response:
    if not store.delete(generation_id, user_id=user_id):
        raise not_found(generation_id, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- every generation -----------------------------------------------------------------


@router.post("/admin/cleanup", summary="Delete old generations (every page)")
def cleanup(store: Generations, body: Cleanup | None = None) -> Deleted:
    body = body or Cleanup()
    return Deleted(deleted=store.cleanup(body.maxAgeSeconds, user_id=body.userId))


@router.post("/admin/clear", summary="Delete every generation")
def clear(store: Generations,
          confirm: Annotated[bool, Query(description="must be true: this deletes everything")]) -> Deleted:
    if not confirm:
        raise ValidationError("pass confirm=true to delete every generation")
    return Deleted(deleted=store.clear_all())


@router.get("/admin/health", summary="Whether the generations table is usable", response_model=Healthy,
            responses={503: {"model": Healthy, "description": "The table is missing or not ACTIVE"}})
def health(store: Generations) -> Any:
    healthy = store.is_healthy()
    return JSONResponse(Healthy(healthy=healthy).model_dump(), status_code=200 if healthy else 503)


@router.get("/admin/metrics", summary="Stored generations and operation counts")
def metrics(store: Generations) -> Metrics:
    return Metrics.model_validate(store.get_metrics())
