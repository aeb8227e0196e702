"""DynamoDB Streams' API (``DynamoDBStreams_20120810.*``) over the engine's streams.

Requests are checked here in the words DynamoDB Streams answers with (compared with DynamoDB Local by
tests/endpoint/test_streams_protocol.py); the engine's own messages are for Python callers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import TableNotFound, ValidationError
from ..streams import ITERATOR_TYPES, MAX_RECORDS, StreamDescription
from .wire import ApiError, Json, encode_item, length_member, limit_member, one_of, required

if TYPE_CHECKING:
    from .service import Namespace

_INVALID = "One or more parameter values were invalid: "
MAX_STREAMS = 100  # ListStreams' and DescribeStream's page


def list_streams(ns: Namespace, req: Json) -> Json:
    limit = limit_member(req, MAX_STREAMS, f"Limit cannot be greater than the maximum allowed size: {MAX_STREAMS}")
    limit = limit or MAX_STREAMS
    streams = ns.engine.list_streams(req.get("TableName"))
    start = req.get("ExclusiveStartStreamArn")
    if start is not None:
        arns = [s.arn for s in streams]
        streams = streams[arns.index(start) + 1:] if start in arns else []
    out: Json = {"Streams": [s.to_wire() for s in streams[:limit]]}
    if len(streams) > limit:
        out["LastEvaluatedStreamArn"] = streams[limit - 1].arn
    return out


def describe_stream(ns: Namespace, req: Json) -> Json:
    required(req, "StreamArn")
    limit_member(req, MAX_STREAMS, f"Limit cannot be greater than the maximum: {MAX_STREAMS}")
    after = length_member(req, "ExclusiveStartShardId", 28, 65)
    try:
        wire = ns.engine.describe_stream(req["StreamArn"]).to_wire()
    except TableNotFound as e:
        raise ApiError("ResourceNotFoundException", e.message) from None
    if after is not None:  # one shard per stream: the page after it is empty
        shards = [s["ShardId"] for s in wire["Shards"]]
        wire["Shards"] = wire["Shards"][shards.index(after) + 1:] if after in shards else []
    return {"StreamDescription": wire}


def get_shard_iterator(ns: Namespace, req: Json) -> Json:
    sequence_number = length_member(req, "SequenceNumber", 21, 40)
    required(req, "StreamArn", "ShardId", "ShardIteratorType")
    kind = one_of(req, "ShardIteratorType", ITERATOR_TYPES, "LATEST")
    if kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
        if sequence_number is None or not str(sequence_number).isdigit():
            raise ValidationError(_INVALID + "Invalid SequenceNumber")
    elif sequence_number is not None:
        raise ValidationError(_INVALID + "SequenceNumber should not be passed for this iterator type")
    arn, shard_id = req["StreamArn"], req["ShardId"]
    stream = _stream(ns, arn)
    if all(s.shard_id != shard_id for s in stream.shards):
        raise ApiError("ResourceNotFoundException", "Shard does not exist")
    return {"ShardIterator": ns.engine.get_shard_iterator(arn, shard_id, kind, sequence_number)}  # type: ignore[arg-type]


def _stream(ns: Namespace, arn: str) -> StreamDescription:
    try:
        return ns.engine.describe_stream(arn)
    except (TableNotFound, ValidationError):  # no such stream, or not a stream's ARN
        raise ApiError("ResourceNotFoundException", "Stream does not exist") from None


def get_records(ns: Namespace, req: Json) -> Json:
    required(req, "ShardIterator")
    limit = limit_member(req, MAX_RECORDS, f"Limit should be less than or equal to {MAX_RECORDS}")
    batch = ns.engine.get_records(req["ShardIterator"], limit or MAX_RECORDS)
    records = []
    for r in batch.records:
        wire = r.to_wire()
        body = wire["dynamodb"]
        body["Keys"] = encode_item(r.keys)  # base64 binaries: to_wire gives botocore's bytes
        if r.new_image is not None:
            body["NewImage"] = encode_item(r.new_image)
        if r.old_image is not None:
            body["OldImage"] = encode_item(r.old_image)
        records.append(wire)
    out: Json = {"Records": records}
    if batch.next_iterator is not None:
        out["NextShardIterator"] = batch.next_iterator
    return out
