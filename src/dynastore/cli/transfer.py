"""``dynastore migrate``, ``export`` and ``import``: whole tables between stores and JSON Lines files.

Exit codes: 0 done (and verified), 1 an error (one red line; nothing half-written
that the message does not account for), 2 a usage error, 3 the copy was made
but verification found the two sides different.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table as RichTable

from ..errors import DynastoreError
from ._app import Url, app, open_url
from ._output import err, errors, out

#: `dynastore.transfer.jsonl.FORMATS`, spelt out for the help texts: importing the transfer package here would
#: slow every command's start-up (tests/cli/test_startup.py keeps the two equal)
FORMATS = ("dynamodb", "plain")

#: exit code when a copy was made but the two sides differ
EXIT_MISMATCH = 3


def progress_bar(transient: bool = False) -> Progress:
    """The bar every long-running command shows (a spinner until the total is known)."""
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TimeRemainingColumn(), console=out(), transient=transient)


def default_checkpoint(source: str, target: str) -> Path:
    h = hashlib.sha256(f"{source}\n{target}".encode()).hexdigest()[:12]
    return Path(f".dynastore-migrate-{h}.json")


@app.command()
def migrate(
    source: Annotated[str, typer.Option("--from", help="Store URL to copy from.", show_default=False)],
    target: Annotated[str, typer.Option("--to", help="Store URL to copy to.", show_default=False)],
    tables: Annotated[
        Optional[list[str]],
        typer.Option("--tables", "--table", "-t", help="Tables to copy (repeatable, or comma-separated); "
                     "default: all.", show_default=False),
    ] = None,
    segments: Annotated[int, typer.Option("--segments", min=1, max=1000, help="Parallel scan segments.")] = 4,
    checkpoint: Annotated[
        Optional[Path],
        typer.Option("--checkpoint", help="Resume file (default: .dynastore-migrate-<hash of the URLs>.json in "
                     "the current directory); removed after a verified run.", show_default=False),
    ] = None,
    verify: Annotated[bool, typer.Option("--verify/--no-verify", help="Compare counts and checksums after.")] = True,
) -> None:
    """Copy tables (definitions and items) from one store to another, resumably, and verify the copy.

    Re-running after an interruption resumes from the checkpoint; re-running
    after success copies again (puts are idempotent). Exit code 3 when the
    verification finds the sides different (e.g. the target held other items).
    """
    names = [n.strip() for t in tables or () for n in t.split(",") if n.strip()] or None
    ckpt = checkpoint or default_checkpoint(source, target)
    from ..transfer import migrate as run_migrate
    from ..transfer.migrate import store_id

    console = out()
    with errors():
        with open_url(source) as src, open_url(target) as dst:
            if ckpt.exists():
                console.print(f"resuming from {ckpt}")
            with progress_bar() as bar:
                tasks: dict[str, TaskID] = {}

                def on_table(name: str, expected: int) -> None:
                    tasks[name] = bar.add_task(name, total=expected or None)

                def on_progress(name: str, n: int) -> None:
                    bar.advance(tasks[name], n)

                try:
                    report = run_migrate(src, dst, names, segments=segments, checkpoint=ckpt, verify=verify,
                                         on_table=on_table, on_progress=on_progress)
                except (DynastoreError, KeyboardInterrupt):
                    if ckpt.exists():
                        err().print(f"progress is saved in {ckpt}: run the same command again to resume")
                    raise
                for t in report.tables:  # the source's count was an estimate
                    n = t.copied + t.resumed_from
                    bar.update(tasks[t.name], total=n, completed=n)
            grid = RichTable(title=f"{store_id(src)} -> {store_id(dst)}", title_justify="left")
            for col in ("table", "copied", "source items", "target items", "checksum", "verified"):
                grid.add_column(col, justify="right" if col in ("copied", "source items", "target items") else "left")
            for t in report.tables:
                verdict = {True: "[green]equal[/]", False: "[red bold]DIFFERENT[/]", None: "[dim]not checked[/]"}
                grid.add_row(t.name, f"{t.copied:,}" + (f" (+{t.resumed_from:,} before)" if t.resumed_from else ""),
                             f"{t.source.count:,}" if t.source else "-", f"{t.target.count:,}" if t.target else "-",
                             t.source.hex[:12] if t.source else "-", verdict[t.verified])
            console.print(grid)
    if not report.ok:
        bad = [t.name for t in report.tables if t.verified is False]
        err().print(f"[bold red]Error: verification failed for {', '.join(bad)}: source and target differ "
                    f"(checkpoint kept at {ckpt})[/]")
        raise typer.Exit(EXIT_MISMATCH)


@app.command("export")
def export(
    table: Annotated[str, typer.Argument(help="Name of the table to export.")],
    file: Annotated[Path, typer.Argument(help="Output file (JSON Lines; gzip when it ends in .gz).")],
    url: Url = None,
    format: Annotated[
        str, typer.Option("--format", "-f", help=f"Line format: {' or '.join(FORMATS)} (plain refuses items with "
                          "sets or binary, which JSON cannot hold faithfully).")
    ] = "dynamodb",
    gzip: Annotated[Optional[bool], typer.Option("--gzip/--no-gzip", help="Compress (default: by the file name).",
                                                 show_default=False)] = None,
) -> None:
    """Write a table to a JSON Lines file: header with the table's spec, one item per line, an end record."""
    from ..transfer import export_table

    console = out()
    with errors():
        with open_url(url) as store:
            t = store.table(table)
            total = store.describe(table).item_count or None
            with progress_bar(transient=True) as bar:
                task = bar.add_task(f"export {table}", total=total)
                result = export_table(t, file, format=format, compress=gzip,
                                      on_progress=lambda n: bar.advance(task, n))
                bar.update(task, total=result.count, completed=result.count)
            console.print(f"{table}: {result.count:,} item(s) written to {result.path} ({result.format}"
                          f"{', gzip' if result.compressed else ''}; checksum {result.digest.hex[:12]})")


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A file written by dynastore export (or AWS's DynamoDB JSON lines).")],
    url: Url = None,
    table: Annotated[
        Optional[str], typer.Option("--table", "-t", help="Table to import into (default: the file's).",
                                    show_default=False)
    ] = None,
    format: Annotated[
        Optional[str], typer.Option("--format", "-f", help="Line format of a file without header: "
                                    f"{' or '.join(FORMATS)} (default: recognised).", show_default=False)
    ] = None,
    start_line: Annotated[int, typer.Option("--start-line", min=1, help="Write only items from this line on "
                                            "(to finish an import that stopped).")] = 1,
) -> None:
    """Load a JSON Lines export into a table (created from the file's spec when missing).

    Every line is validated first (a bad line is reported with its number and
    nothing is written); then items are written in batches of 25.
    """
    from ..transfer import import_file

    console = out()
    with errors():
        with open_url(url) as store:
            with progress_bar(transient=True) as bar:
                task = bar.add_task(f"import {file.name}", total=None)
                result = import_file(store, file, table=table, format=format, start_line=start_line,
                                     on_progress=lambda n: bar.advance(task, n))
                bar.update(task, total=result.written, completed=result.written)
            check = "count and checksum verified" if result.verified else "no end record to verify against"
            console.print(f"{result.table}: {result.written:,} item(s) imported from {result.path} "
                          f"({result.format}; {check}{'; table created' if result.created_table else ''})")
