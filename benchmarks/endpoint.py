"""(e) ``dynastore endpoint`` vs DynamoDB Local vs moto_server, seen by the same boto3 code (issue 10).

One boto3 workload (get, put with two GSIs, query of 50 items, BatchWriteItem
of 25 fresh items; the network benchmark's `Workload` plus the batch) runs
unchanged against six servers, all on 127.0.0.1, taking turns within a round:

- ``endpoint-file``: ``dynastore endpoint --db FILE`` (the tables in a SQLite file)
- ``endpoint-mem``: ``dynastore endpoint --in-memory``
- ``ddblocal-file``: DynamoDB Local ``-dbPath DIR`` (its tables in a SQLite file too)
- ``ddblocal-mem``: DynamoDB Local ``-inMemory``
- ``moto``: ``moto_server`` (in memory; it has no other mode)
- ``null``: `benchmarks.null_server`, canned answers and no work: the boto3
  client's own cost, so ``null`` vs ``moto`` is the ceiling of any server's
  ratio against moto_server (informational rows)

Each server is its own process, so the client and the server do not share a
GIL. The targets compare like with like: the file-backed endpoint against
DynamoDB Local ``-dbPath`` (>= 1x) and against moto_server (>= 3x); the
in-memory endpoint against DynamoDB Local ``-inMemory`` (>= 1x). Start-up is
the time from launching the command to its first answered ListTables (the
endpoint polled every 5 ms, median of several launches; DynamoDB Local and
moto_server by dynastore.testing every 50 ms, one launch each).

Then, with the same servers and data, a second phase measures each server's
throughput under concurrent clients (`benchmarks.endpoint_load`: 4 client
processes started together, a time window and an op bound each; the
'x4 clients' rows, with the same targets). One sequential client mostly times
its own CPU, so the sequential rows understate what a server can serve.
"""

from __future__ import annotations

import http.client
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console

from dynastore.testing.servers import LocalServer

from . import workload as w
from .harness import Config, Op, Report, Row, compare
from .network import LABELS, OPS, PER_PARTITION, Workload, _boto3_table

BENCH = "endpoint"
TITLE = "(e) dynastore endpoint vs DynamoDB Local vs moto_server, the same boto3 code"
STARTUP_MAX_SECONDS = 0.5
BATCH = 25
#: partitions of the batch-write items, clear of the put op's (`w.FRESH` on)
_BATCH_BASE = w.FRESH + 1_000_000

ALL_OPS = (*OPS, "batch")
ALL_LABELS = {**LABELS, "batch": f"batch write {BATCH}"}
#: (ours, baseline, minimum ratio): the issue's targets
TARGETS = (("endpoint-file", "ddblocal-file", 1.0), ("endpoint-file", "moto", 3.0),
           ("endpoint-mem", "ddblocal-mem", 1.0))


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
def endpoint_process(db: str | None = None) -> Iterator[LocalServer]:
    """A ``dynastore endpoint`` process (``--db db``, else ``--in-memory``), once it answers a ListTables."""
    exe = Path(sys.executable).with_name("dynastore")
    where = ["--db", db] if db is not None else ["--in-memory"]
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(exe), "endpoint", *where, "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if "listening on " not in line:
            raise RuntimeError(f"dynastore endpoint did not start: {line!r}")
        url = line.split("listening on ", 1)[1].split()[0]
        while not _answers(url):
            time.sleep(0.005)
        yield LocalServer(url, int(url.rsplit(":", 1)[1]), proc.pid, time.perf_counter() - t0)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextmanager
def null_process() -> Iterator[LocalServer]:
    """`benchmarks.null_server` (canned answers, no work): the client alone, for the ceiling rows."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.null_server"], stdout=subprocess.PIPE, text=True,
                            cwd=str(Path(__file__).resolve().parent.parent))
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        yield LocalServer(f"http://127.0.0.1:{port}", port, proc.pid, time.perf_counter() - t0)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _batch_op(table: Any, base: int = _BATCH_BASE) -> Op:
    """One BatchWriteItem of `BATCH` fresh items per call (boto3's batch_writer flushes 25 at a time).

    Call ``i`` writes items ``i * BATCH ...`` in partitions from ``base`` on.
    """
    def op(i: int) -> None:
        with table.batch_writer() as bw:
            for j in range(i * BATCH, (i + 1) * BATCH):
                bw.put_item(Item=w.item(base + j // PER_PARTITION, j))
    return op


def target_rows(report: Report, name: str, rates: dict[str, float]) -> None:
    """The rows of one operation: each of `TARGETS`, and the null server's ceiling vs moto (info)."""
    for ours, base, ratio in TARGETS:
        report.add(Row(BENCH, f"{name}: {ours} vs {base}", ours, rates[ours], base, rates[base], ratio_min=ratio))
    report.add(Row(BENCH, f"{name}: boto3 alone (null server) vs moto", "null", rates["null"], "moto", rates["moto"],
                   note="the highest ratio any server could reach vs moto"))


def _median_startup(db_dir: str | None, launches: int) -> float:
    seconds = []
    for n in range(launches):
        db = None if db_dir is None else str(Path(db_dir) / f"startup{n}.db")
        with endpoint_process(db) as s:
            seconds.append(s.startup_seconds)
    return sorted(seconds)[len(seconds) // 2]


def run(cfg: Config, report: Report, console: Console) -> None:
    from dynastore.testing.servers import dynamodb_local, moto_server

    partitions = cfg.n(10, 2)
    counts = {"get": cfg.n(500, 50), "put": cfg.n(500, 50), "query": cfg.n(200, 30), "batch": cfg.n(100, 20)}
    budget = cfg.n(4.0, 2.0)
    wl = Workload(partitions, max(counts.values()) * (cfg.rounds + 1) + 20)
    report.note(BENCH, f"{len(wl.items):,} items ({partitions} partitions x {PER_PARTITION}); boto3 resource API; "
                f"get {counts['get']}, put {counts['put']}, query {counts['query']}, batch {counts['batch']} ops "
                f"per round (a batch op writes {BATCH} items), median of {cfg.rounds} rounds; every server on "
                "127.0.0.1; '-file' servers keep their tables in a SQLite file, '-mem' ones in memory")
    with tempfile.TemporaryDirectory(prefix="dynastore-bench-endpoint-") as tmp:
        launches = cfg.n(5, 3)
        startup: dict[str, float] = {"endpoint-mem": _median_startup(None, launches),
                                     "endpoint-file": _median_startup(tmp, launches)}
        console.print("starting dynastore endpoint (file, memory), DynamoDB Local (-dbPath, -inMemory), moto_server ...")
        with ExitStack() as stack:
            ddb_dir = Path(tmp) / "ddblocal"
            ddb_dir.mkdir()
            servers = {label: stack.enter_context(server) for label, server in (
                ("endpoint-file", endpoint_process(str(Path(tmp) / "bench.db"))),
                ("endpoint-mem", endpoint_process()), ("ddblocal-file", dynamodb_local(db_path=str(ddb_dir))),
                ("ddblocal-mem", dynamodb_local(in_memory=True)), ("moto", moto_server()), ("null", null_process()))}
            for label in ("ddblocal-file", "ddblocal-mem", "moto"):
                startup[label] = servers[label].startup_seconds
            for label, seconds in startup.items():
                report.figure(BENCH, "startup", label, seconds)
            for label in ("endpoint-file", "endpoint-mem"):
                base = "ddblocal-file" if label == "endpoint-file" else "ddblocal-mem"
                report.add(Row(BENCH, f"start-up ({label})", label, startup[label], base, startup[base], unit="s",
                               value_max=STARTUP_MAX_SECONDS, note=f"median of {launches} launches"))
            report.add(Row(BENCH, "start-up (moto_server)", "moto", startup["moto"], unit="s"))
            paths: dict[str, dict[str, Op]] = {}
            for label, server in servers.items():
                table = _boto3_table(server.endpoint)
                with table.batch_writer() as bw:
                    for it in wl.items:
                        bw.put_item(Item=it)
                paths[label] = {**wl.boto3_ops(table), "batch": _batch_op(table)}
                if len(paths[label]["query"](0)) != PER_PARTITION:
                    raise RuntimeError(f"{label}: the loaded data is not there")
            for op in ALL_OPS:
                rates = compare({p: ops[op] for p, ops in paths.items()}, counts[op], rounds=cfg.rounds,
                                budget=budget)
                for p, v in rates.items():
                    report.figure(BENCH, op, p, v)
                target_rows(report, ALL_LABELS[op], rates)
            from .endpoint_load import concurrent_phase  # it imports this module: not at the top

            concurrent_phase(cfg, report, console, servers, partitions)
