"""Batches: batch_get in chunks of 100 and batch_write in chunks of 25, any number of keys."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from dynastore import Index, ItemTooLarge, Key, ValidationError

from ._support import keys_of


def test_batch_get_250_keys_in_key_order_with_missing_left_out(table):
    table.batch_write([{"pk": f"k{i:03}", "n": i} for i in range(200)])
    keys = [{"pk": f"k{i:03}"} for i in range(250)]  # k200..k249 do not exist
    random.Random(3).shuffle(keys)
    got = table.batch_get(keys)
    expected = [k["pk"] for k in keys if int(k["pk"][1:]) < 200]
    assert keys_of(got, "pk") == expected
    assert all(item["n"] == int(item["pk"][1:]) for item in got)


def test_batch_get_with_sort_keys(sorted_table):
    sorted_table.batch_write([{"pk": p, "sk": s, "v": p + s} for p in "ab" for s in "xyz"])
    got = sorted_table.batch_get([{"pk": "b", "sk": "z"}, {"pk": "a", "sk": "x"}, {"pk": "c", "sk": "x"}])
    assert got == [{"pk": "b", "sk": "z", "v": "bz"}, {"pk": "a", "sk": "x", "v": "ax"}]


def test_batch_get_number_and_binary_keys(make_table):
    t = make_table(partition_key=("id", "N"), sort_key=("b", "B"))
    t.batch_write([{"id": Decimal("1.5"), "b": b"\x00"}, {"id": 2, "b": b"\xff"}])
    got = t.batch_get([{"id": 2, "b": b"\xff"}, {"id": 1.5, "b": b"\x00"}])
    assert got == [{"id": 2, "b": b"\xff"}, {"id": Decimal("1.5"), "b": b"\x00"}]


def test_batch_get_of_nothing(table):
    assert table.batch_get([]) == []


def test_batch_get_with_projection(table):
    table.batch_write([{"pk": str(i), "a": i, "b": {"c": i, "d": 0}} for i in range(5)])
    got = table.batch_get([{"pk": "3"}, {"pk": "1"}], projection=["b.c"])
    assert got == [{"b": {"c": 3}}, {"b": {"c": 1}}]


def test_batch_get_consistent(table):
    table.put({"pk": "a", "v": 1})
    assert table.batch_get([{"pk": "a"}], consistent=True) == [{"pk": "a", "v": 1}]


def test_batch_get_with_workers(table):
    table.batch_write([{"pk": str(i)} for i in range(300)], max_workers=4)
    got = table.batch_get([{"pk": str(i)} for i in range(300)], max_workers=4)
    assert keys_of(got, "pk") == [str(i) for i in range(300)]


def test_batch_get_rejects_bad_keys(table):
    with pytest.raises(ValidationError):
        table.batch_get([{"pk": 1}])
    with pytest.raises(ValidationError):
        table.batch_get([{"other": "x"}])


def test_batch_write_60_puts_then_puts_and_deletes(table):
    assert table.batch_write([{"pk": f"k{i:02}", "v": i} for i in range(60)]) == 60
    assert table.count() == 60
    written = table.batch_write(
        puts=[{"pk": f"k{i:02}", "v": -i} for i in range(50, 60)] + [{"pk": "new", "v": 0}],
        deletes=[{"pk": f"k{i:02}"} for i in range(0, 30)] + [{"pk": "never-existed"}],
    )
    assert written == 42
    items = {i["pk"]: i["v"] for i in table.scan().all()}
    assert len(items) == 31
    assert "k00" not in items and "k29" not in items
    assert items["k30"] == 30 and items["k55"] == -55 and items["new"] == 0


def test_batch_write_replaces_whole_items(table):
    table.put({"pk": "a", "x": 1, "y": 2})
    table.batch_write([{"pk": "a", "y": 3}])
    assert table.get({"pk": "a"}) == {"pk": "a", "y": 3}


def test_batch_write_with_workers(table):
    assert table.batch_write([{"pk": str(i), "v": i} for i in range(130)], max_workers=4) == 130
    assert table.count() == 130
    assert table.batch_write(deletes=[{"pk": str(i)} for i in range(130)], max_workers=4) == 130
    assert table.count() == 0


def test_batch_write_of_nothing(table):
    assert table.batch_write() == 0


@pytest.mark.parametrize(
    "puts, deletes",
    [
        ([{"pk": "a", "v": 1}, {"pk": "a", "v": 2}], []),
        ([{"pk": "a"}], [{"pk": "a"}]),
        ([], [{"pk": "a"}, {"pk": "a"}]),
    ],
    ids=["two-puts", "put-and-delete", "two-deletes"],
)
def test_batch_write_duplicate_keys_are_rejected(table, puts, deletes):
    with pytest.raises(ValidationError):
        table.batch_write(puts, deletes)
    assert table.count() == 0


def test_batch_write_duplicates_in_different_chunks_are_rejected(table):
    puts = [{"pk": str(i)} for i in range(40)] + [{"pk": "0"}]
    with pytest.raises(ValidationError):
        table.batch_write(puts)
    assert table.count() == 0


def test_batch_write_validates_every_item_before_writing(table):
    puts = [{"pk": str(i)} for i in range(30)] + [{"pk": 5}]
    with pytest.raises(ValidationError):
        table.batch_write(puts)
    assert table.count() == 0


def test_batch_write_rejects_an_item_too_large(table):
    with pytest.raises(ItemTooLarge):
        table.batch_write([{"pk": "a"}, {"pk": "big", "d": "x" * 409_600}])
    assert table.count() == 0


def test_batch_write_sort_key_table(sorted_table):
    sorted_table.batch_write([{"pk": "a", "sk": str(i)} for i in range(30)])
    sorted_table.batch_write(deletes=[{"pk": "a", "sk": str(i)} for i in range(10)])
    assert sorted_table.count() == 20


def test_batch_write_keeps_every_index_in_step(make_table):
    """Overwrites that move an item between index partitions, into or out of a sparse index, and deletes
    (of present and absent items) in one batch: each index then holds exactly the table's items."""
    t = make_table(sort_key=("sk", "S"), ttl_attribute="exp", indexes=[
        Index("ByG", partition_key=("g", "S"), sort_key=("n", "N")),
        Index("ByGKeys", partition_key=("g", "S"), projection="KEYS_ONLY"),
        Index("ByN", partition_key=("pk", "S"), sort_key=("n", "N"), local=True),
    ])
    rng = random.Random(7)
    first = [{"pk": f"p{i % 3}", "sk": f"{i:03}", "n": i, **({"g": f"g{i % 4}"} if i % 5 else {})}
             for i in range(40)]
    t.batch_write(first)
    moved = [{"pk": f"p{i % 3}", "sk": f"{i:03}", "n": 100 - i, "exp": 4_000_000_000,
              **({"g": rng.choice(["g0", "g9"])} if i % 3 else {})} for i in range(0, 40, 2)]
    t.batch_write(moved, deletes=[{"pk": f"p{i % 3}", "sk": f"{i:03}"} for i in range(1, 50, 4)])
    items = {(i["pk"], i["sk"]): i for i in t.scan(consistent=True).all()}
    assert len(items) == 40 - 10
    assert items[("p0", "000")] == moved[0]
    for g in ("g0", "g1", "g2", "g3", "g9"):
        want = sorted(((i["n"], i["pk"], i["sk"]) for i in items.values() if i.get("g") == g))
        got = sorted((i["n"], i["pk"], i["sk"]) for i in t.query(Key("g").eq(g), index="ByG").all())
        assert got == want, g
        keys_only = t.query(Key("g").eq(g), index="ByGKeys").all()
        assert sorted((i["pk"], i["sk"]) for i in keys_only) == sorted((p, s) for _, p, s in want)
    for p in ("p0", "p1", "p2"):
        want_n = sorted(i["n"] for i in items.values() if i["pk"] == p)
        assert [i["n"] for i in t.query(Key("pk").eq(p), index="ByN", consistent=True).all()] == want_n
