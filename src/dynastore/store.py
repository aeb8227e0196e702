"""`Store`: tables on one engine, transactions across them, and `open_store(url)`.

Stores are plain objects: open as many as you like (two at once is how you
migrate from one backend to another); nothing here is a global singleton.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import parse_qs, urlsplit

from prometheus_client import CollectorRegistry

from .engine import Engine, Item, TableInfo, TxAction, TxGet
from .engines.instrumented import instrument
from .errors import TableExists, TableNotFound, ValidationError
from .expressions import Action, Condition
from .health import Health, check_health
from .limits import MAX_TRANSACT_ACTIONS, MAX_TRANSACTION_BYTES, item_size
from .metrics import StoreMetrics
from .retry import RetryPolicy
from .spec import BillingMode, Index, TableSpec, load_specs, make_spec
from .steps import EngineDriver, Sleep, Steps, blocking, call
from .table import UNSET, BaseTable, Table
from .validation import check_condition, key_of, projection_paths

if TYPE_CHECKING:
    from .streams import Stream, StreamSummary


def open_store(url: str | None = None, *, retry: RetryPolicy | None = None,
               metrics: StoreMetrics | CollectorRegistry | None = None, **options: Any) -> Store:
    """A store on the engine the URL names.

    - ``sqlite:///data/app.db`` (relative path), ``sqlite:////abs/app.db``: the embedded engine, one file
    - ``memory://``: the embedded engine in memory (gone when the store closes)
    - ``dynamodb://?region=us-east-1`` (AWS), ``dynamodb://?endpoint=http://127.0.0.1:8000&region=us-east-1``
      (any DynamoDB-compatible endpoint); ``profile=`` picks an AWS profile
    - ``dynamodb://?...&fallback=sqlite:///data/offline.db``: DynamoDB with a local store to fall back
      on while it is unreachable, and an outbox that ``dynastore sync`` replays (docs/offline.md;
      ``fallback_probe_interval``, ``fallback_auto_sync`` ... tune it)

    With no URL, the environment decides (`Settings`: ``DYNASTORE_URL``, or
    ``DYNAMODB_ENABLED``/``DYNAMODB_ENDPOINT``/``AWS_REGION``), defaulting to
    ``sqlite:///data/dynastore.db``.
    """
    if url is None:
        from .settings import Settings

        url = Settings().store_url()
    return Store(engine_from_url(url, **options), retry=retry, url=url, metrics=metrics)


def dynamodb_options(url: str, **options: Any) -> tuple[dict[str, Any], str | None, dict[str, str]]:
    """What a ``dynamodb://`` URL says: the engine's keyword arguments (its query, then ``options``
    over it), the fallback store's URL (``fallback=``) and that store's options (``fallback_*``)."""
    query = {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
    fallback = query.pop("fallback", None)
    fallback_options = {k: query.pop(k) for k in list(query) if k.startswith("fallback_")}
    kwargs = {"region": None, "endpoint": None, "profile": None, **query, **options}
    return kwargs, fallback, fallback_options


def engine_from_url(url: str, **options: Any) -> Engine:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "memory":
        from .engines.sqlite import SQLiteEngine

        return SQLiteEngine(":memory:", **options)
    if scheme == "sqlite":
        from .engines.sqlite import SQLiteEngine

        # sqlite:///rel/path -> "rel/path"; sqlite:////abs/path -> "/abs/path" (SQLAlchemy's convention)
        path = parts.path[1:] if parts.path.startswith("/") else parts.path
        if parts.netloc:
            path = parts.netloc + "/" + path
        if not path:
            raise ValidationError(f"store URL {url!r} names no file: use sqlite:///path/to/file.db")
        return SQLiteEngine(path, **options)
    if scheme == "dynamodb":
        from .engines.dynamodb import DynamoDBEngine

        kwargs, fallback, fallback_options = dynamodb_options(url, **options)
        engine: Engine = DynamoDBEngine(**kwargs)
        if fallback is not None:
            from .engines.fallback import fallback_engine

            engine = fallback_engine(engine, fallback, fallback_options)
        return engine
    raise ValidationError(
        f"unknown store URL {url!r}: use sqlite:///path.db, memory:// or dynamodb://?region=...&endpoint=..."
    )


class BaseStore:
    """What `Store` and `dynastore.aio.AsyncStore` share: every operation as sans-IO steps
    (see `dynastore.steps`); the two only run them, blocking or awaited."""

    def __init__(self, *, retry: RetryPolicy | None = None, url: str | None = None):
        self.retry = retry or RetryPolicy()
        self.url = url
        self._specs: dict[str, TableSpec] = {}

    def _create_table(self, spec: TableSpec | Mapping[str, Any]) -> Steps[TableSpec]:
        """Create the table as specified, or bring an existing one up to the spec.

        Idempotent: creates what is missing (the table, a missing global
        index, TTL) and waits until it is usable. A spec that contradicts the
        existing table's keys or indexes is a ValidationError naming the difference.
        """
        spec = make_spec(dict(spec)) if isinstance(spec, Mapping) else make_spec(spec)
        try:
            info = yield call("describe_table", spec.name)
        except TableNotFound:
            info = None
        if info is None:
            try:
                yield call("create_table", spec.server_view())
            except TableExists:
                # Created by another process (or thread) since we looked: bring that one to the spec.
                info = yield from self._settled(spec.name)
            else:
                if spec.ttl_attribute:
                    yield call("set_ttl", spec.name, spec.ttl_attribute)
        if info is not None:
            yield from self._reconcile(spec, info)
        self._specs[spec.name] = spec
        return spec

    def _settled(self, name: str) -> Steps[TableInfo]:
        """The table's description once its creator is done with it (ACTIVE, indexes too)."""
        delay, waited = 0.05, 0.0
        while True:
            info: TableInfo = yield call("describe_table", name)
            busy = info.status != "ACTIVE" or any(s != "ACTIVE" for s in info.index_status.values())
            if not busy or waited > 120:
                return info
            yield Sleep(delay)
            waited += delay
            delay = min(delay * 2, 1.0)

    def _reconcile(self, spec: TableSpec, info: TableInfo) -> Steps[None]:
        have = info.spec
        diffs = []
        if have.partition_key != spec.partition_key:
            diffs.append(f"partition key is {tuple(have.partition_key)}, spec says {tuple(spec.partition_key)}")
        if have.sort_key != spec.sort_key:
            diffs.append(f"sort key is {tuple(have.sort_key) if have.sort_key else None}, "
                         f"spec says {tuple(spec.sort_key) if spec.sort_key else None}")
        existing = {ix.name: ix for ix in have.indexes}
        missing: list[Index] = []
        for ix in spec.indexes:
            cur = existing.get(ix.name)
            if cur is None:
                if ix.local:
                    diffs.append(f"local index {ix.name!r} is missing and local indexes can only be made with the table")
                else:
                    missing.append(ix)
                continue
            for what in ("partition_key", "sort_key", "local"):
                if getattr(cur, what) != getattr(ix, what):
                    diffs.append(f"index {ix.name!r} {what} is {getattr(cur, what)}, spec says {getattr(ix, what)}")
            if cur.projection_type != ix.projection_type or (
                ix.projection_type == "INCLUDE" and set(cur.projection) != set(ix.projection)
            ):
                diffs.append(f"index {ix.name!r} projection is {cur.projection}, spec says {ix.projection}")
        # A spec without a stream leaves an existing one alone, as it does TTL; another view type is a
        # new stream (DynamoDB cannot change a stream's view type; the old one stays readable 24 h).
        if spec.ttl_attribute and have.ttl_attribute and have.ttl_attribute != spec.ttl_attribute:
            diffs.append(f"TTL is on {have.ttl_attribute!r}, spec says {spec.ttl_attribute!r}")
        if diffs:
            raise ValidationError(f"table {spec.name!r} exists and differs from its spec: " + "; ".join(diffs))
        for ix in missing:
            yield call("add_index", spec.name, ix)
        if spec.ttl_attribute and not have.ttl_attribute:
            yield call("set_ttl", spec.name, spec.ttl_attribute)
        if spec.stream and have.stream != spec.stream:
            yield call("set_stream", spec.name, spec.stream)

    def _table_spec(self, name_or_spec: str | TableSpec) -> Steps[TableSpec]:
        """A table that exists. A spec adds its client-side behaviours (versions, timestamps)."""
        if isinstance(name_or_spec, TableSpec):
            self._specs[name_or_spec.name] = name_or_spec
            return name_or_spec
        spec = self._specs.get(name_or_spec)
        if spec is None:
            spec = (yield call("describe_table", name_or_spec)).spec
        return spec

    def _tables(self) -> Steps[list[str]]:
        return (yield call("list_tables"))

    def _describe(self, name: str) -> Steps[TableInfo]:
        return (yield call("describe_table", name))

    def _index_sizes(self, name: str) -> Steps[dict[str, tuple[int, int]]]:
        """Index name -> (items, bytes): DynamoDB's ItemCount and IndexSizeBytes of each of the table's
        indexes (an index left out: not known). Measured apart from `describe`, which stays cheap: on the
        embedded engine this reads every index."""
        return (yield call("index_sizes", name))

    def _delete_table(self, name: str) -> Steps[None]:
        yield call("delete_table", name)
        self._specs.pop(name, None)

    def _drop_index(self, table: str, index: str) -> Steps[None]:
        """Delete a global secondary index and its entries (UpdateTable's index Delete); waits until gone.

        (Adding one is `create_table` with a spec naming it: existing tables are brought up to their spec.)
        """
        yield call("drop_index", table, index)
        self._specs.pop(table, None)

    def _set_capacity(self, table: str, billing_mode: BillingMode, *, read_capacity: int | None = None,
                      write_capacity: int | None = None,
                      index_capacity: Mapping[str, tuple[int, int]] | None = None) -> Steps[None]:
        """Switch between PAY_PER_REQUEST and PROVISIONED and/or change provisioned throughput.

        PROVISIONED needs ``read_capacity`` and ``write_capacity``; ``index_capacity`` gives global
        indexes (by name) their own ``(read, write)`` units; PAY_PER_REQUEST takes none.
        """
        yield call("set_capacity", table, billing_mode, read_capacity=read_capacity, write_capacity=write_capacity,
                   index_capacity=index_capacity)
        self._specs.pop(table, None)

    def _transact_get(
        self, gets: Iterable[tuple[BaseTable, Mapping[str, Any]] | tuple[BaseTable, Mapping[str, Any], Any]]
    ) -> Steps[list[Item | None]]:
        """Read up to 100 items atomically; one result (or None) per request, in order."""
        reqs: list[TxGet] = []
        tables: list[BaseTable] = []
        for g in gets:
            table, key = g[0], g[1]
            paths = projection_paths(g[2]) if len(g) > 2 else None
            reqs.append(TxGet(table.name, table.key(key), paths))
            tables.append(table)
        _check_tx_size(len(reqs))
        _check_unique([(r.table, r.key) for r in reqs], tables)
        items = yield call("transact_get", reqs)
        return [t._visible(i, False) for t, i in zip(tables, items, strict=False)]


class Store(BaseStore):
    """Tables on one engine. Use as a context manager to close it.

    Every method blocks until done; `dynastore.aio.AsyncStore` has the same
    methods as coroutines.
    """

    def __init__(self, engine: Engine, *, retry: RetryPolicy | None = None, url: str | None = None,
                 metrics: StoreMetrics | CollectorRegistry | None = None):
        super().__init__(retry=retry, url=url)
        #: per-table, per-operation metrics (pass ``metrics=`` a registry or a StoreMetrics to share them)
        self.metrics = metrics if isinstance(metrics, StoreMetrics) else StoreMetrics(metrics)
        self.engine = instrument(engine, self.metrics)
        self._drive = EngineDriver(self.engine)

    def health(self, tables: Iterable[str] | None = None) -> Health:
        """Reachability, latency, table status and the engine's degraded/outbox state (see `dynastore.health`)."""
        return check_health(self, tables)

    def __repr__(self) -> str:
        return f"<Store {self.url or self.engine.kind}>"

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.close()

    # -- tables --------------------------------------------------------------

    def create_table(self, spec: TableSpec | Mapping[str, Any]) -> Table:
        """Create the table as specified, or bring an existing one up to the spec.

        Idempotent: creates what is missing (the table, a missing global
        index, TTL) and waits until it is usable. A spec that contradicts the
        existing table's keys or indexes is a ValidationError naming the difference.
        """
        return Table(self, self._drive(self._create_table(spec)))

    def create_tables_from_file(self, path: str) -> list[Table]:
        return [self.create_table(s) for s in load_specs(path)]

    def table(self, name_or_spec: str | TableSpec) -> Table:
        """A table that exists. A spec adds its client-side behaviours (versions, timestamps)."""
        return Table(self, self._drive(self._table_spec(name_or_spec)))

    # -- streams (dynastore.streams) ---------------------------------------------

    def stream(self, table: str) -> Stream:
        """The table's current stream, to read its changes (`Stream.iter_changes`).

        ValidationError when the table has no stream: give its spec ``stream: NEW_AND_OLD_IMAGES``
        (or ``KEYS_ONLY``, ``NEW_IMAGE``, ``OLD_IMAGE``).
        """
        from .streams import Stream

        arn = self.describe(table).stream_arn
        if arn is None:
            raise ValidationError(f"table {table!r} has no stream: set stream (e.g. NEW_AND_OLD_IMAGES) in its spec")
        return Stream(self.engine, arn)

    def streams(self, table: str | None = None) -> list[StreamSummary]:
        """Streams of a table (or of all), newest first, disabled ones too until retention trims them."""
        return self.engine.list_streams(table)

    tables = blocking(BaseStore._tables)
    describe = blocking(BaseStore._describe)
    index_sizes = blocking(BaseStore._index_sizes)
    delete_table = blocking(BaseStore._delete_table)
    drop_index = blocking(BaseStore._drop_index)
    set_capacity = blocking(BaseStore._set_capacity)
    transact_get = blocking(BaseStore._transact_get)

    # -- transactions --------------------------------------------------------

    def transaction(self, *, token: str | None = None) -> Transaction:
        """A write transaction: add actions, then ``commit()`` (or leave a ``with`` block)."""
        return Transaction(self, token=token)


def _check_tx_size(n: int) -> None:
    if n == 0:
        raise ValidationError("a transaction needs at least one action")
    if n > MAX_TRANSACT_ACTIONS:
        raise ValidationError(
            f"1 validation error detected: Value at 'transactItems' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_TRANSACT_ACTIONS} (got {n})"
        )


def _check_unique(keys: Sequence[tuple[str, Item]], tables: Sequence[BaseTable]) -> None:
    seen = set()
    for (name, key), table in zip(keys, tables, strict=True):
        kt = (name,) + tuple((type(key[n]).__name__, key[n]) for n in table._key_names)
        if kt in seen:
            raise ValidationError("Transaction request cannot include multiple operations on one item")
        seen.add(kt)


class BaseTransaction:
    """What `Transaction` and `dynastore.aio.AsyncTransaction` share: collecting and checking actions."""

    def __init__(self, token: str | None = None):
        self.token = token
        self.actions: list[TxAction] = []
        self._tables: list[BaseTable] = []
        self.committed = False

    def _resolve(self, name: str) -> BaseTable:
        raise NotImplementedError

    def _add(self, table: BaseTable, action: TxAction) -> Self:
        self.actions.append(action)
        self._tables.append(table)
        return self

    def _t(self, table: BaseTable | str) -> BaseTable:
        return table if isinstance(table, BaseTable) else self._resolve(table)

    # ``return_item_on_failure=True`` on an action puts the item as it was into
    # that action's CancellationReason when its condition fails.

    def put(self, table: BaseTable | str, item: Mapping[str, Any], *, condition: Condition | None = None,
            expected_version: Any = UNSET, return_item_on_failure: bool = False) -> Self:
        t = self._t(table)
        new, cond = t.prepare_put(item, condition, expected_version)
        return self._add(t, TxAction("put", t.name, new, cond, (), return_item_on_failure))

    def update(self, table: BaseTable | str, key: Mapping[str, Any], actions: Action | Sequence[Action], *,
               condition: Condition | None = None, expected_version: Any = UNSET,
               return_item_on_failure: bool = False) -> Self:
        t = self._t(table)
        acts, cond = t.prepare_update(actions, condition, expected_version)
        return self._add(t, TxAction("update", t.name, t.key(key), cond, acts, return_item_on_failure))

    def delete(self, table: BaseTable | str, key: Mapping[str, Any], *, condition: Condition | None = None,
               expected_version: Any = UNSET, return_item_on_failure: bool = False) -> Self:
        t = self._t(table)
        cond = t.prepare_delete(condition, expected_version)
        return self._add(t, TxAction("delete", t.name, t.key(key), cond, (), return_item_on_failure))

    def check(self, table: BaseTable | str, key: Mapping[str, Any], condition: Condition, *,
              return_item_on_failure: bool = False) -> Self:
        t = self._t(table)
        if condition is None:
            raise ValidationError("a condition check needs a condition")
        check_condition(condition)
        return self._add(t, TxAction("check", t.name, t.key(key), condition, (), return_item_on_failure))

    def _commit(self) -> Steps[None]:
        if self.committed:
            raise ValidationError("this transaction was already committed")
        _check_tx_size(len(self.actions))
        keys = [(a.table, key_of(t.spec, a.item)) for a, t in zip(self.actions, self._tables, strict=False)]
        _check_unique(keys, self._tables)
        total = sum(item_size(a.item) for a in self.actions)
        if total > MAX_TRANSACTION_BYTES:
            raise ValidationError("Transaction size has exceeded the maximum allowed size of 4 MB")
        if self.token is not None and (not isinstance(self.token, str) or not 1 <= len(self.token) <= 36):
            raise ValidationError("token (ClientRequestToken) must be a string of 1 to 36 characters")
        yield call("transact_write", self.actions, token=self.token)
        self.committed = True


class Transaction(BaseTransaction):
    """Up to 100 writes that all happen or none do.

    ::

        with store.transaction() as tx:
            tx.put(orders, {...}, condition=Attr("order_id").not_exists())
            tx.update(stock, {"sku": "a"}, Attr("qty").set(Attr("qty") - 1), condition=Attr("qty").gt(0))

    On failure ``TransactionCanceled.reasons`` says, per action, why.
    ``token`` makes the commit idempotent for 10 minutes (DynamoDB's
    ClientRequestToken): retrying the same transaction with it is a no-op.
    """

    def __init__(self, store: Store, *, token: str | None = None):
        super().__init__(token)
        self.store = store
        self._drive = store._drive

    def __enter__(self) -> Transaction:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None and not self.committed:
            self.commit()

    def _resolve(self, name: str) -> BaseTable:
        return self.store.table(name)

    commit = blocking(BaseTransaction._commit)


