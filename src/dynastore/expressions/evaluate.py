"""Evaluating the expression tree on canonical items (the embedded engine's half).

The semantics here are DynamoDB's, checked by the conformance suite against
DynamoDB Local: comparisons across types are false rather than errors, a
missing attribute makes ``=`` false and ``<>`` true, SET right-hand sides read
the item as it was before the update, and so on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal, localcontext
from typing import Any, cast

from ..codec import normalize_number, set_kind, type_of, values_equal
from ..errors import ValidationError
from .tree import (
    MISSING,
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

_ORDERED = (int, Decimal, str, bytes)

_INVALID_PATH = "The document path provided in the update expression is invalid for update"
BAD_OPERAND = "An operand in the update expression has an incorrect data type"
_NO_ATTRIBUTE = "The provided expression refers to an attribute that does not exist in the item"


def resolve(item: dict[str, Any], path: Path) -> Any:
    """Value at ``path`` in ``item``, or MISSING."""
    elements = path.elements
    cur: Any = item.get(elements[0], MISSING)  # type: ignore[arg-type]
    for e in elements[1:]:
        if cur is MISSING:
            return MISSING
        if type(e) is int:
            if type(cur) is not list or e >= len(cur):
                return MISSING
            cur = cur[e]
        else:
            if type(cur) is not dict:
                return MISSING
            cur = cur.get(e, MISSING)
    return cur


def _operand(o: Any, item: dict[str, Any]) -> Any:
    t = type(o)
    if t is Value:
        return o.value
    if t is Path:
        if len(o.elements) == 1:
            return item.get(o.elements[0], MISSING)
        return resolve(item, o)
    if t is Size:
        return _size(_operand(o.path, item))
    raise ValidationError(f"not an operand: {o!r:.60}")


def _size(v: Any) -> Any:
    t = type(v)
    if t is str:
        # DynamoDB (Local, which is Java) counts UTF-16 code units
        return len(v) if v.isascii() else len(v.encode("utf-16-le")) // 2
    if t in (bytes, list, dict, set):
        return len(v)
    return MISSING


def _ordered_pair(a: Any, b: Any) -> bool:
    ta, tb = type(a), type(b)
    if ta is tb:
        return ta in _ORDERED
    return ta in (int, Decimal) and tb in (int, Decimal)


def evaluate(c: Condition, item: dict[str, Any]) -> bool:
    """Does ``item`` satisfy ``c``? (An absent item is evaluated as ``{}``.)"""
    # Exact-type dispatch is the fast path; mypy does not narrow on `t is X`, so
    # each branch binds the node to a typed local through `node` (an Any alias,
    # which costs nothing at run time, unlike cast() or isinstance()).
    t = type(c)
    node: Any = c
    if t is Compare:
        cmp: Compare = node
        left = _operand(cmp.left, item)
        right = _operand(cmp.right, item)
        op = cmp.op
        if op == "=":
            return left is not MISSING and right is not MISSING and values_equal(left, right)
        if op == "<>":
            return left is MISSING or right is MISSING or not values_equal(left, right)
        if left is MISSING or right is MISSING or not _ordered_pair(left, right):
            return False
        if op == "<":
            return bool(left < right)
        if op == "<=":
            return bool(left <= right)
        if op == ">":
            return bool(left > right)
        return bool(left >= right)
    if t is And:
        conj: And = node
        return evaluate(conj.left, item) and evaluate(conj.right, item)
    if t is Or:
        disj: Or = node
        return evaluate(disj.left, item) or evaluate(disj.right, item)
    if t is Not:
        neg: Not = node
        return not evaluate(neg.condition, item)
    if t is Exists:
        ex: Exists = node
        return resolve(item, ex.path) is not MISSING
    if t is NotExists:
        nex: NotExists = node
        return resolve(item, nex.path) is MISSING
    if t is Between:
        btw: Between = node
        v = _operand(btw.operand, item)
        lo = _operand(btw.low, item)
        hi = _operand(btw.high, item)
        if MISSING in (v, lo, hi) or not (_ordered_pair(v, lo) and _ordered_pair(v, hi)):
            return False
        return bool(lo <= v <= hi)
    if t is In:
        inn: In = node
        v = _operand(inn.operand, item)
        if v is MISSING:
            return False
        return any(values_equal(v, o) for o in (_operand(x, item) for x in inn.options) if o is not MISSING)
    if t is BeginsWith:
        bw: BeginsWith = node
        v = _operand(bw.path, item)
        p = _operand(bw.prefix, item)
        tv = type(v)
        if tv is type(p) and tv in (str, bytes):
            return bool(v.startswith(p))
        return False
    if t is Contains:
        cnt: Contains = node
        v = _operand(cnt.path, item)
        x = _operand(cnt.operand, item)
        if v is MISSING or x is MISSING:
            return False
        tv = type(v)
        if tv is str or tv is bytes:
            return type(x) is tv and x in v
        if tv is set:
            kind = type_of(v)
            return set_kind(x) == kind and x in v
        if tv is list:
            return any(values_equal(e, x) for e in v)
        return False
    if t is AttributeType:
        at: AttributeType = node
        v = _operand(at.path, item)
        want = _operand(at.type, item)
        return v is not MISSING and type_of(v) == want
    raise ValidationError(f"not a condition: {c!r:.60}")


# -- projections ---------------------------------------------------------------


def project(item: dict[str, Any], paths: Sequence[Path]) -> dict[str, Any]:
    """The parts of ``item`` named by ``paths`` (list elements keep their order, compacted)."""
    out: dict[str, Any] = {}
    nested = False
    for p in paths:
        elements = p.elements
        if len(elements) == 1:
            name = elements[0]
            if name in item:
                out[name] = item[name]  # type: ignore[index]
            continue
        v = resolve(item, p)
        if v is MISSING:
            continue
        _graft(out, item, elements, v)
        nested = True
    return _compact(out) if nested else out


def _graft(out: dict[str, Any], src: dict[str, Any], elements: tuple[str | int, ...], value: Any) -> None:
    # Walk source and destination together, creating containers in the output
    # as needed. List elements are collected by source index and compacted at
    # the end (DynamoDB returns the projected elements in index order).
    dst: Any = out
    cur: Any = src
    for i, e in enumerate(elements):
        last = i == len(elements) - 1
        nxt = value if last else (cur[e] if type(e) is int else cur[e])
        if type(dst) is _Sparse:
            # A _Sparse stands for a list: it is made when the next element is
            # an index, and every projected path through it resolved, so it
            # indexes a list there too.
            idx = cast(int, e)
            if last:
                dst.slots[idx] = nxt
            else:
                child = dst.slots.get(idx)
                if child is None:
                    child = _Sparse() if type(elements[i + 1]) is int else {}
                    dst.slots[idx] = child
                dst = child
        else:
            if last:
                dst[e] = nxt
            else:
                child = dst.get(e)
                if child is None:
                    child = _Sparse() if type(elements[i + 1]) is int else {}
                    dst[e] = child
                dst = child
        cur = nxt


class _Sparse:
    __slots__ = ("slots",)

    def __init__(self) -> None:
        self.slots: dict[int, Any] = {}


def _compact(v: Any) -> Any:
    if type(v) is dict:
        for k, x in v.items():
            if type(x) in (dict, _Sparse):
                v[k] = _compact(x)
        return v
    if type(v) is _Sparse:
        return [_compact(v.slots[k]) for k in sorted(v.slots)]
    return v


def check_paths_disjoint(paths: Iterable[Path]) -> None:
    seen: list[Path] = []
    for p in paths:
        for q in seen:
            if p.overlaps(q):
                raise ValidationError(
                    "Two document paths overlap with each other; must remove or rewrite one of these paths; "
                    f"path one: [{_fmt(q)}], path two: [{_fmt(p)}]"
                )
        seen.append(p)


def _fmt(p: Path) -> str:
    return ", ".join(f"[{e}]" if isinstance(e, int) else e for e in p.elements)


# -- updates -------------------------------------------------------------------


def _clone(v: Any) -> Any:
    t = type(v)
    if t is dict:
        return {k: _clone(x) for k, x in v.items()}
    if t is list:
        return [_clone(x) for x in v]
    if t is set:
        return set(v)
    return v


def _update_value(v: UpdateValue, item: dict[str, Any]) -> Any:
    t = type(v)
    node: Any = v  # typed locals per branch, as in evaluate()
    if t is Value:
        val: Value = node
        return val.value
    if t is Path:
        x = resolve(item, node)
        if x is MISSING:
            raise ValidationError(_NO_ATTRIBUTE)
        return x
    if t is IfNotExists:
        ine: IfNotExists = node
        x = resolve(item, ine.path)
        return _update_value(ine.default, item) if x is MISSING else x
    if t is ListAppend:
        la: ListAppend = node
        left = _update_value(la.left, item)
        right = _update_value(la.right, item)
        if type(left) is not list or type(right) is not list:
            raise ValidationError(BAD_OPERAND)
        return left + right
    if t is Arithmetic:
        ar: Arithmetic = node
        left = _update_value(ar.left, item)
        right = _update_value(ar.right, item)
        if type(left) not in (int, Decimal) or type(right) not in (int, Decimal):
            raise ValidationError(BAD_OPERAND)
        if type(left) is int and type(right) is int:
            result: Any = left + right if ar.op == "+" else left - right
        else:
            with localcontext() as ctx:
                ctx.prec = 80
                result = Decimal(left) + Decimal(right) if ar.op == "+" else Decimal(left) - Decimal(right)
        return normalize_number(result)
    raise ValidationError(f"not an update value: {v!r:.60}")


def _parent(item: dict[str, Any], path: Path) -> tuple[Any, str | int] | None:
    """The container holding the path's last element, or None when a parent is missing."""
    cur: Any = item
    elements = path.elements
    for e in elements[:-1]:
        if type(e) is int:
            if type(cur) is not list or e >= len(cur):
                return None
            cur = cur[e]
        else:
            if type(cur) is not dict or e not in cur:
                return None
            cur = cur[e]
    last = elements[-1]
    if type(last) is int:
        if type(cur) is not list:
            return None
    elif type(cur) is not dict:
        return None
    return cur, last


def update_paths(actions: Sequence[Action]) -> list[Path]:
    return [a.path for a in actions]


def validate_update(actions: Sequence[Action], key_names: Iterable[str]) -> None:
    """Static checks DynamoDB makes before looking at the item."""
    if not actions:
        raise ValidationError("an update needs at least one action")
    keys = set(key_names)
    for a in actions:
        if a.path.name in keys:
            raise ValidationError(
                f"One or more parameter values were invalid: Cannot update attribute {a.path.name}. "
                "This attribute is part of the key"
            )
        if type(a) is AddAction:
            kind = type_of(a.value.value)
            if kind not in ("N", "SS", "NS", "BS"):
                raise ValidationError(
                    "Invalid UpdateExpression: Incorrect operand type for operator or function; "
                    f"operator: ADD, operand type: {type_word(kind)}"
                )
        elif type(a) is DeleteAction:
            kind = type_of(a.value.value)
            if kind not in ("SS", "NS", "BS"):
                raise ValidationError(
                    "Invalid UpdateExpression: Incorrect operand type for operator or function; "
                    f"operator: DELETE, operand type: {type_word(kind)}"
                )
    check_paths_disjoint(update_paths(actions))


_TYPE_WORDS = {
    "S": "STRING", "N": "NUMBER", "B": "BINARY", "BOOL": "BOOLEAN", "NULL": "NULL", "L": "LIST",
    "M": "MAP", "SS": "STRING SET", "NS": "NUMBER SET", "BS": "BINARY SET",
}


def type_word(kind: str) -> str:
    """The word DynamoDB's refusals name a type with (``SS`` -> ``STRING SET``)."""
    return _TYPE_WORDS.get(kind, kind)


def apply_update(item: dict[str, Any], actions: Sequence[Action]) -> dict[str, Any]:
    """The item after ``actions`` (``item`` is left untouched). Call validate_update first."""
    # Right-hand sides read the item as it was, so compute them all first.
    computed: list[tuple[Action, Any]] = []
    for a in actions:
        computed.append((a, _update_value(a.value, item) if type(a) is SetAction else None))
    new = dict(item)
    for name in {a.path.name for a in actions}:
        if name in new:
            new[name] = _clone(new[name])
    removes: list[RemoveAction] = []
    for a, value in computed:
        ta = type(a)
        action: Any = a  # typed locals per branch, as in evaluate()
        if ta is SetAction:
            loc = _parent(new, a.path)
            if loc is None:
                raise ValidationError(_INVALID_PATH)
            container, last = loc
            if type(last) is int:
                if last < len(container):
                    container[last] = value
                else:
                    container.append(value)
            else:
                container[last] = value
        elif ta is RemoveAction:
            removes.append(action)
        elif ta is AddAction:
            _add(new, action)
        elif ta is DeleteAction:
            _delete(new, action)
    # Remove list elements from the highest index down so earlier removals do
    # not shift the positions of later ones.
    removes.sort(key=lambda r: [(0, e) if isinstance(e, int) else (1, e) for e in r.path.elements], reverse=True)
    for r in removes:
        loc = _parent(new, r.path)
        if loc is None:
            if len(r.path.elements) > 1 and _parent_missing(new, r.path):
                raise ValidationError(_INVALID_PATH)
            continue
        container, last = loc
        if type(last) is int:
            if last < len(container):
                del container[last]
        else:
            container.pop(last, None)
    return new


def _parent_missing(item: dict[str, Any], path: Path) -> bool:
    return resolve(item, Path(path.elements[:-1])) is MISSING


def _add(item: dict[str, Any], a: AddAction) -> None:
    loc = _parent(item, a.path)
    if loc is None:
        raise ValidationError(_INVALID_PATH)
    container, last = loc
    value = a.value.value
    exists = (last < len(container)) if type(last) is int else (last in container)
    if not exists:
        if type(last) is int:
            container.append(_clone(value))
        else:
            container[last] = _clone(value)
        return
    current = container[last]
    kind = type_of(value)
    if kind == "N":
        if type(current) not in (int, Decimal):
            raise ValidationError(BAD_OPERAND)
        if type(current) is int and type(value) is int:
            result: Any = current + value
        else:
            with localcontext() as ctx:
                ctx.prec = 80
                result = Decimal(current) + Decimal(value)
        container[last] = normalize_number(result)
    else:
        if type(current) is not set or type_of(current) != kind:
            raise ValidationError(BAD_OPERAND)
        container[last] = current | value


def _delete(item: dict[str, Any], a: DeleteAction) -> None:
    loc = _parent(item, a.path)
    if loc is None:
        raise ValidationError(_INVALID_PATH)
    container, last = loc
    exists = (last < len(container)) if type(last) is int else (last in container)
    if not exists:
        return
    current = container[last]
    value = a.value.value
    if type(current) is not set or type_of(current) != type_of(value):
        raise ValidationError(BAD_OPERAND)
    rest = current - value
    if rest:
        container[last] = rest
    elif type(last) is int:
        del container[last]
    else:
        del container[last]
