"""(a) The embedded engine, through the Table API, vs raw sqlite3 doing the equivalent SQL.

Both sides use a file database in the same temporary directory, WAL,
``synchronous=NORMAL``, and store the same msgpack bytes for the same items:

- raw **get**: ``SELECT item ... WHERE pk=? AND sk=?`` + ``msgpack.unpackb``
- raw **put**: ``BEGIN IMMEDIATE``, ``INSERT OR REPLACE`` of the base row and of
  one row in each of the two index tables, ``COMMIT`` (the rows the engine writes)
- raw **query**: the 50 rows of one partition in sort-key order, each unpacked
- raw **GSI query** (informational): 50 items of one index partition, joined to
  the base table

dynastore's side is what an application calls: ``table.get(key)``,
``table.put(item)``, ``table.query(Key("pk").eq(p)).all()``, so it includes
validation, normalisation, the key encoding and expression analysis.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from typing import Any

import msgpack
from rich.console import Console

from dynastore import Key, open_store

from . import workload as w
from .harness import Config, Report, Row, compare, profile, timed

BENCH = "embedded"
TITLE = "(a) embedded engine vs raw sqlite3 (file DB, WAL, synchronous=NORMAL)"
PER_PARTITION = 50

_SCHEMA = """
CREATE TABLE items (pk TEXT NOT NULL, sk TEXT NOT NULL, item BLOB NOT NULL, PRIMARY KEY (pk, sk)) WITHOUT ROWID;
CREATE TABLE by_status (ipk TEXT NOT NULL, isk TEXT NOT NULL, pk TEXT NOT NULL, sk TEXT NOT NULL,
                        PRIMARY KEY (ipk, isk, pk, sk)) WITHOUT ROWID;
CREATE TABLE by_sku (ipk TEXT NOT NULL, isk TEXT NOT NULL, pk TEXT NOT NULL, sk TEXT NOT NULL,
                     PRIMARY KEY (ipk, isk, pk, sk)) WITHOUT ROWID;
"""


class RawSQLite:
    """What an application would write by hand with sqlite3 for the same table."""

    def __init__(self, path: str):
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(_SCHEMA)
        self._packer = msgpack.Packer(use_bin_type=True)

    def close(self) -> None:
        self.conn.close()

    def _write_rows(self, it: dict[str, Any]) -> None:
        pk, sk, c = it[w.PK], it[w.SK], self.conn
        c.execute("INSERT OR REPLACE INTO items VALUES (?,?,?)", (pk, sk, self._packer.pack(it)))
        c.execute("INSERT OR REPLACE INTO by_status VALUES (?,?,?,?)", (it["status"], it["created"], pk, sk))
        c.execute("INSERT OR REPLACE INTO by_sku VALUES (?,?,?,?)", (it["sku"], it["created"], pk, sk))

    def put(self, it: dict[str, Any]) -> None:
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            self._write_rows(it)
        except BaseException:
            c.execute("ROLLBACK")
            raise
        c.execute("COMMIT")

    def put_many(self, items: list[dict[str, Any]], per_tx: int = 25) -> None:
        c = self.conn
        for i in range(0, len(items), per_tx):
            c.execute("BEGIN IMMEDIATE")
            for it in items[i:i + per_tx]:
                self._write_rows(it)
            c.execute("COMMIT")

    def get(self, pk: str, sk: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT item FROM items WHERE pk=? AND sk=?", (pk, sk)).fetchone()
        return msgpack.unpackb(row[0], raw=False) if row is not None else None

    def query(self, pk: str) -> list[dict[str, Any]]:
        return [msgpack.unpackb(r[0], raw=False)
                for r in self.conn.execute("SELECT item FROM items WHERE pk=? ORDER BY sk", (pk,))]

    def query_status(self, status: str, limit: int) -> list[dict[str, Any]]:
        return [msgpack.unpackb(r[0], raw=False) for r in self.conn.execute(
            "SELECT i.item FROM by_status s JOIN items i ON i.pk=s.pk AND i.sk=s.sk WHERE s.ipk=? "
            "ORDER BY s.isk, s.pk, s.sk LIMIT ?", (status, limit))]


def run(cfg: Config, report: Report, console: Console) -> None:
    partitions = cfg.n(200, 20)  # x 50 items: 10,000 items (1,000 with --quick)
    n_get = cfg.n(5000, 500)
    n_put = cfg.n(3000, 300)
    n_query = cfg.n(2000, 200)
    with tempfile.TemporaryDirectory(prefix="dynastore-bench-") as tmp:
        store = open_store("sqlite:///" + os.path.join(tmp, "dynastore.db"))
        raw = RawSQLite(os.path.join(tmp, "raw.db"))
        try:
            _run(cfg, report, console, store, raw, partitions, n_get, n_put, n_query)
        finally:
            store.close()
            raw.close()


def _run(cfg: Config, report: Report, console: Console, store: Any, raw: RawSQLite,
         partitions: int, n_get: int, n_put: int, n_query: int) -> None:
    table = store.create_table(w.SPEC)
    report.note(BENCH, f"{partitions * PER_PARTITION:,} items of ~200 bytes ({partitions} partitions x {PER_PARTITION}); "
                f"get {n_get:,}, put {n_put:,}, query {n_query:,} ops per round, median of {cfg.rounds} rounds")
    plan = w.load_plan(partitions, PER_PARTITION)
    items = [w.item(p, s) for p, s in plan]
    _, t_ours = timed(lambda: table.batch_write(items))
    _, t_raw = timed(lambda: raw.put_many(items))
    report.add(Row(BENCH, "load, 25 items/tx", "batch_write", len(items) / t_ours,
                   "raw sqlite3", len(items) / t_raw, unit="items/s"))
    report.figure(BENCH, "load", "dynastore", len(items) / t_ours)
    report.figure(BENCH, "load", "raw", len(items) / t_raw)

    # -- get -------------------------------------------------------------------
    keys = w.random_keys(partitions, PER_PARTITION, 4096)
    kdicts = [w.key(p, s) for p, s in keys]
    ktuples = [(w.pk_of(p), w.sk_of(s)) for p, s in keys]
    assert table.get(kdicts[0]) == raw.get(*ktuples[0])
    ops = {
        "dynastore": lambda i: table.get(kdicts[i & 4095]),
        "raw": lambda i: raw.get(*ktuples[i & 4095]),
    }
    _compare(cfg, report, console, "get", ops, n_get, 0.3, "get")

    # -- query of 50 -----------------------------------------------------------
    qparts = [w.pk_of(p) for p, _ in w.random_keys(partitions, PER_PARTITION, 4096, seed=11)]
    conds = [Key(w.PK).eq(p) for p in qparts]
    got = table.query(conds[0]).all()
    assert len(got) == PER_PARTITION and got == raw.query(qparts[0])
    ops = {
        "dynastore": lambda i: table.query(conds[i & 4095]).all(),
        "raw": lambda i: raw.query(qparts[i & 4095]),
    }
    _compare(cfg, report, console, "query", ops, n_query, 0.3, f"query {PER_PARTITION}")

    # -- GSI query (informational) -----------------------------------------------
    statuses = ("placed", "paid", "shipped", "delivered")
    sconds = [Key("status").eq(s) for s in statuses]
    assert [x[w.SK] for x in table.query(sconds[0], index="ByStatus", limit=50).all()] == \
        [x[w.SK] for x in raw.query_status(statuses[0], 50)]
    ops = {
        "dynastore": lambda i: table.query(sconds[i & 3], index="ByStatus", limit=50).all(),
        "raw": lambda i: raw.query_status(statuses[i & 3], 50),
    }
    _compare(cfg, report, console, "query_gsi", ops, n_query, None, "GSI query 50")

    # -- put with 2 GSIs ---------------------------------------------------------
    total = max(20, n_put // 10) + cfg.rounds * n_put + 1
    fresh = [w.item(w.FRESH + i // PER_PARTITION, i) for i in range(total)]
    ops = {
        "dynastore": lambda i: table.put(fresh[i]),
        "raw": lambda i: raw.put(fresh[i]),
    }
    _compare(cfg, report, console, "put", ops, n_put, 0.5, "put (2 GSIs)")
    if cfg.profile:
        extra = [w.item(w.FRESH * 2 + i // PER_PARTITION, i) for i in range(n_put)]
        report.profiles[f"{BENCH}/put"] = profile(lambda i: table.put(extra[i]), n_put, start=0)
        console.print(f"[bold]profile {BENCH}/put[/] ({n_put} ops)\n{report.profiles[f'{BENCH}/put']}")


def _compare(cfg: Config, report: Report, console: Console, op: str, ops: dict[str, Any], n: int,
             target: float | None, label: str) -> None:
    rates = compare(ops, n, rounds=cfg.rounds)
    for path, v in rates.items():
        report.figure(BENCH, op, path, v)
    report.add(Row(BENCH, label, "dynastore", rates["dynastore"], "raw sqlite3", rates["raw"], ratio_min=target))
    if cfg.profile and op != "put":
        text = profile(ops["dynastore"], n)
        report.profiles[f"{BENCH}/{op}"] = text
        console.print(f"[bold]profile {BENCH}/{op}[/] ({n} ops)\n{text}")
