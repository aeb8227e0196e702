"""Timing, results and reporting shared by every benchmark."""

from __future__ import annotations

import cProfile
import gc
import io
import os
import platform
import pstats
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table as RichTable

#: One operation of a workload; called with a running index (so writes can use fresh keys).
Op = Callable[[int], object]


@dataclass
class Config:
    """How big a run is. ``--quick`` shrinks every count for a smoke run."""

    quick: bool = False
    rounds: int = 3
    profile: bool = False
    scale_items: int = 1_000_000

    def n(self, full: int, quick: int) -> int:
        return quick if self.quick else full


@dataclass
class Row:
    """One line of a report: our figure, the baseline's, their ratio and the target verdict.

    ``ours``/``baseline`` are ops/s unless ``unit`` says otherwise. ``target``
    is the minimum ratio (``ratio_min``) or, for a plain value, a maximum
    (``value_max``); a row with neither is informational.
    """

    bench: str
    name: str
    ours_label: str
    ours: float
    base_label: str = ""
    baseline: float | None = None
    unit: str = "ops/s"
    ratio_min: float | None = None
    value_max: float | None = None
    note: str = ""
    #: how the target reads when ">= Nx" does not say it well ("within 3x")
    target_text: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or not self.baseline:
            return None
        return self.ours / self.baseline

    @property
    def target(self) -> str:
        if self.target_text:
            return self.target_text
        if self.ratio_min is not None:
            return f">= {self.ratio_min:g}x"
        if self.value_max is not None:
            return f"< {self.value_max:g} {self.unit}"
        return ""

    @property
    def passed(self) -> bool | None:
        if self.ratio_min is not None:
            r = self.ratio
            return None if r is None else r >= self.ratio_min
        if self.value_max is not None:
            return self.ours < self.value_max
        return None

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d.update(ratio=self.ratio, target=self.target or None, passed=self.passed)
        return d


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    #: every raw figure measured, by benchmark: {"embedded": {"get": {"dynastore": 12345.6, ...}}}
    figures: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    #: cProfile text of our path, by "bench/op" (with --profile)
    profiles: dict[str, str] = field(default_factory=dict)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        return row

    def figure(self, bench: str, op: str, path: str, value: float) -> None:
        self.figures.setdefault(bench, {}).setdefault(op, {})[path] = value

    def note(self, bench: str, text: str) -> None:
        self.notes.setdefault(bench, []).append(text)


# -- timing --------------------------------------------------------------------


def _run(op: Op, start: int, n: int, budget: float) -> tuple[int, float]:
    """Run ``op`` for indexes start..start+n-1 (stopping early past ``budget`` seconds)."""
    t0 = time.perf_counter()
    deadline = t0 + budget
    done = 0
    for i in range(start, start + n):
        op(i)
        done += 1
        if not done & 63 and time.perf_counter() > deadline:
            break
    return done, time.perf_counter() - t0


def compare(
    paths: dict[str, Op],
    n: int,
    *,
    rounds: int = 3,
    warmup: int | None = None,
    budget: float = 20.0,
    cpu: dict[str, float] | None = None,
    blocks: int = 10,
) -> dict[str, float]:
    """ops/s of each path: the median over ``rounds`` rounds of ``n`` ops.

    Within a round the paths take turns in ``blocks`` blocks (A B, B A, A B
    ...), so a burst of other load on the machine hits them alike; the order
    rotates from round to round. Each path first runs ``warmup`` ops
    (default n/10, at least 20). Index ranges never repeat, so a write op can
    derive a fresh key from its index. ``budget`` caps the seconds one path
    spends in one round (its remaining blocks are skipped). With ``cpu``
    given, it receives each path's median CPU time of this process per op, in
    microseconds (the client's own cost when the work happens in a server).
    """
    warm = max(20, n // 10) if warmup is None else warmup
    labels = list(paths)
    offset = 0
    for label in labels:
        _run(paths[label], offset, warm, budget)
    offset += warm
    blocks = max(1, min(blocks, n))
    sizes = [n // blocks + (1 if b < n % blocks else 0) for b in range(blocks)]
    rates: dict[str, list[float]] = {label: [] for label in labels}
    cpus: dict[str, list[float]] = {label: [] for label in labels}
    for r in range(rounds):
        order = labels[r % len(labels):] + labels[: r % len(labels)]
        done = dict.fromkeys(labels, 0)
        secs = dict.fromkeys(labels, 0.0)
        cpu_secs = dict.fromkeys(labels, 0.0)
        gc.collect()
        start = offset
        for b, size in enumerate(sizes):
            for label in (order if b % 2 == 0 else order[::-1]):
                left = budget - secs[label]
                if left <= 0:
                    continue
                c0 = time.process_time()
                d, t = _run(paths[label], start, size, left)
                cpu_secs[label] += time.process_time() - c0
                done[label] += d
                secs[label] += t
            start += size
        for label in labels:
            rates[label].append(done[label] / secs[label])
            cpus[label].append(cpu_secs[label] / done[label] * 1e6)
        offset += n
    if cpu is not None:
        cpu.update({label: statistics.median(v) for label, v in cpus.items()})
    return {label: statistics.median(v) for label, v in rates.items()}


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def profile(op: Op, n: int, start: int = 10_000_000, top: int = 15) -> str:
    """cProfile ``n`` runs of ``op``: where the time goes, in microseconds per op.

    Two lists: by own time (the hot spots themselves) and by cumulative time
    (which layer they sit under). Figures include cProfile's own overhead,
    which inflates functions that make many small calls.
    """
    prof = cProfile.Profile()
    prof.enable()
    for i in range(start, start + n):
        op(i)
    prof.disable()
    stats = pstats.Stats(prof)
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in entries.values()) or 1e-12

    def name(fn: tuple[str, int, str]) -> str:
        path, line, func = fn
        if path == "~":
            return func
        parts = path.replace(os.sep, "/").split("/")
        short = "/".join(parts[-2:]) if parts[-2:-1] in (["engines"], ["expressions"], ["dynastore"]) else parts[-1]
        return f"{short}:{line}({func})"

    out = io.StringIO()
    out.write(f"{n} ops, {total / n * 1e6:.1f} us/op under the profiler\n")
    for title, key in (("own time", 2), ("cumulative", 3)):
        out.write(f"  by {title}:   us/op   calls/op  function\n")
        for fn, v in sorted(entries.items(), key=lambda kv: kv[1][key], reverse=True)[:top]:
            out.write(f"    {v[key] / n * 1e6:>20.2f} {v[1] / n:>10.1f}  {name(fn)}\n")
    return out.getvalue()


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS (VmHWM) to its current RSS; False where Linux does not let us."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_mb() -> float:
    """Peak RSS of this process (since `reset_peak_rss`, if it worked), in MB."""
    hwm = _status_mb("VmHWM")
    if hwm is not None:
        return hwm
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """Resident set size of this process now, in MB (Linux /proc; else peak RSS)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- the machine -----------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = None
    try:
        with open("/proc/meminfo") as f:
            mem = round(int(f.readline().split()[1]) / 1024 / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    import sqlite3

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gb": mem,
        "sqlite": sqlite3.sqlite_version,
    }


# -- output ----------------------------------------------------------------------


def _fmt(v: float | None, unit: str = "ops/s") -> str:
    if v is None:
        return ""
    text = f"{v:,.0f}" if v >= 100 else f"{v:,.1f}"
    return text if unit == "ops/s" else f"{text} {unit}"


def render(console: Console, report: Report, benches: Sequence[str], titles: dict[str, str]) -> None:
    for bench in benches:
        rows = [r for r in report.rows if r.bench == bench]
        if not rows:
            continue
        t = RichTable(title=titles.get(bench, bench), title_justify="left", show_lines=False)
        t.add_column("operation")
        t.add_column("ours")
        t.add_column("ops/s", justify="right")
        t.add_column("baseline")
        t.add_column("ops/s", justify="right")
        t.add_column("ratio", justify="right")
        t.add_column("target", justify="right")
        t.add_column("", justify="center")
        for r in rows:
            verdict = {True: "[green]PASS[/]", False: "[red bold]MISS[/]", None: "[dim]info[/]"}[r.passed]
            ratio = f"{r.ratio:.2f}x" if r.ratio is not None else ""
            t.add_row(r.name, r.ours_label, _fmt(r.ours, r.unit), r.base_label,
                      _fmt(r.baseline, r.unit), ratio, r.target, verdict)
        console.print(t)
        for text in report.notes.get(bench, []):
            console.print(f"  [dim]{text}[/]")
        if bench in report.seconds:
            console.print(f"  [dim]{bench}: {report.seconds[bench]:.1f} s[/]")
        console.print()


def summary(console: Console, report: Report) -> None:
    judged = [r for r in report.rows if r.passed is not None]
    missed = [r for r in judged if r.passed is False]
    if not judged:
        return
    if missed:
        console.print(f"[red bold]{len(missed)} of {len(judged)} targets missed:[/]")
        for r in missed:
            got = f"{r.ratio:.2f}x" if r.ratio_min is not None and r.ratio is not None else _fmt(r.ours, r.unit)
            console.print(f"  - {r.bench} / {r.name}: {got} (target {r.target})")
    else:
        console.print(f"[green bold]all {len(judged)} targets met[/]")
