"""Values come back identical (value and Python type) through every read path of every engine,
and what comes back is JSON-serialisable with the helpers we ship."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from dynastore import Key, dumps, loads, to_jsonable

from ._support import assert_same_types

EDGE_VALUES = {
    "int_max": 10**38 - 1,
    "int_min": -(10**38 - 1),
    "int_1e38": 10**38,
    "int_huge": 10**125,
    "tiny": Decimal("1E-130"),
    "largest": Decimal("9.9999999999999999999999999999999999999E+125"),
    "neg_decimal": Decimal("-0.5"),
    "neg_zero": Decimal("-0"),
    "float_0_1": 0.1,
    "float_third": 1 / 3,
    "float_big": 1e20,
    "float_small": 1e-7,
    "decimal_38": Decimal("0.12345678901234567890123456789012345678"),
    "nul_char": "a\x00b",
    "all_bytes": bytes(range(256)),
    "astral": "𝄞😀",
    "bools": [True, False, 1, 0],
    "sets_in_lists": [{"a"}, {1, Decimal("1.5")}, {b"\x00"}],
    "deep": {"a": {"b": {"c": {"d": {"e": [[[["deep"]]]]}}}}},
    "empty_things": ["", b"", [], {}],
}

EXPECTED = {
    **EDGE_VALUES,
    "neg_zero": 0,
    "largest": int(Decimal("9.9999999999999999999999999999999999999E+125")),  # integral: an int
    "float_0_1": Decimal("0.1"),
    "float_third": Decimal("0.3333333333333333"),
    "float_big": 100000000000000000000,
    "float_small": Decimal("1E-7"),
    "sets_in_lists": [{"a"}, {1, Decimal("1.5")}, {b"\x00"}],
}


@pytest.fixture
def loaded(make_table):
    t = make_table(sort_key=("sk", "N"))
    t.put({"pk": "p", "sk": 1, **EDGE_VALUES})
    return t


def _expected_item():
    return {"pk": "p", "sk": 1, **EXPECTED}


def test_get(loaded):
    assert_same_types(loaded.get({"pk": "p", "sk": 1}), _expected_item())


def test_query(loaded):
    (item,) = loaded.query(Key("pk").eq("p")).all()
    assert_same_types(item, _expected_item())


def test_scan(loaded):
    (item,) = loaded.scan().all()
    assert_same_types(item, _expected_item())


def test_batch_get(loaded):
    (item,) = loaded.batch_get([{"pk": "p", "sk": 1}])
    assert_same_types(item, _expected_item())


def test_transact_get(store, loaded):
    (item,) = store.transact_get([(loaded, {"pk": "p", "sk": 1})])
    assert_same_types(item, _expected_item())


def test_return_old_and_return_values(loaded):
    from dynastore import Attr

    old = loaded.put({"pk": "p", "sk": 1, "x": 1}, return_old=True).old
    assert_same_types(old, _expected_item())
    loaded.put({"pk": "p", "sk": 1, **EDGE_VALUES})
    new = loaded.update({"pk": "p", "sk": 1}, Attr("x").set(1), return_values="ALL_NEW")
    assert_same_types(new, {**_expected_item(), "x": 1})
    deleted = loaded.delete({"pk": "p", "sk": 1}, return_old=True)
    assert_same_types(deleted, {**_expected_item(), "x": 1})


def test_values_written_by_update_round_trip(table):
    from dynastore import Attr

    table.update({"pk": "u"}, [Attr(k).set(v) for k, v in EDGE_VALUES.items()])
    assert_same_types(table.get({"pk": "u"}), {"pk": "u", **EXPECTED})


def test_number_sort_key_values_round_trip(make_table):
    t = make_table(partition_key=("pk", "S"), sort_key=("n", "N"))
    numbers = [10**38 - 1, Decimal("1E-130"), Decimal("-2.5"), 0, 10**125]
    t.batch_write([{"pk": "p", "n": n} for n in numbers])
    got = [i["n"] for i in t.query(Key("pk").eq("p")).all()]
    assert_same_types(got, sorted(numbers))


def test_items_are_json_serialisable(loaded):
    item = loaded.get({"pk": "p", "sk": 1})
    text = dumps(item)
    assert loads(text)["int_max"] == 10**38 - 1
    json.dumps(to_jsonable(item))  # plain json after to_jsonable
