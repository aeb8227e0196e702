"""Table operations: CreateTable/DescribeTable request and response shapes <-> `TableSpec`."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from ..engine import TableInfo
from ..errors import TableExists, TableNotFound, ValidationError
from ..spec import Index, KeyAttribute, TableSpec, key_schema, projection_shape
from .wire import ApiError, Json, json_kind, long_member, one_of, required, table_name, text

if TYPE_CHECKING:
    from .service import Namespace

_INVALID = "One or more parameter values were invalid: "
_BILLING = ("PROVISIONED", "PAY_PER_REQUEST")
_VIEWS = ("NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY")
_TABLE_CLASSES = ("STANDARD", "STANDARD_INFREQUENT_ACCESS")
_SSE_TYPES = ("AES256", "KMS")
#: UpdateTable members that change something (DynamoDB Local answers "Nothing to update" to a request with
#: none of them, even one with TableClass, SSESpecification, ReplicaUpdates or WarmThroughput, which it ignores)
_CHANGES = ("ProvisionedThroughput", "BillingMode", "GlobalSecondaryIndexUpdates", "StreamSpecification",
            "DeletionProtectionEnabled", "OnDemandThroughput")

# the keys of `PerTable` settings (see `Namespace.settings`) beyond ``deletion_protection``
_PAY_PER_REQUEST_SINCE = "pay_per_request_since"  # BillingModeSummary.LastUpdateToPayPerRequestDateTime
_ON_DEMAND = "on_demand"  # the table's OnDemandThroughput, "[read, write]"; an index's is "on_demand:<index>"
_LATEST_STREAM = "latest_stream"  # the ARN of the stream last disabled, which DescribeTable still shows


def not_found() -> ApiError:
    return ApiError("ResourceNotFoundException", "Cannot do operations on a non-existent table")


# -- request -> spec -----------------------------------------------------------------


def spec_from_request(req: Json) -> TableSpec:
    """A CreateTable request as a `TableSpec`, checked as DynamoDB checks it."""
    required(req, "AttributeDefinitions", "TableName", "KeySchema")
    name = table_name(req)
    types: dict[str, str] = {}
    for d in req["AttributeDefinitions"]:
        types[d["AttributeName"]] = one_of(d, "AttributeType", ("B", "N", "S"), "S")
    billing = one_of(req, "BillingMode", _BILLING, "PROVISIONED")
    tp = _read_units(req.get("ProvisionedThroughput"))
    if billing == "PROVISIONED" and tp is None:
        raise ValidationError("No provisioned throughput specified for the table")
    if billing == "PAY_PER_REQUEST" and tp is not None:
        raise ValidationError(_INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
                              "BillingMode is PAY_PER_REQUEST")
    for unit in ("ReadCapacityUnits", "WriteCapacityUnits") if tp is not None else ():
        value = (tp or {}).get(unit)
        where = f"at 'provisionedThroughput.{unit[0].lower()}{unit[1:]}' failed to satisfy constraint: Member must"
        if value is None:
            raise ValidationError(f"1 validation error detected: Value null {where} not be null")
        if type(value) is not int or value < 1:
            raise ValidationError(f"1 validation error detected: Value '{value}' {where} have value greater than or "
                                  "equal to 1")
    used: list[str] = []

    def keys(schema: Any) -> tuple[KeyAttribute, KeyAttribute | None]:
        pk = sk = None
        names = [k.get("AttributeName") for k in schema or ()]
        if len(set(names)) < len(names):
            raise ValidationError("Two keys can not have the same name")
        if len(names) > 2:
            raise ValidationError("Key Schema too big.  Key Schema must at most consist of the hash and range key of "
                                  "a table")
        for i, k in enumerate(schema or (), 1):
            if k.get("KeyType") not in ("HASH", "RANGE"):
                raise ValidationError(f"1 validation error detected: Value '{k.get('KeyType')}' at 'keySchema.{i}."
                                      "member.keyType' failed to satisfy constraint: Member must satisfy enum value "
                                      "set: [HASH, RANGE]")
            n = k.get("AttributeName")
            if n not in types and not used:  # the table's own key
                raise ValidationError(f"{'Hash' if k.get('KeyType') == 'HASH' else 'Range'} Key not specified in "
                                      "Attribute Definitions.  Type unknown.")
            if n not in types:
                raise ValidationError(
                    _INVALID + "Some index key attributes are not defined in AttributeDefinitions. "
                    f"Keys: [{', '.join(x.get('AttributeName', '') for x in schema)}], "
                    f"AttributeDefinitions: [{', '.join(types)}]"
                )
            used.append(n)
            attr = KeyAttribute(n, types[n])  # type: ignore[arg-type]
            if k.get("KeyType") == "HASH" and pk is None:
                pk = attr
            elif k.get("KeyType") == "RANGE" and sk is None:
                sk = attr
            else:
                raise ValidationError(_INVALID + "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"
                                      if pk is None else _INVALID + "Too many hash keys specified.  All Dynamo "
                                      "DB tables must have exactly one hash key")
        if pk is None:
            raise ValidationError(_INVALID + "Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
        return pk, sk

    pk, sk = keys(req["KeySchema"])
    if sk is None and req.get("LocalSecondaryIndexes"):
        raise ValidationError("Local Secondary indices are not allowed on hash tables, only hash and range tables")
    indexes: list[Index] = []
    for ix in (*(req.get("LocalSecondaryIndexes") or ()), *(req.get("GlobalSecondaryIndexes") or ())):
        table_name(ix, "IndexName")  # the same rule and words for index names
    for ix in req.get("LocalSecondaryIndexes") or ():
        ipk, isk = keys(ix.get("KeySchema"))
        if ipk != pk:
            raise ValidationError("Local Secondary indices must have the same hash key as the main table")
        indexes.append(Index(ix["IndexName"], ipk, isk, _projection(ix.get("Projection")), True))
    for ix in req.get("GlobalSecondaryIndexes") or ():
        indexes.append(_gsi(ix, keys, billing))
    for kind, field in (("global", "GlobalSecondaryIndexes"), ("local", "LocalSecondaryIndexes")):
        names = [ix.get("IndexName") for ix in req.get(field) or ()]
        if len(set(names)) < len(names):
            raise ValidationError(f"Two {kind} secondary indices have the same name")
    if set(types) - set(used):
        raise ValidationError("The number of attributes in key schema must match the number of attributes defined "
                              "in attribute definitions.")
    stream = _stream(req)
    try:
        return TableSpec(
            name=name, partition_key=pk, sort_key=sk, indexes=tuple(indexes), billing_mode=billing,  # type: ignore[arg-type]
            read_capacity=(tp or {}).get("ReadCapacityUnits"), write_capacity=(tp or {}).get("WriteCapacityUnits"),
            stream=stream.get("StreamViewType") if stream.get("StreamEnabled") else None,
        )
    except ValidationError as e:
        raise ValidationError(_INVALID + e.message) from None


def _stream(req: Json) -> Json:
    stream: Json = req.get("StreamSpecification") or {}
    view = stream.get("StreamViewType")
    if view is not None and view not in _VIEWS:
        raise ValidationError(f"1 validation error detected: Value '{view}' at 'streamSpecification.streamViewType' "
                              f"failed to satisfy constraint: Member must satisfy enum value set: [{', '.join(_VIEWS)}]")
    if req.get("StreamSpecification") is not None and stream.get("StreamEnabled") is None:
        raise ValidationError("Stream StreamEnabled was null")
    if stream.get("StreamEnabled") is not None and type(stream["StreamEnabled"]) is not bool:
        raise ApiError("SerializationException", "Unexpected value type in payload: StreamEnabled")
    if stream.get("StreamEnabled") and not view:
        raise ValidationError("Invalid StreamViewType: Stream ViewType must not be null or empty when enabling streams.")
    if stream.get("StreamEnabled") is False and view is not None:
        raise ValidationError("Invalid StreamViewType: Stream StreamEnabled was false but a StreamViewType was present.")
    return stream


def _ignored_settings(req: Json) -> None:
    """Check ``TableClass`` and ``SSESpecification``, which DynamoDB Local accepts and ignores (it never reports
    ``TableClassSummary`` or ``SSEDescription``): values DynamoDB refuses are refused in its words."""
    one_of(req, "TableClass", _TABLE_CLASSES, "STANDARD")
    sse = req.get("SSESpecification")
    if sse is None:
        return
    if not isinstance(sse, dict):
        raise ApiError("SerializationException", "Unexpected value type in payload: SSESpecification")
    if sse.get("Enabled") is not None and type(sse["Enabled"]) is not bool:
        raise ApiError("SerializationException", "Unexpected value type in payload: Enabled")
    if sse.get("SSEType") is not None and sse["SSEType"] not in _SSE_TYPES:
        raise ValidationError(f"1 validation error detected: Value '{sse['SSEType']}' at 'sSESpecification.sSEType' "
                              f"failed to satisfy constraint: Member must satisfy enum value set: [{', '.join(_SSE_TYPES)}]")


def _on_demand(od: Any, index: str | None = None) -> tuple[int, int] | None:
    """An ``OnDemandThroughput`` (of the table, or of global index ``index``) checked as DynamoDB Local checks it
    on CreateTable: both members, each -1 (no limit) or at least 1. None when not given."""
    if od is None:
        return None
    if not isinstance(od, dict):
        raise ApiError("SerializationException", "Unexpected value type in payload: OnDemandThroughput")
    read, write = (long_member(od.get(m)) for m in ("MaxReadRequestUnits", "MaxWriteRequestUnits"))
    if read is None or write is None:
        raise ValidationError(_TABLE_UNITS if index is None else _INDEX_UNITS)
    for member, value in (("MaxReadRequestUnits", read), ("MaxWriteRequestUnits", write)):
        if value < 1 and value != -1:
            raise ValidationError(_INVALID + f"Requested {member} for OnDemandThroughput for "
                                  f"{'table' if index is None else 'index : ' + index} is outside of valid range")
    return read, write


def _index_on_demand_key(index: str) -> str:
    return f"{_ON_DEMAND}:{index}"


def _create_settings(req: Json, spec: TableSpec) -> dict[str, str]:
    """The `PerTable` settings a CreateTable request gives its table, checked before anything is made."""
    _ignored_settings(req)
    out: dict[str, str] = {}
    table_od = _on_demand(req.get("OnDemandThroughput"))
    if table_od is not None and spec.billing_mode == "PAY_PER_REQUEST":
        out[_ON_DEMAND] = json.dumps(table_od)
    for ix in req.get("GlobalSecondaryIndexes") or ():
        index_od = _on_demand(ix.get("OnDemandThroughput"), ix["IndexName"])
        if index_od is not None:
            out[_index_on_demand_key(ix["IndexName"])] = json.dumps(index_od)
    return out


def _gsi(ix: Json, keys: Any, billing: str) -> Index:
    """A global index of CreateTable or UpdateTable (``Create``) on a table billed ``billing``."""
    ipk, isk = keys(ix.get("KeySchema"))
    tp = ix.get("ProvisionedThroughput")
    if billing == "PROVISIONED" and tp is None:
        raise ValidationError("No provisioned throughput specified for the global secondary index")
    if billing == "PAY_PER_REQUEST" and tp is not None:
        raise ValidationError(_INVALID + f"ProvisionedThroughput should not be specified for index: {ix['IndexName']} "
                              "when BillingMode is PAY_PER_REQUEST")
    read, write = _units(tp, _INDEX_UNITS) if tp is not None else (None, None)
    return Index(ix["IndexName"], ipk, isk, _projection(ix.get("Projection")), False, read, write)


def _projection(p: Json | None) -> Any:
    p = p or {}
    kind = p.get("ProjectionType", "ALL")
    if kind not in ("ALL", "KEYS_ONLY", "INCLUDE"):
        raise ValidationError("Projection type must be INCLUDE, ALL, or KEYS_ONLY")
    if kind == "INCLUDE" and not p.get("NonKeyAttributes"):
        raise ValidationError("If Projection type INCLUDE is specified, some non-key attributes to include in the "
                              "projection must be specified as well")
    return tuple(p["NonKeyAttributes"]) if kind == "INCLUDE" else kind


# -- spec -> description -----------------------------------------------------------------


def _throughput(read: int | None, write: int | None) -> Json:
    return {"LastIncreaseDateTime": 0.0, "LastDecreaseDateTime": 0.0, "NumberOfDecreasesToday": 0,
            "ReadCapacityUnits": read or 0, "WriteCapacityUnits": write or 0}


def _index_throughput(spec: TableSpec, ix: Index) -> Json:
    """A global index's ``ProvisionedThroughput``, as DynamoDB Local shows it: the units alone, none on demand
    (where Local keeps showing an index's old units after a switch from PROVISIONED)."""
    if spec.billing_mode == "PAY_PER_REQUEST":
        return {}
    return {"ProvisionedThroughput": {"ReadCapacityUnits": ix.read_capacity or spec.read_capacity,
                                      "WriteCapacityUnits": ix.write_capacity or spec.write_capacity}}


def _max_units(setting: str | None) -> Json | None:
    if setting is None:
        return None
    read, write = json.loads(setting)
    return {"MaxReadRequestUnits": read, "MaxWriteRequestUnits": write}


def describe(ns: Namespace, info: TableInfo) -> Json:
    """DescribeTable's ``Table`` for ``info``."""
    spec = info.spec
    arn = ns.table_arn(spec.name)
    created = _created(ns, info)
    settings = ns.settings.of(spec.name)
    types: dict[str, str] = {}
    for k in spec.key_attributes():
        types.setdefault(k.name, k.type)
    out: Json = {
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in types.items()],
        "TableName": spec.name,
        "KeySchema": key_schema(spec.partition_key, spec.sort_key),
        "TableStatus": info.status,
        "CreationDateTime": created,
        "ProvisionedThroughput": _throughput(spec.read_capacity, spec.write_capacity),
        "TableSizeBytes": info.size_bytes,
        "ItemCount": info.item_count,
        "TableArn": arn,
    }
    since = settings.get(_PAY_PER_REQUEST_SINCE)
    if since is not None or spec.billing_mode == "PAY_PER_REQUEST":
        # once on demand, a table keeps the summary (with the last switch's time) when provisioned again
        out["BillingModeSummary"] = {"BillingMode": spec.billing_mode,
                                     "LastUpdateToPayPerRequestDateTime": float(since) if since else created}
    table_od = _max_units(settings.get(_ON_DEMAND))
    if table_od is not None and spec.billing_mode == "PAY_PER_REQUEST" and -1 not in table_od.values():
        out["OnDemandThroughput"] = table_od  # DynamoDB Local leaves a limit with -1 (none) out
    lsis = [ix for ix in spec.indexes if ix.local]
    gsis = [ix for ix in spec.indexes if not ix.local]
    sizes = ns.engine.index_sizes(spec.name) if spec.indexes else {}
    if lsis:
        out["LocalSecondaryIndexes"] = [
            {"IndexName": ix.name, "KeySchema": key_schema(spec.partition_key, ix.sort_key),
             "Projection": projection_shape(ix), **_index_size(sizes, ix.name), "IndexArn": f"{arn}/index/{ix.name}"}
            for ix in lsis
        ]
    if gsis:
        out["GlobalSecondaryIndexes"] = [
            {"IndexName": ix.name, "KeySchema": key_schema(ix.partition_key, ix.sort_key),  # type: ignore[arg-type]
             "Projection": projection_shape(ix), "IndexStatus": info.index_status.get(ix.name, "ACTIVE"),
             **_index_throughput(spec, ix), **_index_size(sizes, ix.name), "IndexArn": f"{arn}/index/{ix.name}",
             **_present("OnDemandThroughput", _max_units(settings.get(_index_on_demand_key(ix.name))))}
            for ix in gsis
        ]
    stream_arn = info.stream_arn if spec.stream is not None else settings.get(_LATEST_STREAM)
    if spec.stream is not None:
        out["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": spec.stream}
    if stream_arn:  # a disabled stream is still the latest, as DynamoDB shows it
        out["LatestStreamLabel"] = stream_arn.rsplit("/", 1)[-1]
        out["LatestStreamArn"] = stream_arn
    out["DeletionProtectionEnabled"] = settings.get("deletion_protection") == "1"
    return out


def _present(key: str, value: Any) -> Json:
    return {} if value is None else {key: value}


_PROTECTED = "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first."


def _protection(req: Json) -> bool | None:
    """The request's ``DeletionProtectionEnabled`` (None: not given), checked before anything changes."""
    on = req.get("DeletionProtectionEnabled")
    if on is not None and type(on) is not bool:
        raise ApiError("SerializationException", "Unexpected value type in payload: DeletionProtectionEnabled")
    return on


def _set_protection(ns: Namespace, name: str, on: bool | None) -> None:
    if on:
        ns.settings.add(name, {"deletion_protection": "1"})
    elif on is not None:
        ns.settings.remove(name, ["deletion_protection"])


def _index_size(sizes: dict[str, tuple[int, int]], index: str) -> Json:
    items, nbytes = sizes.get(index, (0, 0))
    return {"IndexSizeBytes": nbytes, "ItemCount": items}


# -- operations ---------------------------------------------------------------------------


def info_of(ns: Namespace, name: str) -> TableInfo:
    try:
        return ns.engine.describe_table(name)
    except TableNotFound:
        raise not_found() from None


def create_table(ns: Namespace, req: Json) -> Json:
    spec = spec_from_request(req)
    protection = _protection(req)
    settings = _create_settings(req, spec)
    try:
        ns.engine.create_table(spec)
    except TableExists:
        raise ApiError("ResourceInUseException", f"Table already exists: {spec.name}") from None
    ns.forget(spec.name)
    ns.table_created(spec.name)
    # a table of the same name deleted behind the endpoint's back leaves nothing behind
    ns.tags.remove(spec.name)
    ns.settings.remove(spec.name)
    if settings:
        ns.settings.add(spec.name, settings)
    _set_protection(ns, spec.name, protection)
    if req.get("Tags"):
        ns.tags.add(spec.name, {t["Key"]: t["Value"] for t in req["Tags"]})
    return {"TableDescription": describe(ns, ns.engine.describe_table(spec.name))}


def describe_table(ns: Namespace, req: Json) -> Json:
    return {"Table": describe(ns, info_of(ns, table_name(req)))}


def delete_table(ns: Namespace, req: Json) -> Json:
    name = table_name(req)
    desc = describe(ns, info_of(ns, name))
    if desc["DeletionProtectionEnabled"]:
        raise ValidationError(_PROTECTED)
    ns.forget(name)
    try:
        ns.engine.delete_table(name)
    except TableNotFound:
        raise not_found() from None
    ns.forget(name)
    ns.tags.remove(name)
    ns.settings.remove(name)
    desc["TableStatus"] = "DELETING"
    return {"TableDescription": desc}


def update_table(ns: Namespace, req: Json) -> Json:
    name = table_name(req)
    info = info_of(ns, name)
    _ignored_settings(req)
    if not any(req.get(k) is not None for k in _CHANGES):
        raise ValidationError("Nothing to update")
    updates = list(req.get("GlobalSecondaryIndexUpdates") or ())
    if req.get("GlobalSecondaryIndexUpdates") is not None and not updates and len(
            [k for k in req if k not in ("TableName", "AttributeDefinitions")]) == 1:
        raise ValidationError("Nothing to update")
    for u in updates:
        if not u or not any(u.get(k) for k in ("Create", "Update", "Delete")):
            raise ValidationError("Update global secondary index action is null")
    if sum(1 for u in updates if u.get("Create") or u.get("Delete")) > 1:
        raise ApiError("LimitExceededException", "Subscriber limit exceeded: Only 1 online index can be created or "
                       "deleted simultaneously per table")
    # everything is checked before anything changes
    capacity = _capacity_change(info.spec, req, updates)
    created = [_new_index(info.spec, req, u["Create"]) for u in updates if u.get("Create")]
    stream = _stream_change(info, req)
    protection = _protection(req)
    settings, unset = _changed_settings(ns, info, req, updates, capacity, stream)
    deleted = [u["Delete"].get("IndexName") for u in updates if u.get("Delete")]
    before = describe(ns, info) if deleted else None
    ns.forget(name)
    try:
        for index_name in deleted:
            _drop_index(ns, name, index_name)
        if capacity is not None:
            ns.engine.set_capacity(name, **capacity)
        for index in created:
            try:
                ns.engine.add_index(name, index)
            except ValidationError as e:
                if e.message.startswith("Attempting to create an index which already exists"):
                    raise ValidationError("Attempting to create an index which already exists") from None
                raise
        if stream is not None:
            ns.engine.set_stream(name, stream.get("StreamViewType") if stream.get("StreamEnabled") else None)
        _set_protection(ns, name, protection)
        if unset:
            ns.settings.remove(name, unset)
        if settings:
            ns.settings.add(name, settings)
    finally:
        ns.forget(name)  # again: a request in the meantime may have cached the old spec
    answer = describe(ns, info_of(ns, name))
    _as_in_progress(answer, before, [ix.name for ix in created], deleted)
    return {"TableDescription": answer}


def _as_in_progress(answer: Json, before: Json | None, created: list[str], deleted: list[str]) -> None:
    """UpdateTable's answer shows an index it creates as ``CREATING`` and one it deletes as ``DELETING``, as
    DynamoDB (and Local) answer; the endpoint has done either by then, so DescribeTable shows the outcome."""
    indexes: list[Json] = answer.get("GlobalSecondaryIndexes") or []
    for i, ix in enumerate(indexes):
        if ix["IndexName"] in created:
            status = {"IndexStatus": "CREATING", "Backfilling": False}
            indexes[i] = {k: v for k, v in {**ix, **status}.items() if k not in ("IndexSizeBytes", "ItemCount")}
    for position, ix in enumerate((before or {}).get("GlobalSecondaryIndexes") or ()):
        if ix["IndexName"] in deleted:
            indexes.insert(position, {**ix, "IndexStatus": "DELETING", "IndexSizeBytes": 0, "ItemCount": 0})
    if indexes:
        answer["GlobalSecondaryIndexes"] = indexes


def _stream_change(info: TableInfo, req: Json) -> Json | None:
    """UpdateTable's ``StreamSpecification`` (None: not given), checked as DynamoDB checks it."""
    if req.get("StreamSpecification") is None:
        return None
    stream = _stream(req)
    if stream["StreamEnabled"] and info.spec.stream is not None:
        raise ValidationError("Table already has an enabled stream")
    if not stream["StreamEnabled"] and info.spec.stream is None:
        raise ValidationError("Table has no stream to disable")
    return stream


def _changed_settings(ns: Namespace, info: TableInfo, req: Json, updates: list[Json],
                      capacity: dict[str, Any] | None, stream: Json | None) -> tuple[dict[str, str], list[str]]:
    """The `PerTable` settings UpdateTable adds (or replaces) and those it takes off, checked."""
    spec = info.spec
    mode = capacity["billing_mode"] if capacity is not None else spec.billing_mode
    add: dict[str, str] = {}
    unset: list[str] = []
    if mode != spec.billing_mode and mode == "PAY_PER_REQUEST":
        add[_PAY_PER_REQUEST_SINCE] = repr(round(time.time(), 3))
    elif mode != spec.billing_mode:
        if _PAY_PER_REQUEST_SINCE not in ns.settings.of(spec.name):  # on demand since it was made
            add[_PAY_PER_REQUEST_SINCE] = repr(_created(ns, info))
        unset.append(_ON_DEMAND)
    if stream is not None and not stream["StreamEnabled"] and info.stream_arn:
        add[_LATEST_STREAM] = info.stream_arn
    elif stream is not None:
        unset.append(_LATEST_STREAM)
    table_od = _on_demand(req.get("OnDemandThroughput"))
    if table_od is not None and mode == "PAY_PER_REQUEST":  # DynamoDB Local ignores it on a provisioned table
        add[_ON_DEMAND] = json.dumps(table_od)
    globals_ = {ix.name for ix in spec.indexes if not ix.local}
    for u in updates:
        if (u.get("Update") or {}).get("OnDemandThroughput") is not None and mode == "PAY_PER_REQUEST":
            index = u["Update"].get("IndexName")
            if index not in globals_:
                raise ValidationError("Invalid global secondary index name")
            add[_index_on_demand_key(index)] = json.dumps(_on_demand(u["Update"]["OnDemandThroughput"], index))
        if u.get("Create"):
            index = u["Create"]["IndexName"]
            index_od = _on_demand(u["Create"].get("OnDemandThroughput"), index)
            if index_od is None and mode == "PAY_PER_REQUEST":
                index_od = (-1, -1)  # no limit, as DynamoDB Local shows an index it makes on demand
            if index_od is not None:
                add[_index_on_demand_key(index)] = json.dumps(index_od)
        if u.get("Delete"):
            unset.append(_index_on_demand_key(u["Delete"].get("IndexName")))
    return add, unset


def _created(ns: Namespace, info: TableInfo) -> float:
    return round(info.created, 3) if info.created is not None else ns.created_at(info.spec.name)


def _drop_index(ns: Namespace, table: str, index: Any) -> None:
    try:
        ns.engine.drop_index(table, index)
    except ValidationError:  # no global index of that name
        raise ApiError("ResourceNotFoundException", "Requested resource not found") from None


def _new_index(spec: TableSpec, req: Json, create: Json) -> Index:
    """The global index an UpdateTable ``Create`` asks for, checked."""
    if not req.get("AttributeDefinitions"):
        raise ValidationError("No Attribute Schema Defined")
    if any(ix.name == create.get("IndexName") for ix in spec.indexes):
        raise ValidationError("Attempting to create an index which already exists")
    types = {d["AttributeName"]: d["AttributeType"] for d in req.get("AttributeDefinitions") or ()}
    for k in spec.key_attributes():
        types.setdefault(k.name, k.type)

    def keys(schema: Any) -> tuple[KeyAttribute, KeyAttribute | None]:
        pk = sk = None
        for k in schema or ():
            n = k["AttributeName"]
            if n not in types:
                raise ValidationError(_INVALID + "Some index key attributes are not defined in AttributeDefinitions. "
                                      f"Keys: [{n}], AttributeDefinitions: [{', '.join(types)}]")
            attr = KeyAttribute(n, types[n])  # type: ignore[arg-type]
            if k["KeyType"] == "HASH":
                pk = attr
            else:
                sk = attr
        assert pk is not None
        return pk, sk

    return _gsi(create, keys, one_of(req, "BillingMode", _BILLING, spec.billing_mode))


_TABLE_UNITS = "Table read and write throughput must be at least 1, and cannot be null"
_INDEX_UNITS = "Global Secondary Index's read and write throughput must be at least 1, and cannot be null"
_UNCHANGED = "The requested throughput value equals the current value"


def _read_units(tp: Any) -> Any:
    """``ProvisionedThroughput`` with its units as numbers (see `long_member`)."""
    if not isinstance(tp, dict):
        return tp
    return {**tp, **{u: long_member(tp[u]) for u in ("ReadCapacityUnits", "WriteCapacityUnits") if u in tp}}


def _units(tp: Json, words: str) -> tuple[int, int]:
    read, write = (long_member(tp.get(u)) for u in ("ReadCapacityUnits", "WriteCapacityUnits"))
    if type(read) is not int or type(write) is not int or read < 1 or write < 1:
        raise ValidationError(words)
    return read, write


def _capacity_change(spec: TableSpec, req: Json, updates: list[Json]) -> dict[str, Any] | None:
    """`Engine.set_capacity`'s arguments for UpdateTable's ``BillingMode`` / ``ProvisionedThroughput`` / index
    ``Update``s, checked as DynamoDB checks them; None when they change nothing."""
    mode = one_of(req, "BillingMode", _BILLING, spec.billing_mode)
    tp = req.get("ProvisionedThroughput")
    # on demand, an index Update of its OnDemandThroughput alone is not a capacity change (see `_changed_settings`)
    changes = [u["Update"] for u in updates if u.get("Update") and (
        mode == "PROVISIONED" or u["Update"].get("ProvisionedThroughput") is not None
        or u["Update"].get("OnDemandThroughput") is None)]
    gone = {(u.get("Delete") or {}).get("IndexName") for u in updates}
    if mode == "PAY_PER_REQUEST":
        if tp is not None or changes:
            raise ValidationError(_INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
                                  "BillingMode is PAY_PER_REQUEST")
        return None if spec.billing_mode == mode else {"billing_mode": mode}
    switching = spec.billing_mode != mode
    if tp is None and switching:
        raise ValidationError("No provisioned throughput specified for the table")
    read, write = _units(tp, _TABLE_UNITS) if tp is not None else (spec.read_capacity, spec.write_capacity)
    if tp is not None and not switching and (read, write) == (spec.read_capacity, spec.write_capacity):
        raise ValidationError(_UNCHANGED)
    globals_ = {ix.name: ix for ix in spec.indexes if not ix.local}
    index_units: dict[str, tuple[int, int]] = {}
    for change in changes:
        ix = globals_.get(change.get("IndexName"))
        if ix is None:
            raise ValidationError("Invalid global secondary index name")
        if change.get("ProvisionedThroughput") is None:
            raise ValidationError("No provisioned throughput specified for the global secondary index")
        units = _units(change["ProvisionedThroughput"], _INDEX_UNITS)
        if not switching and units == (ix.read_capacity or spec.read_capacity, ix.write_capacity or spec.write_capacity):
            raise ValidationError(_UNCHANGED)
        index_units[ix.name] = units
    if switching:
        for ix_name in globals_:
            if ix_name not in index_units and ix_name not in gone:
                raise ValidationError(_INVALID + f"ProvisionedThroughput must be specified for index: {ix_name}")
    index_units = {n: u for n, u in index_units.items() if n not in gone}
    return {"billing_mode": mode, "read_capacity": read, "write_capacity": write, "index_capacity": index_units}


def list_tables(ns: Namespace, req: Json) -> Json:
    limit = req.get("Limit", 100)
    if not isinstance(limit, int) or not 1 <= limit <= 100:
        raise ValidationError(f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
                              "constraint: Member must have value " + ("less than or equal to 100" if isinstance(
                                  limit, int) and limit > 100 else "greater than or equal to 1"))
    names = ns.engine.list_tables()
    start = table_name(req, "ExclusiveStartTableName") if req.get("ExclusiveStartTableName") is not None else None
    if start is not None:
        names = [n for n in names if n > start]
    out: Json = {"TableNames": names[:limit]}
    if len(names) > limit:
        out["LastEvaluatedTableName"] = names[limit - 1]
    return out


def update_ttl(ns: Namespace, req: Json) -> Json:
    name = table_name(req)
    required(req, "TimeToLiveSpecification")
    ttl = req["TimeToLiveSpecification"]
    if not isinstance(ttl, dict):
        raise ApiError("SerializationException", f"{json_kind(ttl)} can not be converted to a TimeToLiveSpecification")
    required(ttl, "Enabled", "AttributeName", within="TimeToLiveSpecification")
    enabled = ttl["Enabled"]
    if type(enabled) is not bool and type(enabled) is not int:  # JSON numbers pass as DynamoDB Local takes them
        raise ApiError("SerializationException", f"{json_kind(enabled)} can not be converted to a Boolean")
    attribute = text(ttl, "AttributeName")
    assert attribute is not None
    if not 1 <= len(attribute) <= 255:
        raise ValidationError("Names of key attributes and attributes projected into an index must be between 1 and "
                              "255 characters, inclusive")
    current = info_of(ns, name).spec.ttl_attribute
    if current is not None and current != attribute:
        raise ValidationError("TimeToLive is active on a different AttributeName")
    if enabled and current is not None:
        raise ValidationError("TimeToLive is already enabled")
    if not enabled and current is None:
        raise ValidationError("TimeToLive is already disabled")
    ns.forget(name)
    ns.engine.set_ttl(name, attribute if enabled else None)
    ns.forget(name)
    return {"TimeToLiveSpecification": {"Enabled": bool(enabled), "AttributeName": attribute}}


def describe_ttl(ns: Namespace, req: Json) -> Json:
    attr = info_of(ns, table_name(req)).spec.ttl_attribute
    if attr is None:
        return {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}
    return {"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED", "AttributeName": attr}}


def _arn_table(ns: Namespace, req: Json) -> str:
    """The name of the (existing) table ``ResourceArn`` names."""
    required(req, "ResourceArn")
    arn = req["ResourceArn"]
    prefix = ns.table_arn("")
    if not isinstance(arn, str) or not arn.startswith(prefix):
        raise ValidationError(f"Invalid TableArn: Invalid ResourceArn provided as input {arn}")
    name = arn[len(prefix):].split("/", 1)[0]
    info_of(ns, name)
    return name


def tag_resource(ns: Namespace, req: Json) -> Json:
    table = _arn_table(ns, req)
    required(req, "Tags")
    ns.tags.add(table, {t["Key"]: t["Value"] for t in req["Tags"]})
    return {}


def untag_resource(ns: Namespace, req: Json) -> Json:
    table = _arn_table(ns, req)
    required(req, "TagKeys")
    ns.tags.remove(table, list(req["TagKeys"]))
    return {}


def list_tags(ns: Namespace, req: Json) -> Json:
    table = _arn_table(ns, req)
    return {"Tags": [{"Key": k, "Value": v} for k, v in ns.tags.of(table).items()]}
