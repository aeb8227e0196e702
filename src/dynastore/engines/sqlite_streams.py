"""The embedded engine's streams: DynamoDB Streams kept in the same SQLite database.

``_dynastore_streams`` holds one row per stream (a table gets a new stream,
with a new label, each time its stream is enabled; a disabled or deleted
table's stream stays readable until retention trims it). ``_dynastore_stream``
holds the records; each is written by the item change's own transaction, so a
record exists exactly when its change committed. Sequence numbers come from
one AUTOINCREMENT counter per database (never reused, even after trimming) and
are shown zero-padded to 21 digits, as DynamoDB Local shows them, so they sort
as strings too.

Each stream has exactly one shard, open while the stream is enabled and closed
(ending at its last record) when it is disabled; its ID, the ARN and the label
have DynamoDB's shapes. Shard iterators are opaque strings holding the stream,
the position (the last sequence number read) and when they were issued; like
DynamoDB's they expire after 15 minutes.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import time
import uuid
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..codec import type_of
from ..errors import IteratorExpired, StreamTrimmed, TableNotFound, ValidationError
from ..limits import MAX_PAGE_BYTES, item_size
from ..spec import TableSpec
from ..streams import (
    ITERATOR_SECONDS,
    RETENTION_SECONDS,
    TTL_DELETION,
    RecordBatch,
    Shard,
    StreamDescription,
    StreamRecord,
    StreamSummary,
    from_epoch,
    label_of,
)
from ..validation import key_of
from .keycodec import pack_item, unpack_item

if TYPE_CHECKING:
    from ..engine import Item

SCHEMA = """
CREATE TABLE IF NOT EXISTS _dynastore_streams (
    id INTEGER PRIMARY KEY AUTOINCREMENT, table_name TEXT NOT NULL, label TEXT NOT NULL,
    view_type TEXT NOT NULL, key_schema TEXT NOT NULL, created REAL NOT NULL, start_seq INTEGER NOT NULL,
    disabled REAL, end_seq INTEGER, trimmed INTEGER NOT NULL DEFAULT 0, UNIQUE (table_name, label)
);
CREATE TABLE IF NOT EXISTS _dynastore_stream (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, stream INTEGER NOT NULL, event_id TEXT NOT NULL,
    event TEXT NOT NULL, keys BLOB NOT NULL, old BLOB, new BLOB, created REAL NOT NULL,
    size INTEGER NOT NULL, by_ttl INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS _dynastore_stream_order ON _dynastore_stream (stream, seq);
CREATE INDEX IF NOT EXISTS _dynastore_stream_age ON _dynastore_stream (created);
"""

#: the region and account in the embedded engine's stream ARNs
REGION = "dynastore"
ACCOUNT = "000000000000"
#: seconds between retention trims made by writes
TRIM_EVERY = 60.0


def seq_str(n: int) -> str:
    return f"{n:021d}"


def arn_for(table: str, label: str) -> str:
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}/stream/{label}"


def _label(now: float) -> str:
    """DynamoDB's label: the creation time, ISO 8601 to the millisecond."""
    return datetime.fromtimestamp(now, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


@dataclass(frozen=True, slots=True)
class LiveStream:
    """A table's enabled stream, as writes need it."""

    id: int
    arn: str
    view_type: str


def _last_seq(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name='_dynastore_stream'").fetchone()
    return int(row[0]) if row else 0


def current(conn: sqlite3.Connection, table: str) -> LiveStream | None:
    row = conn.execute("SELECT id, label, view_type FROM _dynastore_streams WHERE table_name=? AND disabled IS NULL",
                       (table,)).fetchone()
    return LiveStream(row[0], arn_for(table, row[1]), row[2]) if row else None


def enable(conn: sqlite3.Connection, spec: TableSpec, view_type: str) -> None:
    now = time.time()
    # two streams of one table enabled within a millisecond still get distinct labels
    while conn.execute("SELECT 1 FROM _dynastore_streams WHERE table_name=? AND label=?",
                       (spec.name, _label(now))).fetchone():
        now += 0.001
    schema = [[spec.partition_key.name, "HASH"]] + ([[spec.sort_key.name, "RANGE"]] if spec.sort_key else [])
    conn.execute(
        "INSERT INTO _dynastore_streams (table_name, label, view_type, key_schema, created, start_seq) "
        "VALUES (?,?,?,?,?,?)",
        (spec.name, _label(now), view_type, json.dumps(schema), now, _last_seq(conn) + 1),
    )


def disable(conn: sqlite3.Connection, table: str) -> None:
    """Close the table's stream (it stays readable until trimmed)."""
    conn.execute(
        "UPDATE _dynastore_streams SET disabled=?, end_seq=(SELECT max(seq) FROM _dynastore_stream WHERE stream=id) "
        "WHERE table_name=? AND disabled IS NULL",
        (time.time(), table),
    )


def _same(a: Any, b: Any) -> bool:
    """Equal as DynamoDB values (True is not 1; a list is not a set)."""
    if type_of(a) != type_of(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


class StreamLog:
    """Appends, trims and reads the records of one database's streams."""

    def __init__(self) -> None:
        self._trimmed_at = 0.0

    def append(self, conn: sqlite3.Connection, stream: LiveStream, spec: TableSpec, old: Item | None,
               new: Item | None, *, by_ttl: bool = False) -> None:
        """Record one change in the change's own transaction; nothing when the item did not change."""
        if old is None and new is None:
            return
        if old is not None and new is not None and _same(old, new):
            return  # DynamoDB writes no record for a write that changes nothing
        event = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
        view = stream.view_type
        keys = key_of(spec, new if new is not None else old)  # type: ignore[arg-type]
        old_img = old if view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES") else None
        new_img = new if view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES") else None
        size = item_size(keys) + sum(item_size(i) for i in (old_img, new_img) if i is not None)
        now = time.time()
        conn.execute(
            "INSERT INTO _dynastore_stream (stream, event_id, event, keys, old, new, created, size, by_ttl) "
            "VALUES (?,?,?,?,?,?,?,?,?)",
            (stream.id, uuid.uuid4().hex, event, pack_item(keys),
             pack_item(old_img) if old_img is not None else None,
             pack_item(new_img) if new_img is not None else None, now, size, int(by_ttl)),
        )
        if now - self._trimmed_at > TRIM_EVERY:
            self.trim(conn, now - RETENTION_SECONDS)

    def trim(self, conn: sqlite3.Connection, before: float) -> int:
        """Delete records created before ``before`` (and streams disabled before it). Returns the count."""
        self._trimmed_at = time.time()
        conn.execute(
            "UPDATE _dynastore_streams SET trimmed=max(trimmed, coalesce((SELECT max(seq) FROM _dynastore_stream "
            "WHERE stream=_dynastore_streams.id AND created < ?), 0))", (before,))
        deleted = conn.execute("DELETE FROM _dynastore_stream WHERE created < ?", (before,)).rowcount
        conn.execute("DELETE FROM _dynastore_streams WHERE disabled IS NOT NULL AND disabled < ?", (before,))
        return int(deleted)

    # -- reading -------------------------------------------------------------

    @staticmethod
    def list(conn: sqlite3.Connection, table: str | None) -> list[StreamSummary]:
        sql = "SELECT table_name, label FROM _dynastore_streams"
        args: tuple[Any, ...] = ()
        if table is not None:
            sql += " WHERE table_name=?"
            args = (table,)
        rows = conn.execute(sql + " ORDER BY created DESC, id DESC", args).fetchall()
        return [StreamSummary(arn_for(t, label), t, label) for t, label in rows]

    @staticmethod
    def _row(conn: sqlite3.Connection, arn: str) -> tuple[Any, ...]:
        table = arn.split(":table/", 1)[-1].split("/stream/", 1)[0]
        if not arn.startswith(f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/"):
            row = None
        else:
            row = conn.execute(
                "SELECT id, table_name, label, view_type, key_schema, created, start_seq, disabled, end_seq, trimmed "
                "FROM _dynastore_streams WHERE table_name=? AND label=?", (table, label_of(arn))).fetchone()
        if row is None:
            raise TableNotFound(f"Requested resource not found: Stream: {arn} not found")
        return tuple(row)

    @staticmethod
    def _shard(row: tuple[Any, ...], arn: str) -> Shard:
        _, _, _, _, _, created, start, disabled, end, _ = row
        shard_id = f"shardId-{int(created * 1000):020d}-{zlib.crc32(arn.encode()):08x}"
        ending = seq_str(max(end or 0, start)) if disabled is not None else None
        return Shard(shard_id, seq_str(start), ending)

    def describe(self, conn: sqlite3.Connection, arn: str) -> StreamDescription:
        row = self._row(conn, arn)
        _, table, label, view, schema, created, _, disabled, _, _ = row
        return StreamDescription(
            arn=arn, label=label, table=table, view_type=view, status="DISABLED" if disabled is not None else "ENABLED",
            created=from_epoch(created), key_schema=tuple((n, t) for n, t in json.loads(schema)),
            shards=(self._shard(row, arn),),
        )

    def iterator(self, conn: sqlite3.Connection, arn: str, shard_id: str, iterator_type: str,
                 sequence_number: str | None) -> str:
        row = self._row(conn, arn)
        shard = self._shard(row, arn)
        if shard_id != shard.shard_id:
            raise TableNotFound(f"Requested resource not found: Shard: {shard_id} in Stream: {arn} not found")
        stream_id, start, end, trimmed = row[0], row[6], row[8], row[9]
        if iterator_type == "TRIM_HORIZON":
            position = max(trimmed, start - 1)
        elif iterator_type == "LATEST":
            position = end if row[7] is not None and end is not None else max(_last_seq(conn), start - 1)
        else:
            seq = int(sequence_number)  # type: ignore[arg-type]  # checked by the caller
            if seq <= trimmed:
                raise StreamTrimmed(f"Sequence number {sequence_number} of {arn} is past the retention period")
            if seq < start or (shard.ending_sequence_number is not None and seq > int(shard.ending_sequence_number)):
                raise ValidationError(f"Invalid SequenceNumber {sequence_number} for shard {shard_id}")
            position = seq - 1 if iterator_type == "AT_SEQUENCE_NUMBER" else seq
        return _encode(arn, stream_id, position)

    def records(self, conn: sqlite3.Connection, iterator: str, limit: int) -> RecordBatch:
        arn, stream_id, position, issued = _decode(iterator)
        if time.time() - issued > ITERATOR_SECONDS:
            raise IteratorExpired("Iterator expired. The iterator was created over 15 minutes ago")
        try:
            row = self._row(conn, arn)
        except TableNotFound:
            raise StreamTrimmed(f"Stream {arn} is past the retention period") from None
        if row[0] != stream_id:
            raise ValidationError("Invalid ShardIterator")
        _, _, _, view, _, _, _, disabled, end, trimmed = row
        if position < trimmed:
            raise StreamTrimmed(f"Records after {seq_str(position)} of {arn} are past the retention period")
        rows = conn.execute(
            "SELECT seq, event_id, event, keys, old, new, created, size, by_ttl FROM _dynastore_stream "
            "WHERE stream=? AND seq>? ORDER BY seq LIMIT ?", (stream_id, position, limit)).fetchall()
        out: list[StreamRecord] = []
        read = 0
        for seq, event_id, event, keys, old, new, created, size, by_ttl in rows:
            out.append(StreamRecord(
                event_id=event_id, event_name=event, sequence_number=seq_str(seq), keys=unpack_item(keys),
                new_image=unpack_item(new) if new is not None else None,
                old_image=unpack_item(old) if old is not None else None, view_type=view,
                created=from_epoch(int(created)), size_bytes=size,
                user_identity=TTL_DELETION if by_ttl else None, region=REGION,
            ))
            position = seq
            read += size
            if read >= MAX_PAGE_BYTES:  # GetRecords answers at most 1 MB
                break
        closed = disabled is not None and position >= (end or 0)
        return RecordBatch(out, None if closed else _encode(arn, stream_id, position),
                           out[-1].sequence_number if out else None)


def _encode(arn: str, stream_id: int, position: int) -> str:
    body = json.dumps([stream_id, position, round(time.time(), 3)], separators=(",", ":")).encode()
    return f"{arn}|1|{base64.urlsafe_b64encode(body).decode()}"


def _decode(iterator: str) -> tuple[str, int, int, float]:
    try:
        arn, version, body = iterator.rsplit("|", 2)
        stream_id, position, issued = json.loads(base64.urlsafe_b64decode(body.encode()))
        if version != "1" or not all(type(x) is int for x in (stream_id, position)):
            raise ValueError(iterator)
        return arn, stream_id, position, float(issued)
    except (ValueError, TypeError):
        raise ValidationError("Invalid ShardIterator") from None
