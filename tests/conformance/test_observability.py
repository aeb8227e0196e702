"""Store.health() and Store.metrics, the same on every engine."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from dynastore import ConditionFailed, Store, open_store
from dynastore.expressions import Attr, Key
from dynastore.metrics import StoreMetrics

from .conftest import MakeTable
from ._support import known_difference, unique_name


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_operations_items_and_errors_are_counted_per_table(store: Store, make_table: MakeTable) -> None:
    t = make_table(sort_key=("sk", "N"))
    other = make_table(name="other")
    for i in range(3):
        t.put({"pk": "a", "sk": i})
    assert t.get({"pk": "a", "sk": 1}) is not None
    assert t.get({"pk": "a", "sk": 9}) is None
    assert len(list(t.query(Key("pk").eq("a")))) == 3
    with pytest.raises(ConditionFailed):
        t.put({"pk": "a", "sk": 0}, condition=Attr("pk").not_exists())
    t.batch_write(puts=[{"pk": "b", "sk": i} for i in range(30)])
    with store.transaction() as tx:
        tx.put(t, {"pk": "c", "sk": 0})
        tx.put(other, {"pk": "c"})

    m = store.metrics
    name = t.name

    def ops(op: str, table: str = name) -> float:
        return m.value("dynastore_operations_total", table=table, operation=op)

    def items(op: str, table: str = name) -> float:
        return m.value("dynastore_items_total", table=table, operation=op)

    assert ops("put_item") == 4 and items("put_item") == 3
    assert ops("get_item") == 2 and items("get_item") == 1
    assert ops("query") >= 1 and items("query") == 3
    assert ops("batch_write") == 2 and items("batch_write") == 30
    assert ops("transact_write") == 1 and items("transact_write") == 1
    assert ops("transact_write", other.name) == 1 and items("transact_write", other.name) == 1
    assert m.value("dynastore_operation_errors_total", table=name, operation="put_item",
                   code="ConditionalCheckFailedException") == 1
    assert m.value("dynastore_operation_duration_seconds_count", table=name, operation="put_item") == 4

    parsed = _samples(m.render())
    key = ("dynastore_operations_total", (("operation", "put_item"), ("table", name)))
    assert parsed[key] == 4


def test_consumed_capacity_is_recorded_where_the_engine_reports_it(
    store: Store, make_table: MakeTable, engine: str
) -> None:
    t = make_table()
    t.put({"pk": "a", "blob": "x" * 2000})
    t.get({"pk": "a"}, consistent=True)
    written = store.metrics.value("dynastore_consumed_capacity_units_total", table=t.name, operation="put_item")
    read = store.metrics.value("dynastore_consumed_capacity_units_total", table=t.name, operation="get_item")
    if engine in ("memory", "sqlite"):
        assert written == read == 0  # the embedded engine has no capacity to report
    else:
        known_difference(engine, "moto", "moto 5.2 reports 1 capacity unit for every write, whatever its size")
        assert written >= 2 and read >= 1  # 2 KB: two write units; a consistent read of <4 KB: one


def test_health_reports_reachability_and_table_status(store: Store, make_table: MakeTable, engine: str) -> None:
    t = make_table()
    h = store.health([t.name])
    assert (h.status, h.reachable, h.tables, h.problems, h.exit_code) == ("ok", True, {t.name: "ACTIVE"}, [], 0)
    assert h.latency_seconds is not None and h.latency_seconds >= 0
    assert h.engine == store.engine.kind

    missing = unique_name("gone")
    h = store.health([t.name, missing])
    assert h.status == "degraded" and h.exit_code == 1
    assert h.tables == {t.name: "ACTIVE", missing: "MISSING"}
    assert h.problems == [f"table {missing!r} is MISSING"]
    text = h.to_prometheus()
    assert _samples(text)[("dynastore_table_active", (("table", missing),))] == 0
    assert _samples(text)[("dynastore_up", ())] == 1


def test_health_defaults_to_the_tables_the_store_knows(store: Store, make_table: MakeTable) -> None:
    t = make_table()
    assert t.name in store.health().tables


def test_metrics_go_into_a_shared_registry() -> None:
    registry = CollectorRegistry()
    with open_store("memory://", metrics=registry) as s:
        s.create_table({"name": "shared", "partition_key": ["pk", "S"]}).put({"pk": "a"})
        assert registry.get_sample_value("dynastore_operations_total",
                                         {"table": "shared", "operation": "put_item"}) == 1
    shared = StoreMetrics()
    with open_store("memory://", metrics=shared) as a, open_store("memory://", metrics=shared) as b:
        for s in (a, b):
            s.create_table({"name": "both", "partition_key": ["pk", "S"]}).put({"pk": "a"})
    assert shared.value("dynastore_operations_total", table="both", operation="put_item") == 2
