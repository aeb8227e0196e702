"""The endpoint's state: one engine per namespace, and the operation table."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ..engine import Engine
from ..spec import TableSpec
from . import items, partiql, streams, tables
from .wire import ApiError, Json

#: DynamoDB Local's account id, which clients see in ARNs
ACCOUNT = "000000000000"


class PerTable:
    """Key/value pairs per table of a namespace that DynamoDB keeps and the engine has no place for.

    Kept in the embedded engine's own database (a table of the endpoint's next
    to the engine's catalogue, written in the engine's write transactions), so
    they live as long as the tables; in memory for an engine without one.
    """

    #: the SQL table holding them
    sql = ""

    def __init__(self, engine: Engine):
        self._db: Any = engine if hasattr(engine, "write_transaction") and hasattr(engine, "read_connection") else None
        self._memory: dict[str, dict[str, str]] = {}
        if self._db is not None:
            with self._db.write_transaction() as conn:
                conn.execute(f"CREATE TABLE IF NOT EXISTS {self.sql} (tbl TEXT NOT NULL, key TEXT NOT NULL, "
                             "value TEXT NOT NULL, PRIMARY KEY (tbl, key))")

    def of(self, table: str) -> dict[str, str]:
        if self._db is None:
            return dict(self._memory.get(table, {}))
        with self._db.read_connection() as conn:
            rows = conn.execute(f"SELECT key, value FROM {self.sql} WHERE tbl=? ORDER BY rowid", (table,)).fetchall()
        return dict(rows)

    def add(self, table: str, tags: dict[str, str]) -> None:
        if self._db is None:
            self._memory.setdefault(table, {}).update(tags)
            return
        with self._db.write_transaction() as conn:
            conn.executemany(f"INSERT OR REPLACE INTO {self.sql} VALUES (?,?,?)",
                             [(table, k, v) for k, v in tags.items()])

    def remove(self, table: str, keys: list[str] | None = None) -> None:
        """Take off ``keys`` (all of the table's when None)."""
        if self._db is None:
            if keys is None:
                self._memory.pop(table, None)
            for k in keys or ():
                self._memory.get(table, {}).pop(k, None)
            return
        with self._db.write_transaction() as conn:
            if keys is None:
                conn.execute(f"DELETE FROM {self.sql} WHERE tbl=?", (table,))
            else:
                conn.executemany(f"DELETE FROM {self.sql} WHERE tbl=? AND key=?", [(table, k) for k in keys])


class Tags(PerTable):
    """The tags of a namespace's tables (TagResource ...)."""

    sql = "_dynastore_endpoint_tags"


class TableSettings(PerTable):
    """Table settings the engine does not model: ``deletion_protection`` ("1" when on), and the billing summary's
    time, on-demand limits and the last disabled stream (see `tables`)."""

    sql = "_dynastore_endpoint_settings"


#: what DynamoDB says of an item another request in progress is working on
ONGOING = "Transaction is ongoing for the item"


class InFlight:
    """The items that transactions and writes in progress in one namespace are working on.

    The embedded engine runs writes one at a time, so nothing ever conflicts
    inside it; what DynamoDB refuses is overlap in time. The endpoint records
    each item of a TransactWriteItems, and of a PutItem / UpdateItem /
    DeleteItem / BatchWriteItem, from the moment its request is checked until
    the engine has finished it, and refuses what DynamoDB documents as conflicts:

    - a PutItem / UpdateItem / DeleteItem of an item a TransactWriteItems in
      progress includes: ``TransactionConflictException``;
    - a TransactWriteItems including such an item: cancelled, reason ``TransactionConflict``;
    - a TransactGetItems of an item a TransactWriteItems or single write in
      progress includes: cancelled, reason ``TransactionConflict``;
    - a TransactWriteItems with the ``ClientRequestToken`` of one in progress:
      ``TransactionInProgressException``.

    An item is a ``(table, key)`` marker (see `items.marker`).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._transactions: Counter[str] = Counter()
        self._writes: Counter[str] = Counter()
        self._tokens: set[str] = set()

    @contextmanager
    def transaction(self, markers: Sequence[str], *, write: bool, token: str | None = None) -> Iterator[None]:
        """A TransactWriteItems (``write``) or TransactGetItems of ``markers`` in progress within the block.

        A TransactWriteItems with the ``ClientRequestToken`` of one in progress is refused with
        ``TransactionInProgressException`` (once it is over, the token answers idempotently).
        """
        with self._lock:
            if token is not None and token in self._tokens:
                raise ApiError("TransactionInProgressException",
                               "The transaction with the given request token is already in progress.")
            busy = [m in self._transactions or (not write and m in self._writes) for m in markers]
            if any(busy):
                reasons: list[Json] = [{"Code": "TransactionConflict", "Message": ONGOING} if b else {"Code": "None"}
                                       for b in busy]
                codes = ", ".join(r["Code"] for r in reasons)
                raise ApiError("TransactionCanceledException", "Transaction cancelled, please refer cancellation "
                               f"reasons for specific reasons [{codes}]", extra={"CancellationReasons": reasons})
            if write:
                self._transactions.update(markers)
            if token is not None:
                self._tokens.add(token)
        try:
            yield
        finally:
            if write:
                self._release(self._transactions, markers)
            if token is not None:
                with self._lock:
                    self._tokens.discard(token)

    @contextmanager
    def writes(self, markers: Sequence[str], *, refuse: bool = True) -> Iterator[None]:
        """Single writes (or a batch's, ``refuse=False``: not refused, but seen by transactions) in progress."""
        with self._lock:
            if refuse and any(m in self._transactions for m in markers):
                raise ApiError("TransactionConflictException", ONGOING)
            self._writes.update(markers)
        try:
            yield
        finally:
            self._release(self._writes, markers)

    def _release(self, held: Counter[str], markers: Sequence[str]) -> None:
        with self._lock:
            held.subtract(markers)
            for m in markers:
                if held.get(m, 0) <= 0:
                    held.pop(m, None)


class Namespace:
    """The tables of one access key + region (or of everyone, with ``--shared-db``)."""

    def __init__(self, engine: Engine, region: str):
        self.engine = engine
        self.region = region
        #: run requests on the connection's own thread: an in-memory engine has one connection for all threads,
        #: so there are no per-thread SQLite connections to leak, and the worker hand-off (~50 us) is saved
        self.inline = getattr(engine, "kind", None) == "memory"
        self.tags = Tags(engine)
        self.settings = TableSettings(engine)
        self.in_flight = InFlight()
        #: creation times of tables whose engine does not record them (see `TableInfo.created`)
        self._created: dict[str, float] = {}
        self._specs: dict[str, TableSpec] = {}
        self._started = round(time.time(), 3)

    def spec(self, name: str) -> TableSpec:
        """The table's spec, cached: item requests must not pay for DescribeTable's item count.

        Table operations through the endpoint call `forget`; a table changed
        behind the endpoint's back (another process on the same file) is seen
        after the endpoint restarts.
        """
        spec = self._specs.get(name)
        if spec is None:
            from .tables import info_of

            spec = self._specs[name] = info_of(self, name).spec
        return spec

    def forget(self, name: str) -> None:
        self._specs.pop(name, None)

    def table_arn(self, name: str) -> str:
        return f"arn:aws:dynamodb:{self.region}:{ACCOUNT}:table/{name}"

    def table_created(self, name: str) -> None:
        self._created[name] = round(time.time(), 3)

    def created_at(self, name: str) -> float:
        return self._created.get(name, self._started)


Operation = Callable[[Namespace, Json], Json]

OPERATIONS: dict[str, Operation] = {
    "CreateTable": tables.create_table,
    "DescribeTable": tables.describe_table,
    "UpdateTable": tables.update_table,
    "DeleteTable": tables.delete_table,
    "ListTables": tables.list_tables,
    "UpdateTimeToLive": tables.update_ttl,
    "DescribeTimeToLive": tables.describe_ttl,
    "TagResource": tables.tag_resource,
    "UntagResource": tables.untag_resource,
    "ListTagsOfResource": tables.list_tags,
    "PutItem": items.put_item,
    "GetItem": items.get_item,
    "UpdateItem": items.update_item,
    "DeleteItem": items.delete_item,
    "Query": items.query,
    "Scan": items.scan,
    "BatchGetItem": items.batch_get_item,
    "BatchWriteItem": items.batch_write_item,
    "TransactWriteItems": items.transact_write_items,
    "TransactGetItems": items.transact_get_items,
    "ExecuteStatement": partiql.execute_statement,
    "BatchExecuteStatement": partiql.batch_execute_statement,
    "ExecuteTransaction": partiql.execute_transaction,
}

#: DynamoDB Streams' operations (target prefix ``DynamoDBStreams_20120810.``), served on the same port
STREAM_OPERATIONS: dict[str, Operation] = {
    "ListStreams": streams.list_streams,
    "DescribeStream": streams.describe_stream,
    "GetShardIterator": streams.get_shard_iterator,
    "GetRecords": streams.get_records,
}


class Service:
    """Namespaces on demand: an embedded engine each, in memory or in files next to ``db``.

    With ``shared`` every caller sees one namespace (and ``db`` is its file);
    otherwise the namespace of access key K in region R lives in
    ``<db stem>.<K>_<R><db suffix>``, as DynamoDB Local keeps ``K_R.db`` files.
    """

    def __init__(self, db: str | None = None, *, shared: bool = False, engine_factory: Callable[[str], Engine] | None = None):
        self.db = db
        self.shared = shared
        self._factory = engine_factory or _sqlite
        self._spaces: dict[tuple[str, str], Namespace] = {}
        self._lock = threading.Lock()

    def namespace(self, access_key: str, region: str) -> Namespace:
        key = ("", "") if self.shared else (access_key, region)
        space = self._spaces.get(key)
        if space is None:
            with self._lock:
                space = self._spaces.get(key)
                if space is None:
                    space = self._spaces[key] = Namespace(self._factory(self._path(access_key, region)), region)
        return space

    def _path(self, access_key: str, region: str) -> str:
        if self.db is None:
            return ":memory:"
        if self.shared:
            return self.db
        stem, suffix = os.path.splitext(self.db)
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in f"{access_key}_{region}")
        return f"{stem}.{safe}{suffix or '.db'}"

    def sweep_expired(self) -> int:
        """Delete the expired items of every TTL table in every namespace (DynamoDB's background TTL process)."""
        deleted = 0
        now = int(time.time())
        with self._lock:
            spaces = list(self._spaces.values())
        for space in spaces:
            for name in space.engine.list_tables():
                attr = space.spec(name).ttl_attribute
                if attr is not None:
                    deleted += space.engine.sweep_expired(name, attr, now)
        return deleted

    def close(self) -> None:
        with self._lock:
            for space in self._spaces.values():
                space.engine.close()
            self._spaces.clear()


def _sqlite(path: str) -> Engine:
    from ..engines.sqlite import SQLiteEngine

    return SQLiteEngine(path)


def describe_endpoints(host: str) -> Json:
    return {"Endpoints": [{"Address": host, "CachePeriodInMinutes": 1440}]}


__all__ = ["OPERATIONS", "STREAM_OPERATIONS", "Namespace", "Operation", "Service", "describe_endpoints"]
