"""``dynastore sync``: replay a fallback store's outbox on DynamoDB, pull sessions, settle conflicts.

Exit codes, for scripts: 0 everything is on the primary (nothing waits); 1 an
error (one red line); 2 a usage error; 3 conflicts remain in the outbox (see
``--resolve``); 4 the primary is unreachable (nothing lost: run it again later).
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from ..errors import StoreUnavailable
from ..jsonutil import dumps
from ._app import Url, app, open_url
from ._output import err, errors, fail, out, value_text

if TYPE_CHECKING:
    from ..sync import PullReport, SyncReport

EXIT_CONFLICTS = 3
EXIT_UNREACHABLE = 4


class Keep(str, Enum):
    remote = "remote"
    local = "local"


def _bar() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=out(), transient=True)


def _conflicts_table(report: SyncReport, limit: int = 20) -> RichTable:
    grid = RichTable(title="conflicts (neither side was overwritten)", title_justify="left")
    for col in ("table", "key", "local", "on the primary"):
        grid.add_column(col)
    for c in report.conflicts[:limit]:
        grid.add_row(c.table, dumps(c.key), value_text(c.local if c.local is not None else "(deleted)", 40),
                     value_text(c.remote if c.remote is not None else "(absent)", 40))
    if len(report.conflicts) > limit:
        grid.caption = f"... and {len(report.conflicts) - limit} more"
    return grid


@app.command()
def sync(
    keys: Annotated[
        Optional[list[str]],
        typer.Argument(help="With --pull: partition key values (e.g. session ids) whose items to pull.",
                       show_default=False),
    ] = None,
    pull_table: Annotated[
        Optional[str],
        typer.Option("--pull", metavar="TABLE", help="After syncing, copy the items of the KEYS partitions of "
                     "TABLE from the primary into the local store.", show_default=False),
    ] = None,
    index: Annotated[
        Optional[str],
        typer.Option("--index", help="With --pull: KEYS are partition values of this index "
                     "(e.g. session_id-index).", show_default=False),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only read the primary: show what a sync would do.")] = False,
    keep: Annotated[
        Optional[Keep],
        typer.Option("--resolve", help="Settle conflicts: keep the 'remote' item (drop the local writes) or the "
                     "'local' one (write it over the primary's).", show_default=False),
    ] = None,
    url: Url = None,
) -> None:
    """Replay the writes a fallback store kept locally while DynamoDB was unreachable.

    The store URL must name a fallback (dynamodb://...&fallback=sqlite:///path.db).
    Writes replay in order and exactly once; one whose item changed on DynamoDB
    in the meantime is reported as a conflict and left as it is on both sides.
    Exit codes: 0 all synced, 3 conflicts remain, 4 DynamoDB unreachable
    (1 error, 2 usage error).
    """
    if keys and pull_table is None:
        raise typer.BadParameter("KEYS are partition values for --pull TABLE", param_hint="KEYS")
    if pull_table is not None and not keys:
        raise typer.BadParameter("--pull TABLE needs at least one partition key value", param_hint="KEYS")
    if dry_run and (pull_table or keep):
        raise typer.BadParameter("--dry-run only looks: it cannot be combined with --pull or --resolve",
                                 param_hint="--dry-run")
    # Imported here: the fallback engine pulls in botocore, which other commands never need (start-up time).
    from ..engines.fallback import FallbackEngine
    from ..sync import pull, resolve, sync as run_sync

    console = out()
    with errors():
        with open_url(url) as store:
            engine = store.engine
            if not isinstance(engine, FallbackEngine):
                fail(f"{store.url or engine.kind} is not a fallback store: use a URL such as "
                     "dynamodb://?region=...&fallback=sqlite:///data/offline.db")
            depth = engine.outbox.depth()
            with _bar() as bar:
                task = bar.add_task("checking" if dry_run else "syncing", total=depth or None)
                report = run_sync(engine, dry_run=dry_run,
                                  progress=lambda n, total: bar.update(task, completed=n, total=total or None))
            verb = "would apply" if dry_run else "applied"
            if report.applied or report.already or report.conflicts or not report.unreachable:
                console.print(f"{verb} {report.applied:,}, already on the primary {report.already:,}, "
                              f"conflicts {len(report.conflicts):,}, left in the outbox {report.remaining:,}")
            if report.conflicts:
                console.print(_conflicts_table(report))
            if report.unreachable:
                err().print(f"[bold red]the primary is unreachable: {report.unreachable}[/] "
                            f"({report.remaining:,} write(s) kept locally; run `dynastore sync` again later)",
                            soft_wrap=True)
                raise typer.Exit(EXIT_UNREACHABLE)
            conflicts = len(report.conflicts)
            try:
                if keep is not None and conflicts:
                    settled = resolve(engine, keep.value)
                    conflicts = engine.outbox.conflict_count()
                    console.print(f"settled {settled:,} conflicting item(s) keeping the {keep.value} version")
                if pull_table is not None:
                    from . import _coerce  # the key parsing of `dynastore get`

                    spec = engine.primary.describe_table(pull_table).spec
                    key = spec.partition_key
                    if index is not None:
                        ix = next((i for i in spec.indexes if i.name == index), None)
                        if ix is None or ix.partition_key is None:
                            fail(f"table {pull_table!r} has no index {index!r}")
                        key = ix.partition_key
                    values = [_coerce(key, k) for k in keys or ()]
                    with _bar() as bar:
                        task = bar.add_task(f"pulling {pull_table}", total=len(values))
                        pulled: PullReport = pull(engine, pull_table, values, index=index,
                                                  progress=lambda n, total: bar.update(task, completed=n))
                    console.print(f"pulled {pulled.pulled:,} item(s) into the local store, removed "
                                  f"{pulled.removed:,}, skipped {pulled.skipped:,} with local writes pending")
            except StoreUnavailable as e:
                err().print(f"[bold red]the primary is unreachable: {e.message}[/]", soft_wrap=True)
                raise typer.Exit(EXIT_UNREACHABLE) from None
    if report.conflicts if dry_run else conflicts:
        raise typer.Exit(EXIT_CONFLICTS)
