"""DynamoDB Streams' API (``DynamoDBStreams_20120810.*``) over the engine's streams."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import ValidationError
from ..streams import ITERATOR_TYPES, MAX_RECORDS
from .wire import Json, encode_item, one_of, required

if TYPE_CHECKING:
    from .service import Namespace


def list_streams(ns: Namespace, req: Json) -> Json:
    streams = ns.engine.list_streams(req.get("TableName"))
    start = req.get("ExclusiveStartStreamArn")
    if start is not None:
        arns = [s.arn for s in streams]
        streams = streams[arns.index(start) + 1:] if start in arns else []
    limit = req.get("Limit", 100)
    out: Json = {"Streams": [s.to_wire() for s in streams[:limit]]}
    if len(streams) > limit:
        out["LastEvaluatedStreamArn"] = streams[limit - 1].arn
    return out


def describe_stream(ns: Namespace, req: Json) -> Json:
    required(req, "StreamArn")
    return {"StreamDescription": ns.engine.describe_stream(req["StreamArn"]).to_wire()}


def get_shard_iterator(ns: Namespace, req: Json) -> Json:
    required(req, "StreamArn", "ShardId", "ShardIteratorType")
    kind = one_of(req, "ShardIteratorType", ITERATOR_TYPES, "LATEST")
    return {"ShardIterator": ns.engine.get_shard_iterator(req["StreamArn"], req["ShardId"], kind,  # type: ignore[arg-type]
                                                          req.get("SequenceNumber"))}


def get_records(ns: Namespace, req: Json) -> Json:
    required(req, "ShardIterator")
    limit = req.get("Limit", MAX_RECORDS)
    if type(limit) is not int or not 1 <= limit <= MAX_RECORDS:
        raise ValidationError(f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: "
                              f"Member must have value less than or equal to {MAX_RECORDS}")
    batch = ns.engine.get_records(req["ShardIterator"], limit)
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
