"""`Table`: the per-table API users call.

This layer owns everything that must behave identically on every engine:
validation at the edge, the TTL read filter, optimistic locking, automatic
timestamps, pagination, and chunking/retrying of batches. Engines below it
only execute single, valid requests. It is written once, in `BaseTable`, as
sans-IO steps (`dynastore.steps`) that `Table` runs blocking and
`dynastore.aio.AsyncTable` awaits.
"""

from __future__ import annotations

import time
from decimal import Decimal
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .engine import BatchGetRequest, Item, Page, ReturnValues, TableInfo, WriteRequest
from .errors import ConditionFailed, ItemNotFound, Throttled, ValidationError, VersionConflict
from .expressions import (
    Action,
    AddAction,
    DeleteAction,
    RemoveAction,
    Attr,
    Condition,
    Path,
    SetAction,
    Value,
    analyse_key_condition,
    if_not_exists,
)
from .expressions.evaluate import validate_update
from .validation import condition_names
from .limits import MAX_BATCH_GET, MAX_BATCH_WRITE
from .results import Paging, Results
from .spec import TableSpec
from .steps import EngineDriver, Gather, Sleep, Steps, blocking, call, wrapping
from .timestamps import now_value
from .validation import (
    check_condition,
    check_item,
    check_key,
    check_key_value,
    key_of,
    projection_paths,
)

if TYPE_CHECKING:
    from .retry import RetryPolicy
    from .store import Store


class _AnyVersion:
    __slots__ = ()

    def __repr__(self) -> str:
        return "ANY_VERSION"


class _Unset:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSET"


#: Pass as ``expected_version`` to write a versioned item without checking its version.
ANY_VERSION: Any = _AnyVersion()
UNSET: Any = _Unset()

_RETURN_VALUES = ("NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW")


@dataclass(frozen=True, slots=True)
class PutResult:
    """What a put wrote (with version and timestamps filled in) and, if asked, what it replaced."""

    item: Item
    old: Item | None = None


def ttl_filter(attribute: str, now: int) -> Condition:
    """Items whose TTL has passed are hidden by every read, like DynamoDB after deletion."""
    a = Attr(Path((attribute,)))
    return ~(a.attribute_type("N") & a.lte(now))


def _and(a: Condition | None, b: Condition | None) -> Condition | None:
    if a is None:
        return b
    if b is None:
        return a
    return a & b


class _HasStore(Protocol):
    retry: RetryPolicy


class BaseTable:
    """What `Table` and `dynastore.aio.AsyncTable` share: validation, the client-side
    behaviours, and every operation as sans-IO steps (see `dynastore.steps`).

    A steps method ``_x`` is the whole of operation ``x``; the two table types
    only run it, blocking or awaited.
    """

    def __init__(self, store: _HasStore, spec: TableSpec, kind: str):
        self.spec = spec
        self.name = spec.name
        self._store = store
        self._kind = kind
        self._key_names = spec.table_key_names()
        self._ttl = spec.ttl_attribute
        self._version = spec.version_attribute

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} on {self._kind}>"

    # -- helpers -------------------------------------------------------------

    def key(self, key: Mapping[str, Any]) -> Item:
        """The validated, normalised key (also accepts a whole item and takes its key)."""
        if isinstance(key, Mapping) and len(key) > len(self._key_names) and all(k in key for k in self._key_names):
            key = {k: key[k] for k in self._key_names}
        return check_key(self.spec, key)

    def _visible(self, item: Item | None, include_expired: bool) -> Item | None:
        if item is None or include_expired or self._ttl is None:
            return item
        v: Any = item.get(self._ttl)
        if type(v) in (int, Decimal) and v <= time.time():
            return None
        return item

    def _read_filter(self, user: Condition | None, include_expired: bool, index: str | None = None) -> Condition | None:
        check_condition(user, "FilterExpression")
        projected = self._index_projection(index)
        if user is not None and projected is not None:
            missing = sorted(n for n in condition_names(user) if n not in projected)
            if missing:
                raise ValidationError(
                    f"One or more parameter values were invalid: Secondary index {index} does not project one "
                    f"or more filter attributes: [{', '.join(missing)}]"
                )
        if self._ttl is None or include_expired:
            return user
        if projected is not None and self._ttl not in projected:
            # The index cannot see the TTL attribute, so it cannot hide expired
            # items (DynamoDB refuses such a filter); they show until swept.
            return user
        return _and(user, ttl_filter(self._ttl, int(time.time())))

    def _index_projection(self, index: str | None) -> frozenset[str] | None:
        """Attribute names an index holds, or None when it holds them all (or for the table)."""
        if index is None:
            return None
        ix = self.spec.index(index)
        if ix.projection == "ALL":
            return None
        names = set(self._key_names_for(index))
        if ix.projection != "KEYS_ONLY":
            names.update(ix.projection)
        return frozenset(names)

    # -- single items --------------------------------------------------------

    def _get(
        self,
        key: Mapping[str, Any],
        *,
        consistent: bool = False,
        projection: Iterable[str | Path] | None = None,
        include_expired: bool = False,
        must_exist: bool = False,
    ) -> Steps[Item | None]:
        """The item with this key, or None (``must_exist=True``: raise ItemNotFound instead)."""
        k = self.key(key)
        paths = projection_paths(projection)
        ttl = self._ttl
        strip_ttl: str | None = None  # the TTL attribute, when fetched only to decide expiry
        if paths is not None and ttl is not None and not include_expired and all(p.name != ttl for p in paths):
            # expiry is decided on the TTL attribute even when it is not projected
            strip_ttl = ttl
            paths = paths + (Path((ttl,)),)
        got = yield call("get_item", self.name, k, consistent=consistent, projection=paths)
        item = self._visible(got, include_expired)
        if strip_ttl is not None and item is not None:
            item.pop(strip_ttl, None)
        if item is None and must_exist:
            raise ItemNotFound(f"no item with key {k} in table {self.name!r}")
        return item

    def _put(
        self,
        item: Mapping[str, Any],
        *,
        condition: Condition | None = None,
        return_old: bool = False,
        expected_version: Any = UNSET,
        return_item_on_failure: bool = False,
    ) -> Steps[PutResult]:
        """Write a whole item, replacing any item with the same key.

        On a versioned table the item's own version attribute is the version
        expected in the table (absent: the item must be new), unless
        ``expected_version`` says otherwise; the stored version is one more.
        With ``return_item_on_failure=True`` (also on update and delete), a
        failed condition's ConditionFailed carries the item as it was in ``.item``.
        """
        new, cond = self.prepare_put(item, condition, expected_version)
        old = yield from self._conditional(
            call("put_item", self.name, new, condition=cond, return_old=return_old,
                 return_item_on_failure=return_item_on_failure),
            key_of(self.spec, new), condition,
        )
        return PutResult(new, old)

    def _conditional(self, write: Any, key: Item, user_condition: Condition | None) -> Steps[Any]:
        """A conditional write, with a lost optimistic-locking race raised as VersionConflict."""
        try:
            return (yield write)
        except ConditionFailed as e:
            err = yield from self._explain_conflict(e, key, user_condition)
            if err is e:
                raise
            raise err from e

    def prepare_put(self, item: Mapping[str, Any], condition: Condition | None, expected_version: Any) -> tuple[Item, Condition | None]:
        """The item as it will be written and the full condition (used by transactions too)."""
        new = check_item(self.spec, item)
        check_condition(condition)
        spec = self.spec
        if spec.created_at_attribute or spec.updated_at_attribute:
            now = now_value(spec.timestamp_format)
            if spec.created_at_attribute:
                new.setdefault(spec.created_at_attribute, now)
            if spec.updated_at_attribute:
                new[spec.updated_at_attribute] = now
        if self._version is not None:
            expected = new.get(self._version) if expected_version is UNSET else expected_version
            condition = _and(condition, self._version_condition(expected))
            if expected is ANY_VERSION:
                raise ValidationError("a put on a versioned table needs the version it replaces (or None for a new item)")
            new[self._version] = 1 if expected is None else self._check_version_value(expected) + 1
            check_item(self.spec, new, normalized=True)
        return new, condition

    def _update(
        self,
        key: Mapping[str, Any],
        actions: Action | Sequence[Action],
        *,
        condition: Condition | None = None,
        return_values: ReturnValues = "NONE",
        expected_version: Any = UNSET,
        return_item_on_failure: bool = False,
    ) -> Steps[Item | None]:
        """Apply update actions without reading first; creates the item if absent (as DynamoDB does).

        ``actions``: ``Attr("n").set(Attr("n") + 1)``, ``Attr("x").remove()``,
        ``Attr("tags").add({"a"})``, ``Attr("tags").delete({"b"})`` ... Use
        ``condition=Attr(pk).exists()`` to refuse creating a new item.
        """
        if return_values not in _RETURN_VALUES:
            raise ValidationError(f"return_values must be one of {', '.join(_RETURN_VALUES)}, got {return_values!r}")
        k = self.key(key)
        acts, cond = self.prepare_update(actions, condition, expected_version)
        return (yield from self._conditional(
            call("update_item", self.name, k, acts, condition=cond, return_values=return_values,
                 return_item_on_failure=return_item_on_failure),
            k, condition,
        ))

    def prepare_update(
        self, actions: Action | Sequence[Action], condition: Condition | None, expected_version: Any
    ) -> tuple[tuple[Action, ...], Condition | None]:
        acts = (actions,) if not isinstance(actions, (list, tuple)) else tuple(actions)
        for a in acts:
            if not isinstance(a, (SetAction, RemoveAction, AddAction, DeleteAction)):
                raise ValidationError(f"not an update action: {a!r:.60} (use Attr(...).set/remove/add/delete)")
        check_condition(condition)
        validate_update(acts, self._key_names)
        touched = {a.path.name for a in acts}
        spec = self.spec
        extra: list[Action] = []
        if spec.created_at_attribute or spec.updated_at_attribute:
            now = now_value(spec.timestamp_format)
            if spec.created_at_attribute and spec.created_at_attribute not in touched:
                extra.append(Attr(Path((spec.created_at_attribute,))).set_if_not_exists(now))
            if spec.updated_at_attribute and spec.updated_at_attribute not in touched:
                extra.append(Attr(Path((spec.updated_at_attribute,))).set(now))
        if self._version is not None:
            if self._version in touched:
                raise ValidationError(f"{self._version!r} is the version attribute; dynastore maintains it")
            expected = self._require_version(expected_version, "update")
            condition = _and(condition, self._version_condition(expected))
            vpath = Path((self._version,))
            if expected is ANY_VERSION:
                extra.append(SetAction(vpath, if_not_exists(vpath, 0) + 1))
            else:
                extra.append(SetAction(vpath, Value(1 if expected is None else expected + 1)))
        return acts + tuple(extra), condition

    def _delete(
        self,
        key: Mapping[str, Any],
        *,
        condition: Condition | None = None,
        return_old: bool = False,
        expected_version: Any = UNSET,
        return_item_on_failure: bool = False,
    ) -> Steps[Item | None]:
        """Delete the item (no error if absent, unless a condition says so). Returns the old item if asked."""
        k = self.key(key)
        cond = self.prepare_delete(condition, expected_version)
        return (yield from self._conditional(
            call("delete_item", self.name, k, condition=cond, return_old=return_old,
                 return_item_on_failure=return_item_on_failure),
            k, condition,
        ))

    def prepare_delete(self, condition: Condition | None, expected_version: Any) -> Condition | None:
        check_condition(condition)
        if self._version is not None:
            expected = self._require_version(expected_version, "delete")
            condition = _and(condition, self._version_condition(expected))
        return condition

    # -- versions ------------------------------------------------------------

    def _require_version(self, expected: Any, what: str) -> Any:
        if expected is UNSET:
            raise ValidationError(
                f"table {self.name!r} is versioned ({self._version!r}): pass expected_version=<the version you "
                f"read> to {what}, None if the item must not exist yet, or ANY_VERSION to skip the check"
            )
        if expected is not ANY_VERSION and expected is not None:
            self._check_version_value(expected)
        return expected

    def _check_version_value(self, v: Any) -> int:
        if type(v) is not int or v < 0:
            raise ValidationError(f"version attribute {self._version!r} must be a non-negative int, got {v!r}")
        return v

    def _version_condition(self, expected: Any) -> Condition | None:
        assert self._version is not None
        if expected is ANY_VERSION:
            return None
        a = Attr(Path((self._version,)))
        return a.not_exists() if expected is None else a.eq(expected)

    def _explain_conflict(self, e: ConditionFailed, key: Item, user_condition: Condition | None) -> Steps[ConditionFailed]:
        """Tell a lost optimistic-locking race apart from the caller's own condition failing."""
        if self._version is None:
            return e  # the caller re-raises it as it is, keeping the engine's cause
        if user_condition is not None:
            from .expressions.evaluate import evaluate

            current = (yield call("get_item", self.name, key, consistent=True)) or {}
            if not evaluate(user_condition, current):
                return e
        return VersionConflict(  # the caller raises it from e (its cause, and its context too)
            f"version conflict on {key} in table {self.name!r}: another writer changed the item "
            "(re-read it and retry)",
            item=e.item,
            cause=e,
        )

    # -- queries and scans ---------------------------------------------------

    def _key_names_for(self, index: str | None) -> tuple[str, ...]:
        names = list(self._key_names)
        if index is not None:
            ix = self.spec.index(index)
            for k in (ix.partition_key, ix.sort_key):
                if k is not None and k.name not in names:
                    names.append(k.name)
        return tuple(names)

    def _projection_for_paging(
        self, projection: Iterable[str | Path] | None, limit: int | None, index: str | None
    ) -> tuple[tuple[Path, ...] | None, Callable[[Item], Item] | None, tuple[str, ...]]:
        paths = projection_paths(projection)
        key_names = self._key_names_for(index)
        if paths is None or limit is None:
            return paths, None, key_names
        # A cursor made mid-page needs the key attributes, even when the caller
        # did not project them: fetch them and strip them again.
        named = {p.name for p in paths}
        missing = [n for n in key_names if n not in named]
        if not missing:
            return paths, None, key_names
        strip = set(missing)
        return paths + tuple(Path((n,)) for n in missing), (lambda it: {k: v for k, v in it.items() if k not in strip}), key_names

    def _query(
        self,
        key_condition: Condition,
        *,
        index: str | None = None,
        filter: Condition | None = None,
        projection: Iterable[str | Path] | None = None,
        limit: int | None = None,
        page_size: int | None = None,
        reverse: bool = False,
        start_key: Mapping[str, Any] | None = None,
        consistent: bool = False,
        include_expired: bool = False,
    ) -> Paging:
        """Items of one partition (of the table or an index), in sort-key order, page by page.

        ``limit`` caps the items returned in total; ``page_size`` is how many
        items each request reads (DynamoDB's ``Limit``).
        """
        kc, idx = self._analyse_query(key_condition, index, consistent)
        self._check_query_filter(filter, index)

        def fetch(paths: tuple[Path, ...] | None, flt: Condition | None, key: Item | None, n: int | None) -> Steps[Page]:
            return (yield call(
                "query", self.name, kc, index=idx, filter=flt, projection=paths, limit=n, reverse=reverse,
                start_key=key, consistent=consistent,
            ))

        return self._paging(fetch, index, filter, include_expired, projection, limit, page_size, start_key)

    def _paging(
        self,
        fetch: Callable[[tuple[Path, ...] | None, Condition | None, Item | None, int | None], Steps[Page]],
        index: str | None,
        filter: Condition | None,
        include_expired: bool,
        projection: Iterable[str | Path] | None,
        limit: int | None,
        page_size: int | None,
        start_key: Mapping[str, Any] | None,
    ) -> Paging:
        """The checks and paging shared by query and scan."""
        flt = self._read_filter(filter, include_expired, index)
        _check_limit(limit, "limit")
        _check_limit(page_size, "page_size")
        paths, strip, key_names = self._projection_for_paging(projection, limit, index)
        self._check_index_projection(paths, index)
        start = self._start_key(start_key, index)
        return Paging(lambda key, n: fetch(paths, flt, key, n), start_key=start, limit=limit, page_size=page_size,
                      filtered=flt is not None, key_names=key_names, strip=strip)

    def _analyse_query(self, key_condition: Condition, index: str | None, consistent: bool) -> tuple[Any, str | None]:
        if index is not None:
            ix = self.spec.index(index)
            if consistent and not ix.local:
                raise ValidationError("Consistent reads are not supported on global secondary indexes")
            pk, sk = ix.partition_key, ix.sort_key
        else:
            pk, sk = self.spec.partition_key, self.spec.sort_key
        assert pk is not None
        kc = analyse_key_condition(key_condition, pk.name, sk.name if sk else None)
        check_key_value(pk, kc.partition_value, sort=False, condition=True)
        if sk is not None and kc.sort_op is not None:
            for v in kc.sort_values:
                check_key_value(sk, v, sort=True, condition=True)
            if kc.sort_op == "begins_with" and sk.type == "N":
                raise ValidationError(
                    "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
                    "operator or function: begins_with, operand type: N"
                )
            if kc.sort_op == "between" and kc.sort_values[0] > kc.sort_values[1]:
                raise ValidationError(
                    "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater "
                    "than or equal to lower bound"
                )
        return kc, index

    def _check_query_filter(self, filter: Condition | None, index: str | None, what: str = "Filter Expression") -> None:
        """A query's filter may not name the keys it queries by (DynamoDB's rule); ``what`` names the filter."""
        if filter is None or not isinstance(filter, Condition):
            return
        if index is None:
            keys = [k.name for k in (self.spec.partition_key, self.spec.sort_key) if k is not None]
        else:
            ix = self.spec.index(index)
            keys = [k.name for k in (ix.partition_key, ix.sort_key) if k is not None]
        used = condition_names(filter)
        for k in keys:
            if k in used:
                raise ValidationError(
                    f"{what} can only contain non-primary key attributes: Primary key attribute: {k}"
                )

    def _check_index_projection(self, paths: tuple[Path, ...] | None, index: str | None) -> None:
        """A global index returns only what it projects; asking for more is an error, as on DynamoDB."""
        if paths is None or index is None or self.spec.index(index).local:
            return
        projected = self._index_projection(index)
        if projected is None:
            return
        missing = sorted({p.name for p in paths} - projected)
        if missing:
            raise ValidationError(
                f"One or more parameter values were invalid: Global secondary index {index} does not project "
                f"[{', '.join(missing)}]"
            )

    def _start_key(self, start_key: Mapping[str, Any] | None, index: str | None) -> Item | None:
        if start_key is None:
            return None
        if not isinstance(start_key, Mapping):
            raise ValidationError("start_key is a dict: the last_key of a previous page")
        from .codec import normalize_item

        k = normalize_item(start_key)
        names = self._key_names_for(index)
        if set(k) != set(names):
            raise ValidationError(
                "The provided starting key is invalid: The provided key element does not match the schema"
            )
        return k

    def _scan(
        self,
        *,
        index: str | None = None,
        filter: Condition | None = None,
        projection: Iterable[str | Path] | None = None,
        limit: int | None = None,
        page_size: int | None = None,
        start_key: Mapping[str, Any] | None = None,
        segment: int | None = None,
        total_segments: int | None = None,
        consistent: bool = False,
        include_expired: bool = False,
    ) -> Paging:
        """Every item of the table (or index), page by page: reads cost the whole table.

        For a parallel scan, give each worker its ``segment`` of ``total_segments``
        (or use `parallel_scan`).
        """
        if index is not None:
            ix = self.spec.index(index)
            if consistent and not ix.local:
                raise ValidationError("Consistent reads are not supported on global secondary indexes")
        _check_segments(segment, total_segments)

        def fetch(paths: tuple[Path, ...] | None, flt: Condition | None, key: Item | None, n: int | None) -> Steps[Page]:
            return (yield call(
                "scan", self.name, index=index, filter=flt, projection=paths, limit=n, start_key=key,
                segment=segment, total_segments=total_segments, consistent=consistent,
            ))

        return self._paging(fetch, index, filter, include_expired, projection, limit, page_size, start_key)

    def _parallel_scan(self, total_segments: int, *, max_workers: int | None = None, **kwargs: Any) -> Steps[list[Item]]:
        """Scan all segments at once (on a thread pool, or as concurrent tasks); returns every item."""
        _check_segments(0, total_segments)
        segments = [self._scan(segment=s, total_segments=total_segments, **kwargs) for s in range(total_segments)]
        parts = yield Gather(tuple(p.all() for p in segments), max_workers or min(total_segments, 8))
        return [item for part in parts for item in part]

    def _count(
        self,
        key_condition: Condition | None = None,
        *,
        index: str | None = None,
        filter: Condition | None = None,
        consistent: bool = False,
        include_expired: bool = False,
    ) -> Steps[int]:
        """How many items match, across all pages (a query when a key condition is given, else a scan)."""
        flt = self._read_filter(filter, include_expired, index)
        total = 0
        key: Item | None = None
        if key_condition is not None:
            kc, idx = self._analyse_query(key_condition, index, consistent)
            self._check_query_filter(filter, index)
        while True:
            if key_condition is not None:
                page = yield call("query", self.name, kc, index=idx, filter=flt, start_key=key,
                                  consistent=consistent, count_only=True)
            else:
                page = yield call("scan", self.name, index=index, filter=flt, start_key=key,
                                  consistent=consistent, count_only=True)
            total += page.count
            key = page.last_key
            if key is None:
                return total

    # -- batches -------------------------------------------------------------

    def _batch_get(
        self,
        keys: Iterable[Mapping[str, Any]],
        *,
        consistent: bool = False,
        projection: Iterable[str | Path] | None = None,
        include_expired: bool = False,
        max_workers: int = 1,
    ) -> Steps[list[Item]]:
        """Items for any number of keys, in the order of the keys (missing ones left out).

        A key given twice is fetched once and returned at both places.

        Requests go in chunks of 100; unprocessed keys are retried with
        exponential backoff and jitter.
        """
        ks = [self.key(k) for k in keys]
        paths = projection_paths(projection)
        if paths is not None:
            named = {p.name for p in paths}
            extra = tuple(Path((n,)) for n in self._key_names if n not in named)
            if self._ttl is not None and not include_expired and self._ttl not in named:
                extra += (Path((self._ttl,)),)
            fetch_paths: tuple[Path, ...] | None = paths + extra
        else:
            extra = ()
            fetch_paths = None
        unique: dict[tuple[Any, ...], Item] = {}
        for k in ks:
            unique.setdefault(_key_tuple(k, self._key_names), k)
        chunks = _chunks(list(unique.values()), MAX_BATCH_GET)
        found: dict[tuple[Any, ...], Item] = {}

        policy = self._store.retry

        def run(chunk: list[Item]) -> Steps[tuple[list[Item], list[Item]]]:
            out: list[Item] = []
            pending = chunk
            for attempt in range(policy.max_attempts):
                if attempt:
                    yield Sleep(policy.delay(attempt - 1))
                got, unprocessed = yield call("batch_get", {self.name: BatchGetRequest(pending, consistent, fetch_paths)})
                out += got.get(self.name, [])
                pending = unprocessed.get(self.name, [])
                if not pending:
                    break
            return out, pending

        results = yield Gather(tuple(run(c) for c in chunks), max_workers)
        left = [k for _, pending in results for k in pending]
        if left:
            raise Throttled(f"batch get on {self.name!r}: {len(left)} keys still unprocessed after "
                            f"{policy.max_attempts} attempts", unprocessed_keys=left)
        strip_names = {p.name for p in extra}
        for part, _ in results:
            for item in part:
                if self._visible(item, include_expired) is None:
                    continue
                kt = _key_tuple(item, self._key_names)
                found[kt] = {k: v for k, v in item.items() if k not in strip_names} if strip_names else item
        out = []
        for k in ks:
            item = found.get(_key_tuple(k, self._key_names))
            if item is not None:
                out.append(item)
        return out

    def _batch_write(
        self,
        puts: Iterable[Mapping[str, Any]] = (),
        deletes: Iterable[Mapping[str, Any]] = (),
        *,
        max_workers: int = 1,
        ignore_versions: bool = False,
    ) -> Steps[int]:
        """Put and delete any number of items, 25 per request; returns how many were written.

        Unprocessed items are retried with exponential backoff and jitter;
        ``max_workers > 1`` sends chunks in parallel. Batch writes cannot be
        conditional, so on a versioned table they need ``ignore_versions=True``.
        A key may appear only once in one call.
        """
        if self._version is not None and not ignore_versions:
            raise ValidationError(
                f"table {self.name!r} is versioned: batch writes cannot check versions; use put/transactions, "
                "or pass ignore_versions=True"
            )
        requests: list[WriteRequest] = []
        seen: set[tuple[Any, ...]] = set()
        spec = self.spec
        stamp = spec.created_at_attribute or spec.updated_at_attribute
        now = now_value(spec.timestamp_format) if stamp else None
        for item in puts:
            it = check_item(spec, item)
            if stamp:
                if spec.created_at_attribute:
                    it.setdefault(spec.created_at_attribute, now)
                if spec.updated_at_attribute:
                    it[spec.updated_at_attribute] = now
            requests.append(WriteRequest("put", it))
        for key in deletes:
            requests.append(WriteRequest("delete", self.key(key)))
        for r in requests:
            kt = _key_tuple(r.item, self._key_names)
            if kt in seen:
                raise ValidationError("Provided list of item keys contains duplicates")
            seen.add(kt)

        policy = self._store.retry

        def run(chunk: list[WriteRequest]) -> Steps[list[WriteRequest]]:
            pending = chunk
            for attempt in range(policy.max_attempts):
                if attempt:
                    yield Sleep(policy.delay(attempt - 1))
                pending = (yield call("batch_write", {self.name: pending})).get(self.name, [])
                if not pending:
                    break
            return pending

        # Every chunk runs to its end before giving up, so the error can list all that is left.
        left = [r for pending in (yield Gather(tuple(run(c) for c in _chunks(requests, MAX_BATCH_WRITE)),
                                               max_workers)) for r in pending]
        if left:
            raise Throttled(f"batch write on {self.name!r}: {len(left)} items still unprocessed after "
                            f"{policy.max_attempts} attempts",
                            unprocessed_puts=[r.item for r in left if r.kind == "put"],
                            unprocessed_deletes=[r.item for r in left if r.kind != "put"])
        return len(requests)

    # -- maintenance ---------------------------------------------------------

    def _sweep_expired(self) -> Steps[int]:
        """Physically delete items whose TTL has passed; returns how many."""
        if self._ttl is None:
            raise ValidationError(f"table {self.name!r} has no TTL attribute")
        return (yield call("sweep_expired", self.name, self._ttl, int(time.time())))

    def _describe(self) -> Steps[TableInfo]:
        return (yield call("describe_table", self.name))


class Table(BaseTable):
    """One table of a `Store`. Get it from ``store.create_table(spec)`` or ``store.table(name)``.

    Every method blocks until done; `dynastore.aio.AsyncTable` has the same
    methods as coroutines.
    """

    def __init__(self, store: Store, spec: TableSpec):
        super().__init__(store, spec, store.engine.kind)
        self.store = store
        self._drive = EngineDriver(store.engine)

    get = blocking(BaseTable._get)
    put = blocking(BaseTable._put)
    update = blocking(BaseTable._update)
    delete = blocking(BaseTable._delete)
    query = wrapping(Results)(BaseTable._query)
    scan = wrapping(Results)(BaseTable._scan)
    parallel_scan = blocking(BaseTable._parallel_scan)
    count = blocking(BaseTable._count)
    batch_get = blocking(BaseTable._batch_get)
    batch_write = blocking(BaseTable._batch_write)
    sweep_expired = blocking(BaseTable._sweep_expired)
    describe = blocking(BaseTable._describe)


def _check_limit(n: int | None, what: str) -> None:
    if n is not None and (type(n) is not int or n < 1):
        raise ValidationError(f"{what} must be a positive int, got {n!r}")


def _check_segments(segment: int | None, total: int | None) -> None:
    if segment is None and total is None:
        return
    if segment is None or total is None:
        raise ValidationError("segment and total_segments go together")
    if type(total) is not int or not 1 <= total <= 1_000_000:
        raise ValidationError("total_segments must be between 1 and 1000000")
    if type(segment) is not int or not 0 <= segment < total:
        raise ValidationError("segment must be >= 0 and < total_segments")


def _key_tuple(item: Mapping[str, Any], names: tuple[str, ...]) -> tuple[Any, ...]:
    # Type name first so that 1 and True (equal in Python) stay apart.
    return tuple((type(item[n]).__name__, item[n]) for n in names)


def _chunks(seq: list[Any], n: int) -> list[list[Any]]:
    return [seq[i : i + n] for i in range(0, len(seq), n)]



