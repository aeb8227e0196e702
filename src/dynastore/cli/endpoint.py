"""``dynastore endpoint``: serve DynamoDB's API over the embedded engine (see docs/endpoint.md)."""

from typing import Annotated, Optional

import typer

from ._app import app
from ._output import errors, fail, out


@app.command()
def endpoint(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (0: any free port).")] = 8000,
    db: Annotated[Optional[str], typer.Option(help="SQLite file for the tables (per namespace: see --shared-db).")] = None,
    in_memory: Annotated[bool, typer.Option("--in-memory", help="Keep the tables in memory only.")] = False,
    shared_db: Annotated[bool, typer.Option("--shared-db", help="One set of tables for every access key and region.")] = False,
    auth: Annotated[
        Optional[list[str]],
        typer.Option(help="ACCESS_KEY:SECRET_KEY allowed to call (repeatable); requests must then be SigV4-signed."),
    ] = None,
    ttl_sweep: Annotated[float, typer.Option(help="Seconds between deletions of expired TTL items (0: never).")] = 60.0,
) -> None:
    """Serve DynamoDB's JSON API (boto3, AWS CLI, SDKs, PynamoDB ...) on the embedded engine."""
    if (db is None) == (not in_memory):
        fail("give exactly one of --db PATH or --in-memory")
    keys = None
    if auth:
        keys = {}
        for pair in auth:
            access, sep, secret = pair.partition(":")
            if not sep or not access or not secret:
                fail(f"--auth takes ACCESS_KEY:SECRET_KEY, got {pair!r}")
            keys[access] = secret
    from ..endpoint import EndpointServer

    with errors():
        try:
            server = EndpointServer(host, port, db=db, shared_db=shared_db, auth_keys=keys,
                                    ttl_sweep_seconds=ttl_sweep or None)
        except OSError as e:
            fail(f"cannot listen on {host}:{port}: {e.strerror or e}")
    where = "in memory" if db is None else db
    out().print(f"dynastore endpoint listening on {server.url} (tables {where}"
                f"{', shared' if shared_db else ', per access key and region'}{', SigV4 checked' if keys else ''})",
                highlight=False, soft_wrap=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
