"""Any mix of writes, outages and syncs ends with DynamoDB, the local store and a plain model agreeing."""

from __future__ import annotations

from typing import Any

from conformance._support import unique_name
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dynastore.expressions import Attr
from dynastore.store import Store
from dynastore.sync import sync

from ._proxy import TcpProxy
from .conftest import engine

KEYS = st.sampled_from(["a", "b", "c"])
OPS = st.lists(st.one_of(
    st.tuples(st.just("put"), KEYS, st.integers(0, 9)),
    st.tuples(st.just("add"), KEYS, st.integers(1, 3)),
    st.tuples(st.just("delete"), KEYS),
    st.tuples(st.just("move"), KEYS, KEYS),  # a transaction: delete one, put the other
    st.tuples(st.just("cut")),
    st.tuples(st.just("restore")),
    st.tuples(st.just("sync")),
), max_size=25)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_writes_outages_and_syncs_in_any_order_converge(store: Store, remote: Store, proxy: TcpProxy,
                                                        ops: list[tuple[Any, ...]]) -> None:
    t = store.create_table({"name": unique_name("p"), "partition_key": ["pk", "S"]})
    fb = engine(store)
    model: dict[str, dict[str, Any]] = {}
    up = True
    try:
        for op in ops:
            if op[0] == "put":
                t.put({"pk": op[1], "v": op[2]})
                model[op[1]] = {"pk": op[1], "v": op[2]}
            elif op[0] == "add":
                t.update({"pk": op[1]}, Attr("n").add(op[2]))
                item = model.setdefault(op[1], {"pk": op[1]})
                item["n"] = item.get("n", 0) + op[2]
            elif op[0] == "delete":
                t.delete({"pk": op[1]})
                model.pop(op[1], None)
            elif op[0] == "move" and op[1] != op[2]:
                with store.transaction() as tx:
                    tx.delete(t, {"pk": op[1]})
                    tx.put(t, {"pk": op[2], "v": -1})
                model.pop(op[1], None)
                model[op[2]] = {"pk": op[2], "v": -1}
            elif op[0] == "cut" and up:
                proxy.cut()
                up = False
            elif op[0] == "restore" and not up:
                proxy.restore()
                up = True
            elif op[0] == "sync":
                report = sync(fb)
                assert not report.conflicts and (report.unreachable is None) == up
            assert {it["pk"]: it for it in t.scan()} == model  # what this client reads is what it wrote
    finally:
        if not up:
            proxy.restore()
    report = sync(fb)
    assert report.synced and report.remaining == 0
    assert {it["pk"]: it for it in remote.table(t.name).scan()} == model
    assert {it["pk"]: it for it in fb.local.scan(t.name).items} == model
