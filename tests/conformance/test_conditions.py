"""Conditions and filters: every comparator and function, evaluated as put conditions and as scan filters.

Expected answers follow DynamoDB's documentation; where it is silent, they are
DynamoDB Local 3.3.0's answers (measured with raw expressions), marked
"DynamoDB Local:" below.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from dynastore import Attr, ConditionFailed, ValidationError, size
from dynastore.expressions import AttributeType, BeginsWith, Compare, Contains, In, Size, Value
from dynastore.expressions.tree import as_path

from ._support import known_difference

ITEM = {
    "pk": "c",
    "s": "héllo",  # 5 characters, 6 UTF-8 bytes
    "e": "😀",  # 1 code point, 2 UTF-16 code units, 4 UTF-8 bytes
    "fw": "\uff01",  # FULLWIDTH EXCLAMATION MARK: sorts before 😀 in UTF-8, after it in UTF-16
    "empty": "",
    "n": 5,
    "d": Decimal("2.5"),
    "neg": -3,
    "b": b"\x01\x02\x03",
    "t": True,
    "f": False,
    "nul": None,
    "ss": {"a", "b"},
    "ns": {1, 2},
    "bs": {b"\x01", b"\x02"},
    "l": ["a", 1, {"x": 1}, [1], {"q"}],
    "m": {"a": 1, "b": {"c": [1, 2, 3]}},
}

A = Attr

# (id, condition, expected); a few cases are known to differ on moto (see MOTO_DIFFERS).
CASES = [
    # = and <> on every type
    ("n-eq", A("n").eq(5), True),
    ("n-eq-other", A("n").eq(6), False),
    ("n-eq-decimal-form", A("n").eq(Decimal("5.00")), True),
    ("n-ne", A("n").ne(6), True),
    ("n-ne-same", A("n").ne(5), False),
    ("d-eq-float", A("d").eq(2.5), True),
    ("s-eq", A("s").eq("héllo"), True),
    ("b-eq", A("b").eq(b"\x01\x02\x03"), True),
    ("t-eq-true", A("t").eq(True), True),
    ("f-eq-false", A("f").eq(False), True),
    ("nul-eq-none", A("nul").eq(None), True),
    ("nul-ne-none", A("nul").ne(None), False),
    ("l-eq-same-list", A("l").eq(["a", 1, {"x": 1}, [1], {"q"}]), True),
    ("l-eq-other-order", A("l").eq([1, "a", {"x": 1}, [1], {"q"}]), False),
    ("m-eq-same-map", A("m").eq({"b": {"c": [1, 2, 3]}, "a": 1}), True),
    ("ss-eq-same-set", A("ss").eq({"b", "a"}), True),
    ("ns-eq-same-set", A("ns").eq({2, 1}), True),
    # ordering comparators
    ("n-lt", A("n").lt(6), True),
    ("n-lt-equal", A("n").lt(5), False),
    ("n-lte", A("n").lte(5), True),
    ("n-gt", A("n").gt(5), False),
    ("n-gte", A("n").gte(5), True),
    ("n-gt-negative", A("n").gt(-10), True),
    ("neg-lt-decimal", A("neg").lt(Decimal("-2.5")), True),
    ("n-lt-38-digits", A("n").lt(10**38 - 1), True),
    ("n-gt-tiny", A("n").gt(Decimal("1E-130")), True),
    ("s-lt", A("s").lt("z"), True),
    ("s-gt-uppercase", A("s").gt("Z"), True),
    ("s-utf8-order", A("s").lt("hê"), True),  # é (C3 A9) < ê (C3 AA)
    ("fw-lt-emoji-utf8", A("fw").lt("😀"), True),  # UTF-8 bytes EF.. < F0..; UTF-16 would say otherwise
    ("b-lt-unsigned", A("b").lt(b"\x80"), True),  # bytes compare unsigned
    ("b-gt", A("b").gt(b"\x01\x02"), True),
    # comparisons across types are false, never errors
    ("s-lt-number", A("s").lt(1), False),
    ("s-gt-number", A("s").gt(1), False),
    ("s-ne-number", A("s").ne(1), True),
    ("n-eq-string", A("n").eq("5"), False),
    ("t-eq-one", A("t").eq(1), False),
    ("n-lt-bytes", A("n").lt(b"\x09"), False),
    # path against path
    ("path-eq-path", A("m")["a"].eq(A("l")[1]), True),
    ("path-lt-path", A("neg").lt(A("n")), True),
    # missing attributes
    ("missing-eq", A("absent").eq("a"), False),
    ("missing-ne", A("absent").ne("a"), True),  # DynamoDB Local: <> with a missing operand is true
    ("missing-lt", A("absent").lt(1), False),
    ("not-missing-lt", ~A("absent").lt(1), True),
    ("not-missing-eq", ~A("absent").eq("a"), True),
    ("missing-eq-missing", A("absent").eq(A("absent2")), False),
    ("missing-ne-missing", A("absent").ne(A("absent2")), True),
    ("missing-nested-eq", A("m")["zz"].eq(1), False),
    ("missing-nested-ne", A("m")["zz"].ne(1), True),
    # BETWEEN
    ("between", A("n").between(1, 9), True),
    ("between-inclusive", A("n").between(5, 5), True),
    ("between-outside", A("n").between(6, 9), False),
    ("between-decimal", A("d").between(2, 3), True),
    ("between-strings", A("s").between("a", "i"), True),
    ("between-cross-type", A("s").between(1, 9), False),
    ("between-string-bounds-on-number", A("n").between("1", "9"), False),
    ("between-missing", A("absent").between(1, 9), False),
    # IN
    ("in", A("n").is_in([4, 5]), True),
    ("in-mixed-types", A("n").is_in([5, "5"]), True),
    ("in-wrong-type", A("n").is_in(["5"]), False),
    ("in-strings", A("s").is_in(["x", "héllo"]), True),
    ("in-missing", A("absent").is_in([5]), False),
    ("not-in-missing", ~A("absent").is_in([5]), True),
    ("in-list-value", A("n").is_in([[], 5]), True),
    # begins_with
    ("begins-with", A("s").begins_with("hé"), True),
    ("begins-with-no", A("s").begins_with("x"), False),
    ("begins-with-empty-prefix", A("e").begins_with(""), True),
    ("begins-with-binary", A("b").begins_with(b"\x01"), True),
    ("begins-with-on-number", A("n").begins_with("5"), False),
    ("begins-with-string-on-binary", A("b").begins_with("\x01"), False),
    ("begins-with-missing", A("absent").begins_with("a"), False),
    # contains
    ("contains-substring", A("s").contains("él"), True),
    ("contains-substring-no", A("s").contains("x"), False),
    ("contains-number-in-string", A("s").contains(1), False),
    ("contains-string-set", A("ss").contains("a"), True),
    ("contains-string-set-no", A("ss").contains("x"), False),
    ("contains-number-set", A("ns").contains(1), True),
    ("contains-number-set-string", A("ns").contains("1"), False),
    ("contains-binary-set", A("bs").contains(b"\x01"), True),
    ("contains-set-operand", A("ss").contains({"a"}), False),
    ("contains-list-number", A("l").contains(1), True),
    ("contains-list-string-vs-number", A("l").contains("1"), False),
    ("contains-list-map", A("l").contains({"x": 1}), True),
    ("contains-list-list", A("l").contains([1]), True),
    ("contains-list-set", A("l").contains({"q"}), True),
    ("contains-map", A("m").contains("a"), False),
    ("contains-number", A("n").contains(5), False),
    ("contains-binary-substring", A("b").contains(b"\x02\x03"), True),  # DynamoDB Local: binary substring
    ("contains-binary-string-operand", A("b").contains("\x02"), False),
    ("contains-empty-in-empty", A("empty").contains(""), True),
    ("contains-missing", A("absent").contains("a"), False),
    ("not-contains-missing", ~A("absent").contains("a"), True),
    # size()
    ("size-string-counts-characters", A("s").size().eq(5), True),  # DynamoDB Local: not 6 (UTF-8 bytes)
    ("size-string-not-utf8-bytes", A("s").size().eq(6), False),
    ("size-emoji-utf16-units", A("e").size().eq(2), True),  # DynamoDB Local: UTF-16 code units
    ("size-empty-string", A("empty").size().eq(0), True),
    ("size-binary", A("b").size().eq(3), True),
    ("size-string-set", A("ss").size().eq(2), True),
    ("size-number-set", A("ns").size().eq(2), True),
    ("size-list", A("l").size().eq(5), True),
    ("size-map", A("m").size().eq(2), True),
    ("size-nested-list", size("m.b.c").eq(3), True),
    ("size-of-number", A("n").size().gt(0), False),
    ("not-size-of-number", ~A("n").size().gt(0), True),
    ("size-of-bool", A("t").size().eq(1), False),
    ("size-of-missing", A("absent").size().gt(0), False),
    ("size-of-missing-ne", A("absent").size().ne(0), True),
    ("size-vs-size", A("l").size().gt(A("ss").size()), True),
    ("size-between", A("s").size().between(1, 5), True),
    ("size-in", In(A("l").size(), (Value(5),)), True),
    ("path-between-size", A("n").between(A("ss").size(), 9), True),
    # attribute_exists / attribute_not_exists
    ("exists", A("n").exists(), True),
    ("exists-null-attribute", A("nul").exists(), True),
    ("exists-nested-map", A("m")["a"].exists(), True),
    ("exists-nested-list-element", A("m")["b"]["c"][2].exists(), True),
    ("exists-list-index-past-end", A("m")["b"]["c"][3].exists(), False),
    ("exists-map-in-list", A("l")[2]["x"].exists(), True),
    ("exists-missing-nested", A("m")["zz"].exists(), False),
    ("exists-through-string", A("s")["a"].exists(), False),
    ("exists-index-into-map", A("m")[0].exists(), False),
    ("not-exists-missing", A("absent").not_exists(), True),
    ("not-exists-present", A("n").not_exists(), False),
    ("not-exists-nested", A("m")["zz"].not_exists(), True),
    ("not-exists-nested-present", A("m")["b"]["c"].not_exists(), False),
    # attribute_type
    ("type-S", A("s").attribute_type("S"), True),
    ("type-N", A("n").attribute_type("N"), True),
    ("type-N-decimal", A("d").attribute_type("N"), True),
    ("type-B", A("b").attribute_type("B"), True),
    ("type-BOOL", A("t").attribute_type("BOOL"), True),
    ("type-NULL", A("nul").attribute_type("NULL"), True),
    ("type-SS", A("ss").attribute_type("SS"), True),
    ("type-NS", A("ns").attribute_type("NS"), True),
    ("type-BS", A("bs").attribute_type("BS"), True),
    ("type-L", A("l").attribute_type("L"), True),
    ("type-M", A("m").attribute_type("M"), True),
    ("type-nested", A("m")["a"].attribute_type("N"), True),
    ("type-wrong", A("n").attribute_type("S"), False),
    ("type-missing", A("absent").attribute_type("N"), False),
    ("not-type-missing", ~A("absent").attribute_type("N"), True),
    # AND / OR / NOT
    ("and-true", A("n").eq(5) & A("s").begins_with("h"), True),
    ("and-false", A("n").eq(5) & A("s").begins_with("x"), False),
    ("or-true", A("n").eq(6) | A("s").begins_with("h"), True),
    ("or-false", A("n").eq(6) | A("absent").exists(), False),
    ("not", ~A("n").eq(6), True),
    ("not-not", ~~A("n").eq(5), True),
    ("nested-logic", (A("n").eq(6) | A("t").eq(True)) & ~(A("absent").exists() | A("ss").contains("x")), True),
    ("precedence-explicit", A("n").eq(6) & A("t").eq(True) | A("f").eq(False), True),
    # a value as the first operand, as DynamoDB allows: begins_with(:v, a), contains(:v, a), size(:v)
    ("value-begins-with-attribute", BeginsWith(Value("héllo world"), as_path("s")), True),
    ("value-begins-with-other", BeginsWith(Value("hello world"), as_path("s")), False),
    ("value-begins-with-missing", BeginsWith(Value("héllo"), as_path("absent")), False),
    ("value-contains-attribute", Contains(Value("say héllo!"), as_path("s")), True),
    ("value-set-contains-attribute", Contains(Value({"héllo", "x"}), as_path("s")), True),
    ("value-list-contains-attribute", Contains(Value([1, 5]), as_path("n")), True),
    ("value-list-lacks-attribute", Contains(Value([1, 6]), as_path("n")), False),
    ("size-of-value", Compare("=", Size(Value("abcde")), as_path("n")), True),
    ("attribute-type-of-value", AttributeType(Value("x"), Value("S")), True),
    ("attribute-type-of-size", AttributeType(Size(as_path("s")), Value("N")), True),
    ("contains-in-size", Contains(Size(as_path("s")), Value(5)), False),
]

# Measured on moto 5.x with raw expressions: it differs from DynamoDB (and DynamoDB Local) here.
MOTO_DIFFERS = {
    "t-eq-one": "moto says BOOL true = N 1",
    "s-lt-number": "moto answers HTTP 500 for an ordering comparison across types",
    "s-gt-number": "moto answers HTTP 500 for an ordering comparison across types",
    "n-lt-bytes": "moto answers HTTP 500 for an ordering comparison across types",
    "between-cross-type": "moto answers HTTP 500 for BETWEEN across types",
    "between-string-bounds-on-number": "moto answers HTTP 500 for BETWEEN across types",
    "missing-eq-missing": "moto says two missing attributes are equal",
    "missing-ne-missing": "moto says two missing attributes are equal",
    "begins-with-binary": "moto does not apply begins_with to binary",
    "contains-binary-substring": "moto does not apply contains to binary",
    "size-emoji-utf16-units": "moto counts code points in size()",
    "size-of-number": "moto answers HTTP 500 for size() of a number",
    "not-size-of-number": "moto answers HTTP 500 for size() of a number",
    "size-of-bool": "moto answers HTTP 500 for size() of a boolean",
    "size-of-missing": "moto answers HTTP 500 for size() of a missing attribute",
    "size-of-missing-ne": "moto answers HTTP 500 for size() of a missing attribute",
    "path-between-size": "moto 5.2.5 answers HTTP 500 for BETWEEN with a size() bound",
    "size-of-value": "moto answers HTTP 500 for size() of a value",
    "attribute-type-of-size": "moto answers HTTP 500 for size() inside attribute_type",
    "contains-in-size": "moto answers HTTP 500 for size() inside contains",
}

# moto's Scan rejects size() in a FilterExpression ("Bad Filter Expression: Invalid attribute name").
MOTO_FILTER_DIFFERS = {c[0]: "moto rejects size() in a scan filter" for c in CASES if "size" in c[0]}

IDS = [c[0] for c in CASES]


def _case(case_id: str):
    for c in CASES:
        if c[0] == case_id:
            return c
    raise KeyError(case_id)


@pytest.fixture
def loaded(table):
    table.put(ITEM)
    return table


@pytest.mark.parametrize("case_id", IDS)
def test_condition_on_put(loaded, store, case_id):
    _, condition, expected = _case(case_id)
    if case_id in MOTO_DIFFERS:
        known_difference(store, "moto", MOTO_DIFFERS[case_id])
    replacement = dict(ITEM, marker="written")
    if expected:
        loaded.put(replacement, condition=condition)
        assert loaded.get({"pk": "c"})["marker"] == "written"
    else:
        with pytest.raises(ConditionFailed):
            loaded.put(replacement, condition=condition)
        assert "marker" not in loaded.get({"pk": "c"})


@pytest.mark.parametrize("case_id", IDS)
def test_condition_as_scan_filter(loaded, store, case_id):
    _, condition, expected = _case(case_id)
    if case_id in MOTO_DIFFERS or case_id in MOTO_FILTER_DIFFERS:
        known_difference(store, "moto", MOTO_DIFFERS.get(case_id) or MOTO_FILTER_DIFFERS[case_id])
    loaded.put({"pk": "other"})  # an item with none of the attributes
    got = [i["pk"] for i in loaded.scan(filter=condition).all()]
    assert ("c" in got) is expected
    assert got.count("c") <= 1


def test_condition_on_missing_item_sees_no_attributes(table):
    # A condition is evaluated against an empty item when the item does not exist yet.
    table.put({"pk": "new", "v": 1}, condition=Attr("v").ne(1) & Attr("v").not_exists() & ~Attr("v").eq(1))
    with pytest.raises(ConditionFailed):
        table.put({"pk": "new2"}, condition=Attr("pk").exists())
    assert table.get({"pk": "new2"}) is None


def test_missing_attribute_filter_keeps_items_without_it(table):
    table.put({"pk": "a", "color": "red"})
    table.put({"pk": "b", "color": "blue"})
    table.put({"pk": "c"})
    got = sorted(i["pk"] for i in table.scan(filter=Attr("color").ne("red")).all())
    assert got == ["b", "c"]


# Conditions DynamoDB refuses when it parses them (measured on DynamoDB Local: ValidationException).
INVALID = [
    ("lt-bool-literal", A("t").lt(True)),
    ("gt-null-literal", A("s").gt(None)),
    ("gt-list-literal", A("l").gt([1])),
    ("gt-map-literal", A("m").gt({})),
    ("gt-set-literal", A("ss").gt({"a"})),
    ("between-bool", A("t").between(False, True)),
    ("between-mixed-bound-types", A("n").between(1, "9")),
    ("between-reversed-bounds", A("n").between(9, 1)),
    ("begins-with-number-prefix", A("s").begins_with(5)),
    ("attribute-type-bad-name", A("n").attribute_type("XX")),
    ("attribute-compared-with-itself", A("s").eq(A("s"))),
]

@pytest.mark.parametrize("condition", [c for _, c in INVALID], ids=[i for i, _ in INVALID])
def test_invalid_condition_is_rejected_on_put(loaded, condition):
    with pytest.raises(ValidationError):
        loaded.put(dict(ITEM, marker="written"), condition=condition)
    assert "marker" not in loaded.get({"pk": "c"})


@pytest.mark.parametrize("condition", [c for _, c in INVALID], ids=[i for i, _ in INVALID])
def test_invalid_condition_is_rejected_as_filter(loaded, condition):
    with pytest.raises(ValidationError):
        loaded.scan(filter=condition).all()


def test_condition_must_be_a_condition(table):
    with pytest.raises(ValidationError):
        table.put({"pk": "a"}, condition="attribute_not_exists(pk)")  # type: ignore[arg-type]


def test_conditions_refuse_python_boolean_operators():
    with pytest.raises(TypeError):
        bool(Attr("a").eq(1) and Attr("b").eq(2))


def test_in_takes_at_most_100_operands():
    Attr("n").is_in(range(100))
    with pytest.raises(ValidationError):
        Attr("n").is_in(range(101))
