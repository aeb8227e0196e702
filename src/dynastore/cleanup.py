"""Delete items older than a maximum age, across every page, through an index where one fits.

The seed applications' cleanup read only the first page of a scan and deleted
blindly. Here:

- **Which items**: those whose timestamp attribute (default: the spec's
  ``created_at_attribute``) is older than ``now - max_age``. ISO-8601 UTC strings
  compare as text (dynastore writes them fixed width), epoch seconds as numbers.
- **How they are found** (`plan_cleanup`, reported as ``CleanupResult.path``):
  ``index``: a query per given partition value on a secondary index whose sort
  key is the timestamp attribute (the usual "constant or sharded bucket
  attribute + timestamp" GSI); ``sort-key``: the same on the table itself when
  its sort key is the timestamp; ``index-scan``: without partition values, a
  filtered scan of such an index (it holds fewer attributes, and a sparse index
  fewer items, than the table); ``scan``: a filtered scan of the table, only
  when no index is sorted by the timestamp. Queries and scans read every page.
- **How they are deleted**: in batches of 25, each a transaction of conditional
  deletes (the item must *still* be older than the cutoff), so an item updated
  meanwhile is kept, not lost. A cancelled batch is retried without the items
  whose condition failed; throttling and conflicts are retried with the store's
  `RetryPolicy`. ``conditional=False`` uses plain batch writes (half the write
  cost, but an item refreshed between read and delete is deleted anyway).
- ``dry_run=True`` counts what would be deleted and deletes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from .engine import Item
from .errors import (
    DynastoreError,
    StoreUnavailable,
    Throttled,
    TransactionCanceled,
    ValidationError,
)
from .expressions import Attr, Condition, Key
from .limits import MAX_BATCH_WRITE
from .spec import Index
from .table import ANY_VERSION, Table
from .transfer.retrying import TRANSIENT, with_retries

#: The default maximum age: seed 001 cleaned up generations older than 24 hours.
DEFAULT_MAX_AGE = timedelta(hours=24)

Path_ = Literal["index", "sort-key", "index-scan", "scan"]
TimestampFormat = Literal["iso", "epoch"]

#: Reasons a transaction action may give that mean "try this item again".
_RETRYABLE_REASONS = frozenset({"None", "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded",
                                "RequestLimitExceeded"})


@dataclass(frozen=True, slots=True)
class CleanupPlan:
    """How old items will be found: the path, and the index and partition values it queries."""

    path: Path_
    attribute: str
    index: str | None = None
    partition_key: str | None = None
    partitions: tuple[Any, ...] = ()
    #: the timestamp's format when the key type fixes it; None: match both ISO strings and epoch numbers
    timestamp_format: TimestampFormat | None = None

    def describe(self) -> str:
        if self.path == "scan":
            return f"scan of the table with a filter on {self.attribute} (no index is sorted by it)"
        if self.path == "index-scan":
            return (f"scan of index {self.index} (smaller than the table) with a filter on {self.attribute}; "
                    "give partition values to query it instead")
        where = f"index {self.index}" if self.index else "the table"
        return f"query {where} by {self.partition_key} in {list(self.partitions)} and {self.attribute} < cutoff"


@dataclass(frozen=True, slots=True)
class CleanupResult:
    """What a cleanup did. ``matched`` items were older than the cutoff when read; ``deleted`` of
    them were deleted; ``kept`` had changed (or gone) by the time their delete ran."""

    plan: CleanupPlan
    cutoff: str | int | tuple[str, int]
    matched: int
    deleted: int
    kept: int
    dry_run: bool

    @property
    def path(self) -> Path_:
        return self.plan.path


def parse_age(text: str) -> timedelta:
    """``90s``, ``15m``, ``24h``, ``7d``, ``2w`` (or a bare number of seconds) -> timedelta."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    t = text.strip().lower()
    unit = t[-1:] if t[-1:] in units else "s"
    number = t[:-1] if t[-1:] in units else t
    try:
        value = float(number)
    except ValueError:
        raise ValidationError(f"max age {text!r} is not a duration: use e.g. 90s, 15m, 24h, 7d") from None
    if not value > 0 or value != value or value == float("inf"):
        raise ValidationError(f"max age must be positive, got {text!r}")
    return timedelta(seconds=value * units[unit])


def plan_cleanup(
    table: Table,
    *,
    attribute: str | None = None,
    index: str | None = None,
    partitions: Iterable[Any] | None = None,
) -> CleanupPlan:
    """Choose how to find old items (see the module doc): query an index sorted by the timestamp (or
    the table, when its sort key is the timestamp) in the given partitions; without partitions, scan
    such an index; with no such index, scan the table."""
    spec = table.spec
    attr = attribute or spec.created_at_attribute
    if not attr:
        raise ValidationError(
            f"table {table.name!r} declares no created_at_attribute: name the timestamp attribute to clean up by"
        )
    parts = tuple(partitions or ())
    chosen: Index | None
    if index is not None:
        chosen = spec.index(index)
        if chosen.sort_key is None or chosen.sort_key.name != attr:
            raise ValidationError(f"index {index!r} is not sorted by {attr!r}, so it cannot find old items")
    else:
        # The cheapest index to read: fewest projected attributes; a global one (it can be sparse) before a local.
        fits = [ix for ix in spec.indexes if ix.sort_key is not None and ix.sort_key.name == attr]
        rank = {"KEYS_ONLY": 0, "INCLUDE": 1, "ALL": 2}
        chosen = min(fits, key=lambda ix: (rank[ix.projection_type], ix.local)) if fits else None
    if chosen is not None:
        assert chosen.partition_key is not None and chosen.sort_key is not None
        fmt = _format_of(chosen.sort_key.type)
        if parts:
            return CleanupPlan("index", attr, chosen.name, chosen.partition_key.name, parts, fmt)
        return CleanupPlan("index-scan", attr, chosen.name, timestamp_format=fmt)
    if spec.sort_key is not None and spec.sort_key.name == attr:
        fmt = _format_of(spec.sort_key.type)
        if parts:
            return CleanupPlan("sort-key", attr, None, spec.partition_key.name, parts, fmt)
        return CleanupPlan("scan", attr, timestamp_format=fmt)
    known = attr in (spec.created_at_attribute, spec.updated_at_attribute)
    return CleanupPlan("scan", attr, timestamp_format=spec.timestamp_format if known else None)


def _format_of(key_type: str) -> TimestampFormat:
    if key_type == "B":
        raise ValidationError("a binary attribute cannot hold a timestamp")
    return "epoch" if key_type == "N" else "iso"


def cutoff_values(max_age: timedelta, now: float | None = None) -> tuple[str, int]:
    """The cutoff as dynastore writes timestamps: an ISO-8601 UTC string and epoch seconds."""
    t = (time.time() if now is None else now) - max_age.total_seconds()
    iso = datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="microseconds")
    return iso, int(t)


def cleanup(
    table: Table,
    max_age: timedelta = DEFAULT_MAX_AGE,
    *,
    attribute: str | None = None,
    index: str | None = None,
    partitions: Iterable[Any] | None = None,
    dry_run: bool = False,
    conditional: bool = True,
    page_size: int | None = None,
    now: float | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> CleanupResult:
    """Delete every item of ``table`` whose timestamp is older than ``max_age`` (see the module doc).

    ``on_progress(matched, deleted)`` is called after each batch with running totals.
    """
    if max_age <= timedelta(0):
        raise ValidationError(f"max age must be positive, got {max_age}")
    plan = plan_cleanup(table, attribute=attribute, index=index, partitions=partitions)
    iso, epoch = cutoff_values(max_age, now)
    old = _old_condition(plan, iso, epoch)
    cutoff: str | int | tuple[str, int] = (
        iso if plan.timestamp_format == "iso" else epoch if plan.timestamp_format == "epoch" else (iso, epoch)
    )
    matched = deleted = kept = 0
    for batch in _batches(_old_keys(table, plan, old, iso, epoch, page_size), MAX_BATCH_WRITE):
        matched += len(batch)
        if not dry_run:
            d = _delete_batch(table, batch, old) if conditional else _batch_delete(table, batch)
            deleted += d
            kept += len(batch) - d
        if on_progress is not None:
            on_progress(matched, deleted)
    return CleanupResult(plan, cutoff, matched, deleted, kept, dry_run)


def _old_condition(plan: CleanupPlan, iso: str, epoch: int) -> Condition:
    a = Attr(plan.attribute)
    if plan.timestamp_format == "iso":
        return a.lt(iso)
    if plan.timestamp_format == "epoch":
        return a.lt(epoch)
    # Unknown format: a comparison with a value of another type is false, so this
    # matches ISO strings against the ISO cutoff and numbers against the epoch one.
    return a.lt(iso) | a.lt(epoch)


def _old_keys(table: Table, plan: CleanupPlan, old: Condition, iso: str, epoch: int,
              page_size: int | None) -> Iterator[Item]:
    """Keys of the old items, page by page to the last page (one page in memory at a time)."""
    keys = table.spec.table_key_names()
    if plan.path in ("scan", "index-scan"):
        yield from _keys_of(table.scan(index=plan.index, filter=old, projection=keys, page_size=page_size), keys)
        return
    assert plan.partition_key is not None
    bound = iso if plan.timestamp_format == "iso" else epoch
    for value in plan.partitions:
        kc = Key(plan.partition_key).eq(value) & Key(plan.attribute).lt(bound)
        yield from _keys_of(table.query(kc, index=plan.index, projection=keys, page_size=page_size), keys)


def _keys_of(results: Iterable[Item], names: Sequence[str]) -> Iterator[Item]:
    for item in results:
        yield {n: item[n] for n in names}


def _batches(keys: Iterator[Item], n: int) -> Iterator[list[Item]]:
    batch: list[Item] = []
    for k in keys:
        batch.append(k)
        if len(batch) == n:
            yield batch
            batch = []
    if batch:
        yield batch


def _batch_delete(table: Table, keys: list[Item]) -> int:
    """Plain batch deletes; a throttled or failed request is sent again (deleting twice is harmless)."""
    return with_retries(table.store.retry, lambda: table.batch_write(deletes=keys))


def _delete_batch(table: Table, keys: list[Item], old: Condition) -> int:
    """Delete the keys in one transaction, each only if still old; returns how many were deleted.

    Items whose condition fails are dropped from the batch (kept in the table);
    the rest are retried. Throttling, conflicts and unavailability back off.
    """
    policy = table.store.retry
    extra: dict[str, Any] = {"expected_version": ANY_VERSION} if table.spec.version_attribute else {}
    pending = keys
    attempt = 0  # counts only rounds that had to back off; a round that drops failed conditions is free
    last: DynastoreError | None = None
    while attempt < policy.max_attempts:
        tx = table.store.transaction()
        for k in pending:
            tx.delete(table, k, condition=old, **extra)
        try:
            tx.commit()
            return len(pending)
        except TransactionCanceled as e:
            reasons = e.reasons
            if len(reasons) != len(pending):
                raise DynastoreError(f"cleanup of {table.name!r}: a cancelled transaction gave {len(reasons)} "
                                     f"reasons for {len(pending)} deletes", cause=e) from e
            if any(r.code not in _RETRYABLE_REASONS and r.code != "ConditionalCheckFailed" for r in reasons):
                raise
            backoff = any(r.code not in ("None", "ConditionalCheckFailed") for r in reasons)
            pending = [k for k, r in zip(pending, reasons, strict=True) if r.code != "ConditionalCheckFailed"]
            if not pending:
                return 0
            if not backoff:
                continue  # only failed conditions cancelled it: go again at once without those items
            last = e
        except TRANSIENT as e:
            last = e
        policy.sleep(attempt)
        attempt += 1
    if isinstance(last, StoreUnavailable):
        raise last
    raise Throttled(f"cleanup of {table.name!r}: {len(pending)} deletes still not done after "
                    f"{policy.max_attempts} attempts") from last
