"""``dynastore generations``: seed 001's generation states; ``migrate`` copies the seed's JSON files into a store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from ._app import Url, app, open_url
from ._output import errors, out

#: `dynastore.apps.generations.DEFAULT_TABLE`, spelt out so that start-up does not import the app (and botocore)
DEFAULT_TABLE = "video-gennie-generations"

generations_app = typer.Typer(
    name="generations",
    help="Video-generation states (seed 001): migrate the seed's file storage into a store.",
    no_args_is_help=True,
)
app.add_typer(generations_app, name="generations")


@generations_app.command()
def migrate(
    source: Annotated[Path, typer.Option("--from", help="Directory of the file storage: one JSON file per "
                                         "generation.", exists=True, file_okay=False, dir_okay=True)],
    url: Url = None,
    table: Annotated[str, typer.Option("--table", "-t", help="The generations table.")] = DEFAULT_TABLE,
) -> None:
    """Copy every generation of the file storage into the store; ones already there are skipped (safe to rerun)."""
    from ..apps.generations import (
        FileGenerationStorage,
        GenerationStore,
        migrate_generations,
    )

    console = out()
    with errors():
        files = FileGenerationStorage(source, create=False)
        with open_url(url) as store, GenerationStore(store, table=table) as target, \
                Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                         console=console, transient=True) as bar:
            task = bar.add_task(f"migrating {source} → {table}")
            result = migrate_generations(files, target, on_progress=lambda r: bar.update(
                task, description=f"migrating {source} → {table}: {r.read} read"))
        console.print(Text.assemble(("copied ", "green"), (f"{result.copied}", "bold"),
                                    f", already there {result.skipped}, read {result.read}"))
        for name, reason in result.invalid:
            console.print(Text(f"  not migrated: {name}: {reason}", style="yellow"))
        if result.invalid:
            console.print(Text(f"{len(result.invalid)} file(s) are not generation states; fix them and run again.",
                               style="yellow"))
            raise typer.Exit(1)
