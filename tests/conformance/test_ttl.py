"""TTL: items whose TTL (epoch seconds, a number) has passed are invisible to every read,
``include_expired=True`` shows them until they are swept, and ``sweep_expired`` deletes them.

DynamoDB deletes expired items in the background "typically within a few days" and
documents that until then they still appear in reads; dynastore hides them on every
engine. DynamoDB Local runs its own TTL sweeper about once a second, so on it an
expired item can vanish before a test reads it with ``include_expired=True``.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from dynastore import Attr, Index, Key

from ._support import known_difference, now

LOCAL_SWEEPS = "DynamoDB Local deletes expired items itself within about a second"


@pytest.fixture
def ttl_table(make_table):
    t = make_table(sort_key=("sk", "S"), ttl_attribute="expires",
                   indexes=[Index("ByG", partition_key=("g", "S"), sort_key=("sk", "S"))])
    t.batch_write([
        {"pk": "p", "sk": "expired", "g": "x", "expires": now() - 3600},
        {"pk": "p", "sk": "expired-decimal", "g": "x", "expires": Decimal(now() - 10) + Decimal("0.5")},
        {"pk": "p", "sk": "future", "g": "x", "expires": now() + 3600},
        {"pk": "p", "sk": "string-ttl", "g": "x", "expires": str(now() - 3600)},
        {"pk": "p", "sk": "no-ttl", "g": "x"},
    ])
    return t


LIVE = ["future", "no-ttl", "string-ttl"]
EXPIRED = ["expired", "expired-decimal"]


def _sks(items):
    return sorted(i["sk"] for i in items)


def test_ttl_is_enabled_through_the_spec(store, ttl_table):
    assert store.describe(ttl_table.name).spec.ttl_attribute == "expires"


def test_get_hides_expired(ttl_table):
    assert ttl_table.get({"pk": "p", "sk": "expired"}) is None
    assert ttl_table.get({"pk": "p", "sk": "expired-decimal"}) is None
    assert ttl_table.get({"pk": "p", "sk": "future"}) is not None


def test_get_with_projection_hides_expired(ttl_table):
    assert ttl_table.get({"pk": "p", "sk": "expired"}, projection=["g"]) is None
    assert ttl_table.get({"pk": "p", "sk": "future"}, projection=["g"]) == {"g": "x"}


def test_non_number_ttl_never_expires(ttl_table):
    item = ttl_table.get({"pk": "p", "sk": "string-ttl"})
    assert item is not None and isinstance(item["expires"], str)


def test_query_hides_expired(ttl_table):
    assert _sks(ttl_table.query(Key("pk").eq("p")).all()) == LIVE
    assert ttl_table.count(Key("pk").eq("p")) == 3


def test_index_query_hides_expired(ttl_table):
    assert _sks(ttl_table.query(Key("g").eq("x"), index="ByG").all()) == LIVE


def test_query_with_projection_hides_expired(ttl_table):
    got = ttl_table.query(Key("pk").eq("p"), projection=["sk"]).all()
    assert _sks(got) == LIVE
    assert all(set(i) == {"sk"} for i in got)


def test_scan_hides_expired(ttl_table):
    assert _sks(ttl_table.scan().all()) == LIVE
    assert _sks(ttl_table.scan(filter=Attr("g").eq("x")).all()) == LIVE
    assert ttl_table.count() == 3
    assert _sks(ttl_table.parallel_scan(2)) == LIVE


def test_batch_get_hides_expired(ttl_table):
    keys = [{"pk": "p", "sk": s} for s in EXPIRED + LIVE]
    assert [i["sk"] for i in ttl_table.batch_get(keys)] == LIVE
    assert ttl_table.batch_get(keys, projection=["g"]) == [{"g": "x"}] * 3


def test_transact_get_hides_expired(store, ttl_table):
    got = store.transact_get([(ttl_table, {"pk": "p", "sk": "expired"}), (ttl_table, {"pk": "p", "sk": "future"})])
    assert got[0] is None
    assert got[1]["sk"] == "future"


def test_expiry_is_judged_now(ttl_table):
    ttl_table.put({"pk": "p", "sk": "soon", "expires": now() + 3600})
    assert ttl_table.get({"pk": "p", "sk": "soon"}) is not None
    ttl_table.update({"pk": "p", "sk": "soon"}, Attr("expires").set(now() - 1))
    assert ttl_table.get({"pk": "p", "sk": "soon"}) is None


def test_include_expired_shows_them(ttl_table, engine):
    known_difference(engine, "dynamodb", LOCAL_SWEEPS)
    assert ttl_table.get({"pk": "p", "sk": "expired"}, include_expired=True)["sk"] == "expired"
    assert _sks(ttl_table.query(Key("pk").eq("p"), include_expired=True).all()) == sorted(EXPIRED + LIVE)
    assert _sks(ttl_table.scan(include_expired=True).all()) == sorted(EXPIRED + LIVE)
    assert ttl_table.count(include_expired=True) == 5
    keys = [{"pk": "p", "sk": s} for s in EXPIRED]
    assert len(ttl_table.batch_get(keys, include_expired=True)) == 2


def test_expired_items_still_block_conditions(ttl_table, engine):
    # Until it is deleted, an expired item is still there for writes: conditions see it.
    known_difference(engine, "dynamodb", LOCAL_SWEEPS)
    from dynastore import ConditionFailed

    with pytest.raises(ConditionFailed):
        ttl_table.put({"pk": "p", "sk": "expired"}, condition=Attr("pk").not_exists())


def test_sweep_expired_deletes_expired_and_keeps_the_rest(ttl_table):
    ttl_table.sweep_expired()
    assert _sks(ttl_table.scan(include_expired=True).all()) == LIVE
    assert ttl_table.get({"pk": "p", "sk": "future"}) is not None


def test_sweep_expired_returns_the_count(ttl_table, engine):
    known_difference(engine, "dynamodb", LOCAL_SWEEPS)
    assert ttl_table.sweep_expired() == 2
    assert ttl_table.sweep_expired() == 0


def test_sweep_expired_needs_a_ttl_attribute(table):
    from dynastore import ValidationError

    with pytest.raises(ValidationError):
        table.sweep_expired()


def test_ttl_added_to_an_existing_table(store, make_table):
    t = make_table(name="ttl")
    t.put({"pk": "old", "expires": now() - 3600})
    t2 = store.create_table({**t.spec.to_dict(), "ttl_attribute": "expires"})
    assert store.describe(t.name).spec.ttl_attribute == "expires"
    assert t2.get({"pk": "old"}) is None
