"""(d) Scale (``--scale``): a big table on the embedded engine.

- **load**: N items (``--scale-items``, default 1,000,000; ~200 bytes each, 20
  per partition, no indexes) through ``table.batch_write`` (25 items per
  transaction, the public API), in calls of 10,000 items; reported in items/s.
- **full scan in bounded memory**: ``for item in table.scan()`` over all N items
  in a fresh process (so nothing from the load inflates the figure), sampling
  VmRSS every 5,000 items and reading the peak (``ru_maxrss``) at the end;
  target: RSS grows by less than 100 MB.
- **query of 20 items, big vs small**: the 20 items of a random partition in the
  N-item table vs in a 10,000-item table of the same shape, taking turns;
  target: the big table within 3x of the small one.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from dynastore import Key, open_store

from . import workload as w
from .harness import Config, Report, Row, compare, peak_rss_mb, profile, reset_peak_rss, rss_mb

BENCH = "scale"
TITLE = "(d) scale: load, full scan in bounded memory, query in a big vs a small table"
PER_PARTITION = 20
SMALL = 10_000
CHUNK = 10_000
SAMPLE_EVERY = 5_000


def _url(path: str) -> str:
    return "sqlite:///" + path


def load(path: str, n: int, console: Console | None = None) -> float:
    """Create the table in ``path`` and load ``n`` items with batch_write; returns seconds spent writing."""
    store = open_store(_url(path))
    try:
        table = store.create_table(w.PLAIN_SPEC)
        spent = 0.0
        progress = Progress(TextColumn("loading"), BarColumn(), MofNCompleteColumn(), TextColumn("items"),
                            TimeRemainingColumn(), console=console, transient=True, disable=console is None)
        with progress:
            task = progress.add_task("load", total=n)
            for start in range(0, n, CHUNK):
                chunk = [w.item(i // PER_PARTITION, i) for i in range(start, min(n, start + CHUNK))]
                t0 = time.perf_counter()
                table.batch_write(chunk)
                spent += time.perf_counter() - t0
                progress.advance(task, len(chunk))
        return spent
    finally:
        store.close()


def scan_in_fresh_process(path: str) -> dict[str, Any]:
    """Run in a spawned interpreter: scan the whole table, watching this process's memory.

    The peak is the kernel's high-water mark (VmHWM), reset just before the
    scan so that imports and start-up do not count; where it cannot be reset
    it is the peak since the process started (``ru_maxrss``), which can only
    overstate the growth. VmRSS is also sampled every 5,000 items.
    """
    store = open_store(_url(path))
    table = store.table(w.TABLE)
    before = rss_mb()
    reset = reset_peak_rss()
    sampled = before
    count = 0
    t0 = time.perf_counter()
    for _item in table.scan():
        count += 1
        if count % SAMPLE_EVERY == 0:
            sampled = max(sampled, rss_mb())
    seconds = time.perf_counter() - t0
    peak = peak_rss_mb() if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    after = rss_mb()
    store.close()
    return {"count": count, "seconds": seconds, "rss_before_mb": before, "rss_after_mb": after,
            "rss_peak_sampled_mb": sampled, "rss_peak_mb": peak, "peak_is_since_reset": reset,
            "growth_mb": max(peak, sampled) - before}


def run(cfg: Config, report: Report, console: Console) -> None:
    big_n = min(cfg.scale_items, 50_000) if cfg.quick else cfg.scale_items
    n_query = cfg.n(2000, 300)
    with tempfile.TemporaryDirectory(prefix="dynastore-bench-scale-") as tmp:
        big, small = os.path.join(tmp, "big.db"), os.path.join(tmp, "small.db")

        console.print(f"loading {big_n:,} items ...")
        t0 = time.perf_counter()
        spent = load(big, big_n, console)
        wall = time.perf_counter() - t0
        load(small, SMALL)
        size_mb = (os.path.getsize(big) + _wal_size(big)) / 1e6
        report.add(Row(BENCH, f"load {_short(big_n)} (batch_write)", "dynastore", big_n / spent, unit="items/s",
                       note=f"{wall:.1f} s wall incl. building the items"))
        report.figure(BENCH, "load", "items_per_s", big_n / spent)
        report.figure(BENCH, "load", "seconds", spent)
        report.figure(BENCH, "load", "db_mb", size_mb)
        report.note(BENCH, f"load: {big_n:,} items in {spent:.1f} s of batch_write ({wall:.1f} s wall "
                    f"incl. building the items); database {size_mb:,.0f} MB")

        console.print(f"scanning {big_n:,} items in a fresh process ...")
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
            got = pool.submit(scan_in_fresh_process, big).result()
        if got["count"] != big_n:
            raise RuntimeError(f"the scan returned {got['count']:,} items, expected {big_n:,}")
        for k, v in got.items():
            report.figure(BENCH, "scan", k, v)
        report.add(Row(BENCH, f"scan {_short(big_n)}: RSS growth", "dynastore", got["growth_mb"], unit="MB",
                       value_max=100))
        report.add(Row(BENCH, f"scan {_short(big_n)}: rate", "dynastore", got["count"] / got["seconds"],
                       unit="items/s"))
        report.note(BENCH, f"scan: {got['seconds']:.1f} s; RSS {got['rss_before_mb']:.0f} MB before, "
                    f"{got['rss_after_mb']:.0f} MB after, peak {got['rss_peak_mb']:.0f} MB "
                    f"({'VmHWM reset before the scan' if got['peak_is_since_reset'] else 'ru_maxrss, since start'}), "
                    f"{got['rss_peak_sampled_mb']:.0f} MB highest sample")

        s_big, s_small = open_store(_url(big)), open_store(_url(small))
        try:
            t_big, t_small = s_big.table(w.TABLE), s_small.table(w.TABLE)
            big_conds = [Key(w.PK).eq(w.pk_of(p)) for p, _ in w.random_keys(big_n // PER_PARTITION, 1, 4096)]
            small_conds = [Key(w.PK).eq(w.pk_of(p)) for p, _ in w.random_keys(SMALL // PER_PARTITION, 1, 4096)]
            assert len(t_big.query(big_conds[0]).all()) == PER_PARTITION
            assert len(t_small.query(small_conds[0]).all()) == PER_PARTITION
            ops = {
                "big": lambda i: t_big.query(big_conds[i & 4095]).all(),
                "small": lambda i: t_small.query(small_conds[i & 4095]).all(),
            }
            rates = compare(ops, n_query, rounds=cfg.rounds)
            report.figure(BENCH, "query20", f"{big_n}", rates["big"])
            report.figure(BENCH, "query20", f"{SMALL}", rates["small"])
            report.add(Row(BENCH, f"query {PER_PARTITION}", f"{_short(big_n)} items", rates["big"],
                           f"{_short(SMALL)} items", rates["small"], ratio_min=1 / 3,
                           target_text="within 3x"))
            if cfg.profile:
                text = profile(ops["big"], n_query // 2)
                report.profiles[f"{BENCH}/query20"] = text
                console.print(f"[bold]profile {BENCH}/query20 (big table)[/]\n{text}")
        finally:
            s_big.close()
            s_small.close()


def _wal_size(path: str) -> int:
    try:
        return os.path.getsize(path + "-wal")
    except OSError:
        return 0


def _short(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000} M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000} k"
    return f"{n:,}"
