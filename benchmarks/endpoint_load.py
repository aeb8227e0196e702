"""The endpoint benchmark's second phase: each server's throughput under C concurrent boto3 clients.

One sequential boto3 client mostly times itself (about 1 ms of its own CPU
per put, 5 ms per 25-item batch flush): even the null server reaches only
~2.7x moto_server on a batch that way. A server's throughput shows when
several clients keep it busy at once, so here `CLIENTS` client processes
(``spawn``: each its own interpreter, and its own boto3 resource and
connection per server) drive one server at a time:

- all clients start on a barrier and each runs one operation (the sequential
  phase's get, put, query or batch write, on the table it loaded) for a
  fixed window or a bounded op count, whichever ends first
- throughput = all the clients' ops / (the common start to the last finish)
- botocore's retries are off: a throttled or failed request raises, is not
  counted, and fails the benchmark (RuntimeError)
- writes use fresh keys: each client has its own range of partitions
- each server and operation gets a short untimed warm-up, then the servers
  take turns (the order rotates and reverses from round to round) and the
  median over the rounds is reported, with the same targets as the
  sequential phase

The clients share the machine's CPUs with the server they drive (2 cores on
the reference machine), so a server that needs less CPU per request leaves
more to the clients: that is part of what is measured, as it would be on one
box in production. A note gives each server's and the clients' CPU per op
(the server's read from /proc), and how much less CPU per op each server
spends than its baseline: its efficiency apart from the clients' cost, which
caps every ratio on a small machine (the null server's rows show the cap).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.connection import Connection, wait
from typing import Any

from rich.console import Console

from dynastore.testing.servers import LocalServer

from . import workload as w
from .endpoint import ALL_LABELS, ALL_OPS, BENCH, TARGETS, _batch_op, target_rows
from .harness import Config, Op, Report
from .network import PER_PARTITION, RAW_TABLE, Workload, _boto3_resource

CLIENTS = 4
#: untimed warm-up of each server and operation: seconds, and ops per client at most
WARM_SECONDS, WARM_OPS = 0.2, 20
#: most ops one client may do per second of the window (a bound on the load, well above what one reaches)
CAP_PER_SECOND = {"get": 2000, "put": 2000, "query": 1000, "batch": 200}
#: partitions of this phase's fresh items, clear of the sequential phase's (`w.FRESH` + up to ~1,000,000):
#: client n writes puts from ``_LOAD_BASE + n * _CLIENT_SPAN`` on, batches `_BATCH_OFFSET` further
_LOAD_BASE = w.FRESH + 2_000_000
_CLIENT_SPAN = 1_000_000
_BATCH_OFFSET = _CLIENT_SPAN // 2
#: seconds to wait for the other clients at the barrier, or for a client's answer beyond its window
_WAIT = 60.0


def _prepare(table: Any, wl: Workload, op: str, base: int, start: int, cap: int) -> Op:
    """Op ``op`` on ``table`` for k = 0 .. cap-1, on indexes from ``start`` on (built outside the timing)."""
    if op == "batch":
        batch = _batch_op(table, base + _BATCH_OFFSET)
        return lambda k: batch(start + k)
    if op == "put":
        wl.fresh = [w.item(base + j // PER_PARTITION, j) for j in range(start, start + cap)]
        return wl.boto3_ops(table)["put"]
    read = wl.boto3_ops(table)[op]
    got: Any = read(start)
    if not got or (op == "query" and len(got) != PER_PARTITION):
        raise RuntimeError(f"{op} found no data ({got!r:.60}): the table is not loaded")
    return lambda k: read(start + k)


def _client(n: int, partitions: int, urls: dict[str, str], barrier: Any, conn: Connection) -> None:
    """One client process: runs the (server, op, window, cap) commands it receives until it receives None."""
    from botocore.config import Config as BotoConfig

    no_retries = BotoConfig(retries={"total_max_attempts": 1})
    tables = {label: _boto3_resource(url, no_retries).Table(RAW_TABLE) for label, url in urls.items()}
    wl = Workload(partitions, 0)
    base = _LOAD_BASE + n * _CLIENT_SPAN
    # the index of this client's next op: fresh keys for writes, and each client reads its own spread of keys
    index = n * 256
    while (cmd := conn.recv()) is not None:
        label, op_name, window, cap = cmd
        done = 0
        try:
            op = _prepare(tables[label], wl, op_name, base, index, cap)
            barrier.wait(_WAIT)
            c0, t0 = time.process_time(), time.perf_counter()
            deadline = t0 + window
            while done < cap and time.perf_counter() < deadline:
                op(done)
                done += 1
            conn.send(("ok", done, t0, time.perf_counter(), time.process_time() - c0))
        except Exception as e:
            barrier.abort()  # the others stop waiting for this one
            conn.send(("error", f"client {n}, {label} {op_name}: {type(e).__name__}: {e}"))
        index += done


def _cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system, all threads) of process ``pid`` so far; None where /proc does not tell."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    """One timed run of all the clients against one server."""

    ops: int
    seconds: float
    client_cpu_seconds: float
    #: the server process's CPU over the run (its preparation included), where known
    server_cpu_seconds: float | None = None

    @property
    def rate(self) -> float:
        return self.ops / self.seconds

    def us_per_op(self, cpu_seconds: float) -> float:
        return cpu_seconds / max(self.ops, 1) * 1e6


class Clients:
    """`CLIENTS` spawned client processes, each connected to every server, driven together."""

    def __init__(self, n: int, partitions: int, urls: dict[str, str]):
        ctx = get_context("spawn")
        self.barrier = ctx.Barrier(n)
        self.conns: list[Connection] = []
        self.procs = []
        for i in range(n):
            ours, theirs = ctx.Pipe()
            p = ctx.Process(target=_client, args=(i, partitions, urls, self.barrier, theirs), daemon=True,
                            name=f"endpoint-load-client-{i}")
            p.start()
            theirs.close()
            self.conns.append(ours)
            self.procs.append(p)

    def run(self, server: LocalServer, label: str, op: str, window: float, cap: int) -> Run:
        cpu0 = _cpu_seconds(server.pid)
        deadline = time.monotonic() + window + _WAIT
        answers: list[tuple[Any, ...]] = []
        errors: list[tuple[Any, ...]] = []
        try:
            for c in self.conns:
                c.send((label, op, window, cap))
            pending = list(self.conns)
            # a client that dies leaves the others at the barrier: watch every process, not just the next answer
            sentinels = [p.sentinel for p in self.procs]
            while pending:
                ready = wait([*pending, *sentinels], timeout=1.0)
                if any(s in ready for s in sentinels):
                    raise EOFError("a client process exited")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no answer within {window + _WAIT:g} s")
                for c in pending[:]:
                    if c in ready:
                        answer = c.recv()
                        (errors if answer[0] == "error" else answers).append(answer)
                        pending.remove(c)
        except (OSError, EOFError, TimeoutError) as e:
            self.barrier.abort()  # the live clients stop waiting for the lost one
            raise RuntimeError(f"a client process died or hung ({label} {op}): {type(e).__name__}: {e}") from e
        if errors:
            raise RuntimeError("; ".join(e[1] for e in errors))
        cpu1 = _cpu_seconds(server.pid)
        start, end = min(a[2] for a in answers), max(a[3] for a in answers)
        return Run(sum(a[1] for a in answers), end - start, sum(a[4] for a in answers),
                   None if cpu0 is None or cpu1 is None else cpu1 - cpu0)

    def close(self) -> None:
        for c in self.conns:
            try:
                c.send(None)
            except OSError:
                pass
        for p in self.procs:
            p.join(timeout=10)
            if p.is_alive():
                p.terminate()
                p.join(timeout=10)


@contextmanager
def clients(n: int, partitions: int, urls: dict[str, str]) -> Iterator[Clients]:
    pool = Clients(n, partitions, urls)
    try:
        yield pool
    finally:
        pool.close()


def _record(report: Report, op: str, n_clients: int, runs: dict[str, list[Run]]) -> str:
    """Rows and figures of one operation's runs; returns its part of the CPU note."""
    name = f"{ALL_LABELS[op]} x{n_clients} clients"
    rates = {label: statistics.median(x.rate for x in rs) for label, rs in runs.items()}
    target_rows(report, name, rates)
    server_us: dict[str, float] = {}
    text = []
    for label, rs in runs.items():
        report.figure(BENCH, f"{op} x{n_clients}", label, rates[label])
        client = statistics.median(x.us_per_op(x.client_cpu_seconds) for x in rs)
        report.figure(BENCH, f"{op} x{n_clients} client CPU us/op", label, client)
        known = [x.us_per_op(x.server_cpu_seconds) for x in rs if x.server_cpu_seconds is not None]
        if known:
            server_us[label] = statistics.median(known)
            report.figure(BENCH, f"{op} x{n_clients} server CPU us/op", label, server_us[label])
        text.append(f"{label} {server_us[label] if label in server_us else float('nan'):.0f}/{client:.0f}")
    # how much less CPU a server spends per op than its baseline: its efficiency apart from the clients' CPU,
    # which caps every ratio on a small machine (see the null server's rows)
    ratios = [f"{ours} vs {base} {server_us[base] / server_us[ours]:.1f}x" for ours, base, _ in TARGETS
              if server_us.get(ours) and server_us.get(base)]
    per_op = f" (server CPU per op, baseline / ours: {', '.join(ratios)})" if ratios else ""
    return f"{op}: " + ", ".join(text) + per_op


def concurrent_phase(cfg: Config, report: Report, console: Console, servers: dict[str, LocalServer],
                     partitions: int, n_clients: int = CLIENTS) -> None:
    """Throughput of each of ``servers`` under ``n_clients`` concurrent clients, on the table it has loaded."""
    t0 = time.perf_counter()
    window = 0.6 if cfg.quick else 2.0
    rounds = cfg.rounds
    caps = {op: max(1, round(per_second * window)) for op, per_second in CAP_PER_SECOND.items()}
    labels = list(servers)
    console.print(f"concurrent phase: {n_clients} client processes, {window:g} s windows ...")
    cpu_text = []
    with clients(n_clients, partitions, {label: s.endpoint for label, s in servers.items()}) as pool:
        for op in ALL_OPS:
            for label in labels:
                pool.run(servers[label], label, op, WARM_SECONDS, WARM_OPS)
            runs: dict[str, list[Run]] = {label: [] for label in labels}
            for r in range(rounds):
                order = labels[r % len(labels):] + labels[: r % len(labels)]
                for label in (order[::-1] if r % 2 else order):
                    runs[label].append(pool.run(servers[label], label, op, window, caps[op]))
            cpu_text.append(_record(report, op, n_clients, runs))
    report.note(BENCH, f"'x{n_clients} clients' rows: {n_clients} spawned boto3 client processes (a connection "
                f"each to the server, botocore retries off: a throttled or failed request fails the run) start "
                f"together on a barrier and run one operation for {window:g} s or at most "
                + ", ".join(f"{op} {cap}" for op, cap in caps.items())
                + f" ops each; ops/s = all ops / (common start to last finish); after a {WARM_SECONDS:g} s "
                f"warm-up the servers take turns (order rotating and reversing by round), median of {rounds} "
                f"rounds; clients and server share the machine's {os.cpu_count()} CPUs; "
                f"{time.perf_counter() - t0:.0f} s in all")
    report.note(BENCH, f"CPU per op with {n_clients} clients, server/clients (us, median of the rounds; a server's "
                "includes its threads and, for DynamoDB Local, the JVM's): " + "; ".join(cpu_text))
