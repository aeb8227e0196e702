"""``dynastore serve``: the REST API of the seed applications' stores (uvicorn + FastAPI)."""

from __future__ import annotations

import os
import socket
from typing import Annotated, Optional

import typer

from ._app import Url, app
from ._output import errors, fail, out


@app.command()
def serve(
    url: Url = None,
    host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (each opens its own store).")] = 1,
    table_prefix: Annotated[
        Optional[str], typer.Option(help="Put this before every table name (side-by-side deployments).")
    ] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn's log level.")] = "info",
) -> None:
    """Serve the REST API (OpenAPI docs at /docs, /healthz, /metrics) on the store the URL names.

    Tables are created on start-up, so a fresh embedded store needs nothing else.
    """
    if url:
        os.environ["DYNASTORE_URL"] = url
    if table_prefix:
        os.environ["DYNASTORE_TABLE_PREFIX"] = table_prefix
    _check_port_free(host, port)
    with errors():
        # Open once here, so a bad URL or an unreachable store is one red line, not a worker's traceback.
        from ..settings import Settings
        from ..store import open_store

        store_url = Settings().store_url()
        if workers > 1 and store_url.startswith("memory:"):
            fail("memory:// is private to one process: use --workers 1 or a sqlite:/// file")
        store = open_store(store_url)
        try:
            health = store.health(tables=())
        finally:
            store.close()
        if health.status == "unreachable":
            fail(f"{store_url}: unreachable ({'; '.join(health.problems)})")
    import uvicorn

    shown = f"[{host}]" if ":" in host else host
    out().print(f"dynastore API on http://{shown}:{port}  (docs: http://{shown}:{port}/docs)", highlight=False)
    uvicorn.run("dynastore.api.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
                log_level=log_level)


def _check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            fail(f"cannot listen on {host}:{port}: {e.strerror or e}")
