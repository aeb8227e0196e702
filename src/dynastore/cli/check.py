"""``dynastore check SPEC_FILE...``: access-pattern smells in spec files, before they cost money.

Exit codes: 0 nothing to act on (no warnings, or all silenced); 1 warnings (with
``--strict``, notes too); 2 usage error or an invalid/unreadable spec file.
"""

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from ..check import RULES, Finding, Report, check_file
from ..errors import DynastoreError
from ._app import app
from ._output import fail, out


def _codes(values: list[str]) -> list[str]:
    codes = [c.strip().upper() for v in values for c in v.split(",") if c.strip()]
    unknown = [c for c in codes if c not in RULES]
    if unknown:
        raise typer.BadParameter(f"unknown check code {', '.join(unknown)}; known: {', '.join(RULES)}")
    return codes


@app.command()
def check(
    spec_files: Annotated[
        list[Path],
        typer.Argument(help="YAML or JSON spec files to check (as for `dynastore init`).", metavar="SPEC_FILE",
                       show_default=False),
    ],
    ignore: Annotated[
        Optional[list[str]],
        typer.Option("--ignore", "-i", help="Silence a check everywhere, e.g. --ignore DS008 (repeat, or comma-separate).",
                     show_default=False),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object.")] = False,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Also exit 1 on notes: patterns the checks could not judge, ignores that "
                                      "silence nothing."),
    ] = False,
) -> None:
    """Report access-pattern smells (hot keys, scans, projections...) in spec files. Exit 0 clean, 1 warnings, 2 invalid."""
    codes = _codes(ignore or [])
    report = Report()
    for path in spec_files:
        try:
            report.extend(check_file(path, codes))
        except DynastoreError as e:  # unreadable or invalid spec file: exit 2, like a usage error
            fail(e.message or type(e).__name__, code=2)
    if as_json:
        typer.echo(json.dumps(report.to_dict(strict), ensure_ascii=False, indent=2))
    else:
        _print(out(), report, strict)
    raise typer.Exit(report.exit_code(strict))


def _print(console: Console, report: Report, strict: bool) -> None:
    explained: set[str] = set()
    by_table: dict[tuple[str | None, str], list[Finding]] = {}
    for f in report.findings:
        by_table.setdefault((f.file, f.table), []).append(f)
    for (file, table), found in by_table.items():
        console.print(Text.assemble((table, "bold"), (f"  {file}" if file else "", "dim")))
        for f in found:
            if f.silenced_by is not None:
                why = f": {f.reason}" if f.reason else ""
                console.print(Padding(Text(f"silenced {f.code} {f.rule.title} ({f.where}) by {f.silenced_by}{why}",
                                           style="dim"), (0, 0, 0, 2)))
                continue
            console.print(Padding(Text.assemble((f"{f.code} {f.rule.title}", "bold yellow"), ("  " + f.where, "cyan")),
                                  (0, 0, 0, 2)))
            body = [Text(f.detail)]
            if f.code in explained:
                body.append(Text(f"(why and fix: see {f.code} above)", style="dim"))
            else:
                explained.add(f.code)
                body += [Text.assemble(("Why: ", "bold"), f.rule.why), Text.assemble(("Fix: ", "bold"), f.rule.fix)]
            for t in body:
                console.print(Padding(t, (0, 0, 0, 4)))
    for n in report.notes:
        console.print(Padding(Text(f"note: {n.table}: {n.message}", style="yellow" if strict else "dim"), (0, 0, 0, 2)))
    warnings, silenced = len(report.warnings), len(report.silenced)
    summary = (f"{warnings} warning(s), {silenced} silenced, {len(report.notes)} note(s) "
               f"in {len(report.tables)} table(s) of {len(report.files)} file(s).")
    code = report.exit_code(strict)
    console.print(Text(summary, style="bold green" if code == 0 else "bold yellow"))
