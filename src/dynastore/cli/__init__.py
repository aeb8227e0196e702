"""The ``dynastore`` command: create tables from spec files, look at them, run the demo.

Every command takes ``--url`` (default: the environment, see `dynastore.Settings`,
i.e. ``sqlite:///data/dynastore.db``). Errors print one red line on stderr and
exit 1; usage errors exit 2.
"""

import base64
import binascii
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.table import Table as RichTable
from rich.text import Text

from ..errors import TableNotFound, ValidationError
from ..jsonutil import dumps
from ..spec import KeyAttribute, load_specs

from ._app import Url, app, open_url
from ._output import errors, fail, index_text, keys_text, out, value_text

__all__ = ["app", "main"]

# -- init -----------------------------------------------------------------------


@app.command()
def init(
    spec_file: Annotated[
        Path,
        typer.Argument(
            help="YAML or JSON spec file: one table, a list of tables, or a mapping whose 'tables' key lists them."
        ),
    ],
    url: Url = None,
) -> None:
    """Create the tables a spec file describes, or bring existing ones up to it (idempotent)."""
    console = out()
    with errors():
        specs = load_specs(spec_file)
        with open_url(url) as store:
            existing = set(store.tables())
            for spec in specs:
                before = store.describe(spec.name).spec if spec.name in existing else None
                store.create_table(spec)
                if before is None:
                    what, style = "created", "green"
                else:
                    have = {ix.name for ix in before.indexes}
                    added = [f"index {ix.name}" for ix in spec.indexes if ix.name not in have]
                    if spec.ttl_attribute and not before.ttl_attribute:
                        added.append(f"TTL on {spec.ttl_attribute}")
                    if added:
                        what, style = "updated: added " + ", ".join(added), "yellow"
                    else:
                        what, style = "found, up to date", "cyan"
                line = Text.assemble((f"{spec.name}", "bold"), ": ", (what, style), f"  [{keys_text(spec)}]")
                for ix in spec.indexes:
                    line.append(f"\n    {index_text(ix)}")
                if spec.ttl_attribute:
                    line.append(f"\n    TTL: {spec.ttl_attribute}")
                console.print(line)
            console.print(f"{len(specs)} table(s) from {spec_file} ready at {store.url}")


# -- tables ---------------------------------------------------------------------


@app.command()
def tables(url: Url = None) -> None:
    """List the store's tables: keys, indexes, item count and TTL attribute."""
    console = out()
    with errors():
        with open_url(url) as store:
            names = store.tables()
            grid = RichTable(title=f"Tables at {store.url}", title_justify="left")
            for col in ("Name", "Keys", "Indexes", "Items", "TTL"):
                grid.add_column(col, justify="right" if col == "Items" else "left", overflow="fold")
            for name in names:
                try:
                    info = store.describe(name)
                except TableNotFound:  # deleted since it was listed (another client): not there any more
                    continue
                spec = info.spec
                grid.add_row(
                    Text(name, style="bold"),
                    Text(keys_text(spec).replace(", ", "\n")),
                    Text("\n".join(index_text(ix, multiline=True) for ix in spec.indexes) or "-"),
                    str(info.item_count),
                    Text(spec.ttl_attribute or "-"),
                )
            if names:
                console.print(grid)
            else:
                console.print(f"No tables at {store.url}. Create some with: dynastore init SPEC_FILE")


# -- scan -----------------------------------------------------------------------


@app.command()
def scan(
    table: Annotated[str, typer.Argument(help="Name of the table to scan.")],
    url: Url = None,
    limit: Annotated[
        Optional[int], typer.Option("--limit", "-n", min=1, help="Stop after this many items (default: all).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON Lines (one item per line) instead of a table.")
    ] = False,
    include_expired: Annotated[
        bool, typer.Option("--include-expired", help="Also show items whose TTL has passed but are not yet swept.")
    ] = False,
) -> None:
    """Print a table's items, as a table or as JSON Lines."""
    console = out()
    with errors():
        with open_url(url) as store:
            t = store.table(table)
            results = t.scan(limit=limit, include_expired=include_expired)
            if as_json:
                for item in results:
                    typer.echo(dumps(item))
                return
            items = results.all()
            columns = list(t.spec.table_key_names())
            for item in items:
                columns += [k for k in item if k not in columns]
            more = " (more: raise --limit)" if limit is not None and results.last_key is not None else ""
            grid = RichTable(title=f"{table}: {len(items)} item(s){more}", title_justify="left")
            for c in columns:
                grid.add_column(c, overflow="fold")
            for item in items:
                grid.add_row(*(Text(value_text(item[c])) if c in item else Text("-", style="dim") for c in columns))
            console.print(grid)


# -- get ------------------------------------------------------------------------

_INT = re.compile(r"[+-]?\d+")


def _coerce(attr: KeyAttribute, raw: str) -> Any:
    if attr.type == "N":
        if _INT.fullmatch(raw.strip()):
            return int(raw)
        try:
            d = Decimal(raw.strip())
        except InvalidOperation:
            d = None
        if d is None or not d.is_finite():
            raise ValidationError(f"key {attr.name} is a number (N); {raw!r} is not a number")
        return d
    if attr.type == "B":
        try:
            return base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError(f"key {attr.name} is binary (B): give it as base64; {raw!r} is not base64") from None
    return raw


@app.command()
def get(
    table: Annotated[str, typer.Argument(help="Name of the table.")],
    key: Annotated[
        list[str],
        typer.Argument(
            help="The item's key as name=value pairs (partition key, and sort key if the table has one). "
            "Numbers (N) are read as numbers, binary (B) as base64.",
            show_default=False,
        ),
    ],
    url: Url = None,
) -> None:
    """Print one item, by key, as JSON."""
    pairs: list[tuple[str, str]] = []
    for kv in key:
        name, sep, value = kv.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"{kv!r} is not name=value", param_hint="KEY")
        pairs.append((name, value))
    with errors():
        with open_url(url) as store:
            t = store.table(table)
            types = {k.name: k for k in (t.spec.partition_key, t.spec.sort_key) if k is not None}
            k: dict[str, Any] = {}
            for name, value in pairs:
                if name in k:
                    raise ValidationError(f"key attribute {name} is given twice")
                k[name] = _coerce(types[name], value) if name in types else value
            item = t.get(k, must_exist=True)
            typer.echo(dumps(item, indent=2))


# -- demo -----------------------------------------------------------------------


@app.command()
def demo(
    url: Url = None,
    specs: Annotated[
        Optional[Path],
        typer.Option(
            "--specs",
            help="Directory of spec files for the five seed applications (default: the ones shipped with dynastore).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Create the five seed applications' tables and exercise each one, step by step (re-runnable)."""
    from .demo import run_demo

    with errors():
        with open_url(url) as store:
            ok = run_demo(store, specs, out())
    if not ok:
        fail("the demo saw behaviour it did not expect (see the ✗ lines above)")


# -- commands kept in their own modules register on ``app`` when imported ------
# (one import line per module, in alphabetical order)
from . import _registered  # noqa: E402,F401


def main() -> None:
    """Entry point of the ``dynastore`` script."""
    app()
