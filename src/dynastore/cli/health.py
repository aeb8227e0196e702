"""``dynastore health``: is the store reachable, are its tables usable, is it degraded?

Exit codes (Nagios' convention, so monitoring checks can run it as it is):
0 ok; 1 degraded (reachable, but a table is missing or not ACTIVE, or the store
serves from its fallback, or the outbox holds conflicts); 2 unreachable (no
answer, or credentials refused); 3 the check could not run (invalid URL or
configuration). Click's own usage errors (an unknown option) also exit 2.
"""

import json
from typing import TYPE_CHECKING, Annotated, Any, Optional
from urllib.parse import parse_qs, urlsplit

import typer
from rich.table import Table as RichTable
from rich.text import Text

from ..jsonutil import dumps
from ._app import Url, app
from ._output import err, one_line, out

if TYPE_CHECKING:
    from ..health import Health

EXIT_CANNOT_CHECK = 3
_STYLE = {"ok": "bold green", "degraded": "bold yellow", "unreachable": "bold red"}


def _url_and_options(url: str | None, timeout: float) -> tuple[str, dict[str, Any]]:
    """The store URL, and for DynamoDB short timeouts unless the URL sets its own: a probe must not hang."""
    if url is None:
        from ..settings import Settings

        url = Settings().store_url()
    if urlsplit(url).scheme.lower() != "dynamodb":
        return url, {}
    given = parse_qs(urlsplit(url).query)
    wanted = {"connect_timeout": timeout, "read_timeout": timeout, "max_attempts": 2}
    return url, {k: v for k, v in wanted.items() if k not in given}


def _render(h: "Health") -> None:
    console = out()
    console.print(Text.assemble(("status ", "bold"), (h.status.upper(), _STYLE[h.status]),
                                f"  {h.engine}  {h.url or ''}"))
    if h.latency_seconds is not None:
        console.print(f"latency {h.latency_seconds * 1000:.1f} ms")
    if h.tables:
        t = RichTable("table", "status", box=None, pad_edge=False)
        for name, status in h.tables.items():
            t.add_row(name, Text(status, style="green" if status == "ACTIVE" else "yellow"))
        console.print(t)
    for k, v in h.details.items():
        console.print(f"{k}: {v if isinstance(v, str) else dumps(v)}")
    for p in h.problems:
        console.print(Text(f"- {one_line(p)}", style=_STYLE[h.status].replace("bold ", "")))


@app.command()
def health(
    url: Url = None,
    tables: Annotated[
        Optional[list[str]],
        typer.Option("--table", "-t", help="A table that must exist and be ACTIVE (repeat for several).",
                     show_default=False),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object.")] = False,
    prometheus: Annotated[
        bool, typer.Option("--prometheus", help="Print the report as Prometheus gauges (textfile collector format).")
    ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Seconds to wait for DynamoDB to answer (per attempt).")
    ] = 5.0,
) -> None:
    """Check that the store answers and its tables are usable. Exit 0 ok, 1 degraded, 2 unreachable, 3 cannot check."""
    from ..errors import DynastoreError

    try:
        url, options = _url_and_options(url, timeout)
        from ..store import open_store

        store = open_store(url, **options)
    except (DynastoreError, ValueError) as e:
        err().print(Text(f"Error: {one_line(getattr(e, 'message', None) or str(e))}", style="bold red"),
                    soft_wrap=True)
        raise typer.Exit(EXIT_CANNOT_CHECK) from None
    with store:
        report = store.health(tables)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str))
    elif prometheus:
        typer.echo(report.to_prometheus(), nl=False)
    else:
        _render(report)
    raise typer.Exit(report.exit_code)
