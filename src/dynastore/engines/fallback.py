"""`FallbackEngine`: a primary (DynamoDB) with a local SQLite store to fall back on.

While the primary answers, requests go to it and every write it confirms is
mirrored into the local store, which so stays a copy of what this process has
written (and of what `dynastore.sync.pull` brought in). When the primary is
unreachable (`StoreUnavailable`: connection refused, timeouts, 5xx -- never a
failed condition, a validation error or bad credentials), the engine turns
*degraded*: writes go to the local store and, in the same SQLite
transaction, to the durable outbox (`dynastore.outbox`); reads are served
locally. `dynastore.sync.sync` replays the outbox.

Consistency rule: a table with outbox entries (pending or in conflict) is
served entirely from the local store, reads and writes, until a sync has
emptied its entries -- even after the primary is back. So nobody reads older
data than they wrote, and writes to one item reach the primary in the order
they were made. Tables without entries go back to the primary as soon as a
probe (after a back-off that doubles up to ``max_probe_interval``) finds it.

Conditions and transactions while degraded are evaluated against the local
copy; the sync re-checks each write against the primary (the item must still
be what the local write assumed) and reports a conflict rather than
overwriting newer remote data.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any, Literal, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge

from ..engine import BatchGetRequest, Engine, Item, Page, ReturnValues, TableInfo, TxAction, TxGet, WriteRequest
from ..errors import DynastoreError, StoreUnavailable, TableExists, TableNotFound, ValidationError
from ..expressions import Action, Condition, KeyCondition, Path
from ..expressions.evaluate import apply_update
from ..outbox import Outbox, PendingWrites
from ..spec import BillingMode, Index, TableSpec
from .sqlite import SQLiteEngine, _return_values

T = TypeVar("T")


def _iso(t: float | None) -> str | None:
    return None if t is None else datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class FallbackStatus:
    """What a health check shows: is the primary in use, and what waits for it.

    ``degraded`` while anything is served locally: the primary is unreachable,
    or local writes wait in the outbox (their tables are served locally).
    """

    primary_reachable: bool
    since: float | None  # epoch seconds the primary was first found unreachable
    last_error: str | None
    outbox_depth: int  # local writes not yet on the primary (conflicts included)
    conflicts: int
    last_sync: float | None

    @property
    def degraded(self) -> bool:
        return not self.primary_reachable or self.outbox_depth > 0

    @property
    def reason(self) -> str | None:
        if not self.primary_reachable:
            return f"the primary is unreachable since {_iso(self.since)}: {self.last_error}"
        if self.conflicts:
            return f"{self.conflicts} local write(s) conflict with the primary: see `dynastore sync`"
        if self.outbox_depth:
            return f"{self.outbox_depth} local write(s) wait for `dynastore sync`"
        return None

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["since"], d["last_sync"] = _iso(self.since), _iso(self.last_sync)
        return {"degraded": self.degraded, "reason": self.reason, **d}


class FallbackEngine(Engine):
    """``primary`` (usually DynamoDB) with ``local`` (SQLite) as fallback and outbox.

    ``probe_interval``: seconds after a failure before the primary is tried
    again (doubling up to ``max_probe_interval``). ``mirror``: copy writes the
    primary confirmed into the local store. ``auto_sync``: when a probe finds
    the primary back and the outbox has entries, replay it in a background thread.
    """

    kind = "fallback"

    def __init__(self, primary: Engine, local: SQLiteEngine, *, probe_interval: float = 5.0,
                 max_probe_interval: float = 60.0, mirror: bool = True, auto_sync: bool = True,
                 registry: CollectorRegistry | None = None):
        if probe_interval < 0 or max_probe_interval < probe_interval:
            raise ValidationError("need 0 <= probe_interval <= max_probe_interval")
        self.primary = primary
        self.local = local
        self.outbox = Outbox(local)
        self.mirror = mirror
        self.auto_sync = auto_sync
        self.probe_interval = probe_interval
        self.max_probe_interval = max_probe_interval
        self._state = threading.Lock()
        self._probing = threading.Lock()
        self.sync_lock = threading.Lock()  # one sync at a time in this process
        self._since: float | None = None
        self._last_error: str | None = None
        self._next_probe = 0.0
        self._interval = probe_interval
        self._local_tables: set[str] = set()
        self._sync_thread: threading.Thread | None = None
        self.registry = registry if registry is not None else CollectorRegistry()
        self._m_degraded = Gauge("dynastore_fallback_degraded", "1 while the primary is unreachable",
                                 registry=self.registry)
        self._m_local_writes = Counter("dynastore_fallback_local_writes", "Writes kept locally for a later sync",
                                       registry=self.registry)
        self._m_mirror_failures = Counter("dynastore_fallback_mirror_failures",
                                          "Confirmed primary writes the local copy could not take",
                                          registry=self.registry)
        depth = Gauge("dynastore_fallback_outbox_depth", "Local writes waiting for a sync", registry=self.registry)
        depth.set_function(lambda: float(self.outbox.depth()))
        #: per result: applied, already (replayed before), conflict; set by `dynastore.sync`
        self.m_replayed = Counter("dynastore_sync_replayed", "Outbox entries a sync processed", ["result"],
                                  registry=self.registry)

    def __repr__(self) -> str:
        return f"<FallbackEngine {self.primary!r} -> {self.local.path}>"

    @property
    def capacity_listener(self) -> Callable[[str, str, float], None] | None:
        """The primary's consumed-capacity listener (the Store's metrics set it)."""
        return getattr(self.primary, "capacity_listener", None)

    @capacity_listener.setter
    def capacity_listener(self, listener: Callable[[str, str, float], None] | None) -> None:
        if hasattr(self.primary, "capacity_listener"):
            self.primary.capacity_listener = listener

    # -- state -----------------------------------------------------------------

    @property
    def degraded(self) -> bool:
        """True while the primary is known to be unreachable."""
        return self._since is not None

    def status(self) -> FallbackStatus:
        return FallbackStatus(not self.degraded, self._since, self._last_error, self.outbox.depth(),
                              self.outbox.conflict_count(), self.outbox.get_state("last_sync"))

    def health_details(self) -> dict[str, Any]:
        return {"engine": self.kind, "primary": self.primary.kind, "local": self.local.path,
                **self.status().as_dict()}

    def went_down(self, error: StoreUnavailable) -> None:
        """Record that the primary failed to answer; it is next tried after the back-off."""
        with self._state:
            if self._since is None:
                self._since = time.time()
                self._interval = self.probe_interval
            self._last_error = error.message
            self._next_probe = time.monotonic() + self._interval
            self._interval = min(self._interval * 2, self.max_probe_interval)
        self._m_degraded.set(1)

    def came_back(self, *, start_sync: bool = True) -> None:
        """Record that the primary answered again."""
        with self._state:
            self._since = None
        self._m_degraded.set(0)
        if start_sync and self.auto_sync and self.outbox.depth():
            self._start_background_sync()

    def primary_usable(self) -> bool:
        """True unless the primary is known down and the back-off has not run out (then probe it)."""
        if self._since is None:
            return True
        if time.monotonic() < self._next_probe:
            return False
        return self.probe()

    def probe(self) -> bool:
        """Ask the primary now, back-off or not; True if it answered."""
        if not self._probing.acquire(blocking=False):
            return False  # another thread is asking
        try:
            self.primary.list_tables()
        except StoreUnavailable as e:
            self.went_down(e)
            return False
        except DynastoreError:
            pass  # it answered; the error will surface on the real request
        finally:
            self._probing.release()
        self.came_back()
        return True

    def _start_background_sync(self) -> None:
        with self._state:
            if self._sync_thread is not None and self._sync_thread.is_alive():
                return
            self._sync_thread = threading.Thread(target=self._background_sync, name="dynastore-sync", daemon=True)
            self._sync_thread.start()

    def _background_sync(self) -> None:
        from ..sync import sync

        try:
            sync(self)
        except DynastoreError as e:  # the entries stay; health shows why, the next probe tries again
            with self._state:
                self._last_error = f"background sync failed: {e.message}"

    def _offline(self, tables: Sequence[str]) -> bool:
        return not self.primary_usable() or any(self.outbox.has_entries(t) for t in tables)

    # -- routing -----------------------------------------------------------------

    def _route(self, tables: Sequence[str], on_primary: Callable[[], T], on_local: Callable[[], T]) -> T:
        """``on_primary`` unless these tables are served locally; locally if the primary cannot be reached.

        ``on_primary`` must raise StoreUnavailable only from the primary call
        itself (before anything was confirmed), never afterwards.
        """
        if not self._offline(tables):
            try:
                return on_primary()
            except StoreUnavailable as e:
                self.went_down(e)
        return self._locally(tables, on_local)

    def _locally(self, tables: Sequence[str], call: Callable[[], T]) -> T:
        try:
            return call()
        except TableNotFound:
            if self.degraded:
                raise StoreUnavailable(
                    f"the primary is unreachable ({self._last_error}) and there is no local copy of "
                    f"table {', '.join(sorted(set(tables)))}: pull it with `dynastore sync --pull` while online"
                ) from None
            raise

    def _write_locally(self, call: Callable[[], T], *, group: bool = False) -> Callable[[], T]:
        def run() -> T:
            with self.local.journaled(self.outbox.journal(group=group)):
                result = call()
            self._m_local_writes.inc()
            return result

        return run

    def _needs_primary(self, what: str) -> None:
        if not self.primary_usable():
            raise StoreUnavailable(f"{what} needs the primary, which is unreachable ({self._last_error})")

    # -- the local copy ------------------------------------------------------------

    def _ensure_local_table(self, table: str) -> None:
        if table in self._local_tables:
            return
        if table not in self.local.list_tables():
            try:
                self.local.create_table(self.primary.describe_table(table).spec)
            except TableExists:
                pass
        self._local_tables.add(table)

    def refresh_local(self, table: str, changes: Sequence[tuple[Item, Item | None]]) -> int:
        """Write ``(key, item or None)`` pairs into the local copy, skipping items with outbox entries.

        Returns how many were written. Used for mirroring and by `dynastore.sync.pull`.
        """
        self._ensure_local_table(table)
        written = 0
        for key, new in changes:
            try:
                with self.local.journaled(Outbox.guard):
                    if new is None:
                        self.local.delete_item(table, key)
                    else:
                        self.local.put_item(table, new)
                written += 1
            except PendingWrites:
                pass
        return written

    def _mirror(self, table: str, changes: Callable[[], Sequence[tuple[Item, Item | None]]]) -> None:
        """Copy a confirmed primary write locally. Never raises: the write has happened."""
        if not self.mirror:
            return
        try:
            self.refresh_local(table, changes())
        except DynastoreError:
            self._m_mirror_failures.inc()  # the local copy is stale; a later offline write to it will conflict

    # -- tables ----------------------------------------------------------------

    def create_table(self, spec: TableSpec) -> None:
        if self.primary_usable():
            try:
                self.primary.create_table(spec)
            except StoreUnavailable as e:
                self.went_down(e)
            else:
                if self.mirror:
                    try:
                        self.local.create_table(spec)
                    except TableExists:
                        pass
                return
        # created remotely by the first sync that has entries for it
        self.local.create_table(spec)

    def describe_table(self, name: str) -> TableInfo:
        if not self._offline([name]):
            try:
                return self.primary.describe_table(name)
            except StoreUnavailable as e:
                self.went_down(e)
        return self.local.describe_table(name)  # TableNotFound as it is: Store.create_table creates it here

    def list_tables(self) -> list[str]:
        # tables made offline are served locally until synced: list them too
        return self._route([], lambda: sorted({*self.primary.list_tables(), *self.outbox.tables()}),
                           self.local.list_tables)

    # add_index and set_ttl work offline on the local copy; the next sync
    # brings the primary's table up to the local spec. Dropping an index and
    # capacity changes need the primary: a sync could not tell an index dropped
    # here from one added there meanwhile, and it carries no capacity.

    def add_index(self, table: str, index: Index) -> None:
        if self._primary_ddl(lambda: self.primary.add_index(table, index)):
            if table not in self.local.list_tables() or any(
                    i.name == index.name for i in self.local.describe_table(table).spec.indexes):
                return
        self.local.add_index(table, index)

    def drop_index(self, table: str, index: str) -> None:
        self._primary_only(f"dropping index {index!r} of table {table!r}",
                           lambda: self.primary.drop_index(table, index))
        if table in self.local.list_tables() and any(
                i.name == index for i in self.local.describe_table(table).spec.indexes):
            self.local.drop_index(table, index)

    def set_capacity(self, table: str, billing_mode: BillingMode, **kw: Any) -> None:
        self._primary_only(f"changing the capacity of table {table!r}",
                           lambda: self.primary.set_capacity(table, billing_mode, **kw))
        if table in self.local.list_tables():
            self.local.set_capacity(table, billing_mode, **kw)

    def set_ttl(self, table: str, attribute: str | None) -> None:
        if self._primary_ddl(lambda: self.primary.set_ttl(table, attribute)) and table not in self.local.list_tables():
            return
        self.local.set_ttl(table, attribute)

    def _primary_ddl(self, call: Callable[[], None]) -> bool:
        """Run ``call`` on the primary if it can be reached; False if it could not."""
        if not self.primary_usable():
            return False
        try:
            call()
        except StoreUnavailable as e:
            self.went_down(e)
            return False
        return True

    def _primary_only(self, what: str, call: Callable[[], None]) -> None:
        """Run ``call`` on the primary; StoreUnavailable saying ``what`` needs it if it cannot be reached."""
        self._needs_primary(what)
        try:
            call()
        except StoreUnavailable as e:
            self.went_down(e)
            raise StoreUnavailable(f"{what} needs the primary, which is unreachable ({e})", cause=e) from None

    def delete_table(self, name: str) -> None:
        self._primary_only(f"deleting table {name!r}", lambda: self.primary.delete_table(name))
        self._local_tables.discard(name)
        try:
            self.local.delete_table(name)
        except TableNotFound:
            pass
        self.outbox.drop_table(name)

    # -- items ---------------------------------------------------------------------

    def get_item(self, table: str, key: Item, *, consistent: bool = False,
                 projection: Sequence[Path] | None = None) -> Item | None:
        return self._route([table], lambda: self.primary.get_item(table, key, consistent=consistent, projection=projection),
                           lambda: self.local.get_item(table, key, consistent=consistent, projection=projection))

    def _put_or_delete(self, method: Literal["put_item", "delete_item"], table: str, target: Item,
                       after: Item | None, **kw: Any) -> Item | None:
        """``method(table, target, **kw)``; ``after`` is the item it leaves (None for a delete)."""
        def remote() -> Item | None:
            old: Item | None = getattr(self.primary, method)(table, target, **kw)
            self._mirror(table, lambda: [(target, after)])
            return old

        return self._route([table], remote, self._write_locally(lambda: getattr(self.local, method)(table, target, **kw)))

    def put_item(self, table: str, item: Item, *, condition: Condition | None = None, return_old: bool = False,
                 return_item_on_failure: bool = False) -> Item | None:
        return self._put_or_delete("put_item", table, item, item, condition=condition, return_old=return_old,
                                   return_item_on_failure=return_item_on_failure)

    def update_item(self, table: str, key: Item, actions: Sequence[Action], *, condition: Condition | None = None,
                    return_values: ReturnValues = "NONE", return_item_on_failure: bool = False) -> Item | None:
        def remote() -> Item | None:
            # ALL_OLD plus the same update applied here gives both the caller's
            # return values and the new item for the local copy, in one request.
            old = self.primary.update_item(table, key, actions, condition=condition, return_values="ALL_OLD",
                                           return_item_on_failure=return_item_on_failure)
            new = apply_update(dict(old) if old is not None else dict(key), actions)
            self._mirror(table, lambda: [(key, new)])
            return _return_values(return_values, old, new, actions)

        return self._route([table], remote, self._write_locally(lambda: self.local.update_item(
            table, key, actions, condition=condition, return_values=return_values,
            return_item_on_failure=return_item_on_failure)))

    def delete_item(self, table: str, key: Item, *, condition: Condition | None = None, return_old: bool = False,
                    return_item_on_failure: bool = False) -> Item | None:
        return self._put_or_delete("delete_item", table, key, None, condition=condition, return_old=return_old,
                                   return_item_on_failure=return_item_on_failure)

    # -- queries ---------------------------------------------------------------

    def query(self, table: str, key_condition: KeyCondition, **kw: Any) -> Page:  # type: ignore[override]
        return self._route([table], lambda: self.primary.query(table, key_condition, **kw),
                           lambda: self.local.query(table, key_condition, **kw))

    def scan(self, table: str, **kw: Any) -> Page:  # type: ignore[override]
        return self._route([table], lambda: self.primary.scan(table, **kw), lambda: self.local.scan(table, **kw))

    def batch_get(self, requests: dict[str, BatchGetRequest]) -> tuple[dict[str, list[Item]], dict[str, list[Item]]]:
        tables = list(requests)
        return self._route(tables, lambda: self.primary.batch_get(requests), lambda: self.local.batch_get(requests))

    def transact_get(self, gets: Sequence[TxGet]) -> list[Item | None]:
        tables = [g.table for g in gets]
        return self._route(tables, lambda: self.primary.transact_get(gets), lambda: self.local.transact_get(gets))

    # -- batches and transactions ------------------------------------------------

    def batch_write(self, requests: dict[str, list[WriteRequest]]) -> dict[str, list[WriteRequest]]:
        tables = list(requests)

        def remote() -> dict[str, list[WriteRequest]]:
            unprocessed = self.primary.batch_write(requests)
            for table, reqs in requests.items():
                left = unprocessed.get(table, [])
                self._mirror(table, lambda reqs=reqs, left=left: [  # type: ignore[misc]
                    (r.item, r.item if r.kind == "put" else None) for r in reqs if r not in left])
            return unprocessed

        return self._route(tables, remote, self._write_locally(lambda: self.local.batch_write(requests)))

    def transact_write(self, actions: Sequence[TxAction], *, token: str | None = None) -> None:
        tables = [a.table for a in actions]

        def remote() -> None:
            self.primary.transact_write(actions, token=token)
            for a in actions:
                if a.kind == "put":
                    self._mirror(a.table, lambda a=a: [(a.item, a.item)])  # type: ignore[misc]
                elif a.kind == "delete":
                    self._mirror(a.table, lambda a=a: [(a.item, None)])  # type: ignore[misc]
                elif a.kind == "update":  # the new item is only known to the primary
                    self._mirror(a.table, lambda a=a: [  # type: ignore[misc]
                        (a.item, self.primary.get_item(a.table, a.item, consistent=True))])

        self._route(tables, remote, self._write_locally(
            lambda: self.local.transact_write(actions, token=token), group=True))

    # -- maintenance ---------------------------------------------------------------

    def sweep_expired(self, table: str, attribute: str, now: int) -> int:
        # Locally without outbox entries: the primary runs its own TTL.
        return self._route([table], lambda: self.primary.sweep_expired(table, attribute, now),
                           lambda: self.local.sweep_expired(table, attribute, now))

    def close(self) -> None:
        thread = self._sync_thread
        if thread is not None:
            thread.join()
        self.primary.close()
        self.local.close()


_URL_OPTIONS = {"fallback_probe_interval": "probe_interval", "fallback_max_probe_interval": "max_probe_interval",
                "fallback_auto_sync": "auto_sync", "fallback_mirror": "mirror"}


def fallback_engine(primary: Engine, local_url: str, options: dict[str, str]) -> FallbackEngine:
    """The engine a ``dynamodb://...&fallback=sqlite:///path.db`` URL names (see `dynastore.store`).

    ``options`` are the URL's ``fallback_*`` parameters. Closes ``primary`` when it fails.
    """
    from urllib.parse import urlsplit

    from ..store import engine_from_url

    local: Engine | None = None
    try:
        if urlsplit(local_url).scheme.lower() not in ("sqlite", "memory"):
            raise ValidationError(f"fallback={local_url!r} must be a sqlite:/// or memory:// URL")
        unknown = sorted(set(options) - set(_URL_OPTIONS))
        if unknown:
            raise ValidationError(f"unknown fallback option(s) {', '.join(unknown)}; "
                                  f"known: {', '.join(sorted(_URL_OPTIONS))}")
        kw: dict[str, Any] = {_URL_OPTIONS[name]: _option(name, value) for name, value in options.items()}
        local = engine_from_url(local_url)
        assert isinstance(local, SQLiteEngine)
        return FallbackEngine(primary, local, **kw)
    except BaseException:
        primary.close()
        if local is not None:
            local.close()
        raise


def _option(name: str, value: str) -> bool | float:
    if name in ("fallback_auto_sync", "fallback_mirror"):
        if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
            raise ValidationError(f"{name} must be true or false, got {value!r}")
        return value.lower() in ("true", "1", "yes")
    try:
        return float(value)
    except ValueError:
        raise ValidationError(f"{name} must be a number of seconds, got {value!r}") from None
