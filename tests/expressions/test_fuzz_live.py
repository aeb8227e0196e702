"""Random token soups: dynastore's parser and DynamoDB Local give the same answer, word for word.

This is what keeps the syntax-error reporting honest (which token, which
"near" text) beyond the hand-written cases. Hypothesis runs derandomized, so a
run is reproducible; each example costs one request to DynamoDB Local.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ._support import dynamodb_says, ours

VALUES = {":v": {"N": "1"}, ":s": {"S": "S"}, ":l": {"L": []}, ":b": {"S": "b"}}
NAMES = {"#n": "x", "#k": "pk"}
CONDITION_WORDS = [
    "pk", "sk", "a", "b", "a.b", "a[1]", ":v", ":s", ":b", "=", "<", "<=", "<>", "(", ")", "AND", "OR", "NOT",
    "BETWEEN", "IN", ",", "size", "attribute_exists", "attribute_type", "begins_with", "contains", "#n", "#k",
    "status", ".", "[", "]", "0", "+",
]
UPDATE_WORDS = [
    "SET", "REMOVE", "ADD", "DELETE", "a", "b", "a.b", "a[0]", "pk", ":v", ":l", ":s", "=", "+", "-", "(", ")", ",",
    "if_not_exists", "list_append", "size", "#n", "status", "AND",
]
PROJECTION_WORDS = ["a", "b", "a.b", "a[0]", "b[1]", ",", "#n", "status", ".", "[", "]", "1", "(", ":v"]
# Refusals DynamoDB makes only when it applies an update to an item (not static checks).
ITEM_LEVEL = (
    "The document path provided in the update expression is invalid for update",
    "The provided expression refers to an attribute that does not exist in the item",
    "An operand in the update expression has an incorrect data type",
)


def soup(words: list[str]) -> Any:
    return st.tuples(st.lists(st.sampled_from(words), min_size=1, max_size=9), st.sampled_from([" ", ""])).map(
        lambda t: t[1].join(t[0])
    )


def placeholders(text: str) -> tuple[dict[str, str] | None, dict[str, Any] | None]:
    names = {k: v for k, v in NAMES.items() if k in text} or None
    values = {k: v for k, v in VALUES.items() if k in text} or None
    return names, values


def same_answer(live: tuple[Any, str], kind: str, text: str) -> None:
    names, values = placeholders(text)
    mine = ours(kind, text, names, values)
    theirs = dynamodb_says(*live, kind, text, names, values, mine)
    if kind == "update" and theirs in ITEM_LEVEL:
        theirs = None
    assert mine == theirs, text


@settings(max_examples=150, deadline=None, derandomize=True)
@given(soup(CONDITION_WORDS))
def test_conditions(live: tuple[Any, str], text: str) -> None:
    same_answer(live, "cond", text)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(soup(CONDITION_WORDS))
def test_key_conditions(live: tuple[Any, str], text: str) -> None:
    same_answer(live, "key", text)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(soup(UPDATE_WORDS))
def test_updates(live: tuple[Any, str], text: str) -> None:
    same_answer(live, "update", text)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(soup(PROJECTION_WORDS))
def test_projections(live: tuple[Any, str], text: str) -> None:
    if ":v" in text:
        return  # GetItem takes no ExpressionAttributeValues
    same_answer(live, "proj", text)


# -- well-formed expressions with mistakes in their meaning --------------------------------------

TYPED_VALUES = {
    ":num": {"N": "1"}, ":two": {"N": "2"}, ":str": {"S": "x"}, ":bool": {"BOOL": True}, ":list": {"L": []},
    ":map": {"M": {}}, ":sset": {"SS": ["q"]}, ":nset": {"NS": ["1"]}, ":type": {"S": "S"}, ":null": {"NULL": True},
}
PATHS = ["a", "b", "a.b", "a[0]", "c", "#n", "#u", "pk"]
OPERANDS = [*PATHS, *TYPED_VALUES, ":undefined", "size(a)", "size(:str)", "(a)"]
PREDICATES = [
    "{o} {c} {o}", "{o} BETWEEN {o} AND {o}", "begins_with({o}, {o})", "contains({o}, {o})",
    "attribute_type({o}, {o})", "attribute_exists({o})", "attribute_not_exists({o})", "{o} IN ({o}, {o})",
    "size({o}) {c} {o}",
]


def fill(template: str, draw: Any) -> str:
    while "{o}" in template or "{c}" in template:
        template = template.replace("{o}", draw(st.sampled_from(OPERANDS)), 1)
        template = template.replace("{c}", draw(st.sampled_from(["=", "<>", "<", "<=", ">", ">="])), 1)
    return template


@st.composite
def typed_conditions(draw: Any) -> str:
    text = fill(draw(st.sampled_from(PREDICATES)), draw)
    for _ in range(draw(st.integers(0, 2))):
        text += f" {draw(st.sampled_from(['AND', 'OR', 'AND NOT']))} {fill(draw(st.sampled_from(PREDICATES)), draw)}"
    return text


@st.composite
def typed_updates(draw: Any) -> str:
    plain = [*PATHS, *TYPED_VALUES, ":undefined"]

    def operand() -> str:
        kind = draw(st.integers(0, 5))
        if kind < 4:
            return draw(st.sampled_from(plain))
        name = "if_not_exists" if kind == 4 else "list_append"
        return f"{name}({draw(st.sampled_from(plain))}, {draw(st.sampled_from(plain))})"

    def action(section: str) -> str:
        path = draw(st.sampled_from(PATHS))
        if section == "SET":
            value = operand() if draw(st.booleans()) else f"{operand()} {draw(st.sampled_from('+-'))} {operand()}"
            return f"{path} = {value}"
        if section == "REMOVE":
            return path
        return f"{path} {draw(st.sampled_from([*TYPED_VALUES, ':undefined']))}"

    sections = draw(st.lists(st.sampled_from(["SET", "REMOVE", "ADD", "DELETE"]), min_size=1, max_size=3, unique=True))
    return " ".join(
        f"{s} " + ", ".join(action(s) for _ in range(draw(st.integers(1, 2)))) for s in sections
    )


def typed_placeholders(text: str) -> tuple[dict[str, str] | None, dict[str, Any] | None]:
    used = set(re.findall(r":\w+", text))
    names = {"#n": "nn"} if "#n" in text else None
    return names, {k: v for k, v in TYPED_VALUES.items() if k in used} or None


@settings(max_examples=150, deadline=None, derandomize=True)
@given(typed_conditions())
def test_typed_conditions(live: tuple[Any, str], text: str) -> None:
    names, values = typed_placeholders(text)
    mine = ours("cond", text, names, values)
    theirs = dynamodb_says(*live, "cond", text, names, values, mine)
    if theirs is None and mine is not None and "dynastore supports only a document path" in mine:
        return  # DynamoDB takes size(:v) and the like; the tree cannot (docs/expressions.md)
    assert mine == theirs, text


@settings(max_examples=150, deadline=None, derandomize=True)
@given(typed_updates())
def test_typed_updates(live: tuple[Any, str], text: str) -> None:
    names, values = typed_placeholders(text)
    mine = ours("update", text, names, values)
    theirs = dynamodb_says(*live, "update", text, names, values, mine)
    if theirs is None and mine is not None and "Cannot update attribute pk" in mine:
        return  # DynamoDB refuses key targets only after the request's condition, which fails here
    assert mine == theirs, text


KEY_VALUES = {":s": {"S": "x"}, ":t": {"S": "y"}, ":num": {"N": "1"}, ":bool": {"BOOL": True}, ":ss": {"SS": ["a"]}}
KEY_OPERANDS = ["pk", "sk", "x", "pk.y", "sk[0]", "x.y", *KEY_VALUES, "size(sk)", "#k", "#s"]
KEY_PREDICATES = [*["{o} {c} {o}"] * 4, "{o} BETWEEN {o} AND {o}", "begins_with({o}, {o})", "contains({o}, {o})",
                  "attribute_exists({o})", "{o} IN ({o})"]


@st.composite
def typed_key_conditions(draw: Any) -> str:
    def predicate() -> str:
        text = draw(st.sampled_from(KEY_PREDICATES))
        while "{o}" in text or "{c}" in text:
            text = text.replace("{o}", draw(st.sampled_from(KEY_OPERANDS)), 1)
            text = text.replace("{c}", draw(st.sampled_from(["=", "<", "<=", ">", ">=", "<>"])), 1)
        return text

    text = predicate()
    for _ in range(draw(st.integers(0, 2))):
        text += f" {draw(st.sampled_from(['AND', 'AND', 'OR']))} {predicate()}"
    return text


@settings(max_examples=150, deadline=None, derandomize=True)
@given(typed_key_conditions())
def test_typed_key_conditions(live: tuple[Any, str], text: str) -> None:
    used = set(re.findall(r":\w+", text))
    values = {k: v for k, v in KEY_VALUES.items() if k in used} or None
    names = {k: v for k, v in {"#k": "pk", "#s": "sk"}.items() if k in text} or None
    mine = ours("key", text, names, values)
    assert mine == dynamodb_says(*live, "key", text, names, values, mine), text
