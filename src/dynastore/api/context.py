"""What every route of the REST API shares: the store, blob storage, metrics and the stores built on them."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Generic, TypeVar, cast

from fastapi import Depends, Request
from prometheus_client import CollectorRegistry

from ..blobs import BlobStore
from ..settings import Settings
from ..store import Store

T = TypeVar("T")


@dataclass
class ApiContext:
    """One per application: routers reach it through the `context` dependency.

    Application stores (scripts, generations, sessions ...) are built once, on
    first use or at start-up, by `component`; a router never opens its own store.
    """

    store: Store
    settings: Settings = field(default_factory=Settings)
    #: prometheus registry of the whole app: the store's metrics, HTTP metrics and each component's
    registry: CollectorRegistry = field(default_factory=lambda: CollectorRegistry(auto_describe=True))
    #: put before every table name (tests and side-by-side deployments keep their tables apart)
    table_prefix: str = ""
    _blobs: BlobStore | None = None
    _components: dict[str, Any] = field(default_factory=dict)
    # re-entrant: a component's factory asks for `blobs` (or another component) while `component` holds it
    _lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def blobs(self) -> BlobStore:
        """Blob storage as the settings choose it (S3 when ``USE_S3``, else a local directory)."""
        with self._lock:
            if self._blobs is None:
                from ..blobs import open_blob_store

                self._blobs = open_blob_store(settings=self.settings, aws=getattr(self.store.engine, "aws", None))
            return self._blobs

    def table_name(self, default: str, env: str | None = None) -> str:
        """The name of one of the API's tables: ``$env`` when set (the seeds' variables such as
        ``DYNAMODB_SCRIPTS_TABLE``), else *default*; with the context's prefix before it."""
        name = (os.environ.get(env) if env else None) or default
        return self.table_prefix + name

    def component(self, name: str, factory: Callable[[ApiContext], T]) -> T:
        """The component called *name*, built by *factory* the first time it is asked for."""
        found = self._components.get(name)
        if found is None:
            with self._lock:
                found = self._components.get(name)
                if found is None:
                    found = factory(self)
                    self._components[name] = found
        return cast(T, found)


def context(request: Request) -> ApiContext:
    """FastAPI dependency: the application's `ApiContext`."""
    return cast(ApiContext, request.app.state.dynastore)


#: ``ctx: Context`` in a route's signature: the application's `ApiContext`.
Context = Annotated[ApiContext, Depends(context)]


class Component(Generic[T]):
    """An application store built once per app on its context: ``setup`` builds it at start-up
    (creating its tables), and the component itself is the FastAPI dependency giving it to routes::

        scripts = Component("scripts", lambda ctx: ScriptStore(ctx.store, ...))
        setup = scripts.setup
        Scripts = Annotated[ScriptStore, Depends(scripts)]
    """

    def __init__(self, name: str, factory: Callable[[ApiContext], T]):
        self.name = name
        self.factory = factory

    def setup(self, ctx: ApiContext) -> None:
        ctx.component(self.name, self.factory)

    def __call__(self, ctx: Context) -> T:
        return ctx.component(self.name, self.factory)
