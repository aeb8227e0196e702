"""``dynastore stream TABLE``: print a table's changes from its stream (docs/streams.md)."""

from itertools import islice
from typing import Annotated, Any, Optional

import typer
from rich.text import Text

from ..jsonutil import dumps
from ..streams import StreamRecord
from ._app import Url, app, open_url
from ._output import errors, out, value_text

_STYLE = {"INSERT": "green", "MODIFY": "yellow", "REMOVE": "red"}


def _jsonable(r: StreamRecord) -> dict[str, Any]:
    return {"sequence_number": r.sequence_number, "event": r.event_name, "created": r.created.isoformat(),
            "keys": r.keys, "old": r.old_image, "new": r.new_image, "by_ttl": r.by_ttl}


@app.command("stream")
def stream_command(
    table: Annotated[str, typer.Argument(help="The table whose stream to read.")],
    url: Url = None,
    after: Annotated[
        Optional[str], typer.Option("--after", help="Start after this sequence number (one printed earlier).")
    ] = None,
    latest: Annotated[bool, typer.Option("--latest", help="Only changes made from now on.")] = False,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep polling for new changes (Ctrl-C stops).")] = False,
    poll: Annotated[float, typer.Option("--poll", min=0.0, help="Seconds between polls with --follow.")] = 1.0,
    limit: Annotated[Optional[int], typer.Option("--limit", "-n", min=1, help="Stop after this many records.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON Lines (one record per line).")] = False,
) -> None:
    """Print a table's changes (INSERT / MODIFY / REMOVE), oldest first."""
    console = out()
    with errors():
        with open_url(url) as store:
            records = store.stream(table).iter_changes(
                start="LATEST" if latest else "TRIM_HORIZON", after=after, follow=follow, poll_interval=poll)
            try:
                for r in islice(records, limit):
                    if as_json:
                        typer.echo(dumps(_jsonable(r)))
                        continue
                    image = r.new_image if r.new_image is not None else r.old_image
                    console.print(Text.assemble(
                        (r.sequence_number, "dim"), " ", (f"{r.event_name:<6}", _STYLE[r.event_name]), " ",
                        value_text(r.keys), " " if image is not None else "",
                        value_text(image) if image is not None else "", (" (TTL)" if r.by_ttl else "", "dim")))
            except KeyboardInterrupt:
                return
