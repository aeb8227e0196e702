"""``python -m benchmarks [--quick] [--only NAME] [--scale] [--json FILE]``."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
from datetime import datetime, timezone

from rich.console import Console

from .harness import Config, Report, machine, render, summary

#: name -> module; the order they run in.
BENCHMARKS = {
    "embedded": "embedded",
    "dynamodb": "network",
    "codec": "codec",
    "messages": "messages",
    "scale": "scale",
    "migrate": "migration",  # not in DEFAULT: --only migrate (100,000 items each way, a minute or more)
    "endpoint": "endpoint",  # not in DEFAULT: --only endpoint (starts three servers)
    "web": "web_load",  # not in DEFAULT: --only web (dynastore serve --workers 2 under wrk)
}
DEFAULT = ("embedded", "dynamodb", "codec", "messages")


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="dynastore's benchmarks: each measures our path and a baseline in the same run "
        "and prints ops/s, the ratio and PASS/MISS against the target.",
    )
    p.add_argument("--quick", action="store_true", help="small counts: a smoke run of a few seconds per benchmark")
    p.add_argument("--only", action="append", choices=list(BENCHMARKS), metavar="NAME",
                   help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}")
    p.add_argument("--scale", action="store_true",
                   help="also run the scale benchmark (minutes: loads --scale-items items)")
    p.add_argument("--scale-items", type=int, default=1_000_000, metavar="N",
                   help="items in the big table of the scale benchmark (default 1,000,000)")
    p.add_argument("--rounds", type=int, default=3, help="rounds per measurement; the median is reported (default 3)")
    p.add_argument("--profile", action="store_true", help="cProfile our path of each operation and print the hot spots")
    p.add_argument("--json", metavar="FILE", help="write every figure, row and verdict to FILE as JSON")
    args = p.parse_args(argv)
    if args.scale_items < 10_000:
        p.error("--scale-items must be at least 10000")
    if args.rounds < 1:
        p.error("--rounds must be at least 1")
    return args


def _loadavg() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    console = Console()
    if not console.is_terminal and console.width < 110:  # piped to a file: room for the tables
        console = Console(width=110)
    cfg = Config(quick=args.quick, rounds=args.rounds, profile=args.profile, scale_items=args.scale_items)
    if args.only:
        names = [n for n in BENCHMARKS if n in args.only]
    else:
        names = list(DEFAULT) + (["scale"] if args.scale else [])
    info = machine()
    console.print(f"[bold]dynastore benchmarks[/] {'(quick) ' if args.quick else ''}"
                  f"on {info['cpus']} CPUs ({info['cpu']}), Python {info['python']}, SQLite {info['sqlite']}")
    load = _loadavg()
    if load is not None and info["cpus"] and load > 0.5 * info["cpus"]:
        console.print(f"[yellow]load average {load:.2f} on {info['cpus']} CPUs: other work is running, "
                      "absolute figures will be low (ratios are measured in turns and suffer less)[/]")
    info["loadavg_start"] = load
    report = Report()
    titles: dict[str, str] = {}
    failed: dict[str, str] = {}
    started = time.perf_counter()
    for name in names:
        mod = importlib.import_module(f".{BENCHMARKS[name]}", __package__)
        titles[name] = mod.TITLE
        console.rule(f"[bold]{mod.TITLE}")
        t0 = time.perf_counter()
        try:
            mod.run(cfg, report, console)
        except KeyboardInterrupt:
            raise
        except Exception as e:  # one benchmark failing (a server that will not start ...) must not hide the others
            failed[name] = f"{type(e).__name__}: {e}"
            console.print(f"[red bold]{name} failed:[/] {type(e).__name__}: {e}")
            console.print_exception(max_frames=8)
        report.seconds[name] = time.perf_counter() - t0
        render(console, report, [name], titles)
    total = time.perf_counter() - started
    info["loadavg_end"] = _loadavg()
    console.rule("[bold]summary")
    render(console, report, names, titles)
    summary(console, report)
    for name, err in failed.items():
        console.print(f"[red bold]{name} did not complete:[/] {err}")
    console.print(f"[dim]total {total:.1f} s[/]")
    if args.json:
        doc = {
            "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "argv": sys.argv[1:] if argv is None else argv,
            "quick": args.quick,
            "machine": info,
            "seconds": {**report.seconds, "total": total},
            "rows": [r.to_json() for r in report.rows],
            "figures": report.figures,
            "notes": report.notes,
            "profiles": report.profiles,
            "failed": failed,
        }
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=2)
        console.print(f"[dim]figures written to {args.json}[/]")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
