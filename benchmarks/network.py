"""(b) The same workload over the network: the DynamoDB engine, and raw boto3 as users run it today.

Paths, each on its own copy of the same data:

- ``embedded``: the embedded engine (file DB in a temp dir), for the ratio
- ``dynastore@ddblocal``: dynastore's DynamoDB engine against DynamoDB Local
- ``boto3@ddblocal``: boto3's resource API (``Table.get_item/put_item/query``)
  against the same DynamoDB Local: what applications without dynastore do today
- ``dynastore@moto``: dynastore's DynamoDB engine against moto_server

Both servers run on 127.0.0.1, started and stopped here (DynamoDB Local
in memory). Counts are small (hundreds of ops) to keep the run short.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console

from dynastore import Key, open_store

from . import workload as w
from .harness import Config, Op, Report, Row, compare, profile

BENCH = "dynamodb"
TITLE = "(b) embedded vs the DynamoDB engine (DynamoDB Local, moto_server) vs raw boto3"
PER_PARTITION = 50
REGION = "us-east-1"
RAW_TABLE = w.TABLE + "_boto3"

OPS = ("get", "put", "query")
LABELS = {"get": "get", "put": "put (2 GSIs)", "query": f"query {PER_PARTITION}"}


class Workload:
    """The three operations on one path, over prebuilt inputs (nothing built inside the timing)."""

    def __init__(self, partitions: int, n_fresh: int):
        self.partitions = partitions
        self.items = [w.item(p, s) for p, s in w.load_plan(partitions, PER_PARTITION)]
        keys = w.random_keys(partitions, PER_PARTITION, 1024)
        self.keys = [w.key(p, s) for p, s in keys]
        self.parts = [w.pk_of(p) for p, _ in w.random_keys(partitions, PER_PARTITION, 1024, seed=11)]
        self.conds = [Key(w.PK).eq(p) for p in self.parts]
        self.fresh = [w.item(w.FRESH + i // PER_PARTITION, i) for i in range(n_fresh)]

    def dynastore_ops(self, table: Any) -> dict[str, Op]:
        keys, conds, fresh = self.keys, self.conds, self.fresh
        return {
            "get": lambda i: table.get(keys[i & 1023]),
            "put": lambda i: table.put(fresh[i]),
            "query": lambda i: table.query(conds[i & 1023]).all(),
        }

    def boto3_ops(self, table: Any) -> dict[str, Op]:
        from boto3.dynamodb.conditions import Key as BKey

        keys, parts, fresh = self.keys, self.parts, self.fresh
        bconds = [BKey(w.PK).eq(p) for p in parts]
        return {
            "get": lambda i: table.get_item(Key=keys[i & 1023]).get("Item"),
            "put": lambda i: table.put_item(Item=fresh[i]),
            "query": lambda i: table.query(KeyConditionExpression=bconds[i & 1023])["Items"],
        }


@contextmanager
def _dynastore(url: str) -> Iterator[Any]:
    store = open_store(url)
    try:
        try:
            store.delete_table(w.TABLE)
        except Exception:
            pass
        yield store.create_table(w.SPEC)
    finally:
        store.close()


def _boto3_resource(endpoint: str, config: Any = None) -> Any:
    """boto3's DynamoDB resource on ``endpoint`` (``config``: a botocore ``Config``, e.g. retries off)."""
    import boto3

    return boto3.resource("dynamodb", endpoint_url=endpoint, region_name=REGION, config=config,
                          aws_access_key_id="bench", aws_secret_access_key="bench")


def _boto3_table(endpoint: str) -> Any:
    res = _boto3_resource(endpoint)
    gsi = [{"IndexName": name, "KeySchema": [{"AttributeName": pk, "KeyType": "HASH"},
                                             {"AttributeName": "created", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}} for name, pk in (("ByStatus", "status"), ("BySku", "sku"))]
    table = res.create_table(
        TableName=RAW_TABLE, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": w.PK, "KeyType": "HASH"}, {"AttributeName": w.SK, "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"}
                              for n in (w.PK, w.SK, "status", "sku", "created")],
        GlobalSecondaryIndexes=gsi,
    )
    table.wait_until_exists()
    return table


def run(cfg: Config, report: Report, console: Console) -> None:
    from dynastore.testing.servers import dynamodb_local, moto_server

    partitions = cfg.n(10, 2)  # x 50 items
    counts = {"get": cfg.n(500, 50), "put": cfg.n(500, 50), "query": cfg.n(200, 30)}
    rounds = cfg.rounds
    budget = cfg.n(4.0, 2.0)  # seconds per round and path: moto's query is slow (tens of ops/s)
    n_fresh = max(counts.values()) * (rounds + 1) + 20
    wl = Workload(partitions, n_fresh)
    report.note(BENCH, f"{len(wl.items):,} items of ~200 bytes ({partitions} partitions x {PER_PARTITION}); "
                f"get {counts['get']}, put {counts['put']}, query {counts['query']} ops per round, "
                f"median of {rounds} rounds (a round stops after {budget:g} s); servers on 127.0.0.1, DynamoDB Local -inMemory")
    rates: dict[str, dict[str, float]] = {op: {} for op in OPS}
    cpus: dict[str, dict[str, float]] = {op: {} for op in OPS}

    def measure(paths: dict[str, dict[str, Op]]) -> None:
        for op in OPS:
            cpu: dict[str, float] = {}
            got = compare({p: ops[op] for p, ops in paths.items()}, counts[op], rounds=rounds, budget=budget,
                          cpu=cpu)
            for p, v in got.items():
                rates[op][p] = v
                report.figure(BENCH, op, p, v)
                cpus[op][p] = cpu[p]
                report.figure(BENCH, op, p + " client CPU us/op", cpu[p])

    def check(ops: dict[str, Op], name: str) -> None:
        a = ops["get"](0)
        q = ops["query"](0)
        if not a or len(q) != PER_PARTITION:
            raise RuntimeError(f"{name}: the loaded data is not there (get {a!r:.60}, query {len(q)} items)")

    # -- embedded ----------------------------------------------------------------
    with tempfile.TemporaryDirectory(prefix="dynastore-bench-") as tmp:
        with _dynastore("sqlite:///" + os.path.join(tmp, "dynastore.db")) as table:
            table.batch_write(wl.items)
            ops = wl.dynastore_ops(table)
            check(ops, "embedded")
            measure({"embedded": ops})

    # -- DynamoDB Local: dynastore's engine and raw boto3, taking turns ------------
    console.print("starting DynamoDB Local ...")
    with dynamodb_local() as server:
        report.note(BENCH, f"DynamoDB Local started in {server.startup_seconds:.1f} s")
        with _dynastore(f"dynamodb://?endpoint={server.endpoint}&region={REGION}") as table:
            table.batch_write(wl.items)
            raw = _boto3_table(server.endpoint)
            with raw.batch_writer() as bw:
                for it in wl.items:
                    bw.put_item(Item=it)
            ours, theirs = wl.dynastore_ops(table), wl.boto3_ops(raw)
            check(ours, "dynastore@ddblocal")
            check(theirs, "boto3@ddblocal")
            measure({"dynastore@ddblocal": ours, "boto3@ddblocal": theirs})
            if cfg.profile:
                for op in OPS:
                    n = counts[op] // 2
                    text = profile(ours[op], n, start=n_fresh - n - 1)
                    report.profiles[f"{BENCH}/{op}@ddblocal"] = text
                    console.print(f"[bold]profile {BENCH}/{op} dynastore@ddblocal[/] ({n} ops)\n{text}")

    # -- moto_server ---------------------------------------------------------------
    console.print("starting moto_server ...")
    with moto_server() as server:
        report.note(BENCH, f"moto_server started in {server.startup_seconds:.1f} s")
        with _dynastore(f"dynamodb://?endpoint={server.endpoint}&region={REGION}") as table:
            table.batch_write(wl.items)
            ops = wl.dynastore_ops(table)
            check(ops, "dynastore@moto")
            measure({"dynastore@moto": ops})

    for op in OPS:
        r = rates[op]
        label = LABELS[op]
        report.add(Row(BENCH, label, "embedded", r["embedded"], "dynastore@ddblocal", r["dynastore@ddblocal"],
                       ratio_min=10))
        report.add(Row(BENCH, label, "embedded", r["embedded"], "boto3@ddblocal", r["boto3@ddblocal"]))
        report.add(Row(BENCH, label, "dynastore@ddblocal", r["dynastore@ddblocal"], "boto3@ddblocal",
                       r["boto3@ddblocal"]))
        report.add(Row(BENCH, label, "embedded", r["embedded"], "dynastore@moto", r["dynastore@moto"]))
    report.note(BENCH, "client CPU per op in this process (us), dynastore vs boto3 against DynamoDB Local: " + ", ".join(
        f"{op} {cpus[op]['dynastore@ddblocal']:.0f} vs {cpus[op]['boto3@ddblocal']:.0f}" for op in OPS))
