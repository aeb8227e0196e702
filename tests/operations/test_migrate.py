"""migrate: embedded -> DynamoDB Local -> embedded, interrupted and resumed, idempotent, verified."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dynastore import DynastoreError, Index, Store, StoreUnavailable, TableSpec, ValidationError, open_store
from dynastore.cli import app
from dynastore.transfer import migrate

from .conftest import FAST_RETRY, Inject, Tables


def rich_item(i: int) -> dict[str, Any]:
    return {
        "pk": f"user#{i % 13}", "sk": i, "kind": "even" if i % 2 == 0 else "odd",
        "price": Decimal(i) / 7 if i % 5 else Decimal("12345678901234567890.123456789012345678"),
        "tags": {f"t{i % 3}", "all"}, "nums": {1, Decimal("2.5"), i + 10}, "blobs": {b"\x00", bytes([i % 256])},
        "raw": bytes(range(i % 17)) or b"\xff", "flag": i % 3 == 0, "none": None,
        "nested": {"list": [i, "é€𝄞", {"deep": [Decimal("0.000001"), False]}], "empty": {}, "el": []},
        "exp": 1 if i % 11 == 0 else 4_000_000_000,  # some expired-but-unswept items must travel too
    }


def make_source(store: Store, tables: Tables, n: int) -> str:
    name = tables.name(store, "src")
    spec = TableSpec(name=name, partition_key=("pk", "S"), sort_key=("sk", "N"), ttl_attribute="exp",
                     indexes=[Index("ByKind", partition_key=("kind", "S"), sort_key=("sk", "N")),
                              Index("ByPrice", partition_key=("pk", "S"), sort_key=("price", "N"), local=True,
                                    projection="KEYS_ONLY")])
    store.create_table(spec).batch_write([rich_item(i) for i in range(n)])
    return name


def all_items(store: Store, name: str) -> dict[tuple[Any, Any], dict[str, Any]]:
    return {(i["pk"], i["sk"]): i for i in store.table(name).scan(include_expired=True)}


def definition(spec: TableSpec) -> tuple[Any, ...]:
    """Keys, indexes (in any order), TTL and billing."""
    s = spec.server_view()
    return (s.partition_key, s.sort_key, sorted(s.indexes, key=lambda i: i.name), s.ttl_attribute, s.billing_mode)


def register(tables: Tables, store: Store, name: str) -> None:
    tables.made.append((store, name))


def test_embedded_to_dynamodb_and_back(ddb: Store, tables: Tables, tmp_path: Path) -> None:
    first = open_store(f"sqlite:///{tmp_path}/a.db")
    back = open_store(f"sqlite:///{tmp_path}/b.db")
    name = make_source(first, tables, 260)
    register(tables, ddb, name)
    there = migrate(first, ddb, [name], segments=3, page_size=40, checkpoint=tmp_path / "c1.json")
    assert there.ok and there.copied == 260
    (t,) = there.tables
    assert t.source == t.target and t.source is not None and t.source.count == 260
    returned = migrate(ddb, back, segments=2, tables=[name], checkpoint=tmp_path / "c2.json")
    assert returned.ok and returned.tables[0].target == t.source
    assert all_items(back, name) == all_items(first, name)
    assert definition(back.describe(name).spec) == definition(first.describe(name).spec)
    assert definition(ddb.describe(name).spec) == definition(first.describe(name).spec)
    assert not (tmp_path / "c1.json").exists()  # a verified run removes its checkpoint
    first.close()
    back.close()


def test_interrupted_migration_to_dynamodb_resumes(ddb_url: str, tables: Tables, tmp_path: Path) -> None:
    src = open_store("memory://")
    name = make_source(src, tables, 300)
    ckpt = tmp_path / "resume.json"
    target = open_store(ddb_url, retry=FAST_RETRY)
    register(tables, target, name)
    with Inject(target, "BatchWriteItem", error="connection", after=5):
        with pytest.raises(StoreUnavailable):
            migrate(src, target, segments=2, page_size=30, checkpoint=ckpt)
    state = json.loads(ckpt.read_text())
    partial = sum(s["copied"] for s in state["tables"][name]["segments"].values())
    assert 0 < partial < 300
    target.close()
    target = open_store(ddb_url, retry=FAST_RETRY)  # a new process, as after a crash
    report = migrate(src, target, segments=2, page_size=30, checkpoint=ckpt)
    (t,) = report.tables
    assert report.ok and t.resumed_from == partial and t.copied == 300 - partial
    assert t.target is not None and t.target.count == 300  # nothing lost, nothing twice
    assert all_items(target, name) == all_items(src, name)
    assert not ckpt.exists()
    target.close()


def test_interrupted_migration_from_dynamodb_resumes(ddb: Store, tables: Tables, tmp_path: Path) -> None:
    name = make_source(ddb, tables, 200)
    dst = open_store(f"sqlite:///{tmp_path}/dst.db", retry=FAST_RETRY)
    ckpt = tmp_path / "resume.json"
    with Inject(ddb, "Scan", error="connection", after=4):
        with pytest.raises(StoreUnavailable):
            migrate(ddb, dst, [name], segments=2, page_size=25, checkpoint=ckpt)
    assert 0 < dst.table(name).count(include_expired=True) < 200
    report = migrate(ddb, dst, [name], segments=2, page_size=25, checkpoint=ckpt)
    assert report.ok and report.tables[0].resumed_from > 0
    assert all_items(dst, name) == all_items(ddb, name)
    dst.close()


def test_migrating_again_is_idempotent_and_extra_items_fail_verification(store: Store, tables: Tables) -> None:
    src = open_store("memory://")
    name = make_source(src, tables, 80)
    register(tables, store, name)
    assert migrate(src, store, verify=True).ok
    again = migrate(src, store)
    assert again.ok and again.tables[0].target == again.tables[0].source
    store.table(name).put({"pk": "stray", "sk": 1})
    report = migrate(src, store)
    (t,) = report.tables
    assert not report.ok and t.verified is False
    assert t.target is not None and t.source is not None and t.target.count == t.source.count + 1


def test_a_contradicting_target_table_is_refused(store: Store, tables: Tables) -> None:
    src = open_store("memory://")
    name = make_source(src, tables, 3)
    register(tables, store, name)
    store.create_table(TableSpec(name=name, partition_key=("pk", "S")))
    with pytest.raises(ValidationError, match="differs from its spec"):
        migrate(src, store)
    assert store.table(name).count() == 0


def test_checkpoint_of_another_migration_is_refused(tmp_path: Path, tables: Tables) -> None:
    a, b = open_store(f"sqlite:///{tmp_path}/a.db"), open_store(f"sqlite:///{tmp_path}/b.db")
    make_source(a, tables, 5)
    ckpt = tmp_path / "c.json"
    ckpt.write_text(json.dumps({"version": 1, "source": "sqlite:///elsewhere.db", "target": b.url,
                                "segments": 4, "tables": {}}))
    with pytest.raises(ValidationError, match="belongs to another migration"):
        migrate(a, b, checkpoint=ckpt)
    with pytest.raises(ValidationError, match="no such table"):
        migrate(a, b, ["nope"])
    with pytest.raises(ValidationError, match="segments"):
        migrate(a, b, segments=0)


def test_digest_is_order_independent_and_counts_duplicates() -> None:
    from dynastore.transfer import digest_items

    items = [rich_item(i) for i in range(20)]
    assert digest_items(items) == digest_items(reversed(items))
    assert digest_items(items + items[:1]) != digest_items(items)
    changed = [dict(i) for i in items]
    changed[5]["tags"] = {"t2", "all", "x"}
    assert digest_items(changed) != digest_items(items)


def test_cli_migrate_exit_codes(tmp_path: Path, tables: Tables) -> None:
    a_url, b_url = f"sqlite:///{tmp_path}/a.db", f"sqlite:///{tmp_path}/b.db"
    with open_store(a_url) as a:
        name = make_source(a, tables, 50)
    runner = CliRunner()
    ckpt = tmp_path / "ck.json"
    r = runner.invoke(app, ["migrate", "--from", a_url, "--to", b_url, "--checkpoint", str(ckpt)])
    assert r.exit_code == 0, r.output
    assert "equal" in r.output and not ckpt.exists()
    with open_store(b_url) as b:
        b.table(name).put({"pk": "stray", "sk": 0})
    r = runner.invoke(app, ["migrate", "--from", a_url, "--to", b_url, "--table", name, "--checkpoint", str(ckpt)])
    assert r.exit_code == 3 and "verification failed" in r.output and ckpt.exists()
    r = runner.invoke(app, ["migrate", "--from", a_url, "--to", "nosuch://x"])
    assert r.exit_code == 1 and "unknown store URL" in r.output
    r = runner.invoke(app, ["migrate", "--from", a_url])
    assert r.exit_code == 2


def test_memory_bounded_by_pages(tables: Tables) -> None:
    """The copy goes page by page: a segment never holds more than one page (here 10 items)."""
    src, dst = open_store("memory://"), open_store("memory://")
    name = make_source(src, tables, 120)
    sizes: list[int] = []
    report = migrate(src, dst, segments=3, page_size=10, on_progress=lambda _, n: sizes.append(n))
    assert report.ok and sum(sizes) == 120 and max(sizes) <= 10
    assert dst.table(name).count(include_expired=True) == 120


def test_unreachable_target_fails_cleanly(tables: Tables) -> None:
    src = open_store("memory://")
    make_source(src, tables, 5)
    bad = open_store("dynamodb://?endpoint=http://127.0.0.1:9&region=us-east-1&max_attempts=1&connect_timeout=1")
    with pytest.raises(DynastoreError):
        migrate(src, bad)


@pytest.mark.parametrize("side,operation", [("target", "BatchWriteItem"), ("source", "Scan")])
def test_throttling_during_migration_is_waited_out(ddb: Store, tables: Tables, tmp_path: Path, side: str,
                                                   operation: str) -> None:
    """Throttled requests (past botocore's own retries) are retried from the last page: equal, no duplicates."""
    local = open_store(f"sqlite:///{tmp_path}/local.db", retry=FAST_RETRY)
    if side == "target":
        src, dst, injected = local, ddb, ddb
        name = make_source(local, tables, 150)
        register(tables, ddb, name)
    else:
        src, dst, injected = ddb, local, ddb
        name = make_source(ddb, tables, 150)
    with Inject(injected, operation, after=2, times=3) as inj:
        report = migrate(src, dst, [name], segments=2, page_size=20, checkpoint=tmp_path / "ck.json")
    assert inj.injected == 3
    (t,) = report.tables
    assert report.ok and t.copied == 150 and t.target is not None and t.target.count == 150
    assert all_items(dst, name) == all_items(src, name)
    local.close()


def test_items_are_copied_as_they_are_and_the_targets_own_spec_stays(store: Store, tables: Tables) -> None:
    """No timestamps or versions are added on the way, and the target store keeps the spec it registered."""
    name = tables.name(store, "ts")
    full = TableSpec(name=name, partition_key=("pk", "S"), created_at_attribute="createdAt",
                     updated_at_attribute="updatedAt", version_attribute="v")
    src = open_store("memory://")
    src.create_table(full.server_view()).batch_write([{"pk": "a", "x": 1}, {"pk": "b", "v": 7}])
    store.create_table(full)
    assert migrate(src, store).ok
    assert all_items_by_pk(store, name) == {"a": {"pk": "a", "x": 1}, "b": {"pk": "b", "v": 7}}
    t = store.table(name)
    assert t.spec.created_at_attribute == "createdAt" and t.spec.version_attribute == "v"
    assert "createdAt" in t.put({"pk": "c"}).item


def all_items_by_pk(store: Store, name: str) -> dict[str, dict[str, Any]]:
    return {i["pk"]: i for i in store.table(name).scan()}
