"""``dynastore console``: the web console alone, on any store (what dynamodb-admin is, without Node)."""

from __future__ import annotations

import os
from typing import Annotated, Optional

import typer

from ._app import Url, app
from ._output import out
from .serve import ConsoleMode, prepare, run_uvicorn


@app.command()
def console(
    url: Url = None,
    host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (dynamodb-admin's is 8001 too).")] = 8001,
    log_level: Annotated[str, typer.Option(help="uvicorn's log level.")] = "warning",
    access: Annotated[Optional[ConsoleMode], typer.Option(
        "--console", help="auto = only when listening on loopback (no password), on = also beyond loopback "
                          "with a password (DYNASTORE_CONSOLE_PASSWORD, else one generated), off. Default: "
                          "DYNASTORE_CONSOLE, else auto.")] = None,
) -> None:
    """Serve only the web console, at /console, on the store the URL names: browse, query, edit and export
    the tables of the embedded store or of any DynamoDB (e.g. --url "dynamodb://?endpoint=http://127.0.0.1:8000").

    Unlike `dynastore serve`, it creates no tables: it shows the store as it is.
    """
    if url:
        os.environ["DYNASTORE_URL"] = url
    line = prepare(host, port, 1, access)
    import uvicorn

    out().print(line, highlight=False, soft_wrap=True)
    run_uvicorn(uvicorn.Config("dynastore.web.console.app:console_from_environment", factory=True, host=host,
                               port=port, log_level=log_level))
