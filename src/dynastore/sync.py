"""Bringing a `FallbackEngine`'s local store and its primary back together.

- `sync`: replay the outbox on the primary, oldest first. Each entry says "if
  the remote item is still what the local write assumed, make it what the
  local write left": a conditional put (or delete) whose condition is the
  assumed item (``attribute_not_exists`` for a create; every attribute equal,
  the version attribute included, for an update). A remote item that already
  equals the result counts as done, so replaying twice (after a crash or a
  ``kill -9``) changes nothing; anything else is a conflict, reported and left
  in the outbox, never overwritten. An entry leaves the outbox only after the
  primary confirmed it. Entries of one local transaction replay as one
  transaction. Once an item is in conflict, its later entries wait too, so
  writes to one item never reach the primary out of order.
- `pull`: copy one partition (a session) from the primary into the local store
  -- the seeds' "sync with DynamoDB" button.
- `resolve`: settle conflicts by keeping the remote or the local item.
"""

from __future__ import annotations

import functools
import operator
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .engine import Engine, Item, TxAction, TxGet
from .engines.fallback import FallbackEngine
from .errors import (
    ConditionFailed,
    IdempotencyMismatch,
    StoreUnavailable,
    TableNotFound,
    TransactionCanceled,
    ValidationError,
)
from .expressions import Attr, Condition, Key, KeyCondition, Path, analyse_key_condition
from .outbox import Entry
from .spec import TableSpec
from .validation import key_of

#: Beyond this many attributes the condition checks these many and the rest is
#: compared after a read (a DynamoDB condition expression is at most 4 KB).
MAX_CONDITION_ATTRIBUTES = 100

#: called with (entries processed, entries to process)
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Conflict:
    """A local write the primary no longer agrees with: ``remote`` is what it holds (None: absent)."""

    table: str
    key: Item
    local: Item | None
    remote: Item | None
    reason: str


@dataclass(slots=True)
class SyncReport:
    applied: int = 0
    #: entries the primary already had (replayed by an interrupted earlier sync)
    already: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    #: entries still in the outbox afterwards (conflicts, and everything after an outage)
    remaining: int = 0
    #: why the primary could not be reached, if it could not
    unreachable: str | None = None
    dry_run: bool = False

    @property
    def synced(self) -> bool:
        """The primary was reached and took (or already had) every entry."""
        return self.unreachable is None and not self.conflicts


def base_condition(spec: TableSpec, old: Item | None) -> tuple[Condition, bool]:
    """The condition "the remote item is still ``old``", and whether it checks all of it."""
    if old is None:
        return Attr(Path((spec.partition_key.name,))).not_exists(), True
    keys = spec.table_key_names()
    names = list(keys) + sorted(n for n in old if n not in keys)
    exact = len(names) <= MAX_CONDITION_ATTRIBUTES
    checks = [Attr(Path((n,))).eq(old[n]) for n in names[:MAX_CONDITION_ATTRIBUTES]]
    return functools.reduce(operator.and_, checks), exact


def _reconcile_table(primary: Engine, spec: TableSpec) -> None:
    """Create the table on the primary, or add the global indexes and TTL made offline."""
    try:
        have = primary.describe_table(spec.name).spec
    except TableNotFound:
        primary.create_table(spec)
        have = primary.describe_table(spec.name).spec
    names = {i.name for i in have.indexes}
    for ix in spec.indexes:
        if ix.name not in names and not ix.local:
            primary.add_index(spec.name, ix)
    if spec.ttl_attribute and not have.ttl_attribute:
        primary.set_ttl(spec.name, spec.ttl_attribute)


def _groups(entries: Iterable[Entry]) -> Iterator[list[Entry]]:
    """Consecutive entries of one transaction together; others one by one."""
    group: list[Entry] = []
    for e in entries:
        if group and (e.group is None or e.group != group[0].group):
            yield group
            group = []
        group.append(e)
    if group:
        yield group


class _Replayer:
    def __init__(self, engine: FallbackEngine, report: SyncReport):
        self.engine = engine
        self.primary = engine.primary
        self.report = report
        #: items in conflict in this run -> what the primary held
        self.blocked: dict[tuple[str, bytes, bytes], Item | None] = {}
        self.specs: dict[str, TableSpec] = {}
        self.simulated: dict[tuple[str, bytes, bytes], Item | None] = {}

    def spec(self, table: str) -> TableSpec:
        """The table's spec; first brings the primary's table up to it (it may have been made offline)."""
        spec = self.specs.get(table)
        if spec is None:
            spec = self.engine.local.describe_table(table).spec
            if not self.report.dry_run:
                _reconcile_table(self.primary, spec)
            self.specs[table] = spec
        return spec

    def remote(self, e: Entry) -> Item | None:
        try:
            return self.primary.get_item(e.table, e.key, consistent=True)
        except TableNotFound:
            return None

    def run(self, group: list[Entry]) -> None:
        if any(e.ident in self.blocked for e in group):
            self.conflict(group, [self.blocked.get(e.ident, e.remote) for e in group],
                          "an earlier write to this item is in conflict")
        elif self.report.dry_run:
            self.simulate(group)
        else:
            try:
                if len(group) == 1:
                    self.one(group[0])
                else:
                    self.transaction(group)
            except ValidationError as e:  # e.g. the primary's table has other keys: this write can never apply
                self.conflict(group, [None] * len(group), f"the primary refused it: {e.message}")

    def one(self, e: Entry) -> None:
        spec = self.spec(e.table)
        cond, exact = base_condition(spec, e.old)
        if not exact:
            remote = self.remote(e)
            if remote != e.old:
                return self.settle([e], [remote])
        try:
            if e.new is None:
                self.primary.delete_item(e.table, e.key, condition=cond, return_item_on_failure=True)
            else:
                self.primary.put_item(e.table, e.new, condition=cond, return_item_on_failure=True)
        except ConditionFailed as c:
            self.settle([e], [c.item if c.item is not None else self.remote(e)])
        else:
            self.done([e], "applied")

    def transaction(self, group: list[Entry]) -> None:
        actions = []
        for e in group:
            cond, _ = base_condition(self.spec(e.table), e.old)
            actions.append(TxAction("put", e.table, e.new, cond) if e.new is not None
                           else TxAction("delete", e.table, e.key, cond))
        try:
            # the group id as ClientRequestToken: a replay within DynamoDB's 10 minutes is a no-op
            self.primary.transact_write(actions, token=group[0].group)
        except (TransactionCanceled, IdempotencyMismatch):
            self.settle(group, self.primary.transact_get([TxGet(e.table, e.key) for e in group]))
        else:
            self.done(group, "applied")

    def settle(self, group: list[Entry], remotes: Sequence[Item | None]) -> None:
        """The write was refused: done if the primary already has its result, else a conflict."""
        if all(r == e.new for e, r in zip(group, remotes, strict=True)):
            self.done(group, "already")
        else:
            self.conflict(group, remotes, "the item on the primary is not the one this write replaced")

    def simulate(self, group: list[Entry]) -> None:
        for e in group:
            if e.ident not in self.simulated:
                self.simulated[e.ident] = self.remote(e)
            current = self.simulated[e.ident]
            if current == e.old:
                self.report.applied += 1
                self.simulated[e.ident] = e.new
            elif current == e.new:
                self.report.already += 1
            else:
                self.conflict([e], [current], "the item on the primary is not the one this write replaced")

    def done(self, group: list[Entry], how: Literal["applied", "already"]) -> None:
        self.engine.outbox.done(group)
        setattr(self.report, how, getattr(self.report, how) + len(group))
        self.engine.m_replayed.labels(how).inc(len(group))

    def conflict(self, group: list[Entry], remotes: Sequence[Item | None], reason: str) -> None:
        if not self.report.dry_run:
            self.engine.outbox.mark_conflict(group, reason, list(remotes))
            self.engine.m_replayed.labels("conflict").inc(len(group))
        for e, r in zip(group, remotes, strict=True):
            self.blocked.setdefault(e.ident, r)
            self.report.conflicts.append(Conflict(e.table, e.key, e.new, r, reason))


def sync(engine: FallbackEngine, *, dry_run: bool = False, progress: Progress | None = None) -> SyncReport:
    """Replay the outbox on the primary (see the module doc); ``dry_run`` only reads the primary.

    Entries appended while it runs wait for the next sync. Never raises for
    an unreachable primary: the report says so (and what is left).
    """
    report = SyncReport(dry_run=dry_run)
    with engine.sync_lock:
        total = engine.outbox.depth()
        last = engine.outbox.last_seq()
        replayer = _Replayer(engine, report)
        processed = 0
        if progress:
            progress(0, total)
        try:
            engine.primary.list_tables()  # is it there at all (even with nothing to replay)?
            for group in _groups(engine.outbox.iter_entries(upto=last)):
                replayer.run(group)
                processed += len(group)
                if progress:
                    progress(processed, total)
        except StoreUnavailable as e:
            engine.went_down(e)
            report.unreachable = e.message
        report.remaining = engine.outbox.depth()
        if report.unreachable is None:
            engine.came_back(start_sync=False)
            if not dry_run:
                engine.outbox.set_state("last_sync", time.time())
    return report


# -- pull --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PullReport:
    table: str
    pulled: int  # items written into the local copy
    removed: int  # local items the primary no longer has
    skipped: int  # items left alone because local writes to them wait in the outbox


def pull(engine: FallbackEngine, table: str, partition_values: Sequence[Any], *, index: str | None = None,
         progress: Progress | None = None) -> PullReport:
    """Copy every item of the given partitions (of the table, or of one of its indexes) into the local copy.

    Local items of those partitions that the primary no longer has are removed.
    Items with outbox entries are skipped: they are the local side of a sync.
    StoreUnavailable when the primary cannot be reached.
    """
    spec = engine.primary.describe_table(table).spec
    full = True
    if index is None:
        pk, sk = spec.partition_key.name, spec.sort_key.name if spec.sort_key else None
    else:
        ix = next((i for i in spec.indexes if i.name == index), None)
        if ix is None or ix.partition_key is None:
            raise ValidationError(f"table {table!r} has no index {index!r}")
        pk, sk = ix.partition_key.name, ix.sort_key.name if ix.sort_key else None
        full = ix.projection == "ALL"
        engine.refresh_local(table, [])  # makes the local table if need be
        if all(i.name != index for i in engine.local.describe_table(table).spec.indexes):
            engine.local.add_index(table, ix)  # added on the primary after the local copy was made
    pulled = removed = skipped = 0
    for n, value in enumerate(partition_values):
        kc = analyse_key_condition(Key(pk).eq(value), pk, sk)
        remote = _query_all(engine.primary, table, kc, index)
        if index is not None and not full:  # the index holds only part of each item
            got = [engine.primary.get_item(table, key_of(spec, it), consistent=True) for it in remote]
            remote = [it for it in got if it is not None]
        keys = {_key_id(spec, it) for it in remote}
        changes: list[tuple[Item, Item | None]] = [(key_of(spec, it), it) for it in remote]
        try:
            local = _query_all(engine.local, table, kc, index)
        except TableNotFound:
            local = []
        gone = [(key_of(spec, it), None) for it in local if _key_id(spec, it) not in keys]
        written, deleted = engine.refresh_local(table, changes), engine.refresh_local(table, gone)
        pulled += written
        removed += deleted
        skipped += len(changes) + len(gone) - written - deleted
        if progress:
            progress(n + 1, len(partition_values))
    return PullReport(table, pulled, removed, skipped)


def _query_all(engine: Engine, table: str, kc: KeyCondition, index: str | None) -> list[Item]:
    items: list[Item] = []
    start: Item | None = None
    while True:
        p = engine.query(table, kc, index=index, start_key=start, consistent=index is None)
        items += p.items
        start = p.last_key
        if start is None:
            return items


def _key_id(spec: TableSpec, item: Item) -> tuple[Any, ...]:
    return tuple(item[n] for n in spec.table_key_names())


# -- resolve -------------------------------------------------------------------------


def resolve(engine: FallbackEngine, keep: Literal["remote", "local"]) -> int:
    """Settle every item in conflict; returns how many were settled.

    ``remote``: the primary's item wins; the local copy takes it and the
    item's local writes are dropped. ``local``: the local item is written over
    the primary's (conditionally on the primary still holding what the sync
    saw, so a write made since is not lost either) and its entries are dropped.
    Entries for the item made after the conflicts were read stay for the next sync.
    """
    settled = 0
    with engine.sync_lock:
        items: dict[tuple[str, bytes, bytes], Entry] = {}
        for e in engine.outbox.iter_entries(conflicts_only=True):
            items[e.ident] = e  # the latest conflicted entry of each item
        for ident, e in items.items():
            spec = engine.local.describe_table(e.table).spec
            remote = engine.primary.get_item(e.table, e.key, consistent=True)
            if keep == "local":
                local = engine.local.get_item(e.table, e.key)
                cond, _ = base_condition(spec, remote)
                try:
                    if local is None:
                        engine.primary.delete_item(e.table, e.key, condition=cond)
                    else:
                        engine.primary.put_item(e.table, local, condition=cond)
                except ConditionFailed:
                    continue  # changed again in the meantime: still a conflict
            engine.outbox.drop_item(ident, upto=e.seq)
            if keep == "remote":
                engine.refresh_local(e.table, [(e.key, remote)])
            settled += 1
    return settled
