"""``dynastore serve``: the main job. The blog (seed 004) at ``/`` and the REST API of the seed
applications' stores under ``/api``, one FastAPI application run by uvicorn."""

from __future__ import annotations

import os
import socket
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ._app import Url, app
from ._output import errors, fail, out

if TYPE_CHECKING:
    import uvicorn


class ConsoleMode(str, Enum):
    auto = "auto"
    on = "on"
    off = "off"


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
    demo: Annotated[bool, typer.Option(
        "--demo/--no-demo", help="Load the blog's demo users, posts, likes and comments unless loaded before.")] = True,
    console: Annotated[Optional[ConsoleMode], typer.Option(
        help="The web console at /console: auto = only when listening on loopback (for this machine, no password), "
             "on = also beyond loopback with a password (DYNASTORE_CONSOLE_PASSWORD, else one generated), off. "
             "Default: DYNASTORE_CONSOLE, else auto.")] = None,
) -> None:
    """Serve the blog at /, the REST API under /api (OpenAPI docs at /docs, /healthz, /metrics) and the
    web console at /console on the
    store the URL names (default: the embedded SQLite file data/dynastore.db; the blog's posts and
    accounts go to data/blog.db, or BLOG_DATABASE).

    Tables are created on start-up, so a fresh embedded store needs nothing else.

    On first start the blog gets demo content: users alice, bob and carol, password dynastore-demo.

    The web console (/console) is for this machine only; beyond loopback it needs --console on and a password.
    """
    if url:
        os.environ["DYNASTORE_URL"] = url
    if table_prefix:
        os.environ["DYNASTORE_TABLE_PREFIX"] = table_prefix
    os.environ["DYNASTORE_DEMO"] = "1" if demo else "0"  # read by each worker's app (app_from_environment)
    console_line = prepare(host, port, workers, console)
    import uvicorn

    out().print(f"dynastore on {_base_url(host, port)}  (the blog at /, the REST API's docs at /docs)",
                highlight=False, soft_wrap=True)
    out().print(console_line, highlight=False, soft_wrap=True)
    if demo:
        from ..apps.blog import DEMO_PASSWORD, DEMO_USERS

        names = ", ".join(u for u, _ in DEMO_USERS)
        out().print(f"demo content (loaded on first start): log in as {names}, password {DEMO_PASSWORD}",
                    highlight=False, soft_wrap=True)
    run_uvicorn(uvicorn.Config("dynastore.api.app:app_from_environment", factory=True, host=host, port=port,
                        workers=workers, log_level=log_level))


def prepare(host: str, port: int, workers: int, console: ConsoleMode | None) -> str:
    """What ``serve`` and ``console`` check before starting uvicorn: the port is free and the store
    answers (opened once here, so a bad URL or an unreachable store is one red line, not a worker's
    traceback). Returns the line saying where the console is."""
    _check_port_free(host, port)
    with errors():
        from ..settings import Settings
        from ..store import open_store

        store_url = Settings().store_url()
        console_line = console_setup(console.value if console else None, host, port)
        if workers > 1 and store_url.startswith("memory:"):
            fail("memory:// is private to one process: use --workers 1 or a sqlite:/// file")
        store = open_store(store_url)
        try:
            health = store.health(tables=())
            if health.status == "unreachable":
                fail(f"{store_url}: unreachable ({'; '.join(health.problems)})")
        finally:
            store.close()
    return console_line


def console_setup(mode: str | None, host: str, port: int) -> str:
    """Decide the console's access for the workers (through the environment, which each worker's settings
    read) and say where it is: beyond loopback, `on` without a password gets one generated, printed once."""
    from ..settings import Settings
    from ..web.console.access import for_serve

    settings = Settings()
    password = settings.console_password.get_secret_value() if settings.console_password else None
    access, generated = for_serve(settings.console if mode is None else mode, host, password)
    os.environ["DYNASTORE_CONSOLE"] = access.mode
    os.environ["DYNASTORE_SERVE_HOST"] = host
    if generated and access.password:
        os.environ["DYNASTORE_CONSOLE_PASSWORD"] = access.password
    return access.announcement(f"{_base_url(host, port)}/console", generated)


def _base_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def run_uvicorn(config: uvicorn.Config) -> None:
    """``uvicorn.run``, but with TCP_NODELAY on the socket several workers share.

    uvicorn binds that socket itself, and asyncio turns Nagle's algorithm off only
    on connections accepted from its own sockets: every answer after the first on a
    keep-alive connection then waited ~40 ms for the client's delayed ACK. Linux
    passes the listener's TCP_NODELAY on to the connections it accepts.
    """
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    if config.workers <= 1:
        server = uvicorn.Server(config)
        server.run()
        if not server.started:
            raise typer.Exit(3)  # what uvicorn.run exits with when start-up fails
        return

    sock = config.bind_socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        Multiprocess(config, sockets=[sock]).run()
    except KeyboardInterrupt:
        pass


def _check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            fail(f"cannot listen on {host}:{port}: {e.strerror or e}")
