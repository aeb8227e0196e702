"""``dynastore messages``: the chat message store's maintenance (seed 002).

``migrate`` moves messages kept under the seed's old rule (small bodies inline
in DynamoDB) to the new one (every body in blob storage); ``sweep`` finds
bodies no index item points to, and deletes them only when asked.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from ..errors import TableNotFound, ValidationError
from ._app import Url, app, open_url
from ._output import errors, out

if TYPE_CHECKING:
    from ..blobs import BlobStore

#: `dynastore.apps.chat.DEFAULT_TABLE`, spelt out: importing the chat app (and botocore) here would slow
#: every command's start-up (tests/cli/test_startup.py keeps the two equal)
DEFAULT_TABLE = "chat-messages"

messages_app = typer.Typer(
    name="messages",
    help="Chat messages (bodies in blob storage, the index in a table): migrate the old layout, sweep orphans.",
    no_args_is_help=True,
)
app.add_typer(messages_app, name="messages")

Blobs = Annotated[
    Optional[str],
    typer.Option("--blobs", "-b", help="Blob store: s3://bucket/prefix?region=...&endpoint=... or a directory "
                 "(default: from the environment, USE_S3 and S3_BUCKET_NAME, else LOCAL_STORAGE_PATH or "
                 "./data/local_storage)", show_default=False),
]
Table = Annotated[str, typer.Option("--table", "-t", help="The message index table.")]


@messages_app.command()
def migrate(
    source: Annotated[str, typer.Argument(help="The old table, whose items hold small bodies inline.")],
    url: Url = None,
    blobs: Blobs = None,
    table: Table = DEFAULT_TABLE,
    legacy_blobs: Annotated[
        Optional[list[str]],
        typer.Option("--legacy-blobs", help="Another blob store holding the old large bodies, if not the one of "
                     "--blobs (repeatable).", show_default=False),
    ] = None,
    checkpoint: Annotated[
        Optional[Path],
        typer.Option("--checkpoint", help="File that records progress after every page; run again with the same "
                     "file to resume.", show_default=False),
    ] = None,
    page_size: Annotated[int, typer.Option("--page-size", help="Old items read per page.", min=1)] = 100,
) -> None:
    """Move messages of the old layout into the message store: resumable, and safe to run twice."""
    from ..apps.chat import MessageStore, migrate_legacy
    from ..blobs import open_blob_store

    console = out()
    with errors():
        bodies = open_blob_store(blobs)
        extra: list["BlobStore"] = [open_blob_store(u) for u in legacy_blobs or ()]
        with open_url(url) as store:
            if source not in store.tables():
                raise TableNotFound(f"no table {source!r} at {store.url}")
            old = store.table(source)
            with MessageStore(store, bodies, table=table) as ms:
                total = old.describe().item_count
                with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                              TimeElapsedColumn(), console=console) as bar:
                    task = bar.add_task(f"migrating {source} → {table}", total=total or None)
                    report = migrate_legacy(old, ms, blob_stores=extra, checkpoint=checkpoint, page_size=page_size,
                                            on_progress=lambda r: bar.update(task, completed=r.read))
            line = Text.assemble(("migrated ", "green"), (f"{report.migrated}", "bold"),
                                 f", already there {report.already}, read {report.read}")
            if report.resumed:
                line.append(" (resumed from the checkpoint)", style="dim")
            console.print(line)
            for ident, reason in report.failed:
                console.print(Text(f"  not migrated: {ident}: {reason}", style="yellow"))
            if report.failed:
                console.print(Text(f"{len(report.failed)} message(s) could not be migrated; fix them and run "
                                   "again without --checkpoint (migrated ones are skipped).", style="yellow"))
                raise typer.Exit(1)


@messages_app.command()
def sweep(
    url: Url = None,
    blobs: Blobs = None,
    table: Table = DEFAULT_TABLE,
    grace: Annotated[str, typer.Option("--grace", help="Only bodies older than this: 90s, 15m, 24h, 7d.")] = "1h",
    delete: Annotated[bool, typer.Option("--delete", help="Delete the orphans found (default: only list them).")] = False,
) -> None:
    """Find message bodies that no index item points to (left by failed writes and deletes)."""
    from ..apps.chat import MessageStore
    from ..blobs import open_blob_store
    from ..cleanup import parse_age

    console = out()
    with errors():
        try:
            age = parse_age(grace)
        except ValidationError:
            raise ValidationError(f"--grace {grace!r} is not a positive duration: use e.g. 90s, 15m, 1h, 7d") from None
        bodies = open_blob_store(blobs)
        with open_url(url) as store:
            if table not in store.tables():
                raise TableNotFound(f"no message table {table!r} at {store.url}")
            with MessageStore(store, bodies, table=table, create_table=False) as ms:
                report = ms.sweep(grace=age, dry_run=not delete)
        for key in report.orphans:
            console.print(Text(f"  {key}", style="yellow" if delete else "dim"))
        what = f"deleted {report.deleted}" if delete else "dry run, nothing deleted (pass --delete)"
        console.print(f"{len(report.orphans)} orphan body(ies) older than {grace} among {report.scanned} scanned; "
                      f"{what}")
