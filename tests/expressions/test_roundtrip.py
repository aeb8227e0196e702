"""tree -> compile.py -> parse.py gives the tree back, for any tree DynamoDB would accept."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dynastore.codec import serialize
from dynastore.expressions.compile import (
    Placeholders,
    compile_condition,
    compile_projection,
    compile_update,
)
from dynastore.expressions.parse import parse_condition, parse_key_condition, parse_projection, parse_update
from dynastore.expressions.tree import (
    Action,
    AddAction,
    And,
    Arithmetic,
    AttributeType,
    BeginsWith,
    Between,
    Compare,
    Condition,
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

from ._support import dynamodb_says

names = st.text(st.characters(codec="utf-8"), min_size=1, max_size=6)
paths = st.builds(
    lambda first, rest: Path((first, *rest)),
    names,
    st.lists(st.one_of(names, st.integers(0, 40)), max_size=3),
)
scalars = st.one_of(
    st.text(max_size=5),
    st.integers(-(10**6), 10**6),
    st.decimals(min_value=-1000, max_value=1000, places=3, allow_nan=False, allow_infinity=False),
    st.binary(min_size=0, max_size=4),
)
ordered = st.one_of(st.text(max_size=5), st.integers(-100, 100), st.binary(max_size=3))
anything = st.recursive(
    st.one_of(scalars, st.booleans(), st.none(), st.frozensets(st.text(max_size=3), min_size=1, max_size=3).map(set)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(min_size=1, max_size=3), inner, max_size=3)),
    max_leaves=6,
)


def value(strategy: Any) -> Any:
    return strategy.map(lambda v: Value.of(v))


operands = st.one_of(paths, value(anything), paths.map(Size))
ordered_operands = st.one_of(paths, value(ordered), paths.map(Size))


@st.composite
def between(draw: Any) -> Condition:
    subject = draw(st.one_of(paths, paths.map(Size)))
    kind = draw(st.sampled_from([st.text(max_size=5), st.integers(-100, 100), st.binary(max_size=3)]))
    low, high = sorted([draw(kind), draw(kind)])
    return Between(subject, Value.of(low), Value.of(high))


leaves = st.one_of(
    st.builds(Compare, st.sampled_from(["=", "<>"]), operands, operands),
    st.builds(Compare, st.sampled_from(["<", "<=", ">", ">="]), ordered_operands, ordered_operands),
    between(),
    st.builds(In, operands, st.lists(operands, min_size=1, max_size=4).map(tuple)),
    st.builds(Exists, paths),
    st.builds(NotExists, paths),
    st.builds(AttributeType, paths, st.sampled_from(["S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS"]).map(Value)),
    st.builds(BeginsWith, paths, st.one_of(paths, value(st.text(max_size=4)), value(st.binary(max_size=3)))),
    st.builds(Contains, paths, operands),
)
conditions = st.recursive(
    leaves,
    lambda inner: st.one_of(st.builds(And, inner, inner), st.builds(Or, inner, inner), st.builds(Not, inner)),
    max_leaves=8,
)


def first_and_rest(n: Any) -> tuple[Any, list[Any]]:
    if isinstance(n, Compare):
        return n.left, [n.right]
    if isinstance(n, Between):
        return n.operand, [n.low, n.high]
    if isinstance(n, In):
        return n.operand, list(n.options)
    if isinstance(n, BeginsWith):
        return n.path, [n.prefix]
    if isinstance(n, Contains):
        return n.path, [n.operand]
    return None, []


def distinct_operands(c: Any) -> bool:
    """DynamoDB refuses ``a = a``, ``a IN (b, a)`` and the like."""
    stack = [c]
    while stack:
        n = stack.pop()
        if isinstance(n, (And, Or)):
            stack += [n.left, n.right]
        elif isinstance(n, Not):
            stack.append(n.condition)
        else:
            first, rest = first_and_rest(n)
            if isinstance(first, Path) and first in rest:
                return False
    return True


def wire(ph: Placeholders) -> dict[str, Any] | None:
    return {k: serialize(v) for k, v in ph.values.items()} or None


@settings(max_examples=200, deadline=None)
@given(conditions)
def test_conditions_round_trip(cond: Condition) -> None:
    assume(distinct_operands(cond))
    ph = Placeholders()
    text = compile_condition(cond, ph)
    assert parse_condition(text, ph.names or None, wire(ph)) == cond


@settings(max_examples=100, deadline=None)
@given(conditions)
def test_filters_round_trip(cond: Condition) -> None:
    assume(distinct_operands(cond))
    ph = Placeholders()
    text = compile_condition(cond, ph)
    assert parse_condition(text, ph.names or None, wire(ph), what="FilterExpression") == cond


def clash(p: Path, q: Path) -> bool:
    """DynamoDB refuses two paths where one contains the other, or ``a.b`` next to ``a[0]``."""
    for x, y in zip(p.elements, q.elements, strict=False):
        if x != y:
            return type(x) is not type(y)
    return True


def disjoint(ps: list[Path]) -> bool:
    return not any(clash(p, q) for i, p in enumerate(ps) for q in ps[:i])


numbers = value(st.one_of(st.integers(-1000, 1000), st.decimals(min_value=-10, max_value=10, places=2)))
lists = value(st.lists(scalars, max_size=3))
defaults = st.one_of(paths, value(anything))
if_not_exists = st.builds(IfNotExists, paths, defaults).filter(lambda f: f.path != f.default)
arithmetic_operand = st.one_of(paths, numbers, if_not_exists)
list_operand = st.one_of(paths, lists, if_not_exists)
update_values = st.one_of(
    paths,
    value(anything),
    if_not_exists,
    st.builds(ListAppend, list_operand, list_operand),
    st.builds(Arithmetic, st.sampled_from(["+", "-"]), arithmetic_operand, arithmetic_operand),
)
sets = st.one_of(
    st.frozensets(st.text(max_size=3), min_size=1, max_size=3),
    st.frozensets(st.integers(-50, 50), min_size=1, max_size=3),
    st.frozensets(st.binary(min_size=1, max_size=2), min_size=1, max_size=3),
).map(set)


def action(path: Path) -> Any:
    return st.one_of(
        st.builds(SetAction, st.just(path), update_values),
        st.just(RemoveAction(path)),
        st.builds(AddAction, st.just(path), value(st.one_of(st.integers(-9, 9), sets))),
        st.builds(DeleteAction, st.just(path), value(sets)),
    )


@st.composite
def updates(draw: Any) -> list[Action]:
    # distinct top-level names keep the targets disjoint without discarding examples
    targets = draw(st.lists(paths, min_size=1, max_size=5, unique_by=lambda p: p.elements[0]))
    actions = [draw(action(p)) for p in targets]
    # compile.py writes the sections in this order
    order = {SetAction: 0, RemoveAction: 1, AddAction: 2, DeleteAction: 3}
    return sorted(actions, key=lambda a: order[type(a)])


@settings(max_examples=100, deadline=None)
@given(updates())
def test_updates_round_trip(actions: list[Action]) -> None:
    ph = Placeholders()
    text = compile_update(actions, ph)
    assert parse_update(text, ph.names or None, wire(ph)) == actions


@settings(max_examples=200, deadline=None)
@given(st.lists(paths, min_size=1, max_size=6))
def test_projections_round_trip(ps: list[Path]) -> None:
    assume(disjoint(ps))
    ph = Placeholders()
    text = compile_projection(ps, ph)
    assert parse_projection(text, ph.names) == tuple(ps)


key_values = st.one_of(st.text(min_size=1, max_size=5))


@settings(max_examples=200, deadline=None)
@given(
    key_values,
    st.one_of(
        st.none(),
        st.builds(lambda op, v: Compare(op, Path(("sk",)), Value(v)), st.sampled_from(["=", "<", "<=", ">", ">="]), key_values),
        st.builds(lambda a, b: Between(Path(("sk",)), Value(min(a, b)), Value(max(a, b))), key_values, key_values),
        st.builds(lambda v: BeginsWith(Path(("sk",)), Value(v)), key_values),
    ),
)
def test_key_conditions_round_trip(pk: str, sort: Condition | None) -> None:
    cond: Condition = Compare("=", Path(("pk",)), Value(pk))
    if sort is not None:
        cond = And(cond, sort)
    ph = Placeholders()
    text = compile_condition(cond, ph)
    parsed = parse_key_condition(
        text, ph.names, wire(ph), partition_key="pk", sort_key="sk", key_types={"pk": "S", "sk": "S"}
    )
    assert parsed == cond


# -- and DynamoDB Local accepts what round-trips ---------------------------------------


@settings(max_examples=80, deadline=None, derandomize=True)
@given(conditions)
def test_dynamodb_accepts_the_conditions(live: tuple[Any, str], cond: Condition) -> None:
    assume(distinct_operands(cond))
    ph = Placeholders()
    text = compile_condition(cond, ph)
    assert dynamodb_says(*live, "cond", text, ph.names or None, wire(ph), None) is None


@settings(max_examples=80, deadline=None, derandomize=True)
@given(updates())
def test_dynamodb_accepts_the_updates(live: tuple[Any, str], actions: list[Action]) -> None:
    ph = Placeholders()
    text = compile_update(actions, ph)
    assert dynamodb_says(*live, "update", text, ph.names or None, wire(ph), None) is None


def test_decimal_values_keep_their_value() -> None:
    cond = Compare("=", Path(("a",)), Value(Decimal("1.5")))
    ph = Placeholders()
    assert parse_condition(compile_condition(cond, ph), ph.names, wire(ph)) == cond
