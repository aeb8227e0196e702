"""Streams: every item change as DynamoDB Streams records it, read with `Store.stream`.

The reference is DynamoDB Local (measured): a write that leaves the item as it
was (an identical put, a no-op update, deleting a missing item, a failed
condition) records nothing; records carry Keys always and the images the view
type asks for; SizeBytes is the size of the keys plus the images carried.
The async runs read through `AsyncStore.stream` (an `AsyncStream`, seen through
the blocking facade like the rest of the async API).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dynastore import Attr, TableSpec, ValidationError
from dynastore.errors import StreamTrimmed, TableNotFound
from dynastore.limits import item_size
from dynastore.aio import AsyncStream
from dynastore.streams import Stream, StreamRecord

from ._blocking import Blocking
from ._support import known_difference

EMBEDDED = ("memory", "sqlite")
VIEWS = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")


def reader(store: Any, table: Any) -> Stream:
    return store.stream(table.name)  # type: ignore[no-any-return]


def stream_at(stream: Any, arn: str) -> Any:
    """A stream object of the same API (blocking, or async behind the facade) for another ARN."""
    if isinstance(stream, Blocking):
        return Blocking(AsyncStream(stream.engine, arn), stream._portal)
    return Stream(stream.engine, arn)


def engine_call(store: Any, method: str, *args: Any, **kwargs: Any) -> Any:
    """An `Engine` method called on the store's engine, awaited when the engine is async."""
    if isinstance(store, Blocking):
        return store._portal.run(store.engine.call(method, *args, **kwargs))
    return getattr(store.engine, method)(*args, **kwargs)


def changes(stream: Stream, **kw: Any) -> list[StreamRecord]:
    return list(stream.iter_changes(**kw))


def summary(records: list[StreamRecord]) -> list[tuple[str, Any]]:
    return [(r.event_name, r.keys["pk"]) for r in records]


def test_create_table_enables_the_stream(store, make_table):
    t = make_table(stream="NEW_AND_OLD_IMAGES")
    info = store.describe(t.name)
    assert info.spec.stream == "NEW_AND_OLD_IMAGES"
    assert info.stream_arn is not None and f"table/{t.name}/stream/" in info.stream_arn
    plain = make_table()
    assert store.describe(plain.name).spec.stream is None and store.describe(plain.name).stream_arn is None


@pytest.mark.parametrize("view", VIEWS)
def test_each_view_type_carries_its_images(store, make_table, view):
    t = make_table(stream=view)
    stream = reader(store, t)
    assert stream.view_type == view and stream.table == t.name
    t.put({"pk": "a", "v": 1})
    t.update({"pk": "a"}, Attr("v").set(2))
    t.delete({"pk": "a"})
    records = changes(stream)
    assert summary(records) == [("INSERT", "a"), ("MODIFY", "a"), ("REMOVE", "a")]
    new = view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES")
    old = view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES")
    v1, v2 = {"pk": "a", "v": 1}, {"pk": "a", "v": 2}
    assert [r.new_image for r in records] == ([v1, v2, None] if new else [None] * 3)
    assert [r.old_image for r in records] == ([None, v1, v2] if old else [None] * 3)
    for r in records:
        assert r.keys == {"pk": "a"} and r.view_type == view and r.user_identity is None
        assert r.created.tzinfo is not None and r.created.timestamp() <= time.time() + 1


@pytest.mark.parametrize("view", ["KEYS_ONLY", "NEW_AND_OLD_IMAGES"])
def test_size_bytes_counts_the_keys_and_the_images_carried(store, make_table, view):
    known_difference(store, "moto", "moto reports the length of the record's JSON text as SizeBytes")
    t = make_table(stream=view)
    stream = reader(store, t)
    t.put({"pk": "a", "v": 1, "s": "text"})
    t.put({"pk": "a", "v": 22})
    t.delete({"pk": "a"})
    for r in changes(stream):
        images = [i for i in (r.new_image, r.old_image) if i is not None]
        assert r.size_bytes == item_size(r.keys) + sum(item_size(i) for i in images)


UNCHANGED = "moto records a MODIFY for a put or update that leaves the item as it was"


def test_writes_that_change_nothing_record_nothing(store, make_table):
    known_difference(store, "moto", UNCHANGED)
    t = make_table(stream="NEW_AND_OLD_IMAGES")
    stream = reader(store, t)
    t.put({"pk": "a", "v": 1, "s": {"x", "y"}})
    t.put({"pk": "a", "v": 1, "s": {"y", "x"}})  # identical
    t.update({"pk": "a"}, Attr("v").set(1))  # to the value it has
    t.delete({"pk": "missing"})
    with pytest.raises(Exception):  # noqa: B017 -- ConditionFailed; only the absence of a record matters here
        t.put({"pk": "a", "v": 3}, condition=Attr("pk").not_exists())
    t.put({"pk": "a", "v": True, "s": {"x", "y"}})  # a BOOL is not the number 1: a change
    assert [(r.event_name, r.new_image["v"] if r.new_image else None) for r in changes(stream)] == [
        ("INSERT", 1), ("MODIFY", True)]


def test_records_keep_write_order_with_increasing_sequence_numbers(store, make_table):
    t = make_table(sort_key=("sk", "N"), stream="KEYS_ONLY")
    stream = reader(store, t)
    expected = []
    for i in range(12):
        t.put({"pk": f"p{i % 3}", "sk": i})
        expected.append(("INSERT", f"p{i % 3}", i))
    for i in (4, 1, 7):
        t.delete({"pk": f"p{i % 3}", "sk": i})
        expected.append(("REMOVE", f"p{i % 3}", i))
    records = changes(stream)
    assert [(r.event_name, r.keys["pk"], r.keys["sk"]) for r in records] == expected
    seqs = [r.sequence_number for r in records]
    assert all(s.isdigit() and len(s) >= 21 for s in seqs)
    assert [int(s) for s in seqs] == sorted(int(s) for s in seqs) and len(set(seqs)) == len(seqs)
    assert seqs == sorted(seqs)  # fixed width: string order is numeric order


def test_a_transaction_records_each_write_and_a_cancelled_one_nothing(store, make_table):
    a = make_table("a", stream="NEW_IMAGE")
    b = make_table("b", stream="NEW_IMAGE")
    a.put({"pk": "gone"})
    a.put({"pk": "n", "v": 1})
    sa, sb = reader(store, a), reader(store, b)
    start_a = changes(sa)[-1].sequence_number
    with store.transaction() as tx:
        tx.put(a, {"pk": "x", "v": 1})
        tx.update(a, {"pk": "n"}, Attr("v").add(1))
        tx.delete(a, {"pk": "gone"})
        tx.put(b, {"pk": "y"})
        tx.check(b, {"pk": "nothing"}, Attr("pk").not_exists())
    with pytest.raises(Exception):  # noqa: B017 -- TransactionCanceled; only the absence of records matters
        with store.transaction() as tx:
            tx.put(a, {"pk": "never"})
            tx.put(b, {"pk": "y"}, condition=Attr("pk").not_exists())
    assert sorted(summary(changes(sa, after=start_a))) == [("INSERT", "x"), ("MODIFY", "n"), ("REMOVE", "gone")]
    assert summary(changes(sb)) == [("INSERT", "y")]


def test_batch_writes_record_each_change(store, make_table):
    t = make_table(stream="OLD_IMAGE")
    stream = reader(store, t)
    t.put({"pk": "old", "v": 1})
    t.batch_write([{"pk": "a"}, {"pk": "b"}], deletes=[{"pk": "old"}, {"pk": "never-there"}])
    records = changes(stream)
    assert sorted(summary(records)) == [("INSERT", "a"), ("INSERT", "b"), ("INSERT", "old"), ("REMOVE", "old")]
    assert [r.old_image for r in records if r.event_name == "REMOVE"] == [{"pk": "old", "v": 1}]


def test_iterator_types_and_paging(store, make_table):
    t = make_table(stream="KEYS_ONLY")
    stream = reader(store, t)
    for k in "abcde":
        t.put({"pk": k})
    (shard,) = [s for s in stream.shards() if s.ending_sequence_number is None]
    first = stream.records(shard.shard_id, "TRIM_HORIZON", limit=2)
    assert summary(first.records) == [("INSERT", "a"), ("INSERT", "b")]
    assert first.last_sequence_number == first.records[-1].sequence_number
    rest = stream.read(first.next_iterator, limit=1000)
    assert summary(rest.records) == [("INSERT", k) for k in "cde"]
    seqs = [r.sequence_number for r in first.records + rest.records]
    at = stream.records(shard.shard_id, "AT_SEQUENCE_NUMBER", seqs[2])
    after = stream.records(shard.shard_id, "AFTER_SEQUENCE_NUMBER", seqs[2])
    assert [r.keys["pk"] for r in at.records] == ["c", "d", "e"]
    assert [r.keys["pk"] for r in after.records] == ["d", "e"]
    latest = stream.iterator(shard.shard_id, "LATEST")
    assert stream.read(latest).records == []
    t.put({"pk": "f"})
    assert summary(stream.read(latest).records) == [("INSERT", "f")]
    assert rest.next_iterator is not None
    assert summary(stream.read(rest.next_iterator).records) == [("INSERT", "f")]


def test_bad_positions_are_refused(store, make_table):
    t = make_table(stream="KEYS_ONLY")
    stream = reader(store, t)
    (shard,) = stream.shards()
    with pytest.raises(ValidationError):
        stream.iterator(shard.shard_id, "AFTER_SEQUENCE_NUMBER")  # needs a sequence number
    with pytest.raises(ValidationError):
        stream.iterator(shard.shard_id, "AT_SEQUENCE_NUMBER", "12")  # too short to be one
    with pytest.raises(ValidationError):
        stream.iterator(shard.shard_id, "SIDEWAYS")  # type: ignore[arg-type]
    known_difference(store, "moto", "moto answers GetRecords with an invalid iterator with HTTP 500")
    with pytest.raises(ValidationError):
        stream.read("not an iterator")
    with pytest.raises(ValidationError):
        stream.records(shard.shard_id, limit=1001)
    with pytest.raises(TableNotFound):
        stream_at(stream, stream.arn[:-1] + ("0" if stream.arn[-1] != "0" else "1")).describe()


def test_resuming_after_a_kept_sequence_number(store, make_table):
    t = make_table(stream="NEW_IMAGE")
    stream = reader(store, t)
    for k in "abc":
        t.put({"pk": k})
    seen = changes(stream)
    mark = seen[-1].sequence_number
    assert changes(stream, after=mark) == []
    for k in "de":
        t.put({"pk": k})
    assert summary(changes(stream, after=mark)) == [("INSERT", "d"), ("INSERT", "e")]
    assert summary(changes(stream, after=seen[0].sequence_number))[:2] == [("INSERT", "b"), ("INSERT", "c")]
    assert changes(stream, start="LATEST") == []


def test_follow_polls_until_stopped(store, make_table):
    t = make_table(stream="KEYS_ONLY")
    stream = reader(store, t)
    t.put({"pk": "a"})
    polls = []

    def stop() -> bool:
        polls.append(1)
        if len(polls) == 1:
            t.put({"pk": "b"})  # arrives while following
        return len(polls) > 2

    assert summary(changes(stream, follow=True, poll_interval=0, stop=stop)) == [("INSERT", "a"), ("INSERT", "b")]


def test_spec_reconciles_the_stream(store, make_table):
    known_difference(store, "moto", "moto refuses to enable a stream on a table that had one: "
                     "ResourceInUseException 'Cannot enable stream'")
    t = make_table()
    spec = t.spec
    store.create_table(TableSpec(**{**_fields(spec), "stream": "KEYS_ONLY"}))
    first = store.describe(t.name).stream_arn
    assert first is not None and store.describe(t.name).spec.stream == "KEYS_ONLY"
    store.create_table(spec)  # a spec without a stream leaves it alone
    assert store.describe(t.name).stream_arn == first
    store.create_table(TableSpec(**{**_fields(spec), "stream": "NEW_IMAGE"}))
    info = store.describe(t.name)
    assert info.spec.stream == "NEW_IMAGE" and info.stream_arn not in (None, first)
    arns = [s.arn for s in store.streams(t.name)]
    assert first in arns and info.stream_arn in arns
    old = stream_at(store.stream(t.name), first).describe()
    assert old.status in ("DISABLED", "DISABLING")
    assert all(s.ending_sequence_number is not None for s in old.shards) or old.status == "DISABLING"


def test_a_deleted_tables_stream_stays_readable(store, make_table):
    known_difference(store, "moto", "moto forgets a deleted table's stream (DescribeStream: ResourceNotFoundException)")
    t = make_table(stream="OLD_IMAGE")
    stream = reader(store, t)
    t.put({"pk": "a", "v": 1})
    store.delete_table(t.name)
    assert stream.describe().status in ("DISABLED", "DISABLING")
    records = changes(stream)
    assert summary(records) == [("INSERT", "a")]
    assert stream.arn in [s.arn for s in store.streams(t.name)]


def test_ttl_sweep_records_removals(store, make_table):
    t = make_table(stream="NEW_AND_OLD_IMAGES", ttl_attribute="exp")
    stream = reader(store, t)
    t.put({"pk": "old", "exp": int(time.time()) - 3600})
    t.put({"pk": "fresh", "exp": int(time.time()) + 3600})
    t.sweep_expired()
    removed = [r for r in changes(stream) if r.event_name == "REMOVE"]
    assert [(r.keys, r.old_image["pk"]) for r in removed] == [({"pk": "old"}, "old")]


def test_ttl_deletions_are_marked_as_the_service(store, engine, make_table):
    if engine not in EMBEDDED:
        pytest.skip("on DynamoDB, sweep_expired() deletes as the user; the service's own TTL deletions "
                    "(marked so) come within days, and DynamoDB Local made none within 15 s (measured)")
    t = make_table(stream="KEYS_ONLY", ttl_attribute="exp")
    stream = reader(store, t)
    t.put({"pk": "old", "exp": 1})
    t.delete({"pk": "old"})
    t.put({"pk": "old", "exp": 1})
    assert t.sweep_expired() == 1
    records = changes(stream)
    assert [(r.event_name, r.by_ttl) for r in records] == [
        ("INSERT", False), ("REMOVE", False), ("INSERT", False), ("REMOVE", True)]
    wire = records[-1].to_wire()
    assert wire["userIdentity"] == {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
    assert "userIdentity" not in records[1].to_wire()


def test_trimmed_positions_raise(store, engine, make_table):
    if engine not in EMBEDDED:
        pytest.skip("DynamoDB trims after 24 hours; nothing to trim within a test")
    t = make_table(stream="KEYS_ONLY")
    stream = reader(store, t)
    t.put({"pk": "a"})
    (shard,) = stream.shards()
    [old] = changes(stream)
    stale = stream.iterator(shard.shard_id, "TRIM_HORIZON")
    assert engine_call(store, "trim_streams", before=time.time() + 1) >= 1
    with pytest.raises(StreamTrimmed):
        stream.iterator(shard.shard_id, "AFTER_SEQUENCE_NUMBER", old.sequence_number)
    with pytest.raises(StreamTrimmed):
        stream.read(stale)
    assert changes(stream) == []
    t.put({"pk": "b"})
    assert summary(changes(stream)) == [("INSERT", "b")]


keys_ = st.sampled_from(["a", "b", "c"])
ops = st.lists(st.tuples(st.sampled_from(["put", "delete", "update"]), keys_, st.integers(0, 2)), max_size=8)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=ops)
def test_records_replay_the_table_history(store, make_table, history, batch):
    """Whatever the writes, each record's old image is the item before and its new image the item after."""
    known_difference(store, "moto", UNCHANGED)
    cache = history
    if "table" not in cache:  # one table for all examples: the model carries its state between them
        cache["table"] = make_table("hist", stream="NEW_AND_OLD_IMAGES")
        cache["model"] = {}
    t, model = cache["table"], cache["model"]
    stream = reader(store, t)
    expected = []
    for op, k, v in batch:
        before = model.get(k)
        after = None if op == "delete" else {"pk": k, "v": v}
        if op == "put":
            t.put(after)
        elif op == "update":
            t.update({"pk": k}, Attr("v").set(v))
        else:
            t.delete({"pk": k})
        if after is None:
            model.pop(k, None)
        else:
            model[k] = after
        if before != after:
            expected.append(("INSERT" if before is None else "REMOVE" if after is None else "MODIFY", before, after))
    # resume after the last record seen, as an audit consumer does
    records = changes(stream, after=cache["last"]) if cache.get("last") else changes(stream)
    if records:
        cache["last"] = records[-1].sequence_number
    assert [(r.event_name, r.old_image, r.new_image) for r in records] == expected


@pytest.fixture
def history() -> dict[str, Any]:
    return {}


def _fields(spec: TableSpec) -> dict[str, Any]:
    return {"name": spec.name, "partition_key": spec.partition_key, "sort_key": spec.sort_key}


def test_wire_shapes_match_the_service(store, make_table):
    t = make_table(stream="NEW_AND_OLD_IMAGES")
    stream = reader(store, t)
    t.put({"pk": "a", "n": 1, "s": {"x"}})
    [rec] = changes(stream)
    wire = rec.to_wire()
    assert wire["eventName"] == "INSERT" and wire["eventSource"] == "aws:dynamodb" and wire["eventVersion"] == "1.1"
    assert wire["dynamodb"]["Keys"] == {"pk": {"S": "a"}}
    assert wire["dynamodb"]["NewImage"] == {"pk": {"S": "a"}, "n": {"N": "1"}, "s": {"SS": ["x"]}}
    assert "OldImage" not in wire["dynamodb"] and wire["dynamodb"]["SequenceNumber"] == rec.sequence_number
    desc = stream.describe().to_wire()
    assert desc["StreamArn"] == stream.arn and desc["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert desc["Shards"][0]["ShardId"].startswith("shardId-")
