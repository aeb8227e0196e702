"""Cleanup of old items: every page, index vs scan, dry runs, races and throttling."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from dynastore import Index, RetryPolicy, Store, TableSpec, Throttled, ValidationError
from dynastore.cleanup import cleanup, cutoff_values, parse_age, plan_cleanup
from dynastore.cli import app
from dynastore.expressions import Attr

from .conftest import Inject, Tables

OLD, _ = cutoff_values(timedelta(hours=48))
YOUNG, _ = cutoff_values(timedelta(hours=1))
_, OLD_EPOCH = cutoff_values(timedelta(days=3))
_, YOUNG_EPOCH = cutoff_values(timedelta(minutes=5))


def generations(store: Store, tables: Tables, indexed: bool = True) -> Any:
    """Seed 001's table: generations keyed by id, createdAt ISO, plus a KEYS_ONLY age index by bucket."""
    age = Index("ByAge", partition_key=("bucket", "S"), sort_key=("createdAt", "S"), projection="KEYS_ONLY")
    spec = TableSpec(name=tables.name(store, "gen"), partition_key=("generationId", "S"),
                     created_at_attribute="createdAt", indexes=[age] if indexed else [])
    return store.create_table(spec)


def load(table: Any, old: int, young: int, pad: int = 0, bucket: str = "all") -> None:
    items = [{"generationId": f"old{i:04d}", "bucket": bucket, "createdAt": OLD, "pad": "x" * pad}
             for i in range(old)]
    items += [{"generationId": f"new{i:04d}", "bucket": bucket, "createdAt": YOUNG, "pad": "y" * pad}
              for i in range(young)]
    table.batch_write(items)


def ids(table: Any) -> set[str]:
    return {i["generationId"] for i in table.scan(projection=["generationId"])}


@pytest.mark.parametrize("indexed,path", [(False, "scan"), (True, "index-scan")])
def test_scans_read_every_page(store: Store, tables: Tables, indexed: bool, path: str) -> None:
    t = generations(store, tables, indexed)
    load(t, old=60, young=15)
    result = cleanup(t, page_size=7)  # 11 pages: the seed's cleanup stopped after the first
    assert (result.path, result.matched, result.deleted, result.kept) == (path, 60, 60, 0)
    assert ids(t) == {f"new{i:04d}" for i in range(15)}


def test_more_than_one_megabyte_of_old_items(store: Store, tables: Tables) -> None:
    t = generations(store, tables, indexed=False)
    load(t, old=130, young=5, pad=9_000)  # ~1.2 MB: more than one 1 MB page
    pages = list(t.scan(projection=["generationId"]).pages())
    assert len(pages) > 1
    result = cleanup(t)
    assert (result.path, result.deleted) == ("scan", 130)
    assert ids(t) == {f"new{i:04d}" for i in range(5)}


def test_index_path_queries_only_the_given_partitions(store: Store, tables: Tables) -> None:
    t = generations(store, tables)
    load(t, old=40, young=10, bucket="a")
    t.batch_write([{"generationId": f"other{i}", "bucket": "b", "createdAt": OLD} for i in range(5)])
    result = cleanup(t, partitions=["a"], page_size=6)
    assert (result.path, result.plan.index, result.deleted) == ("index", "ByAge", 40)
    assert ids(t) == {f"new{i:04d}" for i in range(10)} | {f"other{i}" for i in range(5)}
    # scanning the index finds what the query was not told about
    assert (cleanup(t).path, cleanup(t, dry_run=True).matched) == ("index-scan", 0)
    assert ids(t) == {f"new{i:04d}" for i in range(10)}


def test_sort_key_path_with_epoch_timestamps(store: Store, tables: Tables) -> None:
    spec = TableSpec(name=tables.name(store, "act"), partition_key=("user", "S"), sort_key=("ts", "N"))
    t = store.create_table(spec)
    t.batch_write([{"user": u, "ts": OLD_EPOCH - i} for u in ("u1", "u2") for i in range(30)]
                  + [{"user": u, "ts": YOUNG_EPOCH + i} for u in ("u1", "u2") for i in range(4)])
    result = cleanup(t, timedelta(hours=1), attribute="ts", partitions=["u1", "u2"], page_size=8)
    assert (result.path, result.plan.timestamp_format, result.deleted) == ("sort-key", "epoch", 60)
    assert t.count() == 8


def test_scan_without_a_known_format_matches_strings_and_numbers(store: Store, tables: Tables) -> None:
    t = store.create_table(TableSpec(name=tables.name(store, "mix"), partition_key=("id", "S")))
    t.batch_write([{"id": "s-old", "seen": OLD}, {"id": "n-old", "seen": OLD_EPOCH},
                   {"id": "s-new", "seen": YOUNG}, {"id": "n-new", "seen": YOUNG_EPOCH}, {"id": "none"}])
    result = cleanup(t, attribute="seen")
    assert result.plan.timestamp_format is None and result.deleted == 2
    assert {i["id"] for i in t.scan()} == {"s-new", "n-new", "none"}


def test_dry_run_counts_and_deletes_nothing(store: Store, tables: Tables) -> None:
    t = generations(store, tables)
    load(t, old=33, young=7)
    for kwargs in ({}, {"partitions": ["all"]}):
        result = cleanup(t, dry_run=True, page_size=5, **kwargs)
        assert (result.dry_run, result.matched, result.deleted) == (True, 33, 0)
    assert t.count() == 40


def test_max_age_decides(store: Store, tables: Tables) -> None:
    t = generations(store, tables)
    load(t, old=10, young=10)
    assert cleanup(t, timedelta(minutes=30), dry_run=True).matched == 20
    assert cleanup(t, timedelta(days=7), dry_run=True).matched == 0


def test_an_item_refreshed_before_its_delete_is_kept(store: Store, tables: Tables) -> None:
    """Deletes are conditional: between the read and the delete, one item is updated (it is no longer old)."""
    from dynastore.cleanup import _delete_batch

    t = generations(store, tables)
    load(t, old=25, young=0)
    keys = [{"generationId": f"old{i:04d}"} for i in range(25)]
    t.update(keys[3], Attr("createdAt").set(YOUNG))
    t.delete(keys[7])  # gone meanwhile: nothing to delete, nothing to count
    iso, _ = cutoff_values(timedelta(hours=24))
    # a round cancelled only by failed conditions is not a retry: one attempt is enough
    once = Store(store.engine, retry=RetryPolicy(max_attempts=1)).table(t.spec)
    assert _delete_batch(once, keys, Attr("createdAt").lt(iso)) == 23
    assert ids(t) == {"old0003"}


def test_concurrent_update_during_cleanup_on_dynamodb(ddb: Store, tables: Tables) -> None:
    """A real race: another client refreshes an item just before the delete transaction is sent."""
    t = generations(ddb, tables)
    load(t, old=30, young=0)
    other = Store(ddb.engine)  # same server, the update goes over the wire like another process's would

    class Refresh(Inject):
        def __call__(self, request: Any, **_: Any) -> None:
            if not self.calls:
                self.calls += 1
                self.events.unregister(self.event, self)  # the update below must not re-enter
                other.table(t.spec).update({"generationId": "old0004"}, Attr("createdAt").set(YOUNG))
                self.events.register(self.event, self)
            return None

    with Refresh(ddb, "TransactWriteItems"):
        result = cleanup(t)
    assert (result.matched, result.deleted, result.kept) == (30, 29, 1)
    assert ids(t) == {"old0004"}


@pytest.mark.parametrize("conditional,operation", [(True, "TransactWriteItems"), (False, "BatchWriteItem")])
def test_throttling_is_retried(ddb: Store, tables: Tables, conditional: bool, operation: str) -> None:
    t = generations(ddb, tables)
    load(t, old=60, young=12)
    with Inject(ddb, operation, after=1, times=3) as inj:
        result = cleanup(t, conditional=conditional, page_size=20)
    assert inj.injected == 3
    assert result.deleted == 60
    assert ids(t) == {f"new{i:04d}" for i in range(12)}


def test_throttling_past_the_retries_loses_nothing(ddb: Store, tables: Tables) -> None:
    t = generations(ddb, tables)
    load(t, old=60, young=12)
    with Inject(ddb, "TransactWriteItems", after=1):
        with pytest.raises(Throttled):
            cleanup(t)
    left = ids(t)
    assert {f"new{i:04d}" for i in range(12)} <= left
    assert len(left) == 72 - 25  # the first batch went through, nothing else was touched
    assert cleanup(t).deleted == 35


def test_cancellation_reason_throttling_is_retried(ddb: Store, tables: Tables) -> None:
    """DynamoDB may cancel a transaction with per-item ThrottlingError reasons; those items are retried."""
    t = generations(ddb, tables)
    load(t, old=3, young=0)

    class Cancel(Inject):
        def __call__(self, request: Any, **_: Any) -> Any:
            self.calls += 1
            if self.calls > 1:
                return None
            body = ('{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",'
                    '"message":"Transaction cancelled","CancellationReasons":[{"Code":"None"},'
                    '{"Code":"ThrottlingError","Message":"Throughput exceeds the current capacity"},'
                    '{"Code":"None"}]}').encode()
            from .conftest import _Body
            from botocore.awsrequest import AWSResponse

            return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.0"}, _Body(body))

    with Cancel(ddb, "TransactWriteItems") as c:
        result = cleanup(t)
    assert c.calls == 2 and result.deleted == 3 and t.count() == 0


def test_plans_and_bad_input(store: Store, tables: Tables) -> None:
    t = generations(store, tables)
    assert (plan_cleanup(t).path, plan_cleanup(t).index) == ("index-scan", "ByAge")
    assert (plan_cleanup(t, partitions=["all"]).path, plan_cleanup(t, partitions=["all"]).index) == ("index", "ByAge")
    assert plan_cleanup(generations(store, tables, indexed=False)).path == "scan"
    assert plan_cleanup(t, attribute="pad").path == "scan"
    bare = store.create_table(TableSpec(name=tables.name(store, "bare"), partition_key=("id", "S")))
    with pytest.raises(ValidationError, match="timestamp attribute"):
        plan_cleanup(bare)
    with pytest.raises(ValidationError, match="not sorted by"):
        plan_cleanup(t, attribute="pad", index="ByAge", partitions=["x"])
    with pytest.raises(ValidationError):
        cleanup(t, timedelta(0))


@pytest.mark.parametrize("text,seconds", [("90s", 90), ("15m", 900), ("24h", 86400), ("7d", 604800),
                                          ("2w", 1209600), ("3600", 3600), ("1.5h", 5400)])
def test_parse_age(text: str, seconds: int) -> None:
    assert parse_age(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "h", "-1h", "0", "soon", "nanh"])
def test_parse_age_refuses(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_age(text)


def test_cli_cleanup_and_ttl_sweep(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    from dynastore import open_store

    with open_store(url) as s:
        t = s.create_table(TableSpec(name="gens", partition_key=("id", "S"), ttl_attribute="exp",
                                     indexes=[Index("ByAge", partition_key=("b", "S"), sort_key=("at", "S"))]))
        t.batch_write([{"id": f"o{i}", "b": "x", "at": OLD} for i in range(30)]
                      + [{"id": f"n{i}", "b": "x", "at": YOUNG, "exp": OLD_EPOCH if i < 4 else YOUNG_EPOCH + 9999}
                         for i in range(10)])
    runner = CliRunner()
    r = runner.invoke(app, ["cleanup", "gens", "-u", url, "-a", "at", "--dry-run"])
    assert r.exit_code == 0, r.output
    assert "30 item(s) would be deleted" in r.output and "path: index-scan" in r.output
    r = runner.invoke(app, ["cleanup", "gens", "-u", url, "-a", "at", "-p", "x", "--max-age", "1d"])
    assert r.exit_code == 0, r.output
    assert "deleted 30 of 30" in r.output and "path: index" in r.output
    r = runner.invoke(app, ["cleanup", "gens", "-u", url, "--ttl"])
    assert r.exit_code == 0 and "deleted 4 expired" in r.output
    r = runner.invoke(app, ["cleanup", "gens", "-u", url, "--max-age", "soon", "-a", "at"])
    assert r.exit_code == 1 and "not a duration" in r.output
    with open_store(url) as s:
        assert s.table("gens").count(include_expired=True) == 6
