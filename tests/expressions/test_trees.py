"""What the parser builds: precedence, paths, functions, placeholders shared by a request."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dynastore.errors import ValidationError
from dynastore.expressions.parse import (
    Substitutions,
    check_filter_keys,
    parse_condition,
    parse_key_condition,
    parse_projection,
    parse_update,
)
from dynastore.expressions.tree import (
    AddAction,
    And,
    Arithmetic,
    AttributeType,
    BeginsWith,
    Between,
    Compare,
    Contains,
    DeleteAction,
    Exists,
    IfNotExists,
    In,
    ListAppend,
    Not,
    NotExists,
    Or,
    Path,
    RemoveAction,
    SetAction,
    Size,
    Value,
)

V = {":v": {"N": "1"}, ":w": {"S": "x"}}
a, b, c, d = (Path((n,)) for n in "abcd")
one, x = Value(1), Value("x")


def cond(text: str, names: dict[str, str] | None = None) -> object:
    """Parse with every value of V available (unused ones are fine here)."""
    subs = Substitutions(names, V)
    return parse_condition(text, subs)


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("a = :v OR b = :v AND c = :v", Or(Compare("=", a, one), And(Compare("=", b, one), Compare("=", c, one)))),
        ("a = :v AND b = :v OR c = :v", Or(And(Compare("=", a, one), Compare("=", b, one)), Compare("=", c, one))),
        ("NOT a = :v AND b = :v", And(Not(Compare("=", a, one)), Compare("=", b, one))),
        ("NOT (a = :v AND b = :v)", Not(And(Compare("=", a, one), Compare("=", b, one)))),
        ("a = :v AND (b = :v OR c = :v)", And(Compare("=", a, one), Or(Compare("=", b, one), Compare("=", c, one)))),
        ("a = :v AND b = :v AND c = :v", And(And(Compare("=", a, one), Compare("=", b, one)), Compare("=", c, one))),
        ("a = :v OR b = :v OR c = :v", Or(Or(Compare("=", a, one), Compare("=", b, one)), Compare("=", c, one))),
        ("NOT NOT a <> :v", Not(Not(Compare("<>", a, one)))),
        # BETWEEN's AND belongs to BETWEEN
        ("a BETWEEN :v AND :v AND b = :w", And(Between(a, one, one), Compare("=", b, x))),
        ("a BETWEEN :v AND :v OR b IN (:v, :w, c)", Or(Between(a, one, one), In(b, (one, x, c)))),
        ("(a) >= (:v)", Compare(">=", a, one)),
        (":v < a", Compare("<", one, a)),
        ("size(a) > :v", Compare(">", Size(a), one)),
        ("a = size(b)", Compare("=", a, Size(b))),
        ("a.b[2].c = :v", Compare("=", Path(("a", "b", 2, "c")), one)),
        ("a[0][10] = :v", Compare("=", Path(("a", 0, 10)), one)),
        ("attribute_exists(a.b) AND attribute_not_exists(c[1])",
         And(Exists(Path(("a", "b"))), NotExists(Path(("c", 1))))),
        ("begins_with(a, :w) OR contains(b, :v)", Or(BeginsWith(a, x), Contains(b, one))),
        ("contains(a, b)", Contains(a, b)),
    ],
)
def test_condition_trees(text: str, tree: object) -> None:
    assert cond(text) == tree


def test_names_resolve_anywhere_in_a_path() -> None:
    names = {"#s": "status", "#d": "a.b", "#e": "[0]"}
    assert cond("#s.#d[3].#e = :v", names) == Compare("=", Path(("status", "a.b", 3, "[0]")), one)


def test_attribute_type_takes_a_type_name() -> None:
    assert parse_condition("attribute_type(a, :t)", None, {":t": {"S": "NS"}}) == AttributeType(a, Value("NS"))


def test_values_decode_to_canonical_python() -> None:
    values = {":n": {"N": "1.50"}, ":s": {"SS": ["p", "q"]}, ":m": {"M": {"k": {"L": [{"NULL": True}]}}}}
    got = parse_condition("a = :n AND b = :s AND c = :m", None, values)
    assert got == And(
        And(Compare("=", a, Value(Decimal("1.5"))), Compare("=", b, Value({"p", "q"}))),
        Compare("=", c, Value({"k": [None]})),
    )


def test_update_actions_in_written_order() -> None:
    values = {":v": {"N": "1"}, ":l": {"L": [{"S": "x"}]}, ":s": {"SS": ["t"]}}
    actions = parse_update(
        "REMOVE d[0] SET a = if_not_exists(a, :v) + :v, b = list_append(:l, b) "
        "DELETE #t :s ADD c :v",
        {"#t": "tags"},
        values,
    )
    assert actions == [
        RemoveAction(Path(("d", 0))),
        SetAction(a, Arithmetic("+", IfNotExists(a, one), one)),
        SetAction(b, ListAppend(Value(["x"]), b)),
        DeleteAction(Path(("tags",)), Value({"t"})),
        AddAction(c, one),
    ]


def test_projection_paths() -> None:
    assert parse_projection("a, #n.b[1], c[0][2]", {"#n": "name"}) == (
        a, Path(("name", "b", 1)), Path(("c", 0, 2)),
    )


def test_key_condition_comes_back_path_first() -> None:
    got = parse_key_condition(
        ":s <= sk AND :p = pk", None, {":s": {"S": "m"}, ":p": {"S": "u1"}}, partition_key="pk", sort_key="sk"
    )
    assert got == And(Compare(">=", Path(("sk",)), Value("m")), Compare("=", Path(("pk",)), Value("u1")))


def test_one_request_shares_its_placeholders() -> None:
    subs = Substitutions({"#s": "status", "#p": "price"}, {":v": {"N": "1"}, ":lim": {"N": "9"}, ":x": {"S": "x"}})
    parse_update("SET #s = :x", subs)
    parse_condition("#p < :lim", subs)
    with pytest.raises(ValidationError) as err:
        subs.check_all_used()
    assert err.value.message == "Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}"
    parse_projection("#s", subs)
    parse_condition(":v = :v", subs)
    subs.check_all_used()


def test_a_dict_means_one_expression_and_unused_placeholders_are_refused() -> None:
    with pytest.raises(ValidationError, match=r"unused in expressions: keys: \{#x\}"):
        parse_projection("a", {"#x": "b"})


def test_query_filters_may_not_test_the_key() -> None:
    f = parse_condition("x.pk = :v AND (b = :v OR NOT sk = :v)", None, {":v": {"N": "1"}})
    with pytest.raises(ValidationError) as err:
        check_filter_keys(f, ("pk", "sk"))
    assert err.value.message == "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk"
    check_filter_keys(f, ("pk",))  # x.pk is a nested name, not the key
    with pytest.raises(ValidationError, match="Primary key attribute: a"):
        check_filter_keys(parse_condition("size(a) > :v", None, {":v": {"N": "1"}}), ("a",))


def test_a_value_or_size_can_come_first_as_dynamodb_allows() -> None:
    n1, vx, ts = {":n": {"N": "1"}}, {":v": {"S": "x"}}, {":t": {"S": "S"}}
    assert parse_condition("size(:v) = :n", None, {**vx, **n1}) == Compare("=", Size(x), one)
    assert parse_condition("begins_with(:v, a)", None, vx) == BeginsWith(x, a)
    assert parse_condition("contains(:v, a)", None, vx) == Contains(x, a)
    assert parse_condition("contains(size(a), :n)", None, n1) == Contains(Size(a), one)
    assert parse_condition("attribute_type(:v, :t)", None, {**vx, **ts}) == AttributeType(x, Value("S"))


def test_errors_are_validation_errors_with_dynamodbs_code() -> None:
    with pytest.raises(ValidationError) as err:
        parse_condition("a =", None, None)
    assert err.value.code == "ValidationException"


def test_binary_values_come_as_bytes_or_base64_text() -> None:
    # boto3 passes bytes; the JSON protocol (dynastore endpoint) passes base64 text
    for wire in ({"B": b"\x01\xff"}, {"B": "Af8="}):
        assert parse_condition("a = :b", None, {":b": wire}) == Compare("=", a, Value(b"\x01\xff"))
    assert parse_condition("a = :b", None, {":b": {"BS": ["AQ==", "Ag=="]}}) == Compare("=", a, Value({b"\x01", b"\x02"}))
    with pytest.raises(ValidationError, match="Input collection of type BS contains duplicates. for key :b"):
        parse_condition("a = :b", None, {":b": {"BS": [b"\x01", "AQ=="]}})


def test_placeholder_maps_are_checked_names_first() -> None:
    with pytest.raises(ValidationError, match="ExpressionAttributeNames contains invalid key"):
        Substitutions({"x": "y"}, {"v": {"S": "x"}})
