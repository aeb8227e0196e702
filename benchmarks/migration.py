"""(e) Migration (``--only migrate``): N items embedded -> DynamoDB Local -> embedded, verified equal.

- load N items (default 100,000, ``--quick`` 5,000; the ~200-byte orders of
  `workload`, 2 GSIs) into a SQLite file with ``batch_write``;
- ``dynastore.transfer.migrate`` them to DynamoDB Local (``-inMemory``), then
  from there into a second SQLite file, each with 4 scan segments; the copy and
  the verification (count + checksum of both sides) are timed separately;
- finally the two SQLite tables are compared item by item (same keys, so both
  scans walk the same order) and by digest.

Figures are items/s (informational rows: there is no baseline to race).
"""

from __future__ import annotations

import os
import tempfile
import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from dynastore import open_store
from dynastore.transfer import migrate, table_digest

from . import workload as w
from .harness import Config, Report, Row

BENCH = "migrate"
TITLE = "(e) migrate: embedded -> DynamoDB Local -> embedded, verified"
SEGMENTS = 4
REGION = "us-east-1"


def run(cfg: Config, report: Report, console: Console) -> None:
    from dynastore.testing.servers import dynamodb_local

    n = cfg.n(100_000, 5_000)
    per_partition = 50
    with tempfile.TemporaryDirectory(prefix="dynastore-bench-") as tmp:
        first = open_store("sqlite:///" + os.path.join(tmp, "first.db"))
        back = open_store("sqlite:///" + os.path.join(tmp, "back.db"))
        table = first.create_table(w.SPEC)
        t0 = time.perf_counter()
        for start in range(0, n, 10_000):
            table.batch_write([w.item(i // per_partition, i) for i in range(start, min(n, start + 10_000))])
        report.note(BENCH, f"{n:,} items of ~200 bytes, 2 GSIs; loaded into SQLite in {time.perf_counter() - t0:.1f} s; "
                           f"{SEGMENTS} scan segments; DynamoDB Local -inMemory on 127.0.0.1")
        console.print("starting DynamoDB Local ...")
        with dynamodb_local() as server:
            ddb = open_store(f"dynamodb://?endpoint={server.endpoint}&region={REGION}")
            legs = (("embedded -> DynamoDB Local", first, ddb), ("DynamoDB Local -> embedded", ddb, back))
            for label, src, dst in legs:
                progress = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                    console=console, transient=True)
                with progress:
                    task = progress.add_task(label, total=n)
                    t0 = time.perf_counter()
                    result = migrate(src, dst, [w.TABLE], segments=SEGMENTS, verify=False,
                                     on_progress=lambda _, k, p=progress, t=task: p.advance(t, k))
                    copy_s = time.perf_counter() - t0
                t0 = time.perf_counter()
                a, b = table_digest(src.table(w.TABLE), segments=SEGMENTS), table_digest(dst.table(w.TABLE),
                                                                                         segments=SEGMENTS)
                verify_s = time.perf_counter() - t0
                if a != b or a.count != n or result.copied != n:
                    raise RuntimeError(f"{label}: copied {result.copied}, digests {a} vs {b}")
                report.figure(BENCH, label, "copy items/s", n / copy_s)
                report.figure(BENCH, label, "verify items/s", 2 * n / verify_s)
                report.add(Row(BENCH, f"copy {label}", "migrate", n / copy_s, unit="items/s",
                               note=f"{copy_s:.1f} s"))
                report.add(Row(BENCH, f"verify {label} (both sides)", "count + checksum", 2 * n / verify_s,
                               unit="items/s", note=f"{verify_s:.1f} s"))
                console.print(f"{label}: {n:,} items copied in {copy_s:.1f} s ({n / copy_s:,.0f} items/s), "
                              f"verified equal in {verify_s:.1f} s (checksum {a.hex[:12]})")
            ddb.close()
        t0 = time.perf_counter()
        same = 0
        for x, y in zip(first.table(w.TABLE).scan(), back.table(w.TABLE).scan(), strict=True):
            if x != y:
                raise RuntimeError(f"round trip changed an item: {x!r:.80} != {y!r:.80}")
            same += 1
        if same != n:
            raise RuntimeError(f"round trip has {same} items, expected {n}")
        report.note(BENCH, f"round trip verified item by item: {same:,} items equal ({time.perf_counter() - t0:.1f} s)")
        first.close()
        back.close()
