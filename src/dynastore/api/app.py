"""The REST API of the seed applications' stores, as one FastAPI application."""

from __future__ import annotations

import importlib
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI

from ..blobs import BlobStore
from ..metrics import Forward
from ..settings import Settings
from ..store import Store, open_store
from . import errors, system
from .context import ApiContext

#: Router modules (under ``dynastore.api.routers``). Each has ``router`` (an APIRouter) and
#: ``setup(ctx)``, which builds its store on the shared context and creates its tables.
ROUTERS: tuple[str, ...] = ("scripts", "generations", "sessions")
#: Web applications (``dynastore.web.<name>``) and where they are mounted. Each module has
#: ``create_<name>_app(ctx)`` (mounted after the API's routes, so /api, /docs, /healthz and /metrics stay
#: the API's) and ``<name>_component`` (its store, built and its tables created at start-up).
#: Listed most specific first: Starlette tries mounts in order, and the blog's "/" takes every path.
WEB_APPS: dict[str, str] = {"console": "/console", "blog": "/"}

DESCRIPTION = """\
The stores of the seed applications on dynastore: video scripts (per-chapter
scripts, merges, feedback, versions), video-generation states and developer
sessions. The same API runs on the embedded engine and on DynamoDB.

Every error has one body: `{"error": {"type", "code", "message", "details"}}`
(`not_found` 404, `conflict` 409, `validation` 422, `throttled` 429,
`unavailable` 503).
"""


def create_app(store: Store | None = None, *, settings: Settings | None = None, blobs: BlobStore | None = None,
               routers: Sequence[str] = ROUTERS, table_prefix: str = "", close_store: bool | None = None,
               web: Sequence[str] = (), demo: bool = False) -> FastAPI:
    """The API on ``store`` (default: the store the settings name, opened here and closed on shutdown).

    Tables are created at start-up (idempotently), so a fresh embedded store just works.
    ``blobs``: blob storage for what outgrows an item (default: as the settings choose, `open_blob_store`).
    ``table_prefix`` goes before every table name (``ApiContext.table_name``).
    ``web``: web applications to serve beside the API (names of `WEB_APPS`; ``dynastore serve`` serves all).
    ``demo``: at start-up, load each web application's demo content unless it was loaded before.
    """
    settings = settings or Settings()
    owns_store = store is None if close_store is None else close_store
    ctx = ApiContext(store or open_store(settings.store_url()), settings, table_prefix=table_prefix, _blobs=blobs)
    ctx.registry.register(Forward(ctx.store.metrics.registry))
    modules = [importlib.import_module(f"{__package__}.routers.{name}") for name in routers]
    webs = {name: importlib.import_module(f"dynastore.web.{name}") for name in web}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for module in modules:
            module.setup(ctx)
        for name, webapp in webs.items():
            component = getattr(webapp, f"{name}_component")
            component.setup(ctx)
            if demo and hasattr(component(ctx), "load_demo"):
                # two workers starting at once: the demo's first write is its claim, so one loads it
                component(ctx).load_demo()
        yield
        for name, webapp in webs.items():  # Starlette runs no lifespan of a mounted app: theirs is here
            getattr(webapp, f"{name}_component")(ctx).close()
        if owns_store:
            ctx.store.close()

    app = FastAPI(title="dynastore API", version=_version(), description=DESCRIPTION, lifespan=lifespan)
    app.state.dynastore = ctx
    errors.install(app)
    system.instrument(app, ctx)
    app.include_router(system.router)
    for module in modules:
        app.include_router(module.router)
    for name, webapp in webs.items():
        app.mount(WEB_APPS[name], getattr(webapp, f"create_{name}_app")(ctx), name=name)
    return app


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dynastore")
    except PackageNotFoundError:
        return "0"


def app_from_environment() -> FastAPI:
    """The API on the store the environment names (``DYNASTORE_URL`` ...): uvicorn's factory for
    ``dynastore serve``, so each worker process opens its own store."""
    return create_app(table_prefix=os.environ.get("DYNASTORE_TABLE_PREFIX", ""), web=tuple(WEB_APPS),
                      demo=os.environ.get("DYNASTORE_DEMO") == "1")
