"""Automatic created/updated timestamps (TableSpec created_at_attribute / updated_at_attribute)."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from dynastore import Attr

from ._support import now


@pytest.fixture
def stamped(make_table):
    return make_table(created_at_attribute="created_at", updated_at_attribute="updated_at")


def _parse(ts: str) -> datetime:
    parsed = datetime.fromisoformat(ts)
    assert parsed.tzinfo is not None and parsed.utcoffset().total_seconds() == 0
    return parsed


def test_put_sets_both(stamped):
    before = datetime.now(timezone.utc)
    result = stamped.put({"pk": "a"})
    item = stamped.get({"pk": "a"})
    assert item == result.item
    assert item["created_at"] == item["updated_at"]
    assert abs((_parse(item["created_at"]) - before).total_seconds()) < 60


def test_update_sets_updated_and_keeps_created(stamped):
    stamped.put({"pk": "a", "n": 1})
    first = stamped.get({"pk": "a"})
    time.sleep(0.002)
    stamped.update({"pk": "a"}, Attr("n").add(1))
    second = stamped.get({"pk": "a"})
    assert second["created_at"] == first["created_at"]
    assert second["updated_at"] > first["updated_at"]
    assert second["n"] == 2


def test_update_creating_an_item_sets_both(stamped):
    got = stamped.update({"pk": "new"}, Attr("n").set(1), return_values="ALL_NEW")
    assert got["created_at"] and got["updated_at"]
    assert _parse(got["created_at"]) <= _parse(got["updated_at"])


def test_put_of_a_read_item_keeps_created(stamped):
    stamped.put({"pk": "a"})
    item = stamped.get({"pk": "a"})
    time.sleep(0.002)
    stamped.put(dict(item, v=1))
    again = stamped.get({"pk": "a"})
    assert again["created_at"] == item["created_at"]
    assert again["updated_at"] > item["updated_at"]


def test_explicit_update_of_a_timestamp_wins(stamped):
    stamped.put({"pk": "a"})
    stamped.update({"pk": "a"}, Attr("updated_at").set("2000-01-01T00:00:00.000000+00:00"))
    assert stamped.get({"pk": "a"})["updated_at"] == "2000-01-01T00:00:00.000000+00:00"


def test_iso_timestamps_sort_as_times(stamped):
    for i in range(3):
        stamped.put({"pk": str(i)})
        time.sleep(0.002)
    items = sorted(stamped.scan().all(), key=lambda i: i["created_at"])
    assert [i["pk"] for i in items] == ["0", "1", "2"]


def test_epoch_timestamps(make_table):
    t = make_table(created_at_attribute="created_at", updated_at_attribute="updated_at", timestamp_format="epoch")
    t.put({"pk": "a"})
    item = t.get({"pk": "a"})
    assert type(item["created_at"]) is int and abs(item["created_at"] - now()) < 60


def test_batch_write_sets_timestamps(stamped):
    stamped.batch_write([{"pk": "a"}, {"pk": "b"}])
    for item in stamped.scan().all():
        assert item["created_at"] and item["updated_at"]


def test_transaction_sets_timestamps(store, stamped):
    stamped.put({"pk": "a"})
    created = stamped.get({"pk": "a"})["created_at"]
    time.sleep(0.002)
    store.transaction().put(stamped, {"pk": "b"}).update(stamped, {"pk": "a"}, Attr("n").set(1)).commit()
    a, b = stamped.get({"pk": "a"}), stamped.get({"pk": "b"})
    assert a["created_at"] == created and a["updated_at"] > created
    assert b["created_at"] == b["updated_at"]


def test_timestamps_with_versions(make_table):
    t = make_table(version_attribute="version", created_at_attribute="created", updated_at_attribute="updated")
    t.put({"pk": "a"})
    item = t.get({"pk": "a"})
    assert set(item) == {"pk", "version", "created", "updated"}
    t.update({"pk": "a"}, Attr("x").set(1), expected_version=1)
    after = t.get({"pk": "a"})
    assert after["version"] == 2 and after["created"] == item["created"] and after["updated"] >= item["updated"]
