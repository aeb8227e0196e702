"""Tables changed after creation (`Store.drop_index`, `Store.set_capacity`): global indexes dropped, billing mode and throughput changed.

These are what DynamoDB's UpdateTable does besides adding an index (``GlobalSecondaryIndexUpdates``
Delete / Update, ``BillingMode``, ``ProvisionedThroughput``); `dynastore endpoint` serves them
through the same engine methods, so every engine must do them alike.
"""

from __future__ import annotations

import pytest

from dynastore import Index, Key, TableSpec, ValidationError


def test_dropping_a_global_index_removes_it_and_its_entries(store, make_table):
    t = make_table(indexes=[Index("ByG", partition_key=("g", "S")), Index("ByH", partition_key=("h", "S"))])
    t.put({"pk": "a", "g": "x", "h": "y"})
    store.drop_index(t.name, "ByG")
    assert [ix.name for ix in store.describe(t.name).spec.indexes] == ["ByH"]
    assert t.query(Key("h").eq("y"), index="ByH").all() == [{"pk": "a", "g": "x", "h": "y"}]
    with pytest.raises(ValidationError, match="The table does not have the specified index: ByG"):
        t.scan(index="ByG").all()
    # Writes go on without it, and an index of the same name made again is backfilled from the table alone.
    t.put({"pk": "b", "g": "x"})
    store.create_table(TableSpec(name=t.name, partition_key=("pk", "S"), indexes=[
        Index("ByH", partition_key=("h", "S")), Index("ByG", partition_key=("g", "S"), projection="KEYS_ONLY")]))
    assert sorted(i["pk"] for i in t.query(Key("g").eq("x"), index="ByG").all()) == ["a", "b"]


def test_dropping_a_missing_or_local_index_is_refused(store, make_table):
    t = make_table(sort_key=("sk", "S"), indexes=[Index("Loc", sort_key=("r", "S"), local=True)])
    with pytest.raises(ValidationError, match="does not have the specified index: Nope"):
        store.drop_index(t.name, "Nope")
    with pytest.raises(ValidationError, match="does not have the specified index: Loc"):
        store.drop_index(t.name, "Loc")
    assert [ix.name for ix in store.describe(t.name).spec.indexes] == ["Loc"]


def test_billing_mode_and_throughput_changes(store, make_table):
    t = make_table(indexes=[Index("ByG", partition_key=("g", "S")), Index("ByH", partition_key=("h", "S"))])
    store.set_capacity(t.name, "PROVISIONED", read_capacity=5, write_capacity=6,
                index_capacity={"ByG": (3, 4)})
    spec = store.describe(t.name).spec
    assert (spec.billing_mode, spec.read_capacity, spec.write_capacity) == ("PROVISIONED", 5, 6)
    units = {ix.name: (ix.read_capacity, ix.write_capacity) for ix in spec.indexes}
    assert units == {"ByG": (3, 4), "ByH": (None, None)}  # None: as the table
    # The table's throughput changes alone; an index keeps the units it has.
    store.set_capacity(t.name, "PROVISIONED", read_capacity=7, write_capacity=6)
    spec = store.describe(t.name).spec
    assert (spec.read_capacity, spec.write_capacity) == (7, 6)
    assert {ix.name: (ix.read_capacity, ix.write_capacity) for ix in spec.indexes} == {"ByG": (3, 4), "ByH": (5, 6)}
    store.set_capacity(t.name, "PAY_PER_REQUEST")
    spec = store.describe(t.name).spec
    assert (spec.billing_mode, spec.read_capacity, spec.write_capacity) == ("PAY_PER_REQUEST", None, None)
    assert all(ix.read_capacity is None and ix.write_capacity is None for ix in spec.indexes)
    t.put({"pk": "a", "g": "x"})
    assert t.query(Key("g").eq("x"), index="ByG").all() == [{"pk": "a", "g": "x"}]


@pytest.mark.parametrize("mode, kwargs, words", [
    ("PROVISIONED", {}, "PROVISIONED billing needs read and write capacity"),
    ("PROVISIONED", {"read_capacity": 0, "write_capacity": 1}, "PROVISIONED billing needs"),
    ("PAY_PER_REQUEST", {"read_capacity": 1, "write_capacity": 1}, "PAY_PER_REQUEST billing takes no"),
    ("PROVISIONED", {"read_capacity": 1, "write_capacity": 1, "index_capacity": {"Nope": (1, 1)}},
     "does not have the specified index: Nope"),
])
def test_invalid_capacity_changes_are_refused(store, make_table, mode, kwargs, words):
    t = make_table()
    with pytest.raises(ValidationError, match=words):
        store.set_capacity(t.name, mode, **kwargs)
    assert store.describe(t.name).spec.billing_mode == "PAY_PER_REQUEST"
