"""The console as a FastAPI application: pages, static files, HTML error pages, access control."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.responses import RedirectResponse

from ...api.context import ApiContext, Component
from ..assets import STATIC, VersionedStatic
from . import access, errors
from .routes import items, reads, tables
from .templating import environment


class Console:
    """What the console keeps on the application's context: nothing but the store it browses, which is
    the application's (so there is nothing of its own to create or close)."""

    def __init__(self, ctx: ApiContext):
        self.store = ctx.store

    def close(self) -> None:
        pass


#: The console on the application's context (``dynastore serve`` builds every web app's component).
console_component: Component[Console] = Component("console", Console)


def create_console_app(ctx: ApiContext) -> FastAPI:
    """The console on *ctx*'s store, to mount at ``/console`` (access as the settings allow,
    see `access`)."""
    app = FastAPI(title="dynastore console", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.dynastore = ctx
    app.state.templates = environment()
    errors.install(app)
    access.install(app)
    app.include_router(access.router)
    for module in (tables, reads, items):
        app.include_router(module.router, dependencies=[Depends(access.guard)])
    app.mount("/static", VersionedStatic(directory=STATIC), name="static")
    return app


def create_standalone_app(ctx: ApiContext, *, close_store: bool = True) -> FastAPI:
    """The console alone (``dynastore console``): at ``/console``, with ``/`` leading there and
    ``/healthz``. It creates no tables; the store is closed on shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if close_store:
            ctx.store.close()

    app = FastAPI(title="dynastore console", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.dynastore = ctx

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/console/", status_code=307)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": ctx.store.health(tables=()).status}

    app.mount("/console", create_console_app(ctx), name="console")
    return app


def console_from_environment() -> FastAPI:
    """uvicorn's factory for ``dynastore console``: the store and the access the environment name."""
    from ...settings import Settings
    from ...store import open_store

    settings = Settings()
    return create_standalone_app(ApiContext(open_store(settings.store_url()), settings))
