"""(e) ``dynastore endpoint`` vs DynamoDB Local vs moto_server, seen by the same boto3 code.

One boto3 workload (get, put with two GSIs, query of 50 items; the network
benchmark's `Workload`) runs unchanged against each server, all on 127.0.0.1,
taking turns within a round. ``dynastore endpoint`` runs as its own process
(``dynastore endpoint --in-memory``), as DynamoDB Local and moto_server do, so
the client and the server do not share a GIL. The start-up row is the time
from launching the command to its first answered ListTables.
"""

from __future__ import annotations

import http.client
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console

from .harness import Config, Report, Row, compare
from .network import OPS, PER_PARTITION, Workload, _boto3_table

BENCH = "endpoint"
TITLE = "(e) dynastore endpoint vs DynamoDB Local vs moto_server, the same boto3 code"
STARTUP_MAX_SECONDS = 0.5


def _answers(url: str) -> bool:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    try:
        c = http.client.HTTPConnection(host, int(port), timeout=1)
        c.request("POST", "/", body=b"{}", headers={"X-Amz-Target": "DynamoDB_20120810.ListTables",
                                                     "Content-Type": "application/x-amz-json-1.0"})
        ok = c.getresponse().status == 200
        c.close()
        return ok
    except OSError:
        return False


@contextmanager
def endpoint_process() -> Iterator[tuple[str, float]]:
    """A ``dynastore endpoint --in-memory`` process: (its URL, seconds from launch to first answer)."""
    exe = Path(sys.executable).with_name("dynastore")
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(exe), "endpoint", "--in-memory", "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if "listening on " not in line:
            raise RuntimeError(f"dynastore endpoint did not start: {line!r}")
        url = line.split("listening on ", 1)[1].split()[0]
        while not _answers(url):
            time.sleep(0.005)
        yield url, time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def run(cfg: Config, report: Report, console: Console) -> None:
    from dynastore.testing.servers import dynamodb_local, moto_server

    partitions = cfg.n(10, 2)
    counts = {"get": cfg.n(500, 50), "put": cfg.n(500, 50), "query": cfg.n(200, 30)}
    budget = cfg.n(4.0, 2.0)
    wl = Workload(partitions, max(counts.values()) * (cfg.rounds + 1) + 20)
    report.note(BENCH, f"{len(wl.items):,} items ({partitions} partitions x {PER_PARTITION}); boto3 resource API; "
                f"median of {cfg.rounds} rounds; every server on 127.0.0.1, in memory")
    startups = []
    for _ in range(cfg.n(5, 2)):
        with endpoint_process() as (_, seconds):
            startups.append(seconds)
    startup = sorted(startups)[len(startups) // 2]
    report.figure(BENCH, "startup", "dynastore endpoint", startup)
    report.add(Row(BENCH, "start-up to first answer", "dynastore endpoint", startup, unit="s",
                   value_max=STARTUP_MAX_SECONDS, note=f"median of {len(startups)} launches"))
    console.print("starting dynastore endpoint, DynamoDB Local and moto_server ...")
    with endpoint_process() as (url, _), dynamodb_local() as local, moto_server() as moto:
        report.note(BENCH, f"DynamoDB Local started in {local.startup_seconds:.1f} s, moto_server in "
                    f"{moto.startup_seconds:.1f} s")
        paths = {}
        for label, endpoint in (("endpoint", url), ("ddblocal", local.endpoint), ("moto", moto.endpoint)):
            table = _boto3_table(endpoint)
            with table.batch_writer() as bw:
                for it in wl.items:
                    bw.put_item(Item=it)
            paths[label] = wl.boto3_ops(table)
        for op in OPS:
            rates = compare({p: ops[op] for p, ops in paths.items()}, counts[op], rounds=cfg.rounds, budget=budget)
            for p, v in rates.items():
                report.figure(BENCH, op, p, v)
            for other in ("ddblocal", "moto"):
                report.add(Row(BENCH, f"{op} vs {other}", "boto3@endpoint", rates["endpoint"], f"boto3@{other}",
                               rates[other]))
