"""The endpoint's state: one engine per namespace, and the operation table."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

from ..engine import Engine
from ..spec import TableSpec
from . import items, streams, tables
from .wire import Json

#: DynamoDB Local's account id, which clients see in ARNs
ACCOUNT = "000000000000"


class Namespace:
    """The tables of one access key + region (or of everyone, with ``--shared-db``)."""

    def __init__(self, engine: Engine, region: str):
        self.engine = engine
        self.region = region
        #: run requests on the connection's own thread: an in-memory engine has one connection for all threads,
        #: so there are no per-thread SQLite connections to leak, and the worker hand-off (~50 us) is saved
        self.inline = getattr(engine, "kind", None) == "memory"
        # Tags and creation times are kept in memory: the engine has no place for them.
        self.tags: dict[str, dict[str, str]] = {}
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
