"""Deep nesting costs linear work and no Python recursion (the DoS other emulators have)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dynastore.errors import ValidationError
from dynastore.expressions import parse
from dynastore.expressions.parse import _Parser, parse_condition
from dynastore.expressions.tree import Condition, Not

ONE = {":v": {"N": "1"}}


def nested_not(depth: int) -> str:
    # "(NOT (NOT ... a = :v))": no parentheses are redundant, so all of it is parsed
    return "(NOT " * depth + "a = :v" + ")" * depth


def parser_steps(text: str) -> int:
    p = _Parser(text, "ConditionExpression")
    p.run(p.whole_condition())
    return p.steps


@pytest.fixture
def no_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lift DynamoDB's 4 KB and 300-operator limits to parse huge expressions whole."""
    monkeypatch.setattr(parse, "MAX_EXPRESSION_BYTES", 10**9)
    monkeypatch.setattr(parse, "MAX_OPERATORS", 10**9)


def test_ten_thousand_nested_parentheses_parse_without_recursion(no_limits: None) -> None:
    cond = parse_condition(nested_not(10_000), None, ONE)
    depth = 0
    node: Condition = cond
    while isinstance(node, Not):
        node, depth = node.condition, depth + 1
    assert depth == 10_000


@pytest.mark.parametrize(
    "make",
    [
        nested_not,
        lambda n: " AND ".join(["a = :v"] * n),
        lambda n: "NOT " * n + "a = :v",
        lambda n: "a = :v AND " + "(" * n + "b = :v" + ")" * n,  # refused at the second "(" closing
        lambda n: "(" * n + "a = ",  # syntax error at the end
    ],
    ids=["nested-not", "flat-and", "not-chain", "redundant", "unclosed"],
)
def test_parser_work_grows_linearly(make: Callable[[int], str]) -> None:
    def steps(n: int) -> int:
        try:
            return parser_steps(make(n))
        except ValidationError:
            return -1

    small, large = steps(1_000), steps(10_000)
    if small == -1:  # refused: the refusal itself must not need deep work
        for text in (make(1_000), make(10_000)):
            p = _Parser(text, "ConditionExpression")
            with pytest.raises(ValidationError):
                p.run(p.whole_condition())
            assert p.steps <= 20 * len(p.toks)
        return
    assert 9 * small <= large <= 11 * small


def test_public_entry_refuses_huge_nesting_by_size_first() -> None:
    with pytest.raises(ValidationError, match="expression size: 60006"):
        parse_condition(nested_not(10_000), None, ONE)


def test_deep_refusals_are_dynamodbs(no_limits: None) -> None:
    with pytest.raises(ValidationError, match="redundant parentheses"):
        parse_condition("(" * 10_000 + "a = :v" + ")" * 10_000, None, ONE)
    with pytest.raises(ValidationError, match='token: "<EOF>", near: "="'):
        parse_condition("(" * 10_000 + "a =", None, ONE)
