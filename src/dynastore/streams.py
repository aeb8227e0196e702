"""Streams: every item change of a table, in order, as DynamoDB Streams records it.

A table whose spec says ``stream: NEW_AND_OLD_IMAGES`` (or ``KEYS_ONLY``,
``NEW_IMAGE``, ``OLD_IMAGE``) records an ``INSERT``, ``MODIFY`` or ``REMOVE``
for every write that changes an item. Read them with `Store.stream`::

    stream = store.stream("orders")
    for record in stream.iter_changes():            # everything still retained, then stop
        audit(record.event_name, record.keys, record.old_image, record.new_image)

    last = record.sequence_number                   # keep it; resume later with
    for record in stream.iter_changes(after=last, follow=True):   # ... and keep tailing
        ...

The types here mirror DynamoDB Streams' API (ListStreams, DescribeStream,
GetShardIterator, GetRecords) with Python-typed images, so every engine returns
the same thing: the DynamoDB engine reads the service's stream with botocore's
``dynamodbstreams`` client; the embedded engine keeps its records in the same
SQLite transaction as the change (see docs/streams.md). ``to_wire()`` turns each
type back into the service's JSON shape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal

from .codec import serialize_item
from .errors import ValidationError
from .spec import STREAM_VIEW_TYPES, StreamViewType
from .steps import EngineDriver, Sleep, Steps, blocking, call

if TYPE_CHECKING:
    from .engine import Engine, Item

__all__ = [
    "ITERATOR_TYPES",
    "EventName",
    "IteratorType",
    "RecordBatch",
    "Shard",
    "BaseStream",
    "Stream",
    "StreamDescription",
    "StreamRecord",
    "StreamSummary",
    "UserIdentity",
    "TTL_DELETION",
]

EventName = Literal["INSERT", "MODIFY", "REMOVE"]
IteratorType = Literal["TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"]
ITERATOR_TYPES: tuple[str, ...] = ("TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER")
#: GetRecords' largest Limit
MAX_RECORDS = 1000
#: how long a stream keeps its records, and a disabled stream stays readable
RETENTION_SECONDS = 24 * 3600
#: how long a shard iterator stays valid
ITERATOR_SECONDS = 15 * 60


@dataclass(frozen=True, slots=True)
class UserIdentity:
    """Who made a change, when it was not a user: TTL deletions are ``Service`` / ``dynamodb.amazonaws.com``."""

    type: str
    principal_id: str

    def to_wire(self) -> dict[str, str]:
        return {"Type": self.type, "PrincipalId": self.principal_id}


#: the identity DynamoDB puts on records of items its TTL process deleted
TTL_DELETION = UserIdentity("Service", "dynamodb.amazonaws.com")


@dataclass(frozen=True, slots=True)
class StreamRecord:
    """One change. Images are present as the stream's view type says (and absent where
    there was no item: no old image on an INSERT, no new image on a REMOVE)."""

    event_id: str
    event_name: EventName
    sequence_number: str
    keys: Item
    new_image: Item | None
    old_image: Item | None
    view_type: StreamViewType
    #: when the change happened, rounded down to the second (the service's precision)
    created: datetime
    size_bytes: int
    #: set on deletions DynamoDB made itself (TTL): see `TTL_DELETION`
    user_identity: UserIdentity | None = None
    region: str = ""

    @property
    def by_ttl(self) -> bool:
        """True when DynamoDB's TTL process (not a user) deleted the item."""
        return self.user_identity == TTL_DELETION

    def to_wire(self) -> dict[str, Any]:
        """The record as DynamoDB Streams' GetRecords returns it (attribute values typed)."""
        body: dict[str, Any] = {
            "ApproximateCreationDateTime": self.created.timestamp(),
            "Keys": serialize_item(self.keys),
            "SequenceNumber": self.sequence_number,
            "SizeBytes": self.size_bytes,
            "StreamViewType": self.view_type,
        }
        if self.new_image is not None:
            body["NewImage"] = serialize_item(self.new_image)
        if self.old_image is not None:
            body["OldImage"] = serialize_item(self.old_image)
        out: dict[str, Any] = {"eventID": self.event_id, "eventName": self.event_name, "eventVersion": "1.1",
                               "eventSource": "aws:dynamodb", "awsRegion": self.region, "dynamodb": body}
        if self.user_identity is not None:
            out["userIdentity"] = self.user_identity.to_wire()
        return out


@dataclass(frozen=True, slots=True)
class Shard:
    """A part of a stream. ``ending_sequence_number`` is None while the shard is open."""

    shard_id: str
    starting_sequence_number: str
    ending_sequence_number: str | None = None
    parent_shard_id: str | None = None

    def contains(self, sequence_number: str) -> bool:
        n = int(sequence_number)
        return int(self.starting_sequence_number) <= n and (
            self.ending_sequence_number is None or n <= int(self.ending_sequence_number))

    def to_wire(self) -> dict[str, Any]:
        seq: dict[str, str] = {"StartingSequenceNumber": self.starting_sequence_number}
        if self.ending_sequence_number is not None:
            seq["EndingSequenceNumber"] = self.ending_sequence_number
        out: dict[str, Any] = {"ShardId": self.shard_id, "SequenceNumberRange": seq}
        if self.parent_shard_id is not None:
            out["ParentShardId"] = self.parent_shard_id
        return out


@dataclass(frozen=True, slots=True)
class StreamSummary:
    """What ListStreams says about a stream."""

    arn: str
    table: str
    label: str

    def to_wire(self) -> dict[str, str]:
        return {"StreamArn": self.arn, "TableName": self.table, "StreamLabel": self.label}


@dataclass(frozen=True, slots=True)
class StreamDescription:
    """What DescribeStream says: status ``ENABLED``/``ENABLING``/``DISABLED``/``DISABLING``, shards oldest first."""

    arn: str
    label: str
    table: str
    view_type: StreamViewType
    status: str
    created: datetime
    #: (attribute name, HASH or RANGE)
    key_schema: tuple[tuple[str, str], ...]
    shards: tuple[Shard, ...] = ()

    def to_wire(self) -> dict[str, Any]:
        return {"StreamArn": self.arn, "StreamLabel": self.label, "StreamStatus": self.status,
                "StreamViewType": self.view_type, "CreationRequestDateTime": self.created.timestamp(),
                "TableName": self.table,
                "KeySchema": [{"AttributeName": n, "KeyType": t} for n, t in self.key_schema],
                "Shards": [s.to_wire() for s in self.shards]}


@dataclass(frozen=True, slots=True)
class RecordBatch:
    """One GetRecords answer. ``next_iterator`` is None once a closed shard is read to its end."""

    records: list[StreamRecord]
    next_iterator: str | None
    #: the last record's sequence number (resume with AFTER_SEQUENCE_NUMBER), None when no records
    last_sequence_number: str | None = field(default=None)


def label_of(arn: str) -> str:
    """The stream label of a stream ARN (``.../table/t/stream/2026-01-01T00:00:00.000``)."""
    marker = "/stream/"
    i = arn.rfind(marker)
    if i < 0:
        raise ValidationError(f"not a stream ARN: {arn!r}")
    return arn[i + len(marker):]


def check_sequence_number(sequence_number: Any) -> str:
    """DynamoDB's sequence numbers are decimal strings of 21 to 40 digits."""
    if not isinstance(sequence_number, str) or not (21 <= len(sequence_number) <= 40) or not sequence_number.isdigit():
        raise ValidationError(f"a sequence number is a string of 21 to 40 digits, got {sequence_number!r}")
    return sequence_number


def check_iterator_request(iterator_type: Any, sequence_number: Any) -> None:
    if iterator_type not in ITERATOR_TYPES:
        raise ValidationError(f"iterator_type is one of {', '.join(ITERATOR_TYPES)}, got {iterator_type!r}")
    if iterator_type in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
        if sequence_number is None:
            raise ValidationError(f"{iterator_type} needs a sequence_number")
        check_sequence_number(sequence_number)
    elif sequence_number is not None:
        raise ValidationError(f"{iterator_type} takes no sequence_number")


def check_limit(limit: Any) -> int:
    if type(limit) is not int or not 1 <= limit <= MAX_RECORDS:
        raise ValidationError(f"limit is an integer from 1 to {MAX_RECORDS}, got {limit!r}")
    return limit


def from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


@dataclass(frozen=True, slots=True)
class _Emit:
    """A step of `BaseStream._changes` that is no engine call: records for the reader, in order."""

    records: list[StreamRecord]


#: a step of `BaseStream._changes` asking whether to stop following (answered with ``stop()``)
_ASK_STOP = "stop?"


class BaseStream:
    """What `Stream` and `dynastore.aio.AsyncStream` share: each operation written once, as steps.

    The steps (see `dynastore.steps`) yield the engine calls they need;
    `Stream` runs them on the calling thread, `AsyncStream` awaits them.
    """

    def __init__(self, engine: Any, arn: str):
        self.engine = engine
        self.arn = arn
        self._description: StreamDescription | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.arn}>"

    @property
    def label(self) -> str:
        return label_of(self.arn)

    @property
    def description(self) -> StreamDescription:
        raise NotImplementedError

    @property
    def table(self) -> str:
        return self.description.table

    @property
    def view_type(self) -> StreamViewType:
        return self.description.view_type

    def _describe(self) -> Steps[StreamDescription]:
        """A fresh DescribeStream (status, shards)."""
        self._description = yield call("describe_stream", self.arn)
        return self._description

    def _shards(self) -> Steps[list[Shard]]:
        return list((yield from self._describe()).shards)

    def _iterator(self, shard_id: str, iterator_type: IteratorType = "TRIM_HORIZON",
                  sequence_number: str | None = None) -> Steps[str]:
        """A position in a shard: its oldest record, its end, at or after a sequence number."""
        check_iterator_request(iterator_type, sequence_number)
        return (yield call("get_shard_iterator", self.arn, shard_id, iterator_type, sequence_number))  # type: ignore[no-any-return]

    def _read(self, iterator: str, *, limit: int = MAX_RECORDS) -> Steps[RecordBatch]:
        """The records after ``iterator``, and the iterator to read on from."""
        if not isinstance(iterator, str) or not iterator:
            raise ValidationError("an iterator is the non-empty string get_shard_iterator or read returned")
        return (yield call("get_records", iterator, check_limit(limit)))  # type: ignore[no-any-return]

    def _records(self, shard_id: str, iterator_type: IteratorType = "TRIM_HORIZON",
                 sequence_number: str | None = None, *, limit: int = MAX_RECORDS) -> Steps[RecordBatch]:
        """The first batch from a position (`iterator` then `read`); continue with ``read(batch.next_iterator)``."""
        check_limit(limit)
        it = yield from self._iterator(shard_id, iterator_type, sequence_number)
        return (yield from self._read(it, limit=limit))

    def _changes(self, start: str, after: str | None, follow: bool, poll_interval: float) -> Steps[None]:
        """`iter_changes` as steps: engine calls, `Sleep`s between polls, `_Emit`s of records, and `_ASK_STOP`
        where ``stop()`` is asked."""
        if start not in ("TRIM_HORIZON", "LATEST"):
            raise ValidationError(f"start is TRIM_HORIZON or LATEST, got {start!r}")
        if after is not None:
            check_sequence_number(after)
        if not poll_interval >= 0:
            raise ValidationError(f"poll_interval is a number of seconds >= 0, got {poll_interval!r}")
        iterators: dict[str, str] = {}
        done: set[str] = set()
        while True:
            shards = sorted((yield from self._shards()), key=lambda s: int(s.starting_sequence_number))
            known = {s.shard_id for s in shards}
            progressed = False
            for shard in shards:
                if shard.shard_id in done or (shard.parent_shard_id in known and shard.parent_shard_id not in done):
                    continue
                it = iterators.get(shard.shard_id)
                if it is None:
                    it = yield from self._first_iterator(shard, start, after)
                    if it is None:
                        done.add(shard.shard_id)
                        continue
                while it is not None:
                    batch = yield from self._read(it)
                    if batch.records:
                        yield _Emit(batch.records)
                    it = batch.next_iterator
                    if not batch.records:
                        break
                    progressed = True
                if it is None:
                    done.add(shard.shard_id)
                    iterators.pop(shard.shard_id, None)
                    progressed = True  # its children may start now
                else:
                    iterators[shard.shard_id] = it
            if progressed:
                continue
            if not follow or (yield _ASK_STOP):
                return
            yield Sleep(poll_interval)
            if (yield _ASK_STOP):
                return

    def _first_iterator(self, shard: Shard, start: str, after: str | None) -> Steps[str | None]:
        """Where to begin reading ``shard``; None when it holds nothing to read."""
        if after is not None:
            if shard.ending_sequence_number is not None and int(shard.ending_sequence_number) <= int(after):
                return None
            if shard.contains(after):
                return (yield from self._iterator(shard.shard_id, "AFTER_SEQUENCE_NUMBER", after))
            return (yield from self._iterator(shard.shard_id, "TRIM_HORIZON"))
        if start == "LATEST" and shard.ending_sequence_number is not None:
            return None  # a closed shard has nothing after its end
        return (yield from self._iterator(shard.shard_id, start))  # type: ignore[arg-type]


class Stream(BaseStream):
    """A table's stream, read through any engine. Get one with `Store.stream` (or from an ARN).

    Shards: the DynamoDB service splits a stream into shards that close and
    are succeeded by children (``parent_shard_id``); read a parent before its
    children. The embedded engine has one shard per stream, open while the
    stream is enabled. `iter_changes` handles both.
    """

    engine: Engine

    def __init__(self, engine: Engine, arn: str):
        super().__init__(engine, arn)
        self._drive = EngineDriver(engine)

    describe = blocking(BaseStream._describe)
    shards = blocking(BaseStream._shards)
    iterator = blocking(BaseStream._iterator)
    read = blocking(BaseStream._read)
    records = blocking(BaseStream._records)

    @property
    def description(self) -> StreamDescription:
        return self._description or self.describe()

    def iter_changes(self, *, start: Literal["TRIM_HORIZON", "LATEST"] = "TRIM_HORIZON",
                     after: str | None = None, follow: bool = False, poll_interval: float = 1.0,
                     stop: Callable[[], bool] | None = None) -> Iterator[StreamRecord]:
        """Every record of the stream in order, parents' shards before their children's.

        ``after`` resumes after a sequence number you kept (shards that end
        before it are skipped); otherwise ``start`` says where each shard
        begins. Without ``follow`` it stops once every shard answers with no
        records (caught up); with it, it polls every ``poll_interval`` seconds
        until ``stop()`` says True (checked between polls). A position that was
        trimmed meanwhile raises `StreamTrimmed`.
        """
        steps = self._changes(start, after, follow, poll_interval)
        answer: Any = None
        while True:
            try:
                op = steps.send(answer)
            except StopIteration:
                return
            if isinstance(op, _Emit):
                yield from op.records
                answer = None
            elif op is _ASK_STOP:
                answer = stop is not None and stop()
            else:
                answer = self._drive._perform(op)


def stream_view(view_type: Any) -> StreamViewType | None:
    """A view type checked as the spec checks it (None: no stream)."""
    if view_type is None:
        return None
    if view_type not in STREAM_VIEW_TYPES:
        raise ValidationError(f"stream view type is one of {', '.join(STREAM_VIEW_TYPES)}, got {view_type!r}")
    return view_type  # type: ignore[no-any-return]
