"""PartiQL: ExecuteStatement, BatchExecuteStatement and ExecuteTransaction.

Statements are parsed by `expressions.partiql` into the expression tree and
run as the item operations run them (`items`): a SELECT whose WHERE holds an
equality (or IN) on the partition key is a Query per partition value, any
other a Scan; INSERT is a put conditioned on the key being new, UPDATE an
update conditioned on the item existing, DELETE a delete; in a transaction
they become the engine's transact_write / transact_get actions. Refusals carry
DynamoDB Local's words (recorded in ``tests/endpoint/test_partiql.py``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..codec import type_of
from ..engine import Item, Page, TxAction, TxGet
from ..errors import (
    CancellationReason,
    ConditionFailed,
    DynastoreError,
    IdempotencyMismatch,
    TableNotFound,
    TransactionCanceled,
    ValidationError,
)
from ..expressions import (
    And,
    BeginsWith,
    Between,
    Compare,
    Condition,
    Exists,
    In,
    KeyCondition,
    NotExists,
    Or,
    Path,
    Value,
)
from ..expressions.evaluate import apply_update, evaluate, resolve, validate_update
from ..expressions.parse import _key_parts
from ..expressions.partiql import Delete, ExistsCheck, Insert, Select, Statement, Update, output_name, parse_statement
from ..expressions.tree import MISSING, all_of
from ..limits import item_size
from ..spec import KeyAttribute, TableSpec
from ..validation import check_key
from . import items
from .items import (
    _canceled,
    _capacity,
    _each_or_cancel,
    _failed,
    _item,
    _no_item_twice,
    _page_out,
    _Request,
    _write_capacity,
    marker,
)
from .wire import ApiError, Json, decode_item, encode_item, json_kind, length_member, one_of

if TYPE_CHECKING:
    from .service import Namespace

_NO_KEY = "Where clause does not contain a mandatory equality on all key attributes"
_DUPLICATE = "Duplicate primary key exists in table"
_EXISTS_ALONE = "EXISTS can only be used in ExecuteTransaction write requests."
_SORT_OPS = ("=", "<", "<=", ">", ">=")

#: signs NextTokens, so a client cannot hand back a key of its own making; tokens last as long as the process
_SECRET = secrets.token_bytes(32)


def _type_error(name: str) -> ValidationError:
    return ValidationError(f"Key attribute's data type should match its data type in table's schema: Key {name}")


# -- statements in, keys out ----------------------------------------------------------------


def _parse(entry: Json, member: str = "statement") -> Statement:
    text = entry.get("Statement")
    if text is None:
        raise ValidationError(f"1 validation error detected: Value null at '{member}' failed to satisfy constraint: "
                              "Member must not be null")
    if not isinstance(text, str):
        raise ApiError("SerializationException", f"{json_kind(text)} can not be converted to a String")
    params = entry.get("Parameters")
    if params is not None and not isinstance(params, list):
        raise ApiError("SerializationException", f"{json_kind(params)} can not be converted to a List")
    return parse_statement(text, params)


def _conjuncts(c: Condition | None) -> list[Condition]:
    """``a AND b AND c`` as [a, b, c]."""
    return [] if c is None else _key_parts(c)


def _compared(c: Condition, op: str | None = "=") -> tuple[str, Any] | None:
    """(name, value) when ``c`` compares a top-level attribute with a value (with ``op``, or any when None)."""
    if not isinstance(c, Compare) or (op is not None and c.op != op):
        return None
    if isinstance(c.left, Path) and isinstance(c.right, Value) and len(c.left.elements) == 1:
        return c.left.name, c.right.value
    return None


def _check_type(attr: KeyAttribute, value: Any) -> None:
    if type_of(value) != attr.type:
        raise _type_error(attr.name)


def _key_of(spec: TableSpec, where: Condition | None) -> tuple[Item, Condition | None]:
    """The item a write (or single-item read) is about: an equality on every key attribute of ``where``;
    and the rest of ``where``, the condition."""
    attrs = {a.name: a for a in (spec.partition_key, spec.sort_key) if a is not None}
    key: Item = {}
    rest = []
    for part in _conjuncts(where):
        pair = _compared(part)
        if pair is not None and pair[0] in attrs and pair[0] not in key:
            _check_type(attrs[pair[0]], pair[1])
            key[pair[0]] = pair[1]
        else:
            rest.append(part)
    if len(key) < len(attrs):
        raise ValidationError(_NO_KEY)
    return check_key(spec, key), all_of(rest)


def _full_item(spec: TableSpec, item: Item) -> Item:
    for attr in (spec.partition_key, spec.sort_key):
        if attr is None:
            continue
        if attr.name not in item:
            raise ValidationError(f"Key attribute should be present in the item: Key {attr.name}")
        _check_type(attr, item[attr.name])
    return _item(spec, encode_item(item))


def _exists(spec: TableSpec) -> Condition:
    return Exists(Path((spec.partition_key.name,)))


def _absent(spec: TableSpec) -> Condition:
    return NotExists(Path((spec.partition_key.name,)))


def _delete_condition(spec: TableSpec, rest: Condition | None) -> Condition | None:
    # DynamoDB Local deletes nothing and succeeds when the item is missing, whatever the condition
    return None if rest is None else Or(_absent(spec), rest)


def _projected(item: Item, paths: tuple[Path, ...] | None) -> Item:
    """``SELECT a, m.c, l[0]``: each value under its last name (``c``, ``l[0]``), as DynamoDB answers."""
    if paths is None:
        return item
    out = {}
    for p in paths:
        v = resolve(item, p)
        if v is not MISSING:
            out[output_name(p)] = v
    return out


# -- SELECT ---------------------------------------------------------------------------------


@dataclass
class _Plan:
    """How a SELECT reads: Query per partition value (``partitions``) or Scan (None)."""

    partitions: list[Any] | None
    key_condition: Callable[[Any], KeyCondition]
    filter: Condition | None


def _plan(spec: TableSpec, sel: Select) -> _Plan:
    pk: KeyAttribute | None = spec.partition_key
    sk = spec.sort_key
    if sel.index is not None:
        try:
            ix = spec.index(sel.index)
        except ValidationError:
            raise ValidationError(f"The table does not have the specified index: {sel.index}") from None
        pk, sk = ix.partition_key, ix.sort_key
    assert pk is not None
    parts = _conjuncts(sel.where)
    partitions: list[Any] | None = None
    sort: tuple[str, tuple[Any, ...]] | None = None
    rest: list[Condition] = []
    for part in parts:
        if partitions is None and (pair := _compared(part)) is not None and pair[0] == pk.name:
            _check_type(pk, pair[1])
            partitions = [pair[1]]
        elif (partitions is None and isinstance(part, In) and part.operand == Path((pk.name,))
              and all(isinstance(o, Value) for o in part.options)):
            partitions = [o.value for o in part.options]  # type: ignore[union-attr]
            for v in partitions:
                _check_type(pk, v)
        else:
            rest.append(part)
    if partitions is not None and sk is not None:  # without a partition, a sort-key test is only a filter
        for i, part in enumerate(rest):
            sort = _sort_part(part, sk)
            if sort is not None:
                del rest[i]
                break
    for part in rest:
        _check_filter_types(part, [k for k in (pk, sk) if k is not None])
    if sel.order is not None:
        if partitions is None:
            raise ValidationError("Must have at least one non-optional hash key condition in WHERE clause when "
                                  "using ORDER BY clause.")
        if sel.order[0] not in (pk.name, sk.name if sk else None):
            raise ValidationError(f"Variable reference {sel.order[0]} in ORDER BY clause must be part of the primary key")

    def key_condition(value: Any) -> KeyCondition:
        if sort is None or sk is None:
            return KeyCondition(pk.name, value)
        return KeyCondition(pk.name, value, sk.name, sort[0], sort[1])

    return _Plan(partitions, key_condition, all_of(rest))


def _check_filter_types(part: Condition, keys: list[KeyAttribute]) -> None:
    """A key attribute tested against a value of another type, as DynamoDB Local refuses it in a filter."""
    for key in keys:
        path = Path((key.name,))
        values: list[Any] = []
        if isinstance(part, Compare) and part.left == path and isinstance(part.right, Value):
            values = [part.right]
        elif isinstance(part, Between) and part.operand == path:
            values = [part.low, part.high]
        elif isinstance(part, BeginsWith) and part.path == path:
            values = [part.prefix]
        if any(isinstance(v, Value) and type_of(v.value) != key.type for v in values):
            raise ValidationError("One or more parameter values were invalid: Condition parameter type does not match "
                                  "schema type")


def _sort_part(part: Condition, sk: KeyAttribute) -> tuple[str, tuple[Any, ...]] | None:
    """A condition on the sort key that a Query's key condition can take."""
    path = Path((sk.name,))
    pair = _compared(part, None)
    if pair is not None and pair[0] == sk.name and isinstance(part, Compare) and part.op in _SORT_OPS:
        _check_type(sk, pair[1])
        return part.op, (pair[1],)
    if isinstance(part, Between) and part.operand == path and isinstance(part.low, Value) and isinstance(part.high, Value):
        _check_type(sk, part.low.value)
        _check_type(sk, part.high.value)
        return "between", (part.low.value, part.high.value)
    if isinstance(part, BeginsWith) and part.path == path and isinstance(part.prefix, Value):
        _check_type(sk, part.prefix.value)
        if sk.type == "N":
            raise ValidationError("Incorrect operand type for operator or function; operator or function: "
                                  "begins_with, operand type: N")
        return "begins_with", (part.prefix.value,)
    return None


def _statement_id(req: Json) -> str:
    return hashlib.sha256(json.dumps([req.get("Statement"), req.get("Parameters")], sort_keys=True).encode()).hexdigest()


def _next_token(req: Json, position: int, key: Item | None) -> str:
    body = json.dumps({"s": _statement_id(req), "p": position, "k": encode_item(key) if key else None},
                      sort_keys=True, separators=(",", ":"))
    mac = hmac.new(_SECRET, body.encode(), hashlib.sha256).hexdigest()
    return base64.b64encode(f"{mac}{body}".encode()).decode()


def _resume(req: Json) -> tuple[int, Item | None]:
    """Where a NextToken says to go on: (partition position, exclusive start key)."""
    token = req.get("NextToken")
    if token is None:
        return 0, None
    invalid = ValidationError("Invalid NextToken")
    try:
        raw = base64.b64decode(str(token), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise invalid from None
    mac, body = raw[:64], raw[64:]
    if not hmac.compare_digest(mac, hmac.new(_SECRET, body.encode(), hashlib.sha256).hexdigest()):
        raise invalid
    parsed = json.loads(body)
    if parsed["s"] != _statement_id(req):
        raise invalid
    return int(parsed["p"]), decode_item(parsed["k"]) if parsed["k"] is not None else None


def _limit(req: Json) -> int | None:
    limit = req.get("Limit")
    if limit is not None and type(limit) is not int:
        raise ApiError("SerializationException", f"{json_kind(limit)} can not be converted to an Integer")
    if limit is not None and limit < 1:
        raise ValidationError(f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
                              "constraint: Member must have value greater than or equal to 1")
    return limit  # type: ignore[no-any-return]


def _consistent(req: Json) -> bool:
    flag = req.get("ConsistentRead")
    if flag is not None and type(flag) is not bool:
        raise ApiError("SerializationException", f"{json_kind(flag)} can not be converted to a Boolean")
    return bool(flag)


def _select(ns: Namespace, req: Json, sel: Select) -> Json:
    spec = ns.spec(sel.table)
    plan = _plan(spec, sel)
    consistent = _consistent(req)
    if consistent and sel.index is not None and not spec.index(sel.index).local:
        raise ValidationError("Consistent reads are not supported on global secondary indexes")
    remaining = _limit(req)
    position, start = _resume(req)
    reverse = sel.order is not None and sel.order[1]
    pages: list[Page] = []
    resume: tuple[int, Item | None] | None = None
    while True:
        if plan.partitions is None:
            page = ns.engine.scan(sel.table, index=sel.index, filter=plan.filter, limit=remaining, start_key=start,
                                  consistent=consistent)
        else:
            if position >= len(plan.partitions):
                break
            page = ns.engine.query(sel.table, plan.key_condition(plan.partitions[position]), index=sel.index,
                                   filter=plan.filter, limit=remaining, reverse=reverse, start_key=start,
                                   consistent=consistent)
        pages.append(page)
        if remaining is not None:
            remaining -= page.scanned_count
        if page.last_key is not None:
            resume = (position, page.last_key)
            break
        position, start = position + 1, None
        if plan.partitions is None or position >= len(plan.partitions):
            break
        if remaining is not None and remaining <= 0:
            resume = (position, None)
            break
    found = [i for p in pages for i in p.items]
    out: Json = {"Items": [encode_item(_projected(i, sel.projection)) for i in found]}
    if resume is not None:
        out["NextToken"] = _next_token(req, *resume)
        if resume[1] is not None:
            out["LastEvaluatedKey"] = encode_item(resume[1])
    sizes = [p.scanned_bytes for p in pages]
    whole = Page(found, None, len(found), sum(p.scanned_count for p in pages),
                 None if None in sizes else sum(s for s in sizes if s is not None))
    capacity = _page_out(ns, _capacity_request(ns, req, sel.table), whole, True, consistent, sel.index)
    return out | ({"ConsumedCapacity": capacity["ConsumedCapacity"]} if "ConsumedCapacity" in capacity else {})


def _capacity_request(ns: Namespace, req: Json, table: str) -> _Request:
    """The item operations' view of a statement, for their capacity helpers."""
    return _Request(ns, {"TableName": table, "ReturnConsumedCapacity": req.get("ReturnConsumedCapacity")}, uses=None)


# -- writes ---------------------------------------------------------------------------------


def _insert(ns: Namespace, req: Json, ins: Insert) -> Json:
    spec = ns.spec(ins.table)
    item = _full_item(spec, ins.item)
    key = {k: item[k] for k in spec.table_key_names()}
    try:
        with ns.in_flight.writes([marker(ins.table, key)]):
            ns.engine.put_item(ins.table, item, condition=_absent(spec))
    except ConditionFailed:
        raise ApiError("DuplicateItemException", _DUPLICATE) from None
    return {"Items": []} | _capacity(ns, req, ins.table, lambda: _write_capacity(spec, None, item))


def _returned(rv: str, out: Item | None) -> Json:
    return {"Items": [encode_item(out)] if rv != "NONE" and out else []}


def _update(ns: Namespace, req: Json, upd: Update) -> Json:
    spec = ns.spec(upd.table)
    key, rest = _key_of(spec, upd.where)
    validate_update(upd.actions, spec.table_key_names())
    cond = _exists(spec) if rest is None else And(_exists(spec), rest)
    sized = one_of(req, "ReturnConsumedCapacity", ("INDEXES", "TOTAL", "NONE"), "NONE") != "NONE"
    try:
        with ns.in_flight.writes([marker(upd.table, key)]):
            out = ns.engine.update_item(upd.table, key, upd.actions, condition=cond,
                                        return_values="ALL_OLD" if sized else upd.returning,
                                        return_item_on_failure=items._rv_on_failure(req))
    except ConditionFailed as e:
        raise _failed(e) from None
    old = new = None
    if sized:
        old, new = out, apply_update(dict(out or key), upd.actions)
        out = items.returned_values(upd.returning, old, new, upd.actions)
    return _returned(upd.returning, out) | _capacity(ns, req, upd.table, lambda: _write_capacity(spec, old, new))


def _delete(ns: Namespace, req: Json, dele: Delete) -> Json:
    spec = ns.spec(dele.table)
    key, rest = _key_of(spec, dele.where)
    try:
        with ns.in_flight.writes([marker(dele.table, key)]):
            old = ns.engine.delete_item(dele.table, key, condition=_delete_condition(spec, rest), return_old=True,
                                        return_item_on_failure=items._rv_on_failure(req))
    except ConditionFailed as e:
        raise _failed(e) from None
    return _returned(dele.returning, old) | _capacity(ns, req, dele.table, lambda: _write_capacity(spec, old, None))


def _run(ns: Namespace, req: Json, statement: Statement) -> Json:
    if isinstance(statement, Select):
        return _select(ns, req, statement)
    if isinstance(statement, Insert):
        return _insert(ns, req, statement)
    if isinstance(statement, Update):
        return _update(ns, req, statement)
    if isinstance(statement, Delete):
        return _delete(ns, req, statement)
    raise ValidationError(_EXISTS_ALONE)


def execute_statement(ns: Namespace, req: Json) -> Json:
    return _run(ns, req, _parse(req))


# -- BatchExecuteStatement --------------------------------------------------------------------


def _error_code(e: ApiError) -> str:
    """A BatchStatementError's Code: the exception's name without ``Exception`` (ValidationError for validation)."""
    if e.code == "ValidationException":
        return "ValidationError"
    return e.code.removesuffix("Exception")


def _batch_error(e: BaseException, table: str | None) -> Json:
    from .server import as_api_error  # here: the server imports the operations

    api = as_api_error(e)
    error: Json = {"Code": _error_code(api), "Message": api.message}
    if "Item" in api.extra:
        error["Item"] = api.extra["Item"]
    out: Json = {"Error": error}
    if table is not None and api.code != "ResourceNotFoundException":
        out["TableName"] = table
    return out


def _table_of(statement: Statement) -> str:
    return statement.select.table if isinstance(statement, ExistsCheck) else statement.table


def batch_execute_statement(ns: Namespace, req: Json) -> Json:
    entries = req.get("Statements")
    if not entries:
        raise ValidationError("The statement was empty.")
    parsed: list[Statement | BaseException] = []
    for i, entry in enumerate(entries):
        try:
            parsed.append(_parse(entry, f"statements.{i + 1}.member.statement"))
        except ApiError:
            raise
        except DynastoreError as e:
            parsed.append(e)
    kinds = {isinstance(s, Select) for s in parsed if not isinstance(s, BaseException)}
    if len(kinds) > 1:
        raise ValidationError("Read and write requests together in the same batch is not supported.")
    reads = kinds == {True}
    if len(entries) > 25:
        raise ValidationError("BatchGetItem cannot fetch more than 25 items" if reads
                              else "BatchWriteItem cannot write more than 25 items")
    items._check_return_members(req)
    planned: list[tuple[Statement, Item] | Json] = []
    seen: set[str] = set()
    for s in parsed:
        if isinstance(s, BaseException):
            planned.append(_batch_error(s, None))
            continue
        try:
            spec = ns.spec(_table_of(s))
            if isinstance(s, Insert):
                key = {k: v for k, v in _full_item(spec, s.item).items() if k in spec.table_key_names()}
            elif isinstance(s, Select):
                if s.index is not None:
                    raise ValidationError("Only single item select is supported")
                key, rest = _key_of(spec, s.where)
                if rest is not None:
                    raise ValidationError("Only single item select is supported")
            elif isinstance(s, (Update, Delete)):
                key = _key_of(spec, s.where)[0]
            else:
                raise ValidationError(_EXISTS_ALONE)
        except (DynastoreError, ApiError) as e:
            if isinstance(e, ValidationError) and e.message == _NO_KEY and isinstance(s, Select):
                e = ValidationError("Only single item select is supported")
            planned.append(_batch_error(e, None))  # DynamoDB Local names the table only for failures of running
            continue
        m = marker(_table_of(s), key)
        if m in seen:
            raise ValidationError("Provided list of item keys contains duplicates")
        seen.add(m)
        planned.append((s, key))
    responses: list[Json] = []
    units: list[tuple[str, Any]] = []
    sized = one_of(req, "ReturnConsumedCapacity", ("INDEXES", "TOTAL", "NONE"), "NONE") != "NONE"
    for entry, plan in zip(entries, planned, strict=True):
        if isinstance(plan, dict):
            responses.append(plan)
            continue
        s, key = plan
        table = _table_of(s)
        try:
            if isinstance(s, Select):
                consistent = _consistent(entry)
                item = ns.engine.get_item(table, key, consistent=consistent)
                responses.append({"TableName": table} | ({"Item": encode_item(_projected(item, s.projection))}
                                                          if item is not None else {}))
                units.append((table, items._read_units(item_size(item) if item else 0, consistent)))
            else:
                done = _run(ns, {**entry, "ReturnConsumedCapacity": "TOTAL" if sized else "NONE"}, s)
                responses.append({"TableName": table})
                if sized:
                    units.append((table, done["ConsumedCapacity"]["CapacityUnits"]))
        except (DynastoreError, ApiError) as e:
            responses.append(_batch_error(e, table))
    return {"Responses": responses} | items._capacities(req, lambda: items._per_table(units))


# -- ExecuteTransaction -----------------------------------------------------------------------


def _in_transaction(position: int, e: ValidationError) -> ValidationError:
    return ValidationError(f"Validation failed in TransactStatements[{position}]: {e.message}")


def _tx_write(ns: Namespace, s: Statement, entry: Json, position: int) -> TxAction:
    """One write of a transaction as the engine's action."""
    table = _table_of(s)
    spec = ns.spec(table)
    failure = items._rv_on_failure(entry)
    if isinstance(s, Insert):
        return TxAction("put", table, _full_item(spec, s.item), _absent(spec), (), failure)
    where = s.select.where if isinstance(s, ExistsCheck) else s.where  # type: ignore[union-attr]
    key, rest = _key_of(spec, where)
    if isinstance(s, Update):
        validate_update(s.actions, spec.table_key_names())
        return TxAction("update", table, key, _exists(spec) if rest is None else And(_exists(spec), rest),
                        s.actions, failure)
    if isinstance(s, Delete):
        return TxAction("delete", table, key, _delete_condition(spec, rest), (), failure)
    assert isinstance(s, ExistsCheck)
    if rest is None:
        raise _in_transaction(position, ValidationError("EXISTS() must contain a single item read with additional "
                                                        "condition"))
    return TxAction("check", table, key, And(_exists(spec), rest), (), failure)


def _tx_read(ns: Namespace, s: Select, position: int) -> tuple[TxGet, Condition | None]:
    spec = ns.spec(s.table)
    try:
        if s.index is not None:
            raise ValidationError(_NO_KEY)
        key, rest = _key_of(spec, s.where)
    except ValidationError as e:
        if e.message != _NO_KEY:
            raise
        raise _in_transaction(position, ValidationError(
            "Select statements within ExecuteTransaction must specify the primary key in the where clause.")) from None
    return TxGet(s.table, key), rest


def _statements(req: Json) -> list[tuple[Json, Statement]]:
    entries = req.get("TransactStatements")
    if not entries:
        raise ValidationError("ExecutePartiQLTransaction can not have empty statement.")
    if len(entries) > 100:
        raise ValidationError("Member must have length less than or equal to 100")
    out = []
    for i, entry in enumerate(entries):
        try:
            out.append((entry, _parse(entry, f"transactStatements.{i + 1}.member.statement")))
        except ValidationError as e:
            if e.message.startswith("Number of parameters"):
                raise _in_transaction(i, e) from None
            raise
    if len({isinstance(s, Select) for _, s in out}) > 1:
        raise ValidationError("ExecuteTransaction API does not support both read and write operations in the same "
                              "request.")
    return out


def _cancel_for(statements: Sequence[Statement], build: Callable[[int], Any]) -> list[Any]:
    """``build`` for each statement (by position); a key of the wrong type cancels the transaction."""
    return _each_or_cancel(range(len(statements)), lambda i, _: build(i),
                           cancels=lambda m: m.startswith("Key attribute's data type should match"))


def execute_transaction(ns: Namespace, req: Json) -> Json:
    entries = _statements(req)
    statements = [s for _, s in entries]
    items._check_return_members(req)
    try:
        if isinstance(statements[0], Select):
            return _transact_reads(ns, req, statements)  # type: ignore[arg-type]
        actions = _cancel_for(statements, lambda i: _tx_write(ns, statements[i], entries[i][0], i))
    except ApiError as e:
        if e.code == "ResourceNotFoundException":
            raise ApiError("ResourceNotFoundException", "Requested resource not found") from None
        raise
    token = length_member(req, "ClientRequestToken", 1, 36)
    markers = _no_item_twice(ns, [(a.table, a.item if a.kind != "put" else items._key_of(ns, a.table, a.item))
                                  for a in actions])
    try:
        with ns.in_flight.transaction(markers, write=True, token=token):
            ns.engine.transact_write(actions, token=token)
    except TransactionCanceled as e:
        raise _tx_canceled(e, actions) from None
    except IdempotencyMismatch:
        raise ApiError("IdempotentParameterMismatchException", "Specified idempotent token was used with different "
                       "request parameters within the idempotency window") from None
    return {"Responses": []} | items._capacities(req, lambda: items._per_table(
        [(a.table, 1.0 if a.kind == "check" else items._write_units(a.item)) for a in actions], factor=2.0))


def _tx_canceled(e: TransactionCanceled, actions: Sequence[TxAction]) -> ApiError:
    """The items' cancellation, in PartiQL's words: an INSERT's failed condition is a duplicate key, and only
    an EXISTS check's failure message ends with a full stop."""
    reasons = [CancellationReason("ValidationError", _DUPLICATE) if a.kind == "put" and r.code == "ConditionalCheckFailed" else r
               for a, r in zip(actions, e.reasons, strict=True)]
    err = _canceled(TransactionCanceled(e.message, reasons=reasons))
    for a, reason in zip(actions, err.extra["CancellationReasons"], strict=True):
        if a.kind in ("update", "delete") and reason["Code"] == "ConditionalCheckFailed":
            reason["Message"] = "The conditional request failed"
    return err


def _transact_reads(ns: Namespace, req: Json, statements: Sequence[Select]) -> Json:
    reads = _cancel_for(statements, lambda i: _tx_read(ns, statements[i], i))
    gets = [g for g, _ in reads]
    markers = _no_item_twice(ns, [(g.table, g.key) for g in gets])
    try:
        with ns.in_flight.transaction(markers, write=False):
            found = ns.engine.transact_get(gets)
    except TableNotFound:
        raise ApiError("ResourceNotFoundException", "Requested resource not found") from None
    except TransactionCanceled as e:
        raise _canceled(e) from None
    responses: list[Json] = []
    for (_, rest), item, s in zip(reads, found, statements, strict=True):
        matched = item is not None and (rest is None or evaluate(rest, item))
        responses.append({"Item": encode_item(_projected(item, s.projection))} if matched else {})  # type: ignore[arg-type]
    return {"Responses": responses} | items._capacities(req, lambda: items._per_table(
        [(g.table, items._read_units(item_size(i) if i else 0, True)) for g, i in zip(gets, found, strict=True)],
        factor=2.0))


__all__ = ["batch_execute_statement", "execute_statement", "execute_transaction"]
