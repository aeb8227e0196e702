"""Tables: create (idempotent, reconciling), describe, list, delete, indexes added later, TTL."""

from __future__ import annotations

import threading

import pytest

from dynastore import Index, Key, KeyAttribute, TableNotFound, TableSpec, ValidationError, open_store

from dynastore.limits import item_size

from ._support import engine_of, known_difference, unique_name


def test_create_table_and_use_it(make_table):
    t = make_table(sort_key=("sk", "N"))
    t.put({"pk": "a", "sk": 1})
    assert t.get({"pk": "a", "sk": 1}) == {"pk": "a", "sk": 1}


def test_create_table_is_idempotent(store, make_table):
    t = make_table(sort_key=("sk", "S"))
    t.put({"pk": "a", "sk": "b", "v": 1})
    again = store.create_table(t.spec)
    assert again.get({"pk": "a", "sk": "b"}) == {"pk": "a", "sk": "b", "v": 1}
    store.create_table(t.spec)


def test_create_table_is_idempotent_when_two_create_it_at_once(store):
    """Two processes starting at once (``dynastore serve --workers 2``) both find no table and both create
    it: the second must bring the table to its spec, not fail with TableExists."""
    names = [unique_name("race") for _ in range(3)]
    errors: list[BaseException] = []
    try:
        for name in names:
            spec = TableSpec(name=name, partition_key=("pk", "S"), ttl_attribute="expires",
                             indexes=[Index("ByG", partition_key=("g", "S"))])
            start = threading.Barrier(2)

            def create(spec: TableSpec = spec, start: threading.Barrier = start) -> None:
                start.wait()
                try:
                    store.create_table(spec).put({"pk": "a", "g": "b"})
                except BaseException as e:  # noqa: BLE001 - reported below
                    errors.append(e)

            threads = [threading.Thread(target=create) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            info = store.describe(name)
            assert info.spec.ttl_attribute == "expires" and [i.name for i in info.spec.indexes] == ["ByG"]
        assert errors == []
    finally:
        for name in names:
            try:
                store.delete_table(name)
            except TableNotFound:
                pass


def test_create_table_from_a_dict(store, make_table):
    name = unique_name("dict")
    try:
        t = store.create_table({"name": name, "partition_key": ["id", "N"], "sort_key": {"name": "at", "type": "S"}})
        t.put({"id": 1, "at": "x"})
        assert store.describe(name).spec.partition_key == KeyAttribute("id", "N")
    finally:
        store.delete_table(name)


def test_describe(store, make_table):
    t = make_table(
        sort_key=("sk", "N"),
        indexes=[
            Index("ByG", partition_key=("g", "S"), sort_key=("r", "B"), projection="KEYS_ONLY"),
            Index("ByH", partition_key=("h", "N"), projection=["a", "b"]),
            Index("ByL", sort_key=("l", "S"), local=True),
        ],
    )
    info = store.describe(t.name)
    assert info.status == "ACTIVE"
    spec = info.spec
    assert spec.name == t.name
    assert spec.partition_key == KeyAttribute("pk", "S")
    assert spec.sort_key == KeyAttribute("sk", "N")
    by_name = {ix.name: ix for ix in spec.indexes}
    assert set(by_name) == {"ByG", "ByH", "ByL"}
    assert by_name["ByG"].partition_key == KeyAttribute("g", "S")
    assert by_name["ByG"].sort_key == KeyAttribute("r", "B")
    assert by_name["ByG"].projection == "KEYS_ONLY" and not by_name["ByG"].local
    assert by_name["ByH"].sort_key is None
    assert set(by_name["ByH"].projection) == {"a", "b"}
    assert by_name["ByL"].local and by_name["ByL"].partition_key == KeyAttribute("pk", "S")
    assert by_name["ByL"].sort_key == KeyAttribute("l", "S") and by_name["ByL"].projection == "ALL"
    assert t.describe().spec.name == t.name


def test_describe_counts_each_indexs_items(store, make_table):
    """DynamoDB's index ItemCount: a sparse index holds only the items with its keys; an ALL index's
    IndexSizeBytes is its items' size plus 100 bytes each (DynamoDB's documented rule)."""
    known_difference(store, "moto", "moto's DescribeTable has no ItemCount or IndexSizeBytes for indexes")
    t = make_table(indexes=[Index("ByG", partition_key=("g", "S")),
                            Index("ByGR", partition_key=("g", "S"), sort_key=("r", "N"), projection="KEYS_ONLY")])
    for i in range(7):
        item = {"pk": f"p{i}", "body": "x" * 50}
        if i < 5:
            item["g"] = "group"
        if i < 2:
            item["r"] = i
        t.put(item)
    sizes = store.index_sizes(t.name)
    assert {name: n for name, (n, _) in sizes.items()} == {"ByG": 5, "ByGR": 2}
    in_by_g = [{"pk": f"p{i}", "body": "x" * 50, "g": "group", **({"r": i} if i < 2 else {})} for i in range(5)]
    if engine_of(store) == "dynamodb":  # DynamoDB Local's IndexSizeBytes is an estimate of its own
        assert sizes["ByG"][1] > 0
    else:
        assert sizes["ByG"][1] == sum(item_size(i) + 100 for i in in_by_g)


def test_list_tables(store, make_table):
    a = make_table(name="a")
    b = make_table(name="b")
    names = store.tables()
    assert a.name in names and b.name in names
    assert names == sorted(names)


def test_delete_table(store):
    name = unique_name("del")
    t = store.create_table(TableSpec(name=name, partition_key=("pk", "S")))
    t.put({"pk": "a"})
    store.delete_table(name)
    assert name not in store.tables()
    with pytest.raises(TableNotFound):
        store.describe(name)
    with pytest.raises(TableNotFound):
        store.table(name)
    with pytest.raises(TableNotFound):
        store.delete_table(name)


def test_recreated_table_is_empty(store):
    name = unique_name("again")
    spec = TableSpec(name=name, partition_key=("pk", "S"))
    try:
        store.create_table(spec).put({"pk": "a"})
        store.delete_table(name)
        assert store.create_table(spec).get({"pk": "a"}) is None
    finally:
        store.delete_table(name)


def test_table_of_missing_table_raises_table_not_found(store):
    with pytest.raises(TableNotFound) as info:
        store.table(unique_name("missing"))
    assert info.value.code == "ResourceNotFoundException"


def test_operations_on_a_missing_table_raise_table_not_found(store):
    t = store.table(TableSpec(name=unique_name("ghost"), partition_key=("pk", "S")))
    with pytest.raises(TableNotFound):
        t.get({"pk": "a"})
    with pytest.raises(TableNotFound):
        t.put({"pk": "a"})
    with pytest.raises(TableNotFound):
        t.query(Key("pk").eq("a")).all()
    with pytest.raises(TableNotFound):
        t.scan().all()


def test_table_by_name_reads_the_spec(store, make_table):
    t = make_table(sort_key=("sk", "N"), indexes=[Index("ByG", partition_key=("g", "S"))])
    t.put({"pk": "a", "sk": 1, "g": "x"})
    other = store.table(t.name)
    assert other.spec.partition_key == KeyAttribute("pk", "S")
    assert other.spec.sort_key == KeyAttribute("sk", "N")
    assert other.query(Key("g").eq("x"), index="ByG").all() == [{"pk": "a", "sk": 1, "g": "x"}]


def test_a_second_store_on_the_same_url_sees_the_table(store, engine, make_table):
    if engine == "memory":
        pytest.skip("each memory:// store is its own private database")
    t = make_table(sort_key=("sk", "N"))
    t.put({"pk": "a", "sk": 1})
    with open_store(store.url) as second:
        assert second.table(t.name).get({"pk": "a", "sk": 1}) == {"pk": "a", "sk": 1}
        second.table(t.name).put({"pk": "b", "sk": 2})
    assert t.get({"pk": "b", "sk": 2}) == {"pk": "b", "sk": 2}


def test_adding_a_gsi_backfills_existing_items(store, make_table):
    t = make_table(sort_key=("sk", "S"))
    t.batch_write([
        {"pk": "a", "sk": "1", "g": "x", "r": 2},
        {"pk": "a", "sk": "2", "g": "x", "r": 1},
        {"pk": "b", "sk": "1", "g": "y", "r": 3},
        {"pk": "c", "sk": "1"},
    ])
    spec = TableSpec(**{**t.spec.to_dict(), "indexes": [Index("ByG", partition_key=("g", "S"), sort_key=("r", "N"))]})
    t2 = store.create_table(spec)
    assert [ix.name for ix in store.describe(t.name).spec.indexes] == ["ByG"]
    got = t2.query(Key("g").eq("x"), index="ByG").all()
    assert [(i["pk"], i["sk"]) for i in got] == [("a", "2"), ("a", "1")]
    assert t2.count(index="ByG") == 3
    t2.put({"pk": "d", "sk": "1", "g": "x", "r": 0})
    assert [i["pk"] for i in t2.query(Key("g").eq("x"), index="ByG").all()] == ["d", "a", "a"]


def test_adding_a_second_gsi_keeps_the_first(store, make_table):
    first = Index("ByG", partition_key=("g", "S"))
    t = make_table(indexes=[first])
    t.put({"pk": "a", "g": "x", "h": 1})
    spec = TableSpec(**{**t.spec.to_dict(), "indexes": [first, Index("ByH", partition_key=("h", "N"))]})
    t2 = store.create_table(spec)
    assert sorted(ix.name for ix in store.describe(t.name).spec.indexes) == ["ByG", "ByH"]
    assert t2.query(Key("h").eq(1), index="ByH").all() == [{"pk": "a", "g": "x", "h": 1}]
    assert t2.query(Key("g").eq("x"), index="ByG").all() == [{"pk": "a", "g": "x", "h": 1}]


@pytest.mark.parametrize(
    "change, words",
    [
        ({"partition_key": ("pk", "N")}, "partition key"),
        ({"partition_key": ("id", "S")}, "partition key"),
        ({"sort_key": ("sk", "N")}, "sort key"),
        ({"sort_key": None}, "sort key"),
    ],
    ids=["partition-key-type", "partition-key-name", "sort-key-type", "sort-key-dropped"],
)
def test_spec_contradicting_the_keys_is_rejected(store, make_table, change, words):
    t = make_table(sort_key=("sk", "S"))
    with pytest.raises(ValidationError) as info:
        store.create_table(TableSpec(**{**t.spec.to_dict(), **change}))
    assert words in str(info.value)
    assert t.name in str(info.value)


def test_spec_contradicting_an_index_is_rejected(store, make_table):
    t = make_table(indexes=[Index("ByG", partition_key=("g", "S"))])
    changed = TableSpec(**{**t.spec.to_dict(), "indexes": [Index("ByG", partition_key=("g", "N"))]})
    with pytest.raises(ValidationError) as info:
        store.create_table(changed)
    assert "ByG" in str(info.value)
    other_projection = TableSpec(**{**t.spec.to_dict(),
                                    "indexes": [Index("ByG", partition_key=("g", "S"), projection="KEYS_ONLY")]})
    with pytest.raises(ValidationError) as info:
        store.create_table(other_projection)
    assert "projection" in str(info.value)


def test_local_index_cannot_be_added_later(store, make_table):
    t = make_table(sort_key=("sk", "S"))
    changed = TableSpec(**{**t.spec.to_dict(), "indexes": [Index("ByL", sort_key=("l", "S"), local=True)]})
    with pytest.raises(ValidationError) as info:
        store.create_table(changed)
    assert "ByL" in str(info.value)


def test_ttl_enabled_through_the_spec(store, make_table):
    t = make_table(ttl_attribute="expires_at")
    assert store.describe(t.name).spec.ttl_attribute == "expires_at"


def test_ttl_on_another_attribute_is_rejected(store, make_table):
    t = make_table(ttl_attribute="expires_at")
    with pytest.raises(ValidationError) as info:
        store.create_table(TableSpec(**{**t.spec.to_dict(), "ttl_attribute": "other"}))
    assert "TTL" in str(info.value)


def test_client_side_behaviours_are_not_stored(store, make_table):
    t = make_table(version_attribute="version", created_at_attribute="c", description="about")
    spec = store.describe(t.name).spec
    assert spec.version_attribute is None and spec.created_at_attribute is None


@pytest.mark.parametrize(
    "spec",
    [
        {"name": "x", "partition_key": ["pk", "S"]},
        {"name": "ok_name", "partition_key": ["pk", "BOOL"]},
        {"name": "ok_name", "partition_key": ["pk", "S"], "unknown_field": 1},
        {"name": "ok_name", "partition_key": ["pk", "S"], "indexes": [{"name": "ByL", "sort_key": ["l", "S"], "local": True}]},
    ],
    ids=["name-too-short", "bad-key-type", "unknown-field", "lsi-without-table-sort-key"],
)
def test_invalid_specs_are_rejected(store, spec):
    with pytest.raises(ValidationError):
        store.create_table(spec)
