"""The blog web app (seed 004) as a FastAPI application: pages, static files, HTML error pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from ...api.context import ApiContext
from ..assets import STATIC, VersionedStatic
from . import errors
from .routes import accounts, activity, comments, likes, posts
from .templating import environment
from .visit import blog_component


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
