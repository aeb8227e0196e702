"""The blog web app (seed 004) as a FastAPI application: pages, static files, HTML error pages."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

from ...api.context import ApiContext
from . import errors
from .routes import accounts, activity, comments, likes, posts
from .templating import STATIC, environment
from .visit import blog_component


class VersionedStatic(StaticFiles):
    """Static files whose URLs carry their content's hash (``?v=``), so browsers may keep them a year."""

    def file_response(self, full_path: PathLike, stat_result: os.stat_result, scope: Scope,
                      status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def create_blog_app(ctx: ApiContext) -> FastAPI:
    """The blog on *ctx*'s store (its `BlogStore` is `blog_component`), to mount at ``/``.

    Mounted, the outer application's start-up builds the store (``blog_component.setup(ctx)``); served
    on its own, this app's start-up does.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        blog_component.setup(ctx)
        yield
        blog_component(ctx).close()

    app = FastAPI(title="dynastore blog", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.dynastore = ctx
    app.state.templates = environment()
    errors.install(app)
    for module in (posts, likes, comments, activity, accounts):
        app.include_router(module.router)
    app.mount("/static", VersionedStatic(directory=STATIC), name="static")
    return app
