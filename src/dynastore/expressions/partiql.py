"""DynamoDB's PartiQL subset -> statements over the expression tree (`tree.py`).

What ``dynastore endpoint`` runs for ExecuteStatement, BatchExecuteStatement
and ExecuteTransaction. DynamoDB supports five statement shapes::

    SELECT * | path, ... FROM "table"[."index"] [WHERE cond] [ORDER BY key [ASC|DESC]]
    INSERT INTO "table" VALUE {'pk': 'a', ...}
    UPDATE "table" SET path = value | REMOVE path ... WHERE cond [RETURNING ALL|MODIFIED OLD|NEW *]
    DELETE FROM "table" WHERE cond [RETURNING ALL OLD *]
    EXISTS(SELECT * FROM "table" WHERE cond)        -- in transactions only

Conditions become the tree's `Condition` nodes, so they evaluate exactly as
ConditionExpressions do; ``?`` takes the next of the request's ``Parameters``
(AttributeValues). Deciding what a WHERE means (a key, a Query, a Scan) is
the endpoint's (`dynastore.endpoint.partiql`): it needs the table's schema.

Parsing is linear and never recurses in Python: as in `parse.py`, the rules are
generators driven by an explicit stack (`parse.run_rules`), so deeply nested
parentheses, lists or maps cost list entries, not a RecursionError.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Union

from ..codec import deserialize_checked, normalize, normalize_number, type_of
from ..errors import ValidationError
from ..limits import MAX_NESTING_LEVELS
from .parse import _Rule, run_rules
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

__all__ = ["Delete", "ExistsCheck", "Insert", "MAX_STATEMENT_LENGTH", "Select", "Statement", "Update",
           "output_name", "parse_statement"]

#: DynamoDB's limit on a statement's length, in characters
MAX_STATEMENT_LENGTH = 8192
#: as in ConditionExpressions
MAX_OPERATORS = 300

Returning = Literal["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"]


@dataclass(frozen=True, slots=True)
class Select:
    table: str
    index: str | None
    #: None for ``*``
    projection: tuple[Path, ...] | None
    where: Condition | None
    #: ``ORDER BY`` key name and whether descending
    order: tuple[str, bool] | None = None


@dataclass(frozen=True, slots=True)
class Insert:
    table: str
    item: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Update:
    table: str
    actions: tuple[Action, ...]
    where: Condition
    returning: Returning = "NONE"


@dataclass(frozen=True, slots=True)
class Delete:
    table: str
    where: Condition
    returning: Returning = "NONE"


@dataclass(frozen=True, slots=True)
class ExistsCheck:
    """``EXISTS(SELECT ...)``: a transaction's condition check."""

    select: Select


Statement = Union[Select, Insert, Update, Delete, ExistsCheck]

_TOKEN = re.compile(
    r"(?P<ws>\s+)"
    r"|(?P<str>'(?:[^']|'')*')"
    r"|(?P<qid>\"(?:[^\"]|\"\")*\")"
    r"|(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_$]*)"
    r"|(?P<op><<|>>|<>|!=|<=|>=|[=<>()\[\]{},.:;?*+\-])"
    r"|(?P<bad>.)",
    re.S,
)


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # ws str qid num name op bad eof
    text: str
    start: int = 0


_COMPARATORS = {"=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_RETURNING: dict[tuple[str, str], Returning] = {
    ("ALL", "OLD"): "ALL_OLD", ("MODIFIED", "OLD"): "UPDATED_OLD",
    ("ALL", "NEW"): "ALL_NEW", ("MODIFIED", "NEW"): "UPDATED_NEW",
}
_TYPE_NAMES = frozenset({"S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS"})


class _SetOp:
    """``set_add(path, <<...>>)`` / ``set_delete(...)`` on the right of a SET: an ADD / DELETE action."""

    __slots__ = ("add", "path", "value")

    def __init__(self, add: bool, path: Path, value: Any):
        self.add, self.path, self.value = add, path, value


class _Parser:
    def __init__(self, text: str, parameters: Sequence[Any]):
        self.text = text
        self.toks = [_Tok(m.lastgroup or "bad", m.group(), m.start()) for m in _TOKEN.finditer(text)
                     if m.lastgroup != "ws"]
        if self.toks and self.toks[-1] == _Tok("op", ";", self.toks[-1].start):
            self.toks.pop()  # a statement may end with a semicolon
        self.toks.append(_Tok("eof", "", len(text)))
        self.i = 0
        self.params = parameters
        self.used = 0
        self.depth = 0  # of the literal being read: DynamoDB's documents nest at most 32 levels
        self.operators = 0
        self.steps = 0  # rule resumptions, for the tests' proof of linear work

    # -- tokens
    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def at(self, text: str) -> bool:
        t = self.toks[self.i]
        return t.kind == "op" and t.text == text

    def at_kw(self, *words: str) -> bool:
        t = self.toks[self.i]
        return t.kind == "name" and t.text.upper() in words

    def at_call(self) -> bool:
        """At ``name(``."""
        nxt = self.toks[self.i + 1] if self.tok.kind == "name" else None
        return nxt is not None and nxt.kind == "op" and nxt.text == "("

    def where_is(self, t: _Tok) -> str:
        """PartiQL's position of a token: line:column:length."""
        line = self.text.count("\n", 0, t.start) + 1
        column = t.start - (self.text.rfind("\n", 0, t.start) + 1) + 1
        return f"{line}:{column}:{len(t.text)}"

    def expect(self, text: str) -> None:
        if not self.at(text):
            raise self.malformed()
        self.i += 1

    def expect_kw(self, word: str) -> None:
        if not self.at_kw(word):
            raise self.malformed()
        self.i += 1

    def malformed(self) -> ValidationError:
        return ValidationError(f"Statement wasn't well formed, can't be processed: {self.text}")

    # -- names, paths, values
    def identifier(self) -> str:
        t = self.take()
        if t.kind == "name":
            return t.text
        if t.kind == "qid" and len(t.text) > 2:
            return t.text[1:-1].replace('""', '"')
        raise self.malformed()

    def path(self) -> Path:
        elements: list[str | int] = [self.identifier()]
        while True:
            if self.at("."):
                self.take()
                elements.append(self.identifier())
            elif self.at("["):
                self.take()
                t = self.take()
                if t.kind == "num" and t.text.isdigit():
                    elements.append(int(t.text))
                elif t.kind == "str":
                    elements.append(_string(t))
                else:
                    raise self.malformed()
                self.expect("]")
            else:
                return Path(tuple(elements))

    def parameter(self) -> Any:
        if self.used >= len(self.params):
            raise ValidationError("Number of parameters in request and statement don't match.")
        av = self.params[self.used]
        self.used += 1
        return deserialize_checked(av)

    def at_value(self) -> bool:
        t = self.tok
        return (t.kind in ("str", "num") or (t.kind == "op" and t.text in ("?", "[", "{", "<<", "-"))
                or self.at_kw("TRUE", "FALSE", "NULL", "MISSING"))

    def value(self) -> _Rule:
        """A literal (or ``?``): its canonical value; MISSING for ``MISSING``."""
        t = self.take()
        if t.kind == "str":
            return _string(t)
        if t.kind == "num":
            return _number(t.text)
        if t.kind == "op":
            if t.text == "-" and self.tok.kind == "num":
                return _number("-" + self.take().text)
            if t.text == "?":
                return self.parameter()
            if t.text in ("[", "<<", "{"):
                self.depth += 1
                if self.depth > MAX_NESTING_LEVELS:
                    raise ValidationError("Nesting Levels have exceeded supported limits: "
                                          "Attributes in the item have nested levels beyond supported limit")
                collection = yield (self.map() if t.text == "{" else self.sequence(t))
                self.depth -= 1
                return collection
        if t.kind == "name":
            word = t.text.upper()
            if word in ("TRUE", "FALSE"):
                return word == "TRUE"
            if word == "NULL":
                return None
            if word == "MISSING":
                return _MISSING
        raise self.malformed()

    def map(self) -> _Rule:
        """The rest of a ``{'name': value, ...}`` literal."""
        out: dict[str, Any] = {}
        while not self.at("}"):
            if out:
                self.expect(",")
            key = self.take()
            if key.kind != "str":
                raise self.malformed()
            if _string(key) in out:
                raise ValidationError(f"Duplicate keys in tuple. Key: {_string(key)} under root at {self.where_is(key)}")
            self.expect(":")
            at = self.tok
            v = yield self.value()
            if v is _MISSING:
                raise ValidationError(f"Unsupported data type: MISSING under key root at {self.where_is(at)}")
            out[_string(key)] = v
        self.take()
        return out

    def sequence(self, opening: _Tok) -> _Rule:
        """The rest of a ``[list]`` or ``<<set>>`` literal."""
        close = "]" if opening.text == "[" else ">>"
        elements = []
        if not self.at(close):
            elements.append((yield self.value()))
            while self.at(","):
                self.take()
                elements.append((yield self.value()))
        self.expect(close)
        if any(e is _MISSING for e in elements):
            raise ValidationError("Unsupported data type: MISSING")
        if close == "]":
            return elements
        if not elements:
            raise ValidationError(f"Empty bags are not supported at {self.where_is(opening)}")
        kinds = {type_of(e) for e in elements}
        if not (kinds == {"S"} or kinds == {"N"}):
            raise ValidationError("Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags")
        return normalize(set(elements))

    def operand(self) -> _Rule:
        """path | literal | ?  | size(path), not followed by arithmetic (DynamoDB has none in conditions)."""
        o = yield self.term()
        if self.tok.kind == "op" and self.tok.text in ("+", "-"):
            raise ValidationError(f"Unsupported operator in Condition Expression. Operator: {self.tok.text}")
        return o

    def term(self) -> _Rule:
        if self.at_value():
            v = yield self.value()
            if v is _MISSING:
                raise self.malformed()
            return Value(v)
        if self.at_kw("SIZE") and self.at_call():
            self.i += 2
            p = self.path()
            self.expect(")")
            return Size(p)
        return self.path()

    # -- conditions
    def condition(self) -> _Rule:
        left = yield self.conjunction()
        while self.at_kw("OR"):
            self.take()
            left = Or(left, (yield self.conjunction()))
            self.counted()
        return left

    def conjunction(self) -> _Rule:
        left = yield self.negation()
        while self.at_kw("AND"):
            self.take()
            left = And(left, (yield self.negation()))
            self.counted()
        return left

    def negation(self) -> _Rule:
        if self.at_kw("NOT"):
            self.take()
            inner = yield self.negation()
            self.counted()
            return Not(inner)
        return (yield self.predicate())

    def counted(self) -> None:
        """One more operator: DynamoDB takes at most 300 in a condition (and nesting stays shallow)."""
        self.operators += 1
        if self.operators > MAX_OPERATORS:
            raise ValidationError(f"Statement has too many operators; the limit is {MAX_OPERATORS}")

    def predicate(self) -> _Rule:
        if self.at("("):
            self.take()
            inner = yield self.condition()
            self.expect(")")
            return inner
        function = self.function()
        if function is not None:
            return (yield function)
        left = yield self.operand()
        t = self.tok
        if t.kind == "op" and t.text in _COMPARATORS:
            self.take()
            return Compare(_COMPARATORS[t.text], left, (yield self.operand()))
        if self.at_kw("BETWEEN"):
            self.take()
            low = yield self.operand()
            self.expect_kw("AND")
            return Between(left, low, (yield self.operand()))
        if self.at_kw("IN"):
            self.take()
            close = "]" if self.at("[") else ")"
            self.expect("[" if close == "]" else "(")
            options = [(yield self.operand())]
            while self.at(","):
                self.take()
                options.append((yield self.operand()))
            self.expect(close)
            return In(left, tuple(options))
        if self.at_kw("IS"):
            self.take()
            negated = self.at_kw("NOT")
            if negated:
                self.take()
            if not isinstance(left, Path) or not self.at_kw("MISSING", "NULL"):
                raise self.malformed()
            test: Condition = NotExists(left) if self.take().text.upper() == "MISSING" else AttributeType(
                left, Value("NULL"))
            return Not(test) if negated else test
        raise self.malformed()

    def function(self) -> _Rule | None:
        """A condition function call, or None when the tokens are not one."""
        if self.tok.kind != "name" or not self.at_call():
            return None
        name = self.tok.text.lower()
        if name not in ("begins_with", "attribute_exists", "attribute_not_exists", "attribute_type", "contains"):
            return None
        return self._call(name)

    def _call(self, name: str) -> _Rule:
        self.i += 2
        p = self.path()
        if name in ("attribute_exists", "attribute_not_exists"):
            self.expect(")")
            return Exists(p) if name == "attribute_exists" else NotExists(p)
        self.expect(",")
        arg = yield self.operand()
        self.expect(")")
        if name == "attribute_type":
            if not isinstance(arg, Value) or arg.value not in _TYPE_NAMES:
                raise ValidationError(f"Invalid attribute type name found; type: {getattr(arg, 'value', arg)}, "
                                      "valid types: {N,BS,L,B,NULL,M,S,SS,NS,BOOL}")
            return AttributeType(p, arg)
        return BeginsWith(p, arg) if name == "begins_with" else Contains(p, arg)

    def where(self) -> _Rule:
        self.expect_kw("WHERE")
        return (yield self.condition())

    # -- statements
    def statement(self) -> _Rule:
        if self.at_kw("SELECT"):
            return (yield self.select())
        if self.at_kw("EXISTS"):
            self.take()
            self.expect("(")
            select = yield self.select()
            self.expect(")")
            return ExistsCheck(select)
        if self.at_kw("INSERT"):
            self.take()
            self.expect_kw("INTO")
            table = self.identifier()
            self.expect_kw("VALUE")
            if not self.at("{"):
                raise self.malformed()
            return Insert(table, (yield self.value()))
        if self.at_kw("UPDATE"):
            return (yield self.update())
        if self.at_kw("DELETE"):
            self.take()
            self.expect_kw("FROM")
            table = self.identifier()
            where = yield self.where()
            at = self.i
            returning = self.returning()
            if returning not in ("NONE", "ALL_OLD"):
                clause = " ".join(t.text for t in self.toks[at:self.i])
                raise ValidationError(f"Invalid returning clause: {clause}. Only RETURNING ALL OLD * is allowed in "
                                      "DELETE statements.")
            return Delete(table, where, returning)
        if self.tok.kind == "name" and self.toks[self.i + 1].kind == "eof":
            raise ValidationError("Unsupported operation: VariableReference")  # sic: PartiQL's words for "x"
        raise self.malformed()

    def select(self) -> _Rule:
        self.expect_kw("SELECT")
        projection: tuple[Path, ...] | None = None
        if self.at("*"):
            self.take()
        else:
            paths = [self.path()]
            while self.at(","):
                self.take()
                paths.append(self.path())
            projection = tuple(paths)
            names = [output_name(p) for p in paths]
            for i, n in enumerate(names):
                if n in names[:i]:
                    raise ValidationError(f"Duplicate identifiers in select clause: {n}")
        self.expect_kw("FROM")
        table = self.identifier()
        index = None
        if self.at("."):
            self.take()
            index = self.identifier()
        where = (yield self.where()) if self.at_kw("WHERE") else None
        order = None
        if self.at_kw("ORDER"):
            self.take()
            self.expect_kw("BY")
            key = self.path()
            descending = self.at_kw("DESC")
            if descending or self.at_kw("ASC"):
                self.take()
            if where is None:
                raise ValidationError("Must have WHERE clause in the statement when using ORDER BY clause.")
            if len(key.elements) != 1:
                raise ValidationError(f"Variable reference {key} in ORDER BY clause must be part of the primary key")
            order = (key.name, descending)
        return Select(table, index, projection, where, order)

    def update(self) -> _Rule:
        self.expect_kw("UPDATE")
        table = self.identifier()
        actions: list[Action] = []
        while self.at_kw("SET", "REMOVE"):
            section = self.take().text.upper()
            while True:
                target = self.path()
                if section == "REMOVE":
                    actions.append(RemoveAction(target))
                else:
                    self.expect("=")
                    actions.append(_set_action(target, (yield self.update_value())))
                if not self.at(","):
                    break
                self.take()
        if not actions:
            raise self.malformed()
        where = yield self.where()
        return Update(table, tuple(actions), where, self.returning())

    def update_value(self) -> _Rule:
        left = yield self.update_term()
        while self.tok.kind == "op" and self.tok.text in ("+", "-"):
            op = self.take().text
            right = yield self.update_term()
            if isinstance(left, _SetOp) or isinstance(right, _SetOp):
                raise self.malformed()
            for side in (left, right):
                if isinstance(side, Value) and type_of(side.value) != "N":
                    raise ValidationError("Incorrect operand type for operator or function; operator or function: "
                                          f"{op}, operand type: {type_of(side.value)}")
            left = Arithmetic(op, left, right)
        return left

    def update_term(self) -> _Rule:
        if self.at("("):
            self.take()
            inner = yield self.update_value()
            self.expect(")")
            return inner
        if self.tok.kind == "name" and self.at_call():
            name = self.tok.text.lower()
            if name in ("list_append", "set_add", "set_delete"):
                self.i += 2
                first = yield self.update_value()
                self.expect(",")
                second = yield self.update_value()
                self.expect(")")
                if name == "list_append":
                    return ListAppend(first, second)
                if not isinstance(first, Path) or not isinstance(second, Value):
                    raise ValidationError(f"{name} takes an attribute path and a set")
                return _SetOp(name == "set_add", first, second)
        if self.at_value():
            v = yield self.value()
            if v is _MISSING:
                raise ValidationError("Unsupported data type: MISSING")
            return Value(v)
        return self.path()

    def returning(self) -> Returning:
        if not self.at_kw("RETURNING"):
            return "NONE"
        self.take()
        which, when = self.take().text.upper(), self.take().text.upper()
        self.expect("*")
        if (which, when) not in _RETURNING:
            raise self.malformed()
        return _RETURNING[(which, when)]

    def whole(self) -> _Rule:
        s = yield self.statement()
        if self.tok.kind != "eof":
            raise self.malformed()
        return s


def _set_action(target: Path, value: Any) -> Action:
    if isinstance(value, _SetOp):
        if value.path != target:
            raise ValidationError(f"set_add and set_delete must update the attribute they read: {target}")
        return AddAction(target, value.value) if value.add else DeleteAction(target, value.value)
    return SetAction(target, value)


class _Missing:
    __slots__ = ()


_MISSING: Any = _Missing()


def output_name(p: Path) -> str:
    """The name a SELECT answers ``p`` under: from its last attribute name on (``m.c`` -> ``c``, ``l[0]``)."""
    last = max(i for i, e in enumerate(p.elements) if isinstance(e, str))
    return str(Path(p.elements[last:]))


def _string(t: _Tok) -> str:
    return t.text[1:-1].replace("''", "'")


def _number(text: str) -> Any:
    try:
        return normalize_number(Decimal(text))
    except InvalidOperation:
        raise ValidationError(f"Statement has an invalid number: {text}") from None


def count_parameters(text: str) -> int:
    """How many ``?`` placeholders ``text`` holds (outside strings and quoted names)."""
    return sum(1 for m in _TOKEN.finditer(text) if m.lastgroup == "op" and m.group() == "?")


def parse_statement(text: str, parameters: Sequence[Any] | None = None) -> Statement:
    """One PartiQL statement, with ``parameters`` (DynamoDB AttributeValues) in place of its ``?``.

    ValidationError with DynamoDB's words: ``Statement wasn't well formed, can't be processed: ...``
    for syntax, ``Number of parameters in request and statement don't match.`` when too few are given.
    """
    if len(text) > MAX_STATEMENT_LENGTH:
        raise ValidationError(f"Member must have length less than or equal to {MAX_STATEMENT_LENGTH}")
    params = list(parameters or ())
    if count_parameters(text) > len(params):
        raise ValidationError("Number of parameters in request and statement don't match.")
    p = _Parser(text, params)
    if p.tok.kind == "eof":
        raise p.malformed()
    statement, p.steps = run_rules(p.whole())
    return statement  # type: ignore[no-any-return]

