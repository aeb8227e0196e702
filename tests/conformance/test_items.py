"""Single items: put, get, delete, round trips of every type, projections, conditions, return values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dynastore import Attr, ConditionFailed, ItemNotFound, Path

from ._support import assert_same_types, known_difference

# (id, value written, value read back)
ROUND_TRIPS = [
    ("str", "héllo wörld 😀", "héllo wörld 😀"),
    ("empty-str", "", ""),
    ("int", 42, 42),
    ("negative-int", -7, -7),
    ("zero", 0, 0),
    ("int-38-digits", 12345678901234567890123456789012345678, 12345678901234567890123456789012345678),
    ("negative-int-38-digits", -(10**38 - 1), -(10**38 - 1)),
    ("decimal", Decimal("3.14159"), Decimal("3.14159")),
    ("decimal-trailing-zeros", Decimal("2.50"), Decimal("2.5")),
    ("integral-decimal-is-int", Decimal("7.000"), 7),
    ("float-0.1", 0.1, Decimal("0.1")),
    ("integral-float-is-int", 2.0, 2),
    ("float-negative", -2.25, Decimal("-2.25")),
    ("true", True, True),
    ("false", False, False),
    ("none", None, None),
    ("bytes", b"\x00\x01\xfe\xff", b"\x00\x01\xfe\xff"),
    ("empty-bytes", b"", b""),
    ("bytearray", bytearray(b"ab"), b"ab"),
    ("list", ["a", 1, True, None, b"x"], ["a", 1, True, None, b"x"]),
    ("empty-list", [], []),
    ("tuple-is-list", ("a", 2), ["a", 2]),
    ("dict", {"a": 1, "b": {"c": [1, {"d": "e"}]}}, {"a": 1, "b": {"c": [1, {"d": "e"}]}}),
    ("empty-dict", {}, {}),
    ("string-set", {"a", "b", "ü"}, {"a", "b", "ü"}),
    ("number-set", {1, Decimal("2.5"), -3, 0.5}, {1, Decimal("2.5"), -3, Decimal("0.5")}),
    ("bytes-set", {b"\x00", b"\xff", b"ab"}, {b"\x00", b"\xff", b"ab"}),
    ("frozenset", frozenset({"x"}), {"x"}),
    ("set-in-map", {"tags": {"a", "b"}, "n": {1, 2}}, {"tags": {"a", "b"}, "n": {1, 2}}),
]


@pytest.mark.parametrize("written, expected", [(w, e) for _, w, e in ROUND_TRIPS], ids=[i for i, _, _ in ROUND_TRIPS])
def test_value_round_trips(table, written, expected):
    table.put({"pk": "a", "v": written})
    got = table.get({"pk": "a"})
    assert_same_types(got, {"pk": "a", "v": expected})


def test_true_stays_bool_and_one_stays_int(table):
    table.put({"pk": "a", "t": True, "one": 1, "f": False, "zero": 0})
    got = table.get({"pk": "a"})
    assert got["t"] is True and got["f"] is False
    assert type(got["one"]) is int and got["one"] == 1
    assert type(got["zero"]) is int and got["zero"] == 0


def test_whole_item_round_trips(table):
    item = {
        "pk": "all",
        "s": "x",
        "n": 10**37,
        "d": Decimal("-0.000123"),
        "b": b"\x80",
        "t": True,
        "z": None,
        "l": [[1, 2], {"k": "v"}, set(["q"])],
        "m": {"deep": {"deeper": {"deepest": [b"\x01"]}}},
        "ss": {"s1"},
        "ns": {Decimal("1.5")},
        "bs": {b"b"},
        "ünïcode-name": "ok",
        "with space": 1,
    }
    table.put(item)
    assert_same_types(table.get({"pk": "all"}), item)


def test_put_returns_the_written_item(table):
    result = table.put({"pk": "a", "f": 0.5})
    assert result.item == {"pk": "a", "f": Decimal("0.5")}
    assert result.old is None


def test_put_replaces_the_whole_item(table):
    table.put({"pk": "a", "x": 1, "y": 2})
    table.put({"pk": "a", "y": 3})
    assert table.get({"pk": "a"}) == {"pk": "a", "y": 3}


def test_get_of_missing_item_is_none(table):
    assert table.get({"pk": "nope"}) is None


def test_get_must_exist_raises_item_not_found(table):
    with pytest.raises(ItemNotFound):
        table.get({"pk": "nope"}, must_exist=True)
    table.put({"pk": "yes"})
    assert table.get({"pk": "yes"}, must_exist=True) == {"pk": "yes"}


def test_get_consistent_read(table):
    table.put({"pk": "a", "v": 1})
    assert table.get({"pk": "a"}, consistent=True) == {"pk": "a", "v": 1}


def test_get_accepts_a_whole_item_as_key(table):
    table.put({"pk": "a", "v": 1})
    assert table.get({"pk": "a", "v": 999}) == {"pk": "a", "v": 1}


def test_get_with_sort_key(sorted_table):
    sorted_table.put({"pk": "a", "sk": "1", "v": 1})
    sorted_table.put({"pk": "a", "sk": "2", "v": 2})
    assert sorted_table.get({"pk": "a", "sk": "2"}) == {"pk": "a", "sk": "2", "v": 2}
    assert sorted_table.get({"pk": "a", "sk": "3"}) is None


def test_get_with_projection(table):
    table.put({"pk": "a", "x": 1, "y": 2, "z": 3})
    assert table.get({"pk": "a"}, projection=["x", "z"]) == {"x": 1, "z": 3}


def test_get_with_projection_of_a_single_string(table):
    table.put({"pk": "a", "x": 1, "y": 2})
    assert table.get({"pk": "a"}, projection="x") == {"x": 1}


def test_get_with_nested_projection(table, store):
    known_difference(store, "moto", "moto rejects this projection (unused ExpressionAttributeNames)")
    # Measured on DynamoDB Local: list elements come back compacted, in index order.
    table.put({"pk": "a", "a": {"b": [0, 1, 2], "c": 3}, "l": [0, {"x": 1, "y": 2}, 2]})
    got = table.get({"pk": "a"}, projection=["a.b[1]", "l[2]", "l[1].y", "a.zz", "nope"])
    assert got == {"a": {"b": [1]}, "l": [{"y": 2}, 2]}


def test_get_with_projection_by_path_object(table):
    table.put({"pk": "a", "a.b": "dotted name", "a": {"b": "nested"}})
    assert table.get({"pk": "a"}, projection=[Path(("a.b",))]) == {"a.b": "dotted name"}
    assert table.get({"pk": "a"}, projection=["a.b"]) == {"a": {"b": "nested"}}


def test_get_projection_of_absent_attributes_on_existing_item_is_empty(table):
    # DynamoDB Local returns Item: {} (the item exists, nothing projected): not "no item".
    table.put({"pk": "a", "x": 1})
    assert table.get({"pk": "a"}, projection=["nope"]) == {}
    assert table.get({"pk": "missing"}, projection=["nope"]) is None


def test_put_with_condition_attribute_not_exists(table):
    table.put({"pk": "a", "v": 1}, condition=Attr("pk").not_exists())
    with pytest.raises(ConditionFailed):
        table.put({"pk": "a", "v": 2}, condition=Attr("pk").not_exists())
    assert table.get({"pk": "a"}) == {"pk": "a", "v": 1}


def test_put_with_condition_on_existing_value(table):
    table.put({"pk": "a", "v": 1})
    table.put({"pk": "a", "v": 2}, condition=Attr("v").eq(1))
    with pytest.raises(ConditionFailed):
        table.put({"pk": "a", "v": 3}, condition=Attr("v").eq(1))
    assert table.get({"pk": "a"})["v"] == 2


def test_put_return_old(table):
    assert table.put({"pk": "a", "v": 1}, return_old=True).old is None
    result = table.put({"pk": "a", "v": 2}, return_old=True)
    assert result.old == {"pk": "a", "v": 1}
    assert result.item == {"pk": "a", "v": 2}


def test_put_without_return_old_gives_none(table):
    table.put({"pk": "a", "v": 1})
    assert table.put({"pk": "a", "v": 2}).old is None


def test_delete(table):
    table.put({"pk": "a"})
    assert table.delete({"pk": "a"}) is None
    assert table.get({"pk": "a"}) is None


def test_delete_of_missing_item_is_not_an_error(table):
    assert table.delete({"pk": "nope"}) is None
    assert table.delete({"pk": "nope"}, return_old=True) is None


def test_delete_return_old(table):
    table.put({"pk": "a", "v": {1, 2}})
    assert table.delete({"pk": "a"}, return_old=True) == {"pk": "a", "v": {1, 2}}
    assert table.get({"pk": "a"}) is None


def test_delete_with_condition(table):
    table.put({"pk": "a", "state": "open"})
    with pytest.raises(ConditionFailed):
        table.delete({"pk": "a"}, condition=Attr("state").eq("closed"))
    assert table.get({"pk": "a"}) == {"pk": "a", "state": "open"}
    old = table.delete({"pk": "a"}, condition=Attr("state").eq("open"), return_old=True)
    assert old == {"pk": "a", "state": "open"}
    assert table.get({"pk": "a"}) is None


def test_delete_with_condition_on_missing_item_fails(table):
    with pytest.raises(ConditionFailed):
        table.delete({"pk": "nope"}, condition=Attr("pk").exists())


def test_keys_of_each_type(make_table):
    t = make_table(partition_key=("id", "N"), sort_key=("blob", "B"))
    t.put({"id": 1, "blob": b"\x00"})
    t.put({"id": Decimal("1.0"), "blob": b"\x01", "v": "second"})
    assert t.get({"id": 1, "blob": b"\x01"}) == {"id": 1, "blob": b"\x01", "v": "second"}
    assert t.get({"id": 1.0, "blob": b"\x00"}) == {"id": 1, "blob": b"\x00"}
    assert t.get({"id": 2, "blob": b"\x00"}) is None


def test_decimal_key_values(make_table):
    t = make_table(partition_key=("id", "N"))
    t.put({"id": Decimal("-0.5"), "v": 1})
    assert t.get({"id": -0.5}) == {"id": Decimal("-0.5"), "v": 1}


def test_reserved_words_as_attribute_names(table):
    item = {"pk": "a", "status": "open", "name": "n", "size": 3, "data": {"key": "k"}, "count": 1, "key": "k",
            "select": True, "table": b"t"}
    table.put(item, condition=Attr("status").not_exists() & Attr("name").not_exists())
    assert table.get({"pk": "a"}) == item
    assert table.get({"pk": "a"}, projection=["status", "data.key", "count"]) == {
        "status": "open", "data": {"key": "k"}, "count": 1}
    table.update({"pk": "a"}, [Attr("count").set(Attr("count") + 1), Attr("size").remove(), Attr("key").set("K")],
                 condition=Attr("status").eq("open") & Attr("size").eq(3))
    got = table.get({"pk": "a"})
    assert got["count"] == 2 and "size" not in got and got["key"] == "K"
    assert [i["pk"] for i in table.scan(filter=Attr("name").eq("n") & Attr("data")["key"].eq("k")).all()] == ["a"]


# -- the item as it was, when a condition fails (ReturnValuesOnConditionCheckFailure) --


def test_failed_put_can_return_the_current_item(table):
    table.put({"pk": "a", "n": 1})
    with pytest.raises(ConditionFailed) as e:
        table.put({"pk": "a", "n": 2}, condition=Attr("n").eq(5), return_item_on_failure=True)
    assert e.value.item == {"pk": "a", "n": 1}
    with pytest.raises(ConditionFailed) as e:
        table.put({"pk": "a", "n": 2}, condition=Attr("n").eq(5))
    assert e.value.item is None


def test_failed_update_and_delete_can_return_the_current_item(table):
    table.put({"pk": "a", "n": 1, "s": "x"})
    with pytest.raises(ConditionFailed) as e:
        table.update({"pk": "a"}, Attr("n").add(1), condition=Attr("s").eq("y"), return_item_on_failure=True)
    assert e.value.item == {"pk": "a", "n": 1, "s": "x"}
    with pytest.raises(ConditionFailed) as e:
        table.delete({"pk": "a"}, condition=Attr("s").eq("y"), return_item_on_failure=True)
    assert e.value.item == {"pk": "a", "n": 1, "s": "x"}
    assert table.get({"pk": "a"}) == {"pk": "a", "n": 1, "s": "x"}


def test_failed_condition_on_a_missing_item_returns_no_item(table):
    with pytest.raises(ConditionFailed) as e:
        table.update({"pk": "ghost"}, Attr("n").add(1), condition=Attr("pk").exists(), return_item_on_failure=True)
    assert e.value.item is None
