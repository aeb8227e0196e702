"""Update actions: SET (arithmetic, if_not_exists, list_append, nested paths), REMOVE, ADD, DELETE,
return values, conditions and the errors DynamoDB raises.

Expected results were checked against DynamoDB Local 3.3.0 with raw expressions.
"""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from dynastore import Attr, ConditionFailed, ValidationError, if_not_exists, list_append

from ._support import known_difference

BASE = {
    "pk": "u",
    "n": 5,
    "s": "str",
    "l": [0, 1, 2, 3],
    "m": {"a": 1, "b": ["p", "q", {"c": 9}]},
    "ss": {"a", "b"},
    "ns": {1},
}
KEY = {"pk": "u"}
A = Attr


def with_changes(**changes):
    out = copy.deepcopy(BASE)
    for k, v in changes.items():
        if v is REMOVED:
            out.pop(k, None)
        else:
            out[k] = v
    return out


REMOVED = object()

# (id, actions, item afterwards)
CASES = [
    ("set-value", A("x").set("new"), with_changes(x="new")),
    ("set-replaces", A("n").set("now a string"), with_changes(n="now a string")),
    ("set-plus-one", A("n").set(A("n") + 1), with_changes(n=6)),
    ("set-minus-one", A("n").set(A("n") - 1), with_changes(n=4)),
    ("set-plus-decimal", A("n").set(A("n") + Decimal("1.5")), with_changes(n=Decimal("6.5"))),
    ("set-value-minus-attribute", A("n").set(1 - A("n")), with_changes(n=-4)),
    ("set-decimal-sum-exact", A("x").set(A("m")["a"] + 0.2), with_changes(x=Decimal("1.2"))),
    ("set-from-other-attribute", A("x").set(A("n")), with_changes(x=5)),
    ("set-rhs-reads-old-item", [A("n").set(A("n") + 1), A("x").set(A("n"))], with_changes(n=6, x=5)),
    ("if-not-exists-absent", A("x").set(if_not_exists("x", 0)), with_changes(x=0)),
    ("if-not-exists-present", A("n").set(if_not_exists("n", 0)), BASE),
    ("if-not-exists-plus-one", A("x").set(if_not_exists("x", 10) + 1), with_changes(x=11)),
    ("set-if-not-exists-helper", A("n").set_if_not_exists(100), BASE),
    ("append", A("l").append([4, 5]), with_changes(l=[0, 1, 2, 3, 4, 5])),
    ("prepend", A("l").prepend([-1]), with_changes(l=[-1, 0, 1, 2, 3])),
    ("append-creates-list", A("x").append(["a"]), with_changes(x=["a"])),
    ("list-append-function", A("l").set(list_append(A("l"), [9])), with_changes(l=[0, 1, 2, 3, 9])),
    ("list-append-literal-first", A("x").set(list_append([1], A("l"))), with_changes(x=[1, 0, 1, 2, 3])),
    ("set-nested-map", A("m")["a"].set(2), with_changes(m={"a": 2, "b": ["p", "q", {"c": 9}]})),
    ("set-new-key-in-map", A("m")["z"].set(0), with_changes(m={"a": 1, "b": ["p", "q", {"c": 9}], "z": 0})),
    ("set-deep-path", A("m")["b"][2]["c"].set(10), with_changes(m={"a": 1, "b": ["p", "q", {"c": 10}]})),
    ("set-parsed-deep-path", Attr("m.b[2].c").set(11), with_changes(m={"a": 1, "b": ["p", "q", {"c": 11}]})),
    ("set-list-element", A("l")[1].set(99), with_changes(l=[0, 99, 2, 3])),
    ("set-list-index-past-end-appends", A("l")[10].set(99), with_changes(l=[0, 1, 2, 3, 99])),
    ("set-nested-arithmetic", A("m")["a"].set(A("m")["a"] + 1), with_changes(m={"a": 2, "b": ["p", "q", {"c": 9}]})),
    ("set-to-set-value", A("x").set({"z"}), with_changes(x={"z"})),
    ("set-to-none", A("n").set(None), with_changes(n=None)),
    ("remove-top-level", A("s").remove(), with_changes(s=REMOVED)),
    ("remove-missing-is-noop", A("absent").remove(), BASE),
    ("remove-nested", A("m")["a"].remove(), with_changes(m={"b": ["p", "q", {"c": 9}]})),
    ("remove-missing-nested-key-is-noop", A("m")["zz"].remove(), BASE),
    ("remove-list-elements-shift", [A("l")[1].remove(), A("l")[2].remove()], with_changes(l=[0, 3])),
    ("remove-list-index-past-end-is-noop", A("l")[10].remove(), BASE),
    ("remove-nested-list-element", A("m")["b"][0].remove(), with_changes(m={"a": 1, "b": ["q", {"c": 9}]})),
    ("set-and-remove-list-indexes-use-old-positions", [A("l")[1].set(99), A("l")[0].remove()],
     with_changes(l=[99, 2, 3])),
    ("add-number", A("n").add(3), with_changes(n=8)),
    ("add-negative-number", A("n").add(-7), with_changes(n=-2)),
    ("add-number-creates", A("x").add(3), with_changes(x=3)),
    ("add-nested-number", A("m")["a"].add(1), with_changes(m={"a": 2, "b": ["p", "q", {"c": 9}]})),
    ("add-nested-creates", A("m")["zz"].add(1), with_changes(m={"a": 1, "b": ["p", "q", {"c": 9}], "zz": 1})),
    ("add-to-list-element", A("l")[1].add(1), with_changes(l=[0, 2, 2, 3])),
    ("add-to-string-set", A("ss").add({"c"}), with_changes(ss={"a", "b", "c"})),
    ("add-existing-element", A("ss").add({"a"}), BASE),
    ("add-to-number-set", A("ns").add({2, Decimal("2.5")}), with_changes(ns={1, 2, Decimal("2.5")})),
    ("add-set-creates", A("x").add({b"\x01"}), with_changes(x={b"\x01"})),
    ("delete-from-set", A("ss").delete({"a", "zz"}), with_changes(ss={"b"})),
    ("delete-all-removes-attribute", A("ss").delete({"a", "b"}), with_changes(ss=REMOVED)),
    ("delete-from-missing-is-noop", A("absent").delete({"a"}), BASE),
    ("delete-from-number-set", A("ns").delete({1}), with_changes(ns=REMOVED)),
    ("several-actions", [A("n").add(1), A("s").remove(), A("ss").delete({"a"}), A("x").set(1)],
     with_changes(n=6, s=REMOVED, ss={"b"}, x=1)),
    ("reserved-word-names", [A("status").set("open"), A("size").set(1), A("count").add(2)],
     with_changes(status="open", size=1, count=2)),
]

IDS = [c[0] for c in CASES]


@pytest.fixture
def loaded(table):
    table.put(BASE)
    return table


@pytest.mark.parametrize("actions, expected", [(a, e) for _, a, e in CASES], ids=IDS)
def test_update(loaded, actions, expected):
    assert loaded.update(KEY, actions) is None
    assert loaded.get(KEY) == expected


def test_update_creates_the_item_when_absent(table):
    got = table.update({"pk": "new"}, [A("n").add(1), A("s").set("x")], return_values="ALL_NEW")
    assert got == {"pk": "new", "n": 1, "s": "x"}
    assert table.get({"pk": "new"}) == {"pk": "new", "n": 1, "s": "x"}


def test_update_condition_prevents_creating(table):
    with pytest.raises(ConditionFailed):
        table.update({"pk": "new"}, A("n").set(1), condition=A("pk").exists())
    assert table.get({"pk": "new"}) is None


def test_update_with_condition(loaded):
    loaded.update(KEY, A("n").set(A("n") + 1), condition=A("n").eq(5))
    with pytest.raises(ConditionFailed):
        loaded.update(KEY, A("n").set(A("n") + 1), condition=A("n").eq(5))
    assert loaded.get(KEY)["n"] == 6


def test_update_with_sort_key(sorted_table):
    sorted_table.put({"pk": "a", "sk": "1", "n": 1})
    sorted_table.update({"pk": "a", "sk": "1"}, A("n").add(1))
    sorted_table.update({"pk": "a", "sk": "2"}, A("n").add(1))
    assert sorted_table.get({"pk": "a", "sk": "1"})["n"] == 2
    assert sorted_table.get({"pk": "a", "sk": "2"}) == {"pk": "a", "sk": "2", "n": 1}


# -- return values ---------------------------------------------------------------


def test_return_values_none(loaded):
    assert loaded.update(KEY, A("n").add(1), return_values="NONE") is None


def test_return_values_all_old(loaded):
    assert loaded.update(KEY, A("n").add(1), return_values="ALL_OLD") == BASE


def test_return_values_all_new(loaded):
    assert loaded.update(KEY, A("n").add(1), return_values="ALL_NEW") == with_changes(n=6)


def test_return_values_updated_old(loaded):
    got = loaded.update(KEY, [A("n").add(1), A("s").remove(), A("x").set(1)], return_values="UPDATED_OLD")
    assert got == {"n": 5, "s": "str"}


def test_return_values_updated_new(loaded):
    got = loaded.update(KEY, [A("n").add(1), A("s").remove(), A("x").set(1)], return_values="UPDATED_NEW")
    assert got == {"n": 6, "x": 1}


LOCAL_WHOLE_ATTRIBUTE = ("DynamoDB Local returns the whole top-level attribute for a nested path; DynamoDB "
                         "returns only the updated fragment")


def test_return_values_updated_new_of_nested_path_is_the_fragment(loaded, store):
    # Documentation: "only the updated attributes"; DynamoDB itself returns just the updated fragment
    # (as third-party conformance suites run against AWS report). DynamoDB Local differs.
    known_difference(store, "dynamodb", LOCAL_WHOLE_ATTRIBUTE)
    got = loaded.update(KEY, A("m")["a"].set(2), return_values="UPDATED_NEW")
    assert got == {"m": {"a": 2}}


def test_return_values_updated_old_of_nested_path_is_the_fragment(loaded, store):
    known_difference(store, ("dynamodb", "moto"), LOCAL_WHOLE_ATTRIBUTE)
    got = loaded.update(KEY, A("m")["a"].set(2), return_values="UPDATED_OLD")
    assert got == {"m": {"a": 1}}


def test_return_values_all_old_of_new_item_is_none(table):
    assert table.update({"pk": "new"}, A("n").set(1), return_values="ALL_OLD") is None


def test_return_values_updated_old_of_new_attribute_is_none(loaded):
    assert loaded.update(KEY, A("x").set(1), return_values="UPDATED_OLD") is None


def test_return_values_updated_new_after_remove_is_none(loaded):
    assert loaded.update(KEY, A("s").remove(), return_values="UPDATED_NEW") is None


def test_return_values_updated_new_after_delete_of_whole_set_is_none(loaded):
    assert loaded.update(KEY, A("ss").delete({"a", "b"}), return_values="UPDATED_NEW") is None
    assert "ss" not in loaded.get(KEY)


def test_return_values_all_new_includes_the_key(table):
    assert table.update({"pk": "k"}, A("v").set(1), return_values="ALL_NEW") == {"pk": "k", "v": 1}


def test_return_values_must_be_known(loaded):
    with pytest.raises(ValidationError):
        loaded.update(KEY, A("n").add(1), return_values="EVERYTHING")  # type: ignore[arg-type]


# -- errors: nothing is written ----------------------------------------------------

ERRORS = [
    ("update-partition-key", lambda: A("pk").set("other")),
    ("remove-partition-key", lambda: A("pk").remove()),
    ("overlapping-paths", lambda: [A("m")["a"].set(1), A("m").set({})]),
    ("same-path-twice", lambda: [A("x").set(1), A("x").remove()]),
    ("same-list-element-twice", lambda: [A("l")[0].remove(), A("l")[0].remove()]),
    ("arithmetic-on-string", lambda: A("s").set(A("s") + 1)),
    ("arithmetic-on-missing", lambda: A("n").set(A("absent") + 1)),
    ("set-from-missing-attribute", lambda: A("x").set(A("absent"))),
    ("list-append-to-non-list", lambda: A("s").set(list_append(A("s"), [1]))),
    ("list-append-to-missing", lambda: A("x").set(list_append(A("absent"), [1]))),
    ("set-parent-missing", lambda: A("absent")["child"].set(1)),
    ("set-through-a-string", lambda: A("s")["a"].set(1)),
    ("set-through-a-number-in-list", lambda: A("l")[0]["a"].set(1)),
    ("set-list-index-of-missing-element", lambda: A("m")["b"][5]["c"].set(1)),
    ("remove-parent-missing", lambda: A("absent")["child"].remove()),
    ("add-to-string", lambda: A("s").add(1)),
    ("add-wrong-set-type", lambda: A("ss").add({1})),
    ("add-string", lambda: A("x").add("text")),
    ("add-list", lambda: A("x").add([1])),
    ("delete-wrong-set-type", lambda: A("ss").delete({1})),
    ("delete-non-set", lambda: A("x").delete("a")),
    ("set-empty-set", lambda: A("x").set(set())),
    ("sum-over-38-digits", lambda: A("n").set(A("n") + (10**38 - 1))),
    ("add-over-38-digits", lambda: A("n").add(10**38 - 1)),
    ("no-actions", lambda: []),
]

MOTO_ERRORS_DIFFER = {
    "set-through-a-string": "moto ignores SET on a path through a string",
    "set-through-a-number-in-list": "moto ignores SET on a path through a number",
    "sum-over-38-digits": "moto does not check precision of arithmetic results",
    "add-over-38-digits": "moto does not check precision of arithmetic results",
}


@pytest.mark.parametrize("case_id", [i for i, _ in ERRORS])
def test_update_error(loaded, store, case_id):
    if case_id in MOTO_ERRORS_DIFFER:
        known_difference(store, "moto", MOTO_ERRORS_DIFFER[case_id])
    with pytest.raises(ValidationError):
        loaded.update(KEY, dict(ERRORS)[case_id]())
    assert loaded.get(KEY) == BASE


def test_failed_update_of_absent_item_creates_nothing(table):
    with pytest.raises(ValidationError):
        table.update({"pk": "new"}, [A("x").set(1), A("y").set(A("absent") + 1)])
    assert table.get({"pk": "new"}) is None


def test_update_sum_can_round_to_38_digits(loaded):
    # 99...9 (38 digits) + 1 = 1E+38: one significant digit, accepted (measured on DynamoDB Local).
    loaded.update(KEY, A("n").set(10**38 - 1))
    loaded.update(KEY, A("n").add(1))
    assert loaded.get(KEY)["n"] == 10**38


def test_update_of_index_key_attribute_with_wrong_type_is_rejected(make_table, store):
    from dynastore import Index

    known_difference(store, "moto", "moto does not check index key types on update")
    t = make_table(indexes=[Index("ByG", partition_key=("g", "S"))])
    t.put({"pk": "a", "g": "x"})
    with pytest.raises(ValidationError):
        t.update({"pk": "a"}, A("g").set(1))
    assert t.get({"pk": "a"}) == {"pk": "a", "g": "x"}
