"""`DynamoDBEngine`'s streams: UpdateTable's StreamSpecification and the DynamoDB Streams API.

These functions are `DynamoDBEngine` methods (assigned in its class body).
Enabling or disabling a stream is an UpdateTable written as steps, so the
async engine runs it too; reading uses botocore's ``dynamodbstreams`` client
made from the engine's own credentials, endpoint and region (DynamoDB Local
and AWS both serve it), and answers in `dynastore.streams`' types.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from ..codec import deserialize_item
from ..streams import (
    IteratorType,
    RecordBatch,
    Shard,
    StreamDescription,
    StreamRecord,
    StreamSummary,
    UserIdentity,
    from_epoch,
    stream_view,
)
from .dynamodb_errors import translate

if TYPE_CHECKING:
    from ..steps import Steps
    from .dynamodb import DynamoDBEngine


def set_stream_steps(engine: DynamoDBEngine, table: str, view_type: str | None) -> Steps[None]:
    """Enable (or with None disable) the table's stream; a new view type is a new stream."""
    from .dynamodb import ApiCall

    view = stream_view(view_type)
    wire = engine._wire(table)
    current = (yield from engine._table_description(table)).get("StreamSpecification") or {}
    enabled = bool(current.get("StreamEnabled"))
    if enabled and current.get("StreamViewType") == view:
        return
    specs: list[dict[str, Any]] = ([{"StreamEnabled": False}] if enabled else []) + (
        [{"StreamEnabled": True, "StreamViewType": view}] if view is not None else [])
    for spec in specs:  # DynamoDB changes a view type only by disabling, then enabling anew
        yield ApiCall("update_table", {"TableName": wire, "StreamSpecification": spec}, (table,))
        yield from engine._wait(f"table {table!r} to become ACTIVE", lambda: engine._table_active(table))


def _streams_call(engine: DynamoDBEngine, op: str, params: dict[str, Any]) -> dict[str, Any]:
    if engine.aws is None:  # closed
        from ..errors import StoreUnavailable

        raise StoreUnavailable("this DynamoDB engine is closed")
    client = engine.aws.client("dynamodbstreams", endpoint_url=engine.endpoint, region=engine.region,
                               config=engine._config)
    try:
        resp: dict[str, Any] = getattr(client, op)(**params)
    except (ClientError, BotoCoreError) as e:
        raise translate(e, None, engine.endpoint) from e
    return resp


def list_streams(engine: DynamoDBEngine, table: str | None = None) -> list[StreamSummary]:
    params: dict[str, Any] = {"TableName": engine._wire(table)} if table is not None else {}
    out: list[StreamSummary] = []
    while True:
        r = _streams_call(engine, "list_streams", params)
        for s in r.get("Streams", ()):
            if table is not None or s["TableName"].startswith(engine.table_prefix):
                out.append(StreamSummary(s["StreamArn"], engine._local(s["TableName"]), s["StreamLabel"]))
        last = r.get("LastEvaluatedStreamArn")
        if not last:
            return out
        params = {**params, "ExclusiveStartStreamArn": last}


def describe_stream(engine: DynamoDBEngine, arn: str) -> StreamDescription:
    params: dict[str, Any] = {"StreamArn": arn}
    shards: list[Shard] = []
    while True:
        d = _streams_call(engine, "describe_stream", params)["StreamDescription"]
        for s in d.get("Shards", ()):
            rng = s.get("SequenceNumberRange") or {}
            shards.append(Shard(s["ShardId"], rng.get("StartingSequenceNumber", "0" * 21),
                                rng.get("EndingSequenceNumber"), s.get("ParentShardId")))
        last = d.get("LastEvaluatedShardId")
        if not last:
            break
        params = {"StreamArn": arn, "ExclusiveStartShardId": last}
    return StreamDescription(
        arn=d["StreamArn"], label=d["StreamLabel"], table=engine._local(d["TableName"]),
        view_type=d["StreamViewType"], status=d["StreamStatus"], created=_utc(d.get("CreationRequestDateTime")),
        key_schema=tuple((k["AttributeName"], k["KeyType"]) for k in d.get("KeySchema", ())),
        shards=tuple(shards),
    )


def get_shard_iterator(engine: DynamoDBEngine, arn: str, shard_id: str, iterator_type: IteratorType,
                       sequence_number: str | None = None) -> str:
    params: dict[str, Any] = {"StreamArn": arn, "ShardId": shard_id, "ShardIteratorType": iterator_type}
    if sequence_number is not None:
        params["SequenceNumber"] = sequence_number
    return str(_streams_call(engine, "get_shard_iterator", params)["ShardIterator"])


def get_records(engine: DynamoDBEngine, iterator: str, limit: int = 1000) -> RecordBatch:
    r = _streams_call(engine, "get_records", {"ShardIterator": iterator, "Limit": limit})
    records = [_record(x) for x in r.get("Records", ())]
    return RecordBatch(records, r.get("NextShardIterator"), records[-1].sequence_number if records else None)


def _record(x: dict[str, Any]) -> StreamRecord:
    body = x["dynamodb"]
    who = x.get("userIdentity")
    return StreamRecord(
        event_id=x["eventID"], event_name=x["eventName"], sequence_number=body["SequenceNumber"],
        keys=deserialize_item(body.get("Keys") or {}),
        new_image=deserialize_item(body["NewImage"]) if "NewImage" in body else None,
        old_image=deserialize_item(body["OldImage"]) if "OldImage" in body else None,
        view_type=body["StreamViewType"], created=_utc(body.get("ApproximateCreationDateTime")),
        size_bytes=int(body.get("SizeBytes", 0)),
        user_identity=UserIdentity(who.get("Type", ""), who.get("PrincipalId", "")) if who else None,
        region=x.get("awsRegion", ""),
    )


def _utc(v: Any) -> datetime:
    """botocore parses timestamps into local-zone datetimes (or leaves epoch numbers); dynastore says UTC."""
    if isinstance(v, datetime):
        return v.astimezone(timezone.utc)
    return from_epoch(float(v or 0))
