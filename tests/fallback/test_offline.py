"""The fallback engine against DynamoDB Local behind a proxy that we cut: nothing acknowledged is lost."""

from __future__ import annotations

import threading
from typing import Literal

import pytest

from dynastore.errors import StoreUnavailable
from dynastore.spec import make_spec
from dynastore.expressions import Attr, Key, if_not_exists, list_append
from dynastore.store import Store
from dynastore.sync import pull, resolve, sync

from conformance._support import unique_name
from ._proxy import TcpProxy
from .conftest import engine


def test_a_thousand_writes_survive_an_outage_exactly_once(store: Store, remote: Store, proxy: TcpProxy) -> None:
    # Each write appends its number to one of 40 items and counts it: a write
    # lost shows as a missing number, a write replayed twice as a duplicate.
    t = store.create_table({"name": unique_name("k"), "partition_key": ["pk", "S"]})
    fb = engine(store)
    cutter = threading.Thread(target=proxy.cut)
    seen_degraded = False
    for i in range(1000):
        if i == 300:
            cutter.start()  # from another thread, so that it can land in the middle of a request
        if i == 650:
            cutter.join()  # so that 50 writes at least meet the cut endpoint
        if i == 700:
            seen_degraded = fb.degraded
            proxy.restore()
        t.update({"pk": f"k{i % 40}"}, [Attr("n").add(1), Attr("log").set(list_append(if_not_exists("log", []), [i]))])
    assert seen_degraded
    waiting = fb.outbox.depth()
    assert waiting >= 300  # at least everything written after the primary was back, for that table

    report = sync(fb)

    assert report.synced and report.remaining == 0
    assert report.applied + report.already == waiting
    items = {it["pk"]: it for it in remote.table(t.name).scan()}
    assert len(items) == 40
    for k in range(40):
        expected = list(range(k, 1000, 40))
        assert items[f"k{k}"]["log"] == expected
        assert items[f"k{k}"]["n"] == len(expected)
    assert sorted(fb.local.scan(t.name).items, key=lambda it: it["pk"]) == sorted(items.values(), key=lambda it: it["pk"])
    # the table is back on the primary: a new write is there at once
    t.put({"pk": "after"})
    assert fb.outbox.depth() == 0 and remote.table(t.name).get({"pk": "after"}) == {"pk": "after"}


def test_while_writes_wait_reads_stay_local_and_the_status_says_so(store: Store, remote: Store,
                                                                   proxy: TcpProxy) -> None:
    t = store.create_table({"name": unique_name("r"), "partition_key": ["pk", "S"]})
    t.put({"pk": "a", "v": 1})
    fb = engine(store)
    assert fb.health_details()["degraded"] is False
    proxy.cut()

    t.put({"pk": "a", "v": 2})  # no exception: kept locally
    assert t.get({"pk": "a"}) == {"pk": "a", "v": 2}
    details = fb.health_details()
    assert details["degraded"] is True and details["primary_reachable"] is False
    assert details["outbox_depth"] == 1 and "unreachable" in details["reason"] and details["since"]
    health = store.health()
    assert health.status == "degraded" and any("degraded" in p for p in health.problems)
    # one scrape shows the store's operations and the fallback's own outbox gauge
    page = store.metrics.render()
    assert "dynastore_fallback_outbox_depth 1.0" in page and "dynastore_operations_total{" in page

    proxy.restore()
    assert fb.probe()
    # the primary is back, but it does not have the write yet: reading it there would go back in time
    assert t.get({"pk": "a"}) == {"pk": "a", "v": 2}
    assert remote.table(t.name).get({"pk": "a"}) == {"pk": "a", "v": 1}
    details = fb.health_details()
    assert details["primary_reachable"] is True and details["degraded"] is True
    assert "wait for `dynastore sync`" in details["reason"]

    assert sync(fb).applied == 1
    assert remote.table(t.name).get({"pk": "a"}) == {"pk": "a", "v": 2}
    assert fb.health_details()["degraded"] is False and fb.health_details()["last_sync"]


@pytest.mark.parametrize("keep", ["remote", "local"])
def test_a_newer_remote_version_is_a_conflict_not_overwritten(store: Store, remote: Store, proxy: TcpProxy,
                                                              keep: Literal["remote", "local"]) -> None:
    spec = {"name": unique_name("c"), "partition_key": ["pk", "S"], "version_attribute": "version"}
    t = store.create_table(spec)
    t.put({"pk": "doc", "body": "v1"}, expected_version=None)
    fb = engine(store)
    proxy.cut()
    t.update({"pk": "doc"}, Attr("body").set("offline 1"), expected_version=1)
    t.update({"pk": "doc"}, Attr("body").set("offline 2"), expected_version=2)
    t.put({"pk": "other", "body": "fine"}, expected_version=None)
    other = remote.table(remote.create_table(spec).spec)  # another client, while we are cut off
    other.update({"pk": "doc"}, Attr("body").set("remote"), expected_version=1)
    proxy.restore()

    report = sync(fb)

    assert not report.synced and report.applied == 1  # "other" went through
    assert [c.remote["body"] for c in report.conflicts if c.remote] == ["remote", "remote"]
    assert [c.local["body"] for c in report.conflicts if c.local] == ["offline 1", "offline 2"]
    assert other.get({"pk": "doc"}) == {"pk": "doc", "body": "remote", "version": 2}
    assert other.get({"pk": "other"})["body"] == "fine"
    assert t.get({"pk": "doc"})["body"] == "offline 2"  # the local side is kept too
    assert fb.status().conflicts == 2
    again = sync(fb)  # nothing changes by trying again
    assert len(again.conflicts) == 2 and other.get({"pk": "doc"})["version"] == 2

    assert resolve(fb, keep) == 1
    assert fb.outbox.depth() == 0
    winner = {"remote": ("remote", 2), "local": ("offline 2", 3)}[keep]
    assert (other.get({"pk": "doc"})["body"], other.get({"pk": "doc"})["version"]) == winner
    assert (t.get({"pk": "doc"})["body"], t.get({"pk": "doc"})["version"]) == winner


def test_replaying_what_the_primary_already_has_counts_as_done(store: Store, remote: Store, proxy: TcpProxy) -> None:
    t = store.create_table({"name": unique_name("i"), "partition_key": ["pk", "S"]})
    fb = engine(store)
    proxy.cut()
    t.put({"pk": "x", "a": 1}, condition=Attr("pk").not_exists())
    t.put({"pk": "y", "a": 1}, condition=Attr("pk").not_exists())
    t.delete({"pk": "gone"})  # nothing to delete: nothing to replay
    direct = remote.table(t.name)
    direct.put({"pk": "x", "a": 1})  # as if a sync had written it and died before removing the entry
    direct.put({"pk": "y", "a": 2})  # somebody else's item under the same key
    proxy.restore()

    report = sync(fb)

    assert (report.applied, report.already, len(report.conflicts)) == (0, 1, 1)
    assert report.conflicts[0].key == {"pk": "y"} and report.conflicts[0].remote == {"pk": "y", "a": 2}
    assert direct.get({"pk": "y"}) == {"pk": "y", "a": 2}


def test_an_offline_transaction_replays_all_or_nothing(store: Store, remote: Store, proxy: TcpProxy) -> None:
    t = store.create_table({"name": unique_name("t"), "partition_key": ["pk", "S"]})
    t.put({"pk": "stock", "qty": 5})
    t.put({"pk": "stock2", "qty": 5})
    fb = engine(store)
    proxy.cut()
    for n, stock in enumerate(("stock", "stock2")):
        with store.transaction() as tx:
            tx.update(t, {"pk": stock}, Attr("qty").set(Attr("qty") - 1), condition=Attr("qty").gt(0))
            tx.put(t, {"pk": f"order{n}", "sku": stock})
    remote.table(t.name).put({"pk": "stock2", "qty": 0})  # sold out elsewhere meanwhile
    proxy.restore()

    report = sync(fb)

    assert report.applied == 2 and len(report.conflicts) == 2
    direct = remote.table(t.name)
    assert direct.get({"pk": "stock"})["qty"] == 4 and direct.get({"pk": "order0"}) is not None
    assert direct.get({"pk": "stock2"})["qty"] == 0 and direct.get({"pk": "order1"}) is None


def test_a_table_created_offline_is_created_on_the_primary_by_sync(store: Store, remote: Store,
                                                                   proxy: TcpProxy) -> None:
    proxy.cut()
    t = store.create_table({"name": unique_name("o"), "partition_key": ["pk", "S"], "sort_key": ["n", "N"]})
    t.batch_write([{"pk": "p", "n": i} for i in range(30)])
    assert len(list(t.query(Key("pk").eq("p")))) == 30
    proxy.restore()
    assert engine(store).probe() and t.name in store.tables()  # listed while it exists only here
    assert sync(engine(store)).applied == 30
    assert len(list(remote.table(t.name).query(Key("pk").eq("p")))) == 30


def test_pull_brings_a_session_into_the_local_store(store: Store, remote: Store, proxy: TcpProxy) -> None:
    name = unique_name("s")
    direct = remote.create_table({"name": name, "partition_key": ["script_id", "S"],
                                  "indexes": [{"name": "session_id-index", "partition_key": ["session_id", "S"]}]})
    for i in range(5):
        direct.put({"script_id": f"a{i}", "session_id": "s1", "text": f"scene {i}"})
    direct.put({"script_id": "b0", "session_id": "s2", "text": "other session"})
    fb = engine(store)
    # a local copy made before the index existed: the pull adds the index to it
    fb.local.create_table(make_spec({"name": name, "partition_key": ["script_id", "S"]}))

    report = pull(fb, name, ["s1"], index="session_id-index")

    assert (report.pulled, report.removed, report.skipped) == (5, 0, 0)
    proxy.cut()
    t = store.table(name)  # described from the local copy
    local = sorted(it["script_id"] for it in t.query(Key("session_id").eq("s1"), index="session_id-index"))
    assert local == [f"a{i}" for i in range(5)]
    assert t.get({"script_id": "b0"}) is None  # not pulled
    t.update({"script_id": "a0"}, Attr("text").set("edited offline"))
    proxy.restore()
    direct.delete({"script_id": "a4"})

    again = pull(fb, name, ["s1"], index="session_id-index")  # a0 waits in the outbox: left alone

    assert (again.pulled, again.removed, again.skipped) == (3, 1, 1)
    assert fb.local.get_item(name, {"script_id": "a0"})["text"] == "edited offline"
    assert fb.local.get_item(name, {"script_id": "a4"}) is None


def test_a_table_never_seen_offline_is_a_clear_error(store: Store, remote: Store, proxy: TcpProxy) -> None:
    name = unique_name("n")
    remote.create_table({"name": name, "partition_key": ["pk", "S"]})
    fb = engine(store)
    proxy.cut()
    with pytest.raises(StoreUnavailable, match="no local copy"):
        fb.get_item(name, {"pk": "a"})


def test_auto_sync_replays_once_the_primary_answers_again(fallback_url: str, remote: Store, proxy: TcpProxy) -> None:
    from dynastore.store import open_store

    with open_store(fallback_url + "&fallback_auto_sync=true") as store:
        t = store.create_table({"name": unique_name("a"), "partition_key": ["pk", "S"]})
        fb = engine(store)
        proxy.cut()
        for i in range(20):
            t.put({"pk": f"p{i}"})
        proxy.restore()
        assert fb.probe()  # finds it back, and starts the sync in the background
        thread = fb._sync_thread
        assert thread is not None
        thread.join()
        assert fb.outbox.depth() == 0 and len(list(remote.table(t.name).scan())) == 20


def test_a_write_the_primary_refuses_is_reported_and_the_rest_goes_on(store: Store, remote: Store,
                                                                      proxy: TcpProxy) -> None:
    name, fine = unique_name("x"), unique_name("f")
    remote.create_table({"name": name, "partition_key": ["id", "S"]})
    store.create_table({"name": fine, "partition_key": ["id", "S"]})
    proxy.cut()
    clash = store.create_table({"name": name, "partition_key": ["id", "N"]})  # made offline, keys differ
    clash.put({"id": 1})
    store.table(fine).put({"id": "ok"})
    proxy.restore()

    report = sync(engine(store))

    assert report.applied == 1 and len(report.conflicts) == 1
    assert "refused" in report.conflicts[0].reason
    assert remote.table(fine).get({"id": "ok"}) == {"id": "ok"}


def test_dropping_an_index_or_changing_capacity_offline_is_refused(store: Store, remote: Store,
                                                                  proxy: TcpProxy) -> None:
    """The sync cannot tell an index dropped offline from one added on DynamoDB meanwhile, nor carry a
    capacity change: refused while DynamoDB is unreachable, both copies left as they were."""
    t = store.create_table({"name": unique_name("d"), "partition_key": ["pk", "S"],
                            "indexes": [{"name": "ByG", "partition_key": ["g", "S"]}]})
    t.put({"pk": "a", "g": "x"})
    proxy.cut()
    with pytest.raises(StoreUnavailable, match="dropping index 'ByG'.*needs the primary"):
        store.drop_index(t.name, "ByG")
    with pytest.raises(StoreUnavailable, match="changing the capacity.*needs the primary"):
        store.set_capacity(t.name, "PROVISIONED", read_capacity=3, write_capacity=3, index_capacity={"ByG": (3, 3)})
    fb = engine(store)
    assert [i.name for i in fb.local.describe_table(t.name).spec.indexes] == ["ByG"]
    assert fb.local.describe_table(t.name).spec.billing_mode == "PAY_PER_REQUEST"
    assert [it["pk"] for it in t.query(Key("g").eq("x"), index="ByG")] == ["a"]
    proxy.restore()
    assert fb.probe()
    store.drop_index(t.name, "ByG")  # online: on both
    assert remote.table(t.name).spec.indexes == () and fb.local.describe_table(t.name).spec.indexes == ()
