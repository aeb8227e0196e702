"""Item operations: PutItem ... TransactGetItems, parsed from DynamoDB JSON and run on the engine.

Requests are checked with the same functions `Table` uses (`validation`,
`BaseTable`'s query checks), so the endpoint refuses what the embedded API
refuses, with DynamoDB's words; expressions go through `expressions.parse`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..codec import type_of
from ..engine import BatchGetRequest, Page, TxAction, TxGet, WriteRequest
from ..errors import ConditionFailed, TableNotFound, TransactionCanceled, ValidationError
from ..expressions import Condition, Path
from ..engines.sqlite import _return_values as returned_values  # the embedded engine's ReturnValues, mirrored
from ..expressions.evaluate import BAD_OPERAND, apply_update, validate_update
from ..expressions.parse import (Substitutions, check_key_condition, parse_condition, parse_key_condition_text,
                                 parse_projection, parse_update)
from ..limits import item_size
from ..spec import Index, TableSpec
from ..table import BaseTable
from ..validation import check_item, check_key, check_projection
from . import legacy
from .tables import not_found
from .wire import (ApiError, Json, decode_item, encode_item, encode_value, json_kind, length_member, limit_member, one_of,
                   required, table_name)

if TYPE_CHECKING:
    from .service import Namespace

_RETURN = ("NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW")
_CAPACITY = ("INDEXES", "TOTAL", "NONE")
_INVALID = "One or more parameter values were invalid: "
#: the legacy parameters standing for each condition expression
_LEGACY_CONDITIONS = {"ConditionExpression": ("Expected",), "FilterExpression": ("QueryFilter", "ScanFilter")}


class _Request:
    """One request's table, placeholders and expressions."""

    def __init__(self, ns: Namespace, req: Json, name: str | None = None, *, uses: str | None = "ConditionExpression is null"):
        """``uses``: the expressions that could use ``ExpressionAttributeValues``, for the refusal's words;
        None for reads that take no values (GetItem), which ignore the member as DynamoDB ignores unknown ones."""
        legacy.check_not_mixed(req)
        self.req = req
        self.name = name if name is not None else table_name(req)
        self.spec: TableSpec = ns.spec(self.name)
        self.uses = uses
        names, values = req.get("ExpressionAttributeNames"), req.get("ExpressionAttributeValues") if uses else None
        self.subs = Substitutions(names, values)
        self.expressions = 0
        for flag in ("ConsistentRead", "ScanIndexForward"):
            if req.get(flag) is not None and type(req[flag]) is not bool:
                raise ApiError("SerializationException", f"{json_kind(req[flag])} can not be converted to a Boolean")

    def condition(self, field: str = "ConditionExpression") -> Condition | None:
        for old in _LEGACY_CONDITIONS.get(field, ()):
            if self.req.get(old) is not None:
                return legacy.conditions(self.req[old], self.req.get("ConditionalOperator"), expected=old == "Expected")
        text = self.req.get(field)
        if text is None:
            return None
        self.expressions += 1
        return parse_condition(text, self.subs, what=field)

    def projection(self) -> tuple[Path, ...] | None:
        if self.req.get("AttributesToGet") is not None:
            return legacy.attributes_to_get(self.req["AttributesToGet"])
        text = self.req.get("ProjectionExpression")
        if text is None:
            return None
        self.expressions += 1
        paths = parse_projection(text, self.subs)
        check_projection(paths)
        return paths

    def done(self) -> None:
        """Placeholders with no expression to use them, or unused ones: refused as DynamoDB does."""
        if not self.expressions:
            if self.uses and self.req.get("ExpressionAttributeValues") is not None:
                raise ValidationError(f"ExpressionAttributeValues can only be specified when using expressions: {self.uses}")
            if self.req.get("ExpressionAttributeNames") is not None:
                raise ValidationError("ExpressionAttributeNames can only be specified when using expressions")
        self.subs.check_all_used()

    def key(self, field: str = "Key") -> dict[str, Any]:
        required(self.req, field)
        return _key(self.spec, self.req[field], field)


def _key(spec: TableSpec, wire: Any, field: str = "Key") -> dict[str, Any]:
    """A key from the wire, refused in DynamoDB's (shorter) words."""
    try:
        return check_key(spec, decode_item(wire, field))
    except ValidationError as e:
        if e.message.startswith("The provided key element does not match the schema"):
            raise ValidationError("The provided key element does not match the schema") from None
        if e.message.startswith(_INVALID + "Type mismatch for key "):
            raise ValidationError(_INVALID + "Type mismatch for key") from None
        raise


@dataclass
class Units:
    """Capacity units one request consumed on one table: the table's and each index's."""

    table: float = 0.0
    indexes: dict[Index, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return self.table + sum(self.indexes.values())

    def add(self, other: Units, factor: float = 1.0) -> None:
        self.table += other.table * factor
        for ix, u in other.indexes.items():
            self.indexes[ix] = self.indexes.get(ix, 0.0) + u * factor


def _capacity(ns: Namespace, req: Json, table: str, units: Callable[[], Units | float]) -> Json:
    return _capacities(req, lambda: {table: units()}, single=True)


def _capacities(req: Json, units: Callable[[], dict[str, Units | float]], *, single: bool = False) -> Json:
    """``ConsumedCapacity``: one entry, or (batches, transactions) a list with one per table.

    ``units`` is only called when the request asks for capacity: sizing every item read or
    written is the cost of the answer, not of the operation (most requests never ask).
    INDEXES itemises the table and each index that consumed units.
    """
    mode = one_of(req, "ReturnConsumedCapacity", _CAPACITY, "NONE")
    if mode == "NONE":
        return {}
    out = []
    for table, u in units().items():
        if not isinstance(u, Units):
            u = Units(u)
        c: Json = {"TableName": table, "CapacityUnits": u.total}
        if mode == "INDEXES":
            c["Table"] = {"CapacityUnits": u.table}
            for ix, n in u.indexes.items():
                c.setdefault("LocalSecondaryIndexes" if ix.local else "GlobalSecondaryIndexes", {})[ix.name] = {
                    "CapacityUnits": n}
        out.append(c)
    return {"ConsumedCapacity": out[0] if single else out}


def _per_table(pairs: Sequence[tuple[str, Units | float]], factor: float = 1.0) -> dict[str, Units | float]:
    out: dict[str, Units] = {}
    for table, u in pairs:
        out.setdefault(table, Units()).add(u if isinstance(u, Units) else Units(u), factor)
    return dict(out)


def _index_entry(spec: TableSpec, ix: Index, item: dict[str, Any] | None) -> dict[str, Any] | None:
    """``item``'s entry in ``ix`` as projected, or None when it is not in that (sparse) index."""
    if item is None:
        return None
    for k in (ix.partition_key, ix.sort_key):
        if k is not None and type_of(item.get(k.name)) != k.type:
            return None
    if ix.projection == "ALL":
        return item
    names = {*spec.table_key_names(), *(k.name for k in (ix.partition_key, ix.sort_key) if k is not None)}
    if ix.projection != "KEYS_ONLY":
        names.update(ix.projection)
    return {k: v for k, v in item.items() if k in names}


def _write_capacity(spec: TableSpec, old: dict[str, Any] | None, new: dict[str, Any] | None) -> Units:
    """DynamoDB's write units for replacing ``old`` by ``new`` (None: absent): 1 KB units of the larger
    item for the table, and for each index whose entry changes, its entry's units (twice when the
    entry's key changes: a delete and a put), as DynamoDB documents for global indexes."""
    units = Units(_write_units(new, old))
    for ix in spec.indexes:
        before, after = _index_entry(spec, ix, old), _index_entry(spec, ix, new)
        if before == after:
            continue
        keys = [k.name for k in (ix.partition_key, ix.sort_key) if k is not None]
        moved = before is not None and after is not None and any(before[k] != after[k] for k in keys)
        changed = [e for e in ((before, after) if moved else (after if after is not None else before,)) if e]
        units.indexes[ix] = sum(_write_units(e) for e in changed)
    return units


def _metrics_asked(req: Json) -> bool:
    return one_of(req, "ReturnItemCollectionMetrics", ("SIZE", "NONE"), "NONE") == "SIZE"


def _check_return_members(req: Json) -> None:
    """What to return is checked before a batch or transaction writes, so a bad value writes nothing."""
    one_of(req, "ReturnConsumedCapacity", _CAPACITY, "NONE")
    _metrics_asked(req)


def _collection(spec: TableSpec, key: dict[str, Any]) -> Json | None:
    """The item collection ``key`` is written in: only tables with local indexes have them to report."""
    if not any(ix.local for ix in spec.indexes):
        return None
    pk = spec.partition_key.name
    return {"ItemCollectionKey": {pk: encode_value(key[pk])}, "SizeEstimateRangeGB": [0.0, 1.0]}


def _collection_metrics(r: _Request, key: dict[str, Any]) -> Json:
    """ReturnItemCollectionMetrics=SIZE of a single write."""
    metrics = _collection(r.spec, key) if _metrics_asked(r.req) else None
    return {"ItemCollectionMetrics": metrics} if metrics is not None else {}


def _collections_metrics(ns: Namespace, req: Json, writes: Sequence[tuple[str, dict[str, Any]]]) -> Json:
    """ReturnItemCollectionMetrics=SIZE of a batch or a transaction: per table, one entry per item written."""
    if not _metrics_asked(req):
        return {}
    out: dict[str, list[Json]] = {}
    for table, key in writes:
        metrics = _collection(ns.spec(table), key)
        if metrics is not None:
            out.setdefault(table, []).append(metrics)
    return {"ItemCollectionMetrics": out} if out else {}


def _write_units(*items: dict[str, Any] | None) -> float:
    return float(max([1, *(math.ceil(item_size(i) / 1024) for i in items if i)]))


def _read_units(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / 4096))
    return float(units) if consistent else units / 2


def _failed(e: ConditionFailed) -> ApiError:
    extra = {"Item": encode_item(e.item)} if e.item is not None else None
    return ApiError("ConditionalCheckFailedException", "The conditional request failed", extra=extra)


def _rv_on_failure(req: Json) -> bool:
    return one_of(req, "ReturnValuesOnConditionCheckFailure", ("ALL_OLD", "NONE"), "NONE") == "ALL_OLD"


# -- single items ---------------------------------------------------------------------------


def _item(spec: TableSpec, wire: Any) -> dict[str, Any]:
    """A whole item from the wire, refused in DynamoDB's (shorter) words for key problems."""
    try:
        return check_item(spec, decode_item(wire), normalized=True)
    except ValidationError as e:
        if e.message.startswith(_INVALID + "Missing the key "):
            raise ValidationError("One of the required keys was not given a value") from None
        if e.message.startswith(_INVALID + "Type mismatch for key "):
            raise ValidationError(_INVALID + "Type mismatch for key") from None
        raise


def put_item(ns: Namespace, req: Json) -> Json:
    r = _Request(ns, req)
    required(req, "Item")
    item = _item(r.spec, req["Item"])
    return _replace(ns, r, item, item, lambda **kw: ns.engine.put_item(r.name, item, **kw))


def _replace(ns: Namespace, r: _Request, key: dict[str, Any], new: dict[str, Any] | None,
             write: Callable[..., Any]) -> Json:
    """PutItem and DeleteItem: an item replaced (or removed) whole, returning the old one when asked."""
    cond = r.condition()
    r.done()
    rv = one_of(r.req, "ReturnValues", _RETURN, "NONE")
    if rv not in ("NONE", "ALL_OLD"):
        raise ValidationError("Return values set to invalid value")
    try:
        _check_return_members(r.req)
        with ns.in_flight.writes([marker(r.name, {k: key[k] for k in r.spec.table_key_names()})]):
            old = write(condition=cond, return_old=True, return_item_on_failure=_rv_on_failure(r.req))
    except ConditionFailed as e:
        raise _failed(e) from None
    out: Json = {"Attributes": encode_item(old)} if rv == "ALL_OLD" and old else {}
    return out | _capacity(ns, r.req, r.name, lambda: _write_capacity(r.spec, old, new)) | _collection_metrics(r, key)


def get_item(ns: Namespace, req: Json) -> Json:
    r = _Request(ns, req, uses=None)
    key = r.key()
    paths = r.projection()
    r.done()
    consistent = bool(req.get("ConsistentRead"))
    item = ns.engine.get_item(r.name, key, consistent=consistent, projection=paths)
    out: Json = {"Item": encode_item(item)} if item is not None else {}
    return out | _capacity(ns, req, r.name, lambda: _read_units(item_size(item) if item else 0, consistent))


def update_item(ns: Namespace, req: Json) -> Json:
    r = _Request(ns, req, uses="UpdateExpression and ConditionExpression are null")
    key = r.key()
    text = req.get("UpdateExpression")
    actions = []
    if req.get("AttributeUpdates") is not None:
        actions = legacy.attribute_updates(req["AttributeUpdates"])
    elif text is not None:
        r.expressions += 1
        actions = parse_update(text, r.subs)
    cond = r.condition()
    r.done()
    if actions:  # key attributes among them: refused after the placeholders, as DynamoDB does
        validate_update(actions, r.spec.table_key_names())
    rv = one_of(req, "ReturnValues", _RETURN, "NONE")
    # Capacity is charged for the item before and after (and the index entries they change): when it is
    # asked for, the engine returns the old item and the new one is made from it as the engine made it.
    sized = one_of(req, "ReturnConsumedCapacity", _CAPACITY, "NONE") != "NONE"
    old = new = None
    try:
        _check_return_members(req)
        with ns.in_flight.writes([marker(r.name, key)]):
            out = ns.engine.update_item(r.name, key, actions, condition=cond,
                                        return_values="ALL_OLD" if sized else rv,  # type: ignore[arg-type]
                                        return_item_on_failure=_rv_on_failure(req))
        if sized:
            old, new = out, apply_update(out if out is not None else dict(key), actions)
            out = returned_values(rv, old, new, actions)
    except ConditionFailed as e:
        raise _failed(e) from None
    except ValidationError as e:
        if e.message == "Item size has exceeded the maximum allowed size":
            raise ValidationError("Item size to update has exceeded the maximum allowed size") from None
        if e.message == BAD_OPERAND and req.get("AttributeUpdates") is not None:
            raise ValidationError(legacy.TYPE_MISMATCH) from None
        raise
    res: Json = {"Attributes": encode_item(out)} if rv != "NONE" and out else {}
    return res | _capacity(ns, req, r.name, lambda: _write_capacity(r.spec, old, new)) | _collection_metrics(r, key)


def delete_item(ns: Namespace, req: Json) -> Json:
    r = _Request(ns, req)
    key = r.key()
    return _replace(ns, r, key, None, lambda **kw: ns.engine.delete_item(r.name, key, **kw))


# -- query and scan --------------------------------------------------------------------------


def _read_common(r: _Request, index: str | None) -> tuple[BaseTable, Condition | None, tuple[Path, ...] | None, bool]:
    checks = BaseTable(None, r.spec, "endpoint")  # type: ignore[arg-type]  # only its checks are used
    if index is not None:
        try:
            r.spec.index(index)
        except ValidationError:
            raise ValidationError(f"The table does not have the specified index: {index}") from None
    flt = r.condition("FilterExpression")
    paths = r.projection()
    select = one_of(r.req, "Select", ("ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT"),
                    "SPECIFIC_ATTRIBUTES" if paths else "ALL_ATTRIBUTES")
    if paths is not None and select != "SPECIFIC_ATTRIBUTES":
        used = "AttributesToGet" if r.req.get("AttributesToGet") is not None else "ProjectionExpression"
        raise ValidationError(f"Cannot specify the {used} when choosing to get "
                              + ("only the Count" if select == "COUNT" else select))
    if paths is None and select == "SPECIFIC_ATTRIBUTES":
        raise ValidationError("Must specify the AttributesToGet or ProjectionExpression when choosing to get "
                              "SPECIFIC_ATTRIBUTES")
    if select == "ALL_PROJECTED_ATTRIBUTES" and index is None:
        raise ValidationError("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName")
    if index is not None and not r.spec.index(index).local:
        if r.req.get("ConsistentRead") is True:
            raise ValidationError("Consistent reads are not supported on global secondary indexes")
        if r.req.get("Select") == "ALL_ATTRIBUTES" and r.spec.index(index).projection != "ALL":
            raise ValidationError(_INVALID + f"Select type ALL_ATTRIBUTES is not supported for global secondary "
                                  f"index {index} because its projection type is not ALL")
    if flt is not None:
        checks._read_filter(flt, True, index)
    checks._check_index_projection(paths, index)
    limit_member(r.req)
    return checks, flt, paths, select == "COUNT"


def _whole_items(req: Json, index: str | None) -> bool:
    """Select ALL_ATTRIBUTES on an index: whole items (a local index fetches them; a global one must project ALL)."""
    return index is not None and req.get("Select") == "ALL_ATTRIBUTES"


def _page_out(ns: Namespace, r: _Request, page: Page, count_only: bool, consistent: bool, index: str | None) -> Json:
    out: Json = {"Count": page.count, "ScannedCount": page.scanned_count}
    if not count_only:
        out["Items"] = [encode_item(i) for i in page.items]
    if page.last_key is not None:
        out["LastEvaluatedKey"] = encode_item(page.last_key)

    def units() -> Units:
        # DynamoDB charges what was read before the filter: the sizes summed, then rounded up to 4 KB units
        read = page.scanned_bytes if page.scanned_bytes is not None else sum(item_size(i) for i in page.items)
        per_unit = 1.0 if consistent else 0.5
        u = math.ceil(read / 4096) * per_unit
        # what a local index fetched from its table is charged to the table, item by item
        return Units(u) if index is None else Units(page.fetched_units * per_unit, {r.spec.index(index): u})

    return out | _capacity(ns, r.req, r.name, units)


def query(ns: Namespace, req: Json) -> Json:
    r = _Request(ns, req, uses="FilterExpression and KeyConditionExpression are null")
    index = req.get("IndexName")
    if req.get("KeyConditionExpression") is None and req.get("KeyConditions") is None:
        raise ValidationError("Either the KeyConditions or KeyConditionExpression parameter must be specified in the "
                              "request.")
    if index is not None:
        try:
            ix = r.spec.index(index)
        except ValidationError:
            raise ValidationError(f"The table does not have the specified index: {index}") from None
        pk, sk = ix.partition_key, ix.sort_key
    else:
        pk, sk = r.spec.partition_key, r.spec.sort_key
    assert pk is not None
    if req.get("KeyConditions") is not None:
        cond = legacy.conditions(req["KeyConditions"])
        if cond is None:
            raise ValidationError(f"Query condition missed key schema element: {pk.name}")
    else:
        r.expressions += 1
        cond = parse_key_condition_text(req["KeyConditionExpression"], r.subs)
    checks, flt, paths, count_only = _read_common(r, index)
    r.done()
    if req.get("KeyConditions") is None:  # its rules after the placeholders', as DynamoDB checks them
        cond = check_key_condition(cond, partition_key=pk.name, sort_key=sk.name if sk else None,
                                   key_types={k.name: k.type for k in (pk, sk) if k is not None})
    consistent = bool(req.get("ConsistentRead"))
    kc, _ = checks._analyse_query(cond, index, consistent)
    if flt is not None:
        checks._check_query_filter(flt, index, "QueryFilter" if req.get("QueryFilter") is not None
                                   else "Filter Expression")
    start = _start(r, checks, index)
    if start is not None and start.get(kc.partition_name) != kc.partition_value:
        raise ValidationError("The provided starting key does not match the range key predicate")
    page = ns.engine.query(r.name, kc, index=index, filter=flt, projection=paths, limit=req.get("Limit"),
                           reverse=req.get("ScanIndexForward") is False, start_key=start, consistent=consistent,
                           count_only=count_only, whole_items=_whole_items(req, index))
    return _page_out(ns, r, page, count_only, consistent, index)


def _start(r: _Request, checks: BaseTable, index: str | None) -> dict[str, Any] | None:
    if r.req.get("ExclusiveStartKey") is None:
        return None
    return checks._start_key(decode_item(r.req["ExclusiveStartKey"], "ExclusiveStartKey"), index)


def scan(ns: Namespace, req: Json) -> Json:
    r = _Request(ns, req, uses="FilterExpression is null")
    index = req.get("IndexName")
    checks, flt, paths, count_only = _read_common(r, index)
    r.done()
    segment, total = req.get("Segment"), req.get("TotalSegments")
    if (segment is None) != (total is None):
        raise ValidationError("The TotalSegments parameter is required but was not present in the request when "
                              "Segment parameter is present" if total is None else
                              "The Segment parameter is required but was not present in the request when parameter "
                              "TotalSegments is present")
    if type(segment) is int and segment < 0:
        raise ValidationError(f"1 validation error detected: Value '{segment}' at 'segment' failed to satisfy "
                              "constraint: Member must have value greater than or equal to 0")
    if total is not None and not 1 <= total <= 1000000:
        raise ValidationError(f"1 validation error detected: Value '{total}' at 'totalSegments' failed to satisfy "
                              "constraint: Member must have value " + (
                                  "less than or equal to 1000000" if total > 1 else "greater than or equal to 1"))
    if segment is not None and not 0 <= segment < total:
        raise ValidationError(f"The Segment parameter is zero-based and must be less than parameter TotalSegments: "
                              f"Segment: {segment} is not less than TotalSegments: {total}")
    consistent = bool(req.get("ConsistentRead"))
    page = ns.engine.scan(r.name, index=index, filter=flt, projection=paths, limit=req.get("Limit"),
                          start_key=_start(r, checks, index), segment=segment, total_segments=total,
                          consistent=consistent, count_only=count_only, whole_items=_whole_items(req, index))
    return _page_out(ns, r, page, count_only, consistent, index)


# -- batches ----------------------------------------------------------------------------------


def batch_get_item(ns: Namespace, req: Json) -> Json:
    if not req.get("RequestItems"):
        raise ValidationError("BatchGetItem must have some requests set")
    requests: dict[str, BatchGetRequest] = {}
    total = 0
    for name, body in req["RequestItems"].items():
        r = _Request(ns, body, name=name, uses=None)
        if not body.get("Keys"):
            raise ValidationError(f"The list of keys in RequestItems for BatchGetItem is required: {name} has empty list")
        keys = [_key(r.spec, k, "Keys") for k in body["Keys"]]
        total += len(keys)
        if total > 100:
            raise ValidationError("Too many items requested for the BatchGetItem call")
        seen = {tuple(sorted(repr(v) for v in k.items())) for k in keys}
        if len(seen) < len(keys):
            raise ValidationError("Provided list of item keys contains duplicates")
        paths = r.projection()
        r.done()
        requests[name] = BatchGetRequest(keys, bool(body.get("ConsistentRead")), paths)
    found, unprocessed = ns.engine.batch_get(requests)
    out: Json = {"Responses": {t: [encode_item(i) for i in items] for t, items in found.items()},
                 "UnprocessedKeys": {}}
    for t, keys in unprocessed.items():
        if keys:
            body = {k: v for k, v in req["RequestItems"][t].items() if k != "Keys"}
            out["UnprocessedKeys"][t] = body | {"Keys": [encode_item(k) for k in keys]}
    for t in requests:
        out["Responses"].setdefault(t, [])
    # each item found rounded up on its own; a table where none was found is there with 0 units
    return out | _capacities(req, lambda: _per_table([(t, 0.0) for t in requests] + [
        (t, _read_units(item_size(i), requests[t].consistent)) for t, items in found.items() for i in items]))


def batch_write_item(ns: Namespace, req: Json) -> Json:
    if not req.get("RequestItems"):
        raise ValidationError("BatchWriteItem cannot have a null or no requests set")
    requests: dict[str, list[WriteRequest]] = {}
    markers: list[str] = []
    total = 0
    for name, writes in req["RequestItems"].items():
        spec = ns.spec(name)
        total += len(writes)
        if total > 25 and len(writes) <= 25:
            raise ValidationError("Too many items requested for the BatchWriteItem call")
        if len(writes) > 25 or not writes:
            raise ValidationError(
                "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must "
                "satisfy constraint: [Member must have length less than or equal to 25, Member must have length "
                "greater than or equal to 1]"
            )
        out: list[WriteRequest] = []
        seen: set[str] = set()
        for w in writes:
            if ("PutRequest" in w) == ("DeleteRequest" in w):
                # sic: DynamoDB's words for a WriteRequest with both or neither request
                raise ValidationError("Supplied AttributeValue has more than one datatypes set, must contain exactly "
                                      "one of the supported datatypes")
            if "PutRequest" in w:
                item = _item(spec, w["PutRequest"].get("Item"))
                out.append(WriteRequest("put", item))
                key = {k: item[k] for k in spec.table_key_names()}
            else:
                key = _key(spec, w["DeleteRequest"].get("Key"))
                out.append(WriteRequest("delete", key))
            item_marker = marker(name, key)
            if item_marker in seen:
                raise ValidationError("Provided list of item keys contains duplicates")
            seen.add(item_marker)
            markers.append(item_marker)
        requests[name] = out
    _check_return_members(req)
    writes = [(t, w) for t, ws in requests.items() for w in ws]
    with ns.in_flight.writes(markers, refuse=False):
        olds = _olds(ns, req, [(t, w.item if w.kind == "delete" else _key_of(ns, t, w.item)) for t, w in writes])
        unprocessed = ns.engine.batch_write(requests)
    back: Json = {}
    for t, ws in unprocessed.items():
        if ws:
            back[t] = [{"PutRequest": {"Item": encode_item(w.item)}} if w.kind == "put"
                       else {"DeleteRequest": {"Key": encode_item(w.item)}} for w in ws]
    return {"UnprocessedItems": back} | _capacities(req, lambda: _per_table(
        [(t, _write_capacity(ns.spec(t), old, w.item if w.kind == "put" else None))
         for (t, w), old in zip(writes, olds, strict=True)])
    ) | _collections_metrics(ns, req, [(t, w.item) for t, w in writes])


# -- transactions -----------------------------------------------------------------------------

_TX_KINDS = {"Put": "put", "Update": "update", "Delete": "delete", "ConditionCheck": "check"}


def _tx_action(ns: Namespace, entry: Json, position: int) -> TxAction:
    if not entry:
        raise ValidationError("Invalid Request: TransactWriteRequest should contain Delete or Put or Update request")
    if len(entry) != 1 or next(iter(entry)) not in _TX_KINDS:
        raise ValidationError("TransactItems can only contain one of Check, Put, Update or Delete")
    ((wire_kind, body),) = entry.items()
    r = _Request(ns, body, uses="UpdateExpression and ConditionExpression are null" if wire_kind == "Update"
                 else "ConditionExpression is null")
    kind = _TX_KINDS[wire_kind]
    actions: list[Any] = []
    if kind == "put":
        required(body, "Item")
        item = _item(r.spec, body["Item"])
    else:
        item = r.key()
    if kind == "update":
        required(body, "UpdateExpression")
        r.expressions += 1
        actions = parse_update(body["UpdateExpression"], r.subs)
    cond = r.condition()
    if kind == "check" and cond is None:
        raise ValidationError(f"1 validation error detected: Value null at 'transactItems.{position}.member."
                              "conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null")
    r.done()
    if actions:
        validate_update(actions, r.spec.table_key_names())
    return TxAction(kind, r.name, item, cond, tuple(actions), _rv_on_failure(body))  # type: ignore[arg-type]


def _canceled(e: TransactionCanceled) -> ApiError:
    reasons = []
    for reason in e.reasons:
        out: Json = {"Code": reason.code}
        if reason.code == "ConditionalCheckFailed":
            out["Message"] = "The conditional request failed."  # sic: with a full stop here, without one alone
        elif reason.message:
            out["Message"] = reason.message
        if reason.item is not None:
            out["Item"] = encode_item(reason.item)
        reasons.append(out)
    codes = ", ".join(x["Code"] for x in reasons)
    return ApiError("TransactionCanceledException",
                    f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
                    extra={"CancellationReasons": reasons})


def marker(table: str, key: dict[str, Any]) -> str:
    """One item of one table, as a string (for `Namespace.in_flight` and the duplicate checks)."""
    return table + "\0" + repr(sorted(key.items()))


def _no_item_twice(ns: Namespace, keys: Sequence[tuple[str, dict[str, Any]]]) -> list[str]:
    """The items' markers, in order; ValidationError when one is there twice."""
    markers = [marker(table, key) for table, key in keys]
    if len(set(markers)) < len(markers):
        raise ValidationError("Transaction request cannot include multiple operations on one item")
    return markers


def _tx_items(req: Json) -> Sequence[Json]:
    required(req, "TransactItems")
    items = req["TransactItems"]
    if not 1 <= len(items) <= 100:
        raise ValidationError(
            f"1 validation error detected: Value '{items}' at 'transactItems' failed to satisfy constraint: Member "
            "must have length " + ("less than or equal to 100" if items else "greater than or equal to 1"))
    return items  # type: ignore[no-any-return]


_TYPE_MISMATCH = _INVALID + "Type mismatch for key"
_INDEX_TYPE_MISMATCH = _INVALID + "Type mismatch for Index Key"


def _wrong_key_type(message: str) -> bool:
    """A refusal for a key or index key value of the wrong type: in a transaction, a cancellation reason."""
    return message == _TYPE_MISMATCH or message.startswith(_INDEX_TYPE_MISMATCH)


def _each_or_cancel(entries: Sequence[Any], build: Callable[[Any, int], Any],
                    cancels: Callable[[str], bool] = _wrong_key_type) -> list[Any]:
    """``build`` for each entry; a key (or index key) of the wrong type cancels the transaction with a ValidationError reason
    for that entry (DynamoDB cancels for "a user error, such as an invalid data format") instead of refusing it.
    ``cancels`` tells such a refusal by its message (PartiQL words it otherwise)."""
    built, reasons = [], []
    for i, entry in enumerate(entries, 1):
        try:
            built.append(build(entry, i))
            reasons.append({"Code": "None"})
        except ValidationError as e:
            if not cancels(e.message):
                raise
            reasons.append({"Code": "ValidationError", "Message": e.message})
    if len(built) < len(entries):
        codes = ", ".join(x["Code"] for x in reasons)
        raise ApiError("TransactionCanceledException",
                       f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
                       extra={"CancellationReasons": reasons})
    return built


def transact_write_items(ns: Namespace, req: Json) -> Json:
    actions = _each_or_cancel(_tx_items(req), lambda entry, i: _tx_action(ns, entry, i))
    token = length_member(req, "ClientRequestToken", 1, 36)
    keys = [(a.table, a.item if a.kind != "put" else _key_of(ns, a.table, a.item)) for a in actions]
    markers = _no_item_twice(ns, keys)
    _check_return_members(req)
    try:
        with ns.in_flight.transaction(markers, write=True, token=token):
            olds = _olds(ns, req, keys)
            ns.engine.transact_write(actions, token=token)
    except TransactionCanceled as e:
        raise _canceled(e) from None

    def units(a: TxAction, old: dict[str, Any] | None) -> Units:
        if a.kind == "check":
            return Units(1.0)
        new = a.item if a.kind == "put" else None if a.kind == "delete" else apply_update(
            old if old is not None else dict(a.item), a.actions)
        return _write_capacity(ns.spec(a.table), old, new)

    # A transaction costs each write twice (prepare and commit), as on DynamoDB.
    return _capacities(req, lambda: _per_table([(a.table, units(a, old)) for a, old in zip(actions, olds, strict=True)],
                                               factor=2.0)) | _collections_metrics(
        ns, req, [(a.table, a.item) for a in actions if a.kind != "check"])


def _key_of(ns: Namespace, table: str, item: dict[str, Any]) -> dict[str, Any]:
    return {k: item[k] for k in ns.spec(table).table_key_names()}


def _olds(ns: Namespace, req: Json, keys: Sequence[tuple[str, dict[str, Any]]]) -> list[dict[str, Any] | None]:
    """The items a batch or transaction is about to write over, for its ConsumedCapacity (read only when the
    request asks for it: the write itself does not need them). A write by another client in between would
    only make the figure stale."""
    if one_of(req, "ReturnConsumedCapacity", _CAPACITY, "NONE") == "NONE":
        return [None] * len(keys)
    return ns.engine.transact_get([TxGet(t, k) for t, k in keys])


def transact_get_items(ns: Namespace, req: Json) -> Json:
    def get(entry: Json, position: int) -> TxGet:
        body = entry.get("Get")
        if body is None:
            raise ValidationError(f"1 validation error detected: Value null at 'transactItems.{position}.member.get' "
                                  "failed to satisfy constraint: Member must not be null")
        r = _Request(ns, body, uses=None)
        key = r.key()
        paths = r.projection()
        r.done()
        return TxGet(r.name, key, paths)

    gets: list[TxGet] = _each_or_cancel(_tx_items(req), get)
    markers = _no_item_twice(ns, [(g.table, g.key) for g in gets])
    try:
        with ns.in_flight.transaction(markers, write=False):
            items = ns.engine.transact_get(gets)
    except TableNotFound:
        raise not_found() from None
    except TransactionCanceled as e:
        raise _canceled(e) from None
    return {"Responses": [{"Item": encode_item(i)} if i is not None else {} for i in items]} | _capacities(
        req, lambda: _per_table([(g.table, _read_units(item_size(i) if i else 0, True))
                                 for g, i in zip(gets, items, strict=True)], factor=2.0))

