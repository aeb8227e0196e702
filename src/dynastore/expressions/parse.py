"""DynamoDB expression strings -> the expression tree (`tree.py`).

The reverse of `compile.py`: what ``dynastore endpoint`` uses to turn a
request's ``ConditionExpression``, ``FilterExpression``,
``KeyConditionExpression``, ``UpdateExpression`` and ``ProjectionExpression``
(with their ``#name``/``:value`` placeholders) into the tree both engines run.

DynamoDB refuses bad expressions with specific messages, and clients and tests
match on them, so every refusal here carries DynamoDB's exact text (recorded
against DynamoDB Local in ``tests/expressions/``). DynamoDB checks in phases,
and the phase decides which of several mistakes is reported, so this module
keeps the same phases:

0. (when the request's placeholders are taken in, `Substitutions`) the
   ``#name``/``:value`` keys and the AttributeValues themselves;
1. empty expression, size over 4 KB;
2. syntax (``Syntax error; token: "X", near: "..."``), and redundant
   parentheses ``((x))``, refused as soon as they close;
3. in source order: bare reserved words, list-index range, unknown function
   names and functions used where they are not allowed; then (updates) a
   section written twice;
4. (updates, projections) the document paths being written or projected, in
   *reverse* source order: ``#name`` placeholders, nesting depth, overlap;
5. operands before their operator: placeholders, function arity and operand
   types, BETWEEN/IN rules -- in source order for conditions, action by action
   from the last for updates;
6. (conditions) more than 300 operators.

Placeholders supplied but never used are reported per request, after all its
expressions were parsed: `Substitutions.check_all_used`.

Parsing is linear in the expression's length and never recurses in Python: the
recursive-descent rules are generators driven by an explicit stack
(`_Parser.run`), so 10,000 nested parentheses cost 10,000 stack entries, not a
RecursionError; the later passes walk the tree with explicit stacks too.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, cast

from ..codec import deserialize_checked, type_of
from ..errors import ValidationError
from ..limits import MAX_EXPRESSION_BYTES, MAX_IN_OPERANDS
from .reserved import is_reserved
from .tree import (
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
    UpdateValue,
    Value,
)

__all__ = [
    "Substitutions",
    "check_filter_keys",
    "parse_condition",
    "parse_key_condition",
    "parse_key_condition_text",
    "check_key_condition",
    "parse_projection",
    "parse_update",
]

MAX_OPERATORS = 300
MAX_PATH_DEPTH = 32
MAX_LIST_INDEX = 2**31 - 1

_NAME_KEY = re.compile(r"#[A-Za-z0-9_]+\Z")
_VALUE_KEY = re.compile(r":[A-Za-z0-9_]+\Z")

# Java-style hash order, as DynamoDB Local prints it.
_VALID_TYPES = "{N,BS,L,B,NULL,M,S,SS,NS,BOOL}"
_TYPE_NAMES = frozenset({"S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS"})
# What DynamoDB prints for a path given as attribute_type's type operand.
_TYPE_OPERAND_TYPES = "{NULL,INT,HD,DOUBLE,N,HDS,L,NS,FS,M,DECIMALSET,SS,DECIMAL,INTSET,S,DICT,B,BS,DOUBLESET,BOOL,FLOAT}"
_LONG_TYPE = {
    "S": "STRING", "N": "NUMBER", "B": "BINARY", "BOOL": "BOOLEAN", "NULL": "NULL", "L": "LIST",
    "M": "MAP", "SS": "STRING SET", "NS": "NUMBER SET", "BS": "BINARY SET",
}

_CONDITION_FUNCTIONS = {
    "attribute_exists": 1, "attribute_not_exists": 1, "attribute_type": 2,
    "begins_with": 2, "contains": 2, "size": 1,
}
_UPDATE_FUNCTIONS = {"if_not_exists": 2, "list_append": 2}
_KEYWORDS = frozenset({"AND", "OR", "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE"})
_SECTIONS = ("SET", "REMOVE", "ADD", "DELETE")
_COMPARATORS = frozenset({"=", "<>", "<", "<=", ">", ">="})


def _fail(what: str, message: str) -> ValidationError:
    return ValidationError(f"Invalid {what}: {message}")


# -- placeholders ----------------------------------------------------------------


class Substitutions:
    """One request's ``ExpressionAttributeNames``/``Values``, shared by its expressions.

    Values are DynamoDB-JSON AttributeValues (``{"S": "x"}``), decoded on first
    use. Records which placeholders the expressions used, so that
    `check_all_used` can refuse the unused ones as DynamoDB does.
    """

    __slots__ = ("names", "values", "used_names", "used_values", "_decoded")

    def __init__(self, names: Mapping[str, str] | None = None, values: Mapping[str, Any] | None = None):
        if names is not None:
            if not names:
                raise ValidationError("ExpressionAttributeNames must not be empty")
            for k, v in names.items():
                if not isinstance(k, str) or not _NAME_KEY.match(k):
                    raise ValidationError(f'ExpressionAttributeNames contains invalid key: Syntax error; key: "{k}"')
                if not isinstance(v, str) or not v:
                    raise ValidationError(
                        f"ExpressionAttributeNames contains invalid value: Empty attribute name for key {k}"
                    )
        if values is not None:
            if not values:
                raise ValidationError("ExpressionAttributeValues must not be empty")
            for k in values:
                if not isinstance(k, str) or not _VALUE_KEY.match(k):
                    raise ValidationError(f'ExpressionAttributeValues contains invalid key: Syntax error; key: "{k}"')
        self.names: Mapping[str, str] = names or {}
        self.values: Mapping[str, Any] = values or {}
        self.used_names: set[str] = set()
        self.used_values: set[str] = set()
        self._decoded: dict[str, Any] = {}
        for k, av in self.values.items():
            try:
                self._decoded[k] = deserialize_checked(av)
            except ValidationError as e:
                raise ValidationError(f"ExpressionAttributeValues contains invalid value: {e.message} for key {k}") from None

    def name(self, placeholder: str, what: str) -> str:
        try:
            n = self.names[placeholder]
        except KeyError:
            raise _fail(
                what,
                f"An expression attribute name used in the document path is not defined; attribute name: {placeholder}",
            ) from None
        self.used_names.add(placeholder)
        return n

    def value(self, placeholder: str, what: str) -> tuple[Any, Any]:
        """(canonical value, wire AttributeValue) for ``:placeholder``."""
        if placeholder not in self.values:
            raise _fail(
                what, f"An expression attribute value used in expression is not defined; attribute value: {placeholder}"
            )
        self.used_values.add(placeholder)
        return self._decoded[placeholder], self.values[placeholder]

    def check_all_used(self) -> None:
        """Refuse placeholders no expression of the request used (names first, like DynamoDB)."""
        for kind, given, used in (("Names", self.names, self.used_names), ("Values", self.values, self.used_values)):
            unused = sorted(set(given) - used)
            if unused:
                raise ValidationError(
                    f"Value provided in ExpressionAttribute{kind} unused in expressions: keys: {{{', '.join(unused)}}}"
                )


# -- tokens ------------------------------------------------------------------------

_TOKEN = re.compile(
    r"(?P<ws>[ \t\r\n]+)"
    r"|(?P<name>[A-Za-z][A-Za-z0-9_]*)"
    r"|(?P<nph>\#[A-Za-z0-9_]+)"
    r"|(?P<vph>:[A-Za-z0-9_]+)"
    r"|(?P<num>0|[1-9][0-9]*)"
    r"|(?P<op><>|<=|>=|[=<>()\[\].,+\-])"
    r"|(?P<bad>.)",
    re.S,
)


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # name kw nph vph num op bad eof
    text: str
    start: int
    end: int


def _tokenize(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "bad"
        if kind == "ws":
            continue
        s = m.group()
        if kind == "name" and s.upper() in _KEYWORDS:
            kind = "kw"
        out.append(_Tok(kind, s, m.start(), m.end()))
    out.append(_Tok("eof", "<EOF>", len(text), len(text)))
    return out


# -- syntax tree (source-level, before placeholders are resolved) --------------------


@dataclass(slots=True, eq=False)
class _PathNode:
    parts: list[_Tok]  # name / nph / num tokens


@dataclass(slots=True, eq=False)
class _ValueNode:
    tok: _Tok


@dataclass(slots=True, eq=False)
class _FuncNode:
    name: str
    args: list[Any]


@dataclass(slots=True, eq=False)
class _ParenNode:
    inner: Any


@dataclass(slots=True, eq=False)
class _OpNode:
    """AND OR NOT, comparators, BETWEEN, IN, and + - in updates."""

    op: str
    args: list[Any]


@dataclass(slots=True, eq=False)
class _ActionNode:
    section: str
    path: _PathNode
    value: Any = None


_CONDITION_OPS = frozenset({"AND", "OR", "NOT", "BETWEEN", "IN"}) | _COMPARATORS


def _unparen(node: Any) -> Any:
    while isinstance(node, _ParenNode):
        node = node.inner
    return node


def _is_condition(node: Any) -> bool:
    n = _unparen(node)
    return isinstance(n, _OpNode) and n.op in _CONDITION_OPS


def _is_function(node: Any) -> bool:
    return isinstance(_unparen(node), _FuncNode)


_Rule = Generator[Any, Any, Any]


def run_rules(rule: _Rule) -> tuple[Any, int]:
    """Run generator-based recursive descent without Python recursion: (the result, rule resumptions).

    A rule ``yield``s a sub-rule to call it and receives its result; the
    stack of suspended rules lives in a list, so nesting depth is bounded
    by memory, not by the interpreter's recursion limit. The resumptions
    are the parser's work, which tests show linear in the text.
    """
    stack = [rule]
    result: Any = None
    steps = 0
    while stack:
        steps += 1
        try:
            sub = stack[-1].send(result)
        except StopIteration as stop:
            stack.pop()
            result = stop.value
            continue
        stack.append(sub)
        result = None
    return result, steps


class _Parser:
    """Recursive descent over DynamoDB's expression grammar, reporting its syntax errors."""

    def __init__(self, text: str, what: str):
        self.text = text
        self.what = what
        self.toks = _tokenize(text)
        self.i = 0
        self.operators = 0
        self.sections: list[str] = []
        self.steps = 0  # rule resumptions: the parser's work, linear in the text

    def run(self, rule: _Rule) -> Any:
        result, steps = run_rules(rule)
        self.steps += steps
        return result

    # tokens
    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def at_op(self, text: str) -> bool:
        t = self.toks[self.i]
        return t.kind == "op" and t.text == text

    def at_kw(self, word: str) -> bool:
        t = self.toks[self.i]
        return t.kind == "kw" and t.text.upper() == word

    def expect_op(self, text: str) -> _Tok:
        if not self.at_op(text):
            raise self.syntax_error()
        return self.take()

    def expect_eof(self) -> None:
        if self.tok.kind != "eof":
            raise self.syntax_error()

    def syntax_error(self) -> ValidationError:
        # DynamoDB quotes the source from the token before the offending one
        # to the end of the token after it.
        i = self.i
        t = self.toks[i]
        start = self.toks[i - 1].start if i > 0 else 0
        end = len(self.text) if t.kind == "eof" else self.toks[i + 1].end
        return _fail(self.what, f'Syntax error; token: "{t.text}", near: "{self.text[start:end]}"')

    def paren(self, inner: Any) -> _ParenNode:
        # DynamoDB refuses "((x))" as soon as it closes, before any later syntax error.
        if isinstance(inner, _ParenNode):
            raise _fail(self.what, "The expression has redundant parentheses;")
        return _ParenNode(inner)

    # shared rules
    def path(self) -> _PathNode:
        t = self.tok
        if t.kind not in ("name", "nph"):
            raise self.syntax_error()
        parts = [self.take()]
        while True:
            if self.at_op("."):
                self.take()
                # DynamoDB's grammar takes "a.:v" too, and fails it later ("Internal server error")
                if self.tok.kind not in ("name", "nph", "vph"):
                    raise self.syntax_error()
                parts.append(self.take())
            elif self.at_op("["):
                self.take()
                if self.tok.kind != "num":
                    raise self.syntax_error()
                parts.append(self.take())
                self.expect_op("]")
            else:
                return _PathNode(parts)

    def call(self, arg_rule: Any) -> _Rule:
        name = self.take().text
        self.take()  # (
        args = [(yield arg_rule())]
        while self.at_op(","):
            self.take()
            args.append((yield arg_rule()))
        self.expect_op(")")
        self.operators += 1
        return _FuncNode(name, args)

    def at_call(self) -> bool:
        if self.tok.kind != "name":
            return False
        nxt = self.toks[self.i + 1]
        return nxt.kind == "op" and nxt.text == "("

    # conditions
    def operand(self) -> _Rule:
        """path | :value | function(operand, ...) | "(" operand ")"."""
        t = self.tok
        if t.kind == "op" and t.text == "(":
            self.take()
            inner = yield self.operand()
            self.expect_op(")")
            return self.paren(inner)
        if t.kind == "vph":
            return _ValueNode(self.take())
        if self.at_call():
            return (yield self.call(self.operand))
        return self.path()

    def condition(self, in_paren: bool = False) -> _Rule:
        left = yield self.conjunction(in_paren)
        while self.at_kw("OR"):
            self.take()
            right = yield self.conjunction(False)
            self.operators += 1
            left = _OpNode("OR", [left, right])
        return left

    def conjunction(self, in_paren: bool) -> _Rule:
        left = yield self.negation(in_paren)
        while self.at_kw("AND"):
            self.take()
            right = yield self.negation(False)
            self.operators += 1
            left = _OpNode("AND", [left, right])
        return left

    def negation(self, in_paren: bool) -> _Rule:
        if self.at_kw("NOT"):
            self.take()
            inner = yield self.negation(False)
            self.operators += 1
            return _OpNode("NOT", [inner])
        return (yield self.predicate(in_paren))

    def predicate(self, in_paren: bool) -> _Rule:
        # "(" opens either a parenthesised condition or a parenthesised operand
        # ("(a) = :v" is valid); which one is known only after the ")".
        if self.at_op("("):
            self.take()
            inner = yield self.condition(in_paren=True)
            self.expect_op(")")
            node: Any = self.paren(inner)
            if _is_condition(inner):
                return node
        else:
            node = yield self.operand()
        t = self.tok
        if t.kind == "op" and t.text in _COMPARATORS:
            self.take()
            right = yield self.operand()
            self.operators += 1
            return _OpNode(t.text, [node, right])
        if self.at_kw("BETWEEN"):
            self.take()
            low = yield self.operand()
            if not self.at_kw("AND"):
                raise self.syntax_error()
            self.take()
            high = yield self.operand()
            self.operators += 1
            return _OpNode("BETWEEN", [node, low, high])
        if self.at_kw("IN"):
            self.take()
            self.expect_op("(")
            options = [(yield self.operand())]
            while self.at_op(","):
                self.take()
                options.append((yield self.operand()))
            self.expect_op(")")
            self.operators += 1
            return _OpNode("IN", [node, *options])
        if _is_function(node) or (in_paren and self.at_op(")")):
            return node
        raise self.syntax_error()

    def whole_condition(self) -> _Rule:
        c = yield self.condition()
        self.expect_eof()
        return c

    # updates (their operands are the conditions' ones)
    def update_value(self) -> _Rule:
        # value: operand | operand (+|-) operand | "(" value ")"; a "(" may open
        # either, and "(:a + :b) + :c" is refused at its second operator.
        if self.at_op("("):
            self.take()
            inner = yield self.update_value()
            self.expect_op(")")
            left: Any = self.paren(inner)
            if isinstance(left.inner, _OpNode):
                return left
        else:
            left = yield self.operand()
        t = self.tok
        if t.kind == "op" and t.text in ("+", "-"):
            self.take()
            right = yield self.operand()
            return _OpNode(t.text, [left, right])
        return left

    def whole_update(self) -> _Rule:
        actions: list[_ActionNode] = []
        if self.tok.kind != "kw" or self.tok.text.upper() not in _SECTIONS:
            raise self.syntax_error()
        while self.tok.kind == "kw" and self.tok.text.upper() in _SECTIONS:
            section = self.take().text.upper()
            self.sections.append(section)
            while True:
                path = self.path()
                if section == "SET":
                    self.expect_op("=")
                    actions.append(_ActionNode(section, path, (yield self.update_value())))
                elif section == "REMOVE":
                    actions.append(_ActionNode(section, path))
                else:
                    if self.tok.kind != "vph":
                        raise self.syntax_error()
                    actions.append(_ActionNode(section, path, _ValueNode(self.take())))
                if not self.at_op(","):
                    break
                self.take()
        self.expect_eof()
        return actions

    # projections
    def whole_projection(self) -> list[_PathNode]:
        paths = [self.path()]
        while self.at_op(","):
            self.take()
            paths.append(self.path())
        self.expect_eof()
        return paths


def _children(node: Any) -> list[Any]:
    if isinstance(node, _ParenNode):
        return [node.inner]
    if isinstance(node, (_OpNode, _FuncNode)):
        return node.args
    if isinstance(node, _ActionNode):
        return [node.path] if node.value is None else [node.path, node.value]
    return []


def _preorder(roots: list[Any]) -> Iterator[tuple[Any, Any]]:
    """(node, parent) in source order, parents first, without recursion.

    Parentheses are see-through: the parent of ``x`` in ``NOT (x)`` is the NOT.
    """
    stack: list[tuple[Any, Any]] = [(r, None) for r in reversed(roots)]
    while stack:
        node, parent = stack.pop()
        yield node, parent
        holder = parent if isinstance(node, _ParenNode) else node
        stack.extend((c, holder) for c in reversed(_children(node)))


def _postorder(root: Any) -> Iterator[Any]:
    """Nodes in source order, operands before their operator, without recursion."""
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            yield node
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in reversed(_children(node)))


# -- the common phases ----------------------------------------------------------------


def _start(text: str, what: str) -> _Parser:
    if not isinstance(text, str):
        raise ValidationError(f"{what} must be a string")
    if not text:
        raise _fail(what, "The expression can not be empty;")
    # DynamoDB counts UTF-16 code units, as Java strings do.
    size = len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2
    if size > MAX_EXPRESSION_BYTES:
        raise _fail(what, f"Expression size has exceeded the maximum allowed size; expression size: {size}")
    return _Parser(text, what)


def _check_words(p: _Parser, roots: list[Any], update: bool) -> None:
    """Phase 3: reserved words, list-index range, function names and where functions may appear."""
    what = p.what
    for node, parent in _preorder(roots):
        if isinstance(node, _PathNode):
            for t in node.parts:
                if t.kind == "name" and is_reserved(t.text):
                    raise _fail(what, f"Attribute name is a reserved keyword; reserved keyword: {t.text}")
                if t.kind == "num" and int(t.text) > MAX_LIST_INDEX:
                    raise _fail(what, f"List index is not within the allowable range; index: [{t.text}]")
        elif isinstance(node, _FuncNode):
            _check_function_place(node, _context(parent), what, update)


def _context(parent: Any) -> str:
    """Where a function call stands: condition, operand, arithmetic, argument or value."""
    if parent is None:
        return "condition"
    if isinstance(parent, _ActionNode):
        return "value"
    if isinstance(parent, _OpNode):
        if parent.op in ("AND", "OR", "NOT"):
            return "condition"
        if parent.op in ("+", "-"):
            return "arithmetic"
        return "operand"
    return "argument"


def _check_function_place(node: _FuncNode, place: str, what: str, update: bool) -> None:
    name = node.name
    if update:
        if name in _CONDITION_FUNCTIONS:
            raise _fail(what, f"The function is not allowed in an update expression; function: {name}")
        if name not in _UPDATE_FUNCTIONS:
            raise _fail(what, f"Invalid function name; function: {name}")
        if place != "value" and name == "list_append":
            raise _fail(what, f"The function is not allowed to be used this way in an expression; function: {name}")
        return
    if name in _UPDATE_FUNCTIONS:
        raise _fail(what, f"The function is not allowed in a condition expression; function: {name}")
    if name not in _CONDITION_FUNCTIONS:
        raise _fail(what, f"Invalid function name; function: {name}")
    if (place == "condition") == (name == "size"):
        raise _fail(what, f"The function is not allowed to be used this way in an expression; function: {name}")


class _Resolver:
    """Turns source nodes into tree nodes, resolving placeholders (phases 4 and 5)."""

    def __init__(self, p: _Parser, subs: Substitutions):
        self.what = p.what
        self.subs = subs

    def fail(self, message: str) -> ValidationError:
        return _fail(self.what, message)

    def path(self, node: _PathNode) -> Path:
        elements: list[str | int] = []
        for t in node.parts:
            if t.kind == "name":
                elements.append(t.text)
            elif t.kind == "nph":
                elements.append(self.subs.name(t.text, self.what))
            elif t.kind == "vph":
                raise self.fail("Internal server error")
            else:
                elements.append(int(t.text))
        if len(elements) > MAX_PATH_DEPTH:
            raise self.fail(f"The document path has too many nesting levels; nesting levels: {len(elements)}")
        return Path(tuple(elements))

    def value(self, node: _ValueNode) -> Value:
        v, wire = self.subs.value(node.tok.text, self.what)
        return _WireValue(v, wire)


@dataclass(frozen=True, slots=True)
class _WireValue(Value):
    """A Value that remembers its AttributeValue, for DynamoDB's ``{N:1}`` messages."""

    wire: Any = field(default=None, compare=False)


def _plain(v: Any) -> Any:
    return Value(v.value) if isinstance(v, _WireValue) else v


def _type(o: Any) -> str | None:
    """DynamoDB type of a literal operand, N for size(), None for a path."""
    if isinstance(o, Value):
        return type_of(o.value)
    if isinstance(o, Size):
        return "N"
    return None


def _attr_text(v: Value) -> str:
    t = type_of(v.value)
    wire = v.wire if isinstance(v, _WireValue) else None
    raw = wire[t] if isinstance(wire, Mapping) and t in ("S", "N") else v.value
    return f"{{{t}:{raw}}}"


def _fmt_path(p: Path) -> str:
    return ", ".join(f"[{e}]" if isinstance(e, int) else e for e in p.elements)


# -- conditions -----------------------------------------------------------------------


def _build(r: _Resolver, root: Any, function: Any, operator: Any) -> Any:
    """Phase 5: the tree for ``root``, operands before operators, in source order."""
    out: dict[int, Any] = {}
    for node in _postorder(root):
        if isinstance(node, _PathNode):
            out[id(node)] = r.path(node)
        elif isinstance(node, _ValueNode):
            out[id(node)] = r.value(node)
        elif isinstance(node, _ParenNode):
            out[id(node)] = out.pop(id(node.inner))
        elif isinstance(node, _FuncNode):
            out[id(node)] = function(r, node.name, [out.pop(id(a)) for a in node.args])
        elif isinstance(node, _OpNode):
            out[id(node)] = operator(r, node.op, [out.pop(id(a)) for a in node.args])
    return out[id(root)]


def _resolve_condition(r: _Resolver, root: Any) -> Condition:
    cond = _build(r, root, _condition_function, _condition_op)
    assert isinstance(cond, Condition)  # phase 3 refused a bare operand or size()
    return cond


def _condition_function(r: _Resolver, name: str, args: list[Any]) -> Any:
    _check_arity(r, name, args, _CONDITION_FUNCTIONS[name])
    first = args[0]
    if name in ("attribute_exists", "attribute_not_exists") and not isinstance(first, Path):
        raise r.fail(f"Operator or function requires a document path; operator or function: {name}")
    if name == "size":
        t = _type(first)
        if t in ("N", "BOOL", "NULL"):
            raise r.fail(f"Incorrect operand type for operator or function; operator or function: size, operand type: {t}")
        return Size(_plain(first))
    if name == "attribute_exists":
        return Exists(first)
    if name == "attribute_not_exists":
        return NotExists(first)
    second = args[1]
    if name == "attribute_type":
        _check_distinct(r, first, [second], name)
        if isinstance(second, Path):
            raise r.fail(
                "Incorrect operand type for operator or function; operator or function: attribute_type, "
                f"operand type: {_TYPE_OPERAND_TYPES}"
            )
        t = _type(second)
        if t != "S":
            raise r.fail(
                f"Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {t}"
            )
        if second.value not in _TYPE_NAMES:
            raise r.fail(f"Invalid attribute type name found; type: {second.value}, valid types: {_VALID_TYPES}")
        return AttributeType(_plain(first), _plain(second))
    if name == "begins_with":
        for a in args:
            t = _type(a)
            if t is not None and t not in ("S", "B"):
                raise r.fail(
                    f"Incorrect operand type for operator or function; operator or function: begins_with, operand type: {t}"
                )
    _check_distinct(r, first, [second], name)
    # DynamoDB takes a value or size() first too: begins_with(:v, a), contains(size(a), :n)
    return BeginsWith(_plain(first), _plain(second)) if name == "begins_with" else Contains(_plain(first), _plain(second))


def _check_arity(r: _Resolver, name: str, args: list[Any], arity: int) -> None:
    if len(args) != arity:
        raise r.fail(
            f"Incorrect number of operands for operator or function; operator or function: {name}, "
            f"number of operands: {len(args)}"
        )


def _check_distinct(r: _Resolver, first: Any, others: list[Any], op: str) -> None:
    if isinstance(first, Path) and any(isinstance(o, Path) and o == first for o in others):
        raise r.fail(
            "The first operand must be distinct from the remaining operands for this operator or function; "
            f"operator: {op}, first operand: [{_fmt_path(first)}]"
        )


def _check_ordered(r: _Resolver, operands: list[Any], op: str) -> None:
    for o in operands:
        t = _type(o)
        if t is not None and t not in ("S", "N", "B"):
            raise r.fail(f"Incorrect operand type for operator or function; operator or function: {op}, operand type: {t}")


def _condition_op(r: _Resolver, op: str, args: list[Any]) -> Any:
    if op == "AND":
        return And(args[0], args[1])
    if op == "OR":
        return Or(args[0], args[1])
    if op == "NOT":
        return Not(args[0])
    if op == "IN":
        first, options = args[0], args[1:]
        if len(options) > MAX_IN_OPERANDS:
            raise r.fail(f"The IN operator is provided with too many operands; number of operands: {len(options)}")
        _check_distinct(r, first, options, "IN")
        return In(_plain(first), tuple(_plain(o) for o in options))
    if op == "BETWEEN":
        first, low, high = args
        _check_ordered(r, args, "BETWEEN")
        if isinstance(low, Value) and isinstance(high, Value):
            tl, th = type_of(low.value), type_of(high.value)
            if tl != th:
                raise r.fail(
                    "The BETWEEN operator requires same data type for lower and upper bounds; "
                    f"lower bound operand: AttributeValue: {_attr_text(low)}, upper bound operand: AttributeValue: "
                    f"{_attr_text(high)}"
                )
        _check_distinct(r, first, [low, high], "BETWEEN")
        if isinstance(low, Value) and isinstance(high, Value) and low.value > high.value:
            raise r.fail(
                "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "
                f"lower bound operand: AttributeValue: {_attr_text(low)}, upper bound operand: AttributeValue: "
                f"{_attr_text(high)}"
            )
        return Between(_plain(first), _plain(low), _plain(high))
    left, right = args
    if op not in ("=", "<>"):
        _check_ordered(r, args, op)
    _check_distinct(r, left, [right], op)
    return Compare(op, _plain(left), _plain(right))


def _parse_condition_text(text: str, subs: Substitutions, what: str) -> Condition:
    p = _start(text, what)
    root = p.run(p.whole_condition())
    _check_words(p, [root], update=False)
    r = _Resolver(p, subs)
    cond = _resolve_condition(r, root)
    if p.operators > MAX_OPERATORS:
        raise _fail(what, f"The expression contains too many operators; operator count: {MAX_OPERATORS + 1}")
    return cond


def _subs(names: Mapping[str, str] | Substitutions | None, values: Mapping[str, Any] | None) -> tuple[Substitutions, bool]:
    if isinstance(names, Substitutions):
        if values is not None:
            raise TypeError("pass the values to Substitutions, not next to it")
        return names, False
    return Substitutions(names, values), True


def parse_condition(
    text: str,
    names: Mapping[str, str] | Substitutions | None = None,
    values: Mapping[str, Any] | None = None,
    *,
    what: str = "ConditionExpression",
) -> Condition:
    """A condition or filter expression -> a `Condition`.

    ``names``/``values`` are the request's ``ExpressionAttributeNames``/``Values``
    (values as AttributeValues). Given as dicts, the expression is taken to be
    the request's only one and unused placeholders are refused here; pass a
    `Substitutions` shared by all of a request's expressions instead and call
    its ``check_all_used()`` once they are all parsed. ``what`` names the
    parameter in error messages (``FilterExpression`` ...).
    """
    subs, alone = _subs(names, values)
    cond = _parse_condition_text(text, subs, what)
    if alone:
        subs.check_all_used()
    return cond


# -- key conditions ---------------------------------------------------------------------

_KEY_FUNCTIONS_OK = frozenset({"begins_with"})


def parse_key_condition(
    text: str,
    names: Mapping[str, str] | Substitutions | None = None,
    values: Mapping[str, Any] | None = None,
    *,
    partition_key: str | None = None,
    sort_key: str | None = None,
    key_types: Mapping[str, str] | None = None,
) -> Condition:
    """A ``KeyConditionExpression`` -> a `Condition` of the shape `analyse_key_condition` takes.

    The expression is checked as DynamoDB checks it: only ``=``/``<``/``<=``/
    ``>``/``>=``/``BETWEEN``/``begins_with`` joined by ``AND``, one condition
    per key, each comparing a top-level key attribute with a value. Given the
    key schema in use (``partition_key``, ``sort_key``, and ``key_types``
    mapping key names to ``S``/``N``/``B``), it is checked against it too.
    Comparisons written value-first (``:v < sk``) come back path-first.

    With a shared `Substitutions`, DynamoDB's order is: parse every expression of
    the request (`parse_key_condition_text`), refuse unused placeholders, then
    check the key condition's shape (`check_key_condition`); this does both
    halves at once.
    """
    subs, alone = _subs(names, values)
    cond = parse_key_condition_text(text, subs)
    if alone:
        subs.check_all_used()
    return check_key_condition(cond, partition_key=partition_key, sort_key=sort_key, key_types=key_types)


def parse_key_condition_text(text: str, subs: Substitutions) -> Condition:
    """A ``KeyConditionExpression`` parsed as any condition is, its key-condition rules not yet checked."""
    return _parse_condition_text(text, subs, "KeyConditionExpression")


def check_key_condition(cond: Condition, *, partition_key: str | None = None, sort_key: str | None = None,
                        key_types: Mapping[str, str] | None = None) -> Condition:
    """The key-condition rules on a parsed condition (see `parse_key_condition`): it, written path-first."""
    _check_key_scalars(cond, [k for k in (partition_key, sort_key) if k is not None])
    normalised = [_key_part(c) for c in _key_parts(cond)]
    tested = [path.name for _, path in normalised]
    if len(set(tested)) < len(tested):
        raise ValidationError("KeyConditionExpressions must only contain one condition per key")
    if len(normalised) > 2:
        raise ValidationError("Conditions can be of length 1 or 2 only")
    if partition_key is not None:
        _check_key_schema(normalised, partition_key, sort_key, key_types or {})
    out = normalised[0][0]
    for c, _ in normalised[1:]:
        out = And(out, c)
    return out


def _paths_of(cond: Condition) -> Iterator[Path]:
    """Every path in ``cond``, in source order."""
    stack: list[Any] = [cond]
    while stack:
        node = stack.pop()
        if isinstance(node, Path):
            yield node
        elif isinstance(node, tuple):
            stack.extend(reversed(node))
        elif isinstance(node, (Condition, Size)):
            # every condition node is a dataclass of operands and sub-conditions
            stack.extend(reversed([getattr(node, f.name) for f in fields(cast(Any, node))]))


def _check_key_scalars(cond: Condition, keys: list[str]) -> None:
    # DynamoDB looks for "pk.x" anywhere, partition key first, before it looks at the operators
    nested = {path.name for path in _paths_of(cond) if len(path.elements) > 1}
    for key in keys:
        if key in nested:
            raise ValidationError(
                "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: "
                f"Key: {key}"
            )


def _key_parts(cond: Condition) -> list[Condition]:
    """The ``AND``-ed parts of a key condition, in source order."""
    parts: list[Condition] = []
    stack: list[Condition] = [cond]
    while stack:
        c = stack.pop()
        if isinstance(c, And):
            stack += [c.right, c.left]
        else:
            parts.append(c)
    return parts


def _key_operator(c: Condition) -> str | None:
    """The operator that makes ``c`` no key condition, if any."""
    if isinstance(c, Or):
        return "OR"
    if isinstance(c, Not):
        return "NOT"
    if isinstance(c, In):
        return "IN"
    if isinstance(c, Compare) and c.op == "<>":
        return "<>"
    for cls, name in (
        (Exists, "attribute_exists"), (NotExists, "attribute_not_exists"), (AttributeType, "attribute_type"),
        (Contains, "contains"),
    ):
        if isinstance(c, cls):
            return name
    return None


_MIRROR = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _operands(c: Condition) -> list[Any]:
    if isinstance(c, Compare):
        return [c.left, c.right]
    if isinstance(c, Between):
        return [c.operand, c.low, c.high]
    assert isinstance(c, BeginsWith)  # _key_operator refused the rest
    return [c.path, c.prefix]


def _key_part(c: Condition) -> tuple[Condition, Path]:
    """One ``AND``-ed part, checked and written path-first, and the key attribute it tests."""
    op = _key_operator(c)
    if op is not None:
        raise ValidationError(f"Invalid operator used in KeyConditionExpression: {op}")
    operands = _operands(c)
    paths: list[Path] = []
    for i, o in enumerate(operands):  # DynamoDB's checks go operand by operand
        if isinstance(o, Size):
            raise ValidationError("KeyConditionExpressions cannot contain nested operations")
        if i == 0 and isinstance(c, (Between, BeginsWith)) and not isinstance(o, Path):
            name = "BETWEEN" if isinstance(c, Between) else "begins_with"
            raise ValidationError(
                f"Invalid condition in KeyConditionExpression: {name} operator must have the key attribute as its "
                "first operand"
            )
        if isinstance(o, Path):
            if paths:
                raise ValidationError(
                    "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"
                )
            if len(o.elements) > 1:
                raise ValidationError("KeyConditionExpressions cannot have conditions on nested attributes")
            paths.append(o)
    if not paths:
        raise ValidationError("Invalid condition in KeyConditionExpression: No key attribute specified")
    if isinstance(c, Compare) and isinstance(c.right, Path):
        return Compare(_MIRROR[c.op], c.right, c.left), paths[0]
    return c, paths[0]


def _check_key_schema(
    parts: list[tuple[Condition, Path]], pk: str, sk: str | None, types: Mapping[str, str]
) -> None:
    names = [path.name for _, path in parts]
    if pk not in names:
        raise ValidationError("Query condition missed key schema element")
    for c, path in parts:
        expected = types.get(path.name) if path.name in (pk, sk) else None
        if expected is not None and any(
            isinstance(v, Value) and type_of(v.value) != expected for v in _operands(c)
        ):
            raise ValidationError(
                "One or more parameter values were invalid: Condition parameter type does not match schema type"
            )
    for c, path in parts:
        if path.name == pk and not (isinstance(c, Compare) and c.op == "="):
            raise ValidationError("Query key condition not supported")
    if any(n not in (pk, sk) for n in names):
        raise ValidationError("Query condition missed key schema element")


# -- updates -------------------------------------------------------------------------------


class _Node:
    __slots__ = ("children", "end")

    def __init__(self) -> None:
        self.children: dict[str | int, _Node] = {}
        self.end = False  # a path written/projected ends here


class _PathSet:
    """Paths written (or projected) so far, checked for overlap as DynamoDB checks them.

    A trie, so each insertion costs its path's length. For "path two" DynamoDB
    prints not the path the new one clashes with but one found by taking, from
    the trie level where the clash shows, the last entry of a Java HashMap (and
    so on down): `_java_order` reproduces that order.
    """

    __slots__ = ("root", "what")

    def __init__(self, what: str):
        self.root = _Node()
        self.what = what

    def add(self, path: Path) -> None:
        node = self.root
        last = len(path.elements) - 1
        for i, e in enumerate(path.elements):
            child = node.children.get(e)
            if child is None:
                if any(type(k) is not type(e) for k in node.children):
                    self._clash("conflict", path, i, node)
                child = node.children[e] = _Node()
            elif child.end or i == last:
                self._clash("overlap", path, i, node)
            node = child
        node.end = True

    def _clash(self, kind: str, path: Path, level: int, node: _Node) -> None:
        other: list[str | int] = list(path.elements[:level])
        while True:
            key = _java_order(list(node.children))[-1]
            other.append(key)
            node = node.children[key]
            if node.end or not node.children:
                break
        raise _fail(
            self.what,
            f"Two document paths {kind} with each other; must remove or rewrite one of these paths; "
            f"path one: [{_fmt_path(path)}], path two: [{_fmt_path(Path(tuple(other)))}]",
        )


def _java_hash(key: str | int) -> int:
    if isinstance(key, int):
        return key & 0xFFFFFFFF
    h = 0
    data = key.encode("utf-16-be")
    for i in range(0, len(data), 2):
        h = (31 * h + (data[i] << 8 | data[i + 1])) & 0xFFFFFFFF
    return h


def _java_order(keys: list[str | int]) -> list[str | int]:
    """Keys in the order a java.util.HashMap holding them (inserted in this order) iterates."""
    capacity = 16
    while len(keys) > capacity * 3 // 4:
        capacity *= 2

    def bucket(k: str | int) -> int:
        h = _java_hash(k)
        return (h ^ (h >> 16)) & (capacity - 1)

    return sorted(keys, key=bucket)  # stable: insertion order within a bucket


def parse_update(
    text: str,
    names: Mapping[str, str] | Substitutions | None = None,
    values: Mapping[str, Any] | None = None,
    *,
    key_names: tuple[str, ...] | list[str] | frozenset[str] | set[str] = (),
) -> list[Action]:
    """An ``UpdateExpression`` -> its actions, in the order written.

    ``key_names`` (the table's key attributes), when given, are refused as
    targets, as DynamoDB refuses them.
    """
    what = "UpdateExpression"
    subs, alone = _subs(names, values)
    p = _start(text, what)
    nodes: list[_ActionNode] = p.run(p.whole_update())
    _check_words(p, list(nodes), update=True)
    seen_sections: set[str] = set()
    for section in p.sections:
        if section in seen_sections:
            raise _fail(what, f'The "{section}" section can only be used once in an update expression;')
        seen_sections.add(section)
    r = _Resolver(p, subs)
    written = _PathSet(what)
    targets: dict[int, Path] = {}
    for a in reversed(nodes):
        path = r.path(a.path)
        written.add(path)
        targets[id(a)] = path
    # DynamoDB resolves the actions' values last to first, too.
    resolved = {id(a): _resolve_action(r, a, targets[id(a)]) for a in reversed(nodes)}
    actions = [resolved[id(a)] for a in nodes]
    if alone:
        subs.check_all_used()  # before the key attributes, as DynamoDB checks them
    keys = set(key_names)
    for action in actions:
        if action.path.name in keys:
            raise ValidationError(
                f"One or more parameter values were invalid: Cannot update attribute {action.path.name}. "
                "This attribute is part of the key"
            )
    return actions


def _resolve_action(r: _Resolver, a: _ActionNode, path: Path) -> Action:
    if a.section == "REMOVE":
        return RemoveAction(path)
    if a.section == "SET":
        return SetAction(path, _resolve_update_value(r, a.value))
    value = r.value(a.value)
    kind = type_of(value.value)
    allowed = ("N", "SS", "NS", "BS") if a.section == "ADD" else ("SS", "NS", "BS")
    if kind not in allowed:
        raise r.fail(
            f"Incorrect operand type for operator or function; operator: {a.section}, operand type: "
            f"{_LONG_TYPE[kind]}, typeSet: ALLOWED_FOR_{a.section}_OPERAND"
        )
    return AddAction(path, _plain(value)) if a.section == "ADD" else DeleteAction(path, _plain(value))


def _resolve_update_value(r: _Resolver, root: Any) -> UpdateValue:
    return _plain(_build(r, root, _update_function, _update_op))  # type: ignore[no-any-return]


def _update_function(r: _Resolver, name: str, args: list[Any]) -> UpdateValue:
    _check_arity(r, name, args, _UPDATE_FUNCTIONS[name])
    if name == "if_not_exists":
        if not isinstance(args[0], Path):
            raise r.fail("Operator or function requires a document path; operator or function: if_not_exists")
        _check_distinct(r, args[0], [args[1]], "if_not_exists")
        return IfNotExists(args[0], _plain(args[1]))
    _check_literal_types(r, args, ("L",), "list_append")
    return ListAppend(_plain(args[0]), _plain(args[1]))


def _update_op(r: _Resolver, op: str, args: list[Any]) -> UpdateValue:
    _check_literal_types(r, args, ("N",), op)
    return Arithmetic(op, _plain(args[0]), _plain(args[1]))


def _check_literal_types(r: _Resolver, args: list[Any], allowed: tuple[str, ...], op: str) -> None:
    for a in args:
        if isinstance(a, Value) and type_of(a.value) not in allowed:
            raise r.fail(
                f"Incorrect operand type for operator or function; operator or function: {op}, "
                f"operand type: {type_of(a.value)}"
            )


# -- projections -----------------------------------------------------------------------------


def parse_projection(text: str, names: Mapping[str, str] | Substitutions | None = None) -> tuple[Path, ...]:
    """A ``ProjectionExpression`` -> its document paths, in the order written."""
    what = "ProjectionExpression"
    subs, alone = _subs(names, None)
    p = _start(text, what)
    nodes = p.whole_projection()
    _check_words(p, list(nodes), update=False)
    r = _Resolver(p, subs)
    seen = _PathSet(what)
    paths: list[Path] = []
    for node in reversed(nodes):
        path = r.path(node)
        seen.add(path)
        paths.append(path)
    if alone:
        subs.check_all_used()
    return tuple(reversed(paths))


# -- query filters ----------------------------------------------------------------------------


def check_filter_keys(cond: Condition, key_names: tuple[str, ...] | list[str] | frozenset[str] | set[str]) -> None:
    """A Query's ``FilterExpression`` may not test the key attributes it queries by.

    ``key_names`` are the partition and sort key of the table or index queried
    (Scan filters may use them freely). Nested names (``x.pk``) are fine.
    """
    keys = set(key_names)
    for path in _paths_of(cond):
        if path.name in keys:
            raise ValidationError(
                f"Filter Expression can only contain non-primary key attributes: Primary key attribute: {path.name}"
            )
