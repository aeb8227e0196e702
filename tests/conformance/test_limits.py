"""DynamoDB's hard limits, enforced identically everywhere: item and key sizes, numbers, empty values,
key types, and the 1 MB page."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dynastore import Attr, Index, ItemTooLarge, Key, TransactionCanceled, ValidationError

from ._support import known_difference

MAX_ITEM = 409_600  # 400 KB: attribute names plus values


def _item_of_size(total: int, pk: str = "k") -> dict:
    # size = len("pk") + len(pk) + len("d") + len(value)
    return {"pk": pk, "d": "x" * (total - len("pk") - len(pk) - len("d"))}


def test_item_of_exactly_400_kb_is_accepted(table, store):
    known_difference(store, "moto", "moto rejects items of exactly 400 KB")
    table.put(_item_of_size(MAX_ITEM))
    assert len(table.get({"pk": "k"})["d"]) == MAX_ITEM - 4


def test_item_one_byte_over_400_kb_is_rejected(table):
    with pytest.raises(ItemTooLarge) as info:
        table.put(_item_of_size(MAX_ITEM + 1))
    assert info.value.code == "ValidationException"
    assert table.get({"pk": "k"}) is None


def test_attribute_names_count_towards_item_size(table, store):
    known_difference(store, "moto", "moto rejects items of exactly 400 KB")
    item = _item_of_size(MAX_ITEM)
    item["x"] = item.pop("d")  # same length name: still fits
    table.put(item)
    longer = {"pk": "k", "dd": item["x"]}  # one byte more in the name
    with pytest.raises(ItemTooLarge):
        table.put(longer)


def test_multibyte_characters_count_as_utf8_bytes(table, store):
    known_difference(store, "moto", "moto rejects items of exactly 400 KB")
    # 'é' is 2 bytes in UTF-8.
    body = "é" * ((MAX_ITEM - 4) // 2)
    table.put({"pk": "k", "d": body})
    with pytest.raises(ItemTooLarge):
        table.put({"pk": "k", "d": body + "é"})


def test_update_that_would_exceed_400_kb_is_rejected_and_changes_nothing(table, store):
    known_difference(store, "moto", "moto does not check the size of an updated item")
    table.put(_item_of_size(MAX_ITEM - 10))
    with pytest.raises(ItemTooLarge):
        table.update({"pk": "k"}, [Attr("e").set("y" * 20), Attr("n").set(1)])
    assert table.get({"pk": "k"}) == _item_of_size(MAX_ITEM - 10)


def test_update_that_grows_a_list_past_400_kb_is_rejected(table, store):
    known_difference(store, "moto", "moto does not check the size of an updated item")
    table.put({"pk": "k", "l": ["x" * 200_000]})
    with pytest.raises(ItemTooLarge):
        table.update({"pk": "k"}, Attr("l").append(["y" * 210_000]))
    assert len(table.get({"pk": "k"})["l"]) == 1


def test_update_in_a_transaction_that_would_exceed_400_kb_cancels_it(store, table):
    # Documented: a transaction whose update makes an item too large is cancelled with ValidationError.
    known_difference(store, "moto", "moto does not check the size of an updated item")
    table.put(_item_of_size(MAX_ITEM - 10))
    tx = store.transaction()
    tx.put(table, {"pk": "other"})
    tx.update(table, {"pk": "k"}, Attr("e").set("y" * 20))
    with pytest.raises(TransactionCanceled) as info:
        tx.commit()
    assert [r.code for r in info.value.reasons] == ["None", "ValidationError"]
    assert table.get({"pk": "other"}) is None
    assert "e" not in table.get({"pk": "k"})


def test_partition_key_of_2048_bytes(table):
    table.put({"pk": "p" * 2048})
    assert table.get({"pk": "p" * 2048}) == {"pk": "p" * 2048}
    table.put({"pk": "é" * 1024})  # 2048 bytes in UTF-8
    with pytest.raises(ValidationError):
        table.put({"pk": "p" * 2049})
    with pytest.raises(ValidationError):
        table.put({"pk": "é" * 1024 + "p"})
    with pytest.raises(ValidationError):
        table.get({"pk": "p" * 2049})


def test_binary_partition_key_of_2048_bytes(make_table):
    t = make_table(partition_key=("pk", "B"))
    t.put({"pk": b"\x01" * 2048})
    with pytest.raises(ValidationError):
        t.put({"pk": b"\x01" * 2049})


def test_sort_key_of_1024_bytes(sorted_table):
    sorted_table.put({"pk": "a", "sk": "s" * 1024})
    assert sorted_table.get({"pk": "a", "sk": "s" * 1024}) is not None
    with pytest.raises(ValidationError):
        sorted_table.put({"pk": "a", "sk": "s" * 1025})
    with pytest.raises(ValidationError):
        sorted_table.query(Key("pk").eq("a") & Key("sk").eq("s" * 1025)).all()


def test_empty_string_key_is_rejected(sorted_table):
    with pytest.raises(ValidationError):
        sorted_table.put({"pk": "", "sk": "a"})
    with pytest.raises(ValidationError):
        sorted_table.put({"pk": "a", "sk": ""})
    with pytest.raises(ValidationError):
        sorted_table.get({"pk": "", "sk": "a"})
    with pytest.raises(ValidationError):
        sorted_table.query(Key("pk").eq("")).all()


@pytest.mark.parametrize("condition", [Key("sk").gt(""), Key("sk").begins_with(""), Key("sk").between("", "a")],
                         ids=["gt", "begins-with", "between"])
def test_empty_string_in_sort_key_condition_is_rejected(sorted_table, condition):
    # DynamoDB Local: "The AttributeValue for a key attribute cannot contain an empty string value".
    with pytest.raises(ValidationError):
        sorted_table.query(Key("pk").eq("a") & condition).all()


def test_empty_binary_key_is_rejected(make_table):
    t = make_table(partition_key=("pk", "B"))
    with pytest.raises(ValidationError):
        t.put({"pk": b""})


def test_empty_string_in_index_key_is_rejected(make_table):
    t = make_table(indexes=[Index("ByG", partition_key=("g", "S"))])
    with pytest.raises(ValidationError):
        t.put({"pk": "a", "g": ""})
    assert t.get({"pk": "a"}) is None


def test_empty_values_are_fine_outside_keys(table):
    table.put({"pk": "a", "s": "", "b": b"", "l": [], "m": {}})
    assert table.get({"pk": "a"}) == {"pk": "a", "s": "", "b": b"", "l": [], "m": {}}


@pytest.mark.parametrize("empty", [set(), frozenset()], ids=["set", "frozenset"])
def test_empty_set_is_rejected(table, empty):
    with pytest.raises(ValidationError):
        table.put({"pk": "a", "s": empty})
    with pytest.raises(ValidationError):
        table.put({"pk": "a", "m": {"nested": empty}})
    assert table.get({"pk": "a"}) is None


def test_mixed_set_is_rejected(table):
    with pytest.raises(ValidationError):
        table.put({"pk": "a", "s": {"a", 1}})


@pytest.mark.parametrize(
    "value",
    [10**38 + 1, -(10**38 + 1), int("1" * 39), Decimal("1.23456789012345678901234567890123456789"),
     Decimal("0.000000000000000000000000000000000000000000123456789012345678901234567890123456789")],
    ids=["int", "negative-int", "int-ones", "decimal", "small-decimal"],
)
def test_39_significant_digits_are_rejected(table, value):
    with pytest.raises(ValidationError):
        table.put({"pk": "a", "n": value})
    with pytest.raises(ValidationError):
        table.put({"pk": "a", "l": [value]})


@pytest.mark.parametrize(
    "value",
    [10**38, Decimal("1.2345678901234567890123456789012345678E+100"), Decimal("1000000000000000000000000000000000000000000")],
    ids=["1e38", "38-digits-large-exponent", "trailing-zeros"],
)
def test_trailing_zeros_do_not_count_as_digits(table, value):
    table.put({"pk": "a", "n": value})
    assert table.get({"pk": "a"})["n"] == value


@pytest.mark.parametrize("value", [Decimal("1E+126"), Decimal("-1E+126"), Decimal("1E-131"), float("inf"), float("nan")],
                         ids=["overflow", "negative-overflow", "underflow", "inf", "nan"])
def test_number_out_of_range_is_rejected(table, value):
    with pytest.raises(ValidationError):
        table.put({"pk": "a", "n": value})


@pytest.mark.parametrize(
    "value",
    [Decimal("9.9999999999999999999999999999999999999E+125"), Decimal("1E-130"), Decimal("-1E-130")],
    ids=["largest", "smallest", "smallest-negative"],
)
def test_number_range_edges_are_accepted(table, value):
    table.put({"pk": "a", "n": value})
    assert table.get({"pk": "a"})["n"] == value


@pytest.mark.parametrize("value", [1, b"a", True, None, ["a"], {"a"}], ids=["N", "B", "BOOL", "NULL", "L", "SS"])
def test_wrong_key_type_is_rejected(table, value):
    with pytest.raises(ValidationError):
        table.put({"pk": value})
    with pytest.raises(ValidationError):
        table.get({"pk": value})


def test_number_key_rejects_numeric_string(make_table):
    t = make_table(partition_key=("id", "N"))
    with pytest.raises(ValidationError):
        t.put({"id": "1"})
    with pytest.raises(ValidationError):
        t.put({"id": True})


def test_missing_key_attribute_is_rejected(sorted_table):
    with pytest.raises(ValidationError):
        sorted_table.put({"pk": "a"})
    with pytest.raises(ValidationError):
        sorted_table.put({"sk": "a"})
    with pytest.raises(ValidationError):
        sorted_table.get({"pk": "a"})
    with pytest.raises(ValidationError):
        sorted_table.get({"pk": "a", "other": "b"})


def test_index_key_of_wrong_type_is_rejected(make_table):
    t = make_table(indexes=[Index("ByG", partition_key=("g", "S"), sort_key=("r", "N"))])
    with pytest.raises(ValidationError):
        t.put({"pk": "a", "g": 1})
    with pytest.raises(ValidationError):
        t.put({"pk": "a", "g": "x", "r": "1"})
    assert t.get({"pk": "a"}) is None
    t.put({"pk": "a", "g": "x", "r": 1})
    t.put({"pk": "b", "other": 1})  # no index keys at all: fine (sparse)


def test_attribute_names_must_be_non_empty_strings(table):
    with pytest.raises(ValidationError):
        table.put({"pk": "a", "": 1})
    with pytest.raises(ValidationError):
        table.put({"pk": "a", "m": {1: "x"}})


def test_unsupported_python_types_are_rejected(table):
    with pytest.raises(ValidationError):
        table.put({"pk": "a", "v": object()})
    with pytest.raises(ValidationError):
        table.put({"pk": "a", "v": complex(1, 2)})


# -- the 1 MB page -----------------------------------------------------------------------

BIG = 350 * 1024


@pytest.fixture
def four_big(make_table):
    t = make_table(sort_key=("sk", "N"))
    for i in range(4):
        t.put({"pk": "p", "sk": i, "d": "x" * BIG})
    return t


def test_query_page_stops_after_the_item_crossing_1_mb(four_big, store):
    # Measured on DynamoDB Local: the item that crosses 1 MB is still included (3 x 350 KB, then 1).
    known_difference(store, "moto", "moto stops pages before 1 MB")
    pages = list(four_big.query(Key("pk").eq("p"), projection=["sk"]).pages())
    assert [len(p.items) for p in pages] == [3, 1]
    assert pages[0].last_key == {"pk": "p", "sk": 2}


def test_scan_page_stops_after_the_item_crossing_1_mb(four_big, store):
    known_difference(store, "moto", "moto stops pages before 1 MB")
    pages = list(four_big.scan(projection=["sk"]).pages())
    assert [len(p.items) for p in pages] == [3, 1]


def test_1_mb_is_counted_before_the_filter_in_query(four_big, store):
    # Documented: "This limit applies before any FilterExpression or ProjectionExpression is applied".
    known_difference(store, "moto", "moto stops pages before 1 MB")
    known_difference(store, "dynamodb", "DynamoDB Local's Query counts 1 MB after the filter "
                     "(one page, ScannedCount 4, when no item matches); its Scan follows the documentation")
    pages = list(four_big.query(Key("pk").eq("p"), filter=Attr("d").eq("no match")).pages())
    assert [len(p.items) for p in pages] == [0, 0]
    assert [p.scanned_count for p in pages] == [3, 1]
    assert pages[0].last_key == {"pk": "p", "sk": 2}


def test_1_mb_is_counted_before_the_filter_in_scan(four_big, store):
    known_difference(store, "moto", "moto stops pages before 1 MB")
    pages = list(four_big.scan(filter=Attr("d").eq("no match")).pages())
    assert [len(p.items) for p in pages] == [0, 0]
    assert [p.scanned_count for p in pages] == [3, 1]
    assert pages[0].last_key == {"pk": "p", "sk": 2}


def test_count_pages_through_1_mb(four_big):
    assert four_big.count(Key("pk").eq("p")) == 4
    assert four_big.count() == 4


def _nested(levels: int, container: str) -> object:
    value: object = "x"
    for _ in range(levels):
        value = {"a": value} if container == "map" else [value]
    return value


@pytest.mark.parametrize("container", ["map", "list"])
def test_31_levels_of_nesting_are_accepted(table, container):
    table.put({"pk": "deep", "d": _nested(31, container)})
    assert table.get({"pk": "deep"})["d"] == _nested(31, container)


@pytest.mark.parametrize("container", ["map", "list"])
def test_32_levels_of_nesting_are_rejected_and_nothing_is_written(table, store, container):
    known_difference(store, "moto", "moto does not limit nesting depth")
    with pytest.raises(ValidationError, match="Nesting Levels have exceeded supported limits"):
        table.put({"pk": "deep", "d": _nested(32, container)})
    assert table.get({"pk": "deep"}) is None
