"""``dynastore cleanup``: delete items older than a maximum age, or sweep expired TTL items."""

from __future__ import annotations

import base64
import binascii
from decimal import Decimal
from typing import Annotated, Any, Optional

import typer

from ..errors import ValidationError
from ..jsonutil import loads
from ._app import Url, app, open_url
from ._output import errors, out
from .transfer import progress_bar


def _partition_value(key_type: str, raw: str) -> Any:
    if key_type == "N":
        try:
            v = loads(raw)
        except ValueError:
            v = None
        if isinstance(v, bool) or not isinstance(v, (int, Decimal)):
            raise ValidationError(f"partition value {raw!r} is not a number (the index key is N)")
        return v
    if key_type == "B":
        try:
            return base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError(f"partition value {raw!r} is not base64 (the index key is B)") from None
    return raw


@app.command()
def cleanup(
    table: Annotated[str, typer.Argument(help="Name of the table to clean up.")],
    url: Url = None,
    max_age: Annotated[
        str, typer.Option("--max-age", help="Delete items older than this: 90s, 15m, 24h, 7d, 2w.")
    ] = "24h",
    attribute: Annotated[
        Optional[str],
        typer.Option("--attribute", "-a", help="The timestamp attribute (ISO-8601 UTC string or epoch seconds); "
                     "default: the spec's created_at_attribute.", show_default=False),
    ] = None,
    index: Annotated[
        Optional[str], typer.Option("--index", help="Query this index (sorted by the timestamp) instead of scanning.",
                                    show_default=False),
    ] = None,
    partition: Annotated[
        Optional[list[str]],
        typer.Option("--partition", "-p", help="A value of the index's partition key to query (repeatable); "
                     "without any, the index (or, with no index, the table) is scanned.", show_default=False),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what would be deleted; delete nothing.")] = False,
    unconditional: Annotated[
        bool, typer.Option("--unconditional", help="Delete with plain batch writes (cheaper; an item updated "
                           "between read and delete is deleted anyway).")
    ] = False,
    ttl: Annotated[
        bool, typer.Option("--ttl", help="Instead: physically delete items whose TTL has passed (sweep_expired).")
    ] = False,
    page_size: Annotated[
        Optional[int], typer.Option("--page-size", min=1, help="Items read per request (default: 1 MB pages).",
                                    show_default=False)
    ] = None,
) -> None:
    """Delete items older than --max-age (default 24h), across all pages, in conditional batches of 25.

    Finds them by querying an index sorted by the timestamp (or the table, when its
    sort key is the timestamp) in the --partition values; without them, by a
    filtered scan of such an index, or of the table when none exists. Says which.
    Exit code 0 on success, 1 on an error.
    """
    # Imported here, not at the top: every command's start-up would pay for the store and transfer modules.
    from ..cleanup import DEFAULT_MAX_AGE, parse_age, plan_cleanup
    from ..cleanup import cleanup as run_cleanup

    console = out()
    with errors():
        with open_url(url) as store:
            t = store.table(table)
            if ttl:
                with console.status(f"sweeping expired items of {table}"):
                    n = t.sweep_expired()
                console.print(f"{table}: deleted {n} expired item(s)")
                return
            age = parse_age(max_age) if max_age else DEFAULT_MAX_AGE
            parts: list[Any] | None = None
            if partition:
                plan = plan_cleanup(t, attribute=attribute, index=index, partitions=partition)
                assert plan.partition_key is not None
                key = next(k for k in t.spec.key_attributes() if k.name == plan.partition_key)
                parts = [_partition_value(key.type, p) for p in partition]
            plan = plan_cleanup(t, attribute=attribute, index=index, partitions=parts)
            console.print(f"{table}: {'counting' if dry_run else 'deleting'} items older than {max_age} "
                          f"by {plan.attribute}: {plan.describe()}")
            with progress_bar(transient=True) as bar:
                task = bar.add_task("matched 0, deleted 0", total=None)

                def progress(matched: int, deleted: int) -> None:
                    bar.update(task, completed=matched, description=f"matched {matched}, deleted {deleted}")

                result = run_cleanup(t, age, attribute=attribute, index=index, partitions=parts, dry_run=dry_run,
                                     conditional=not unconditional, page_size=page_size, on_progress=progress)
            if dry_run:
                console.print(f"{table}: {result.matched} item(s) would be deleted (dry run, path: {result.path})")
            else:
                kept = f", {result.kept} kept because they changed meanwhile" if result.kept else ""
                console.print(f"{table}: deleted {result.deleted} of {result.matched} old item(s){kept} "
                              f"(path: {result.path})")
