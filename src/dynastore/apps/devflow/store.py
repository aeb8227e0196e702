"""SessionStore: DevFlow Engine's coding sessions (seed 003) on any `Store`, history overflow in blob storage.

Every write is one conditional request, never read-then-write:

* **create** puts the item unless a live session has the id (an expired one,
  not yet deleted by TTL, is replaced).
* **update** changes fields in one UpdateItem; a status change carries the
  statuses it may come from in its condition, so two clients moving a session
  at once cannot both win, and an illegal move fails as `InvalidTransition`.
* **append_history**: see `history` (one UpdateItem while the budget holds;
  else a chunk blob first, then the item, conditional on the turn count).

Every write also moves ``ttl`` to 24 hours on and is conditional on the
session being live, so a write never revives a session that expired but is
not yet deleted. Reads hide expired sessions (dynastore's TTL filter).
"""

from __future__ import annotations

import dataclasses
import logging
import random
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import CollectorRegistry, Counter
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from ...blobs import BlobStore
from ...errors import ConditionFailed, DynastoreError, ItemNotFound, ItemTooLarge, ValidationError
from ...expressions import Attr, Condition, Key
from ...models.schema import schema_for
from ...spec import TableSpec
from ...store import Store
from ...table import Table
from .cursor import decode_cursor, encode_cursor
from .history import (
    BYTES,
    CHUNKS,
    COUNT,
    DEFAULT_ITEM_BUDGET,
    HISTORY,
    chunks_of,
    decode_chunk,
    encode_chunk,
    history_budget,
    plan_archive,
    stored_turn,
    weight,
)
from .models import (
    BY_USER,
    SESSION_LIFETIME,
    SESSIONS_TABLE,
    DevSession,
    HistoryEntry,
    NewSession,
    SessionChanges,
    SessionStatus,
    SessionSummary,
    TRANSITIONS,
    UserId,
    session_id_error,
    sources_of,
)
from .sweep import DEFAULT_GRACE, SweepReport, sweep_chunks

log = logging.getLogger(__name__)

DEFAULT_TABLE = SESSIONS_TABLE.name
#: The environment variable naming the table (the API honours it).
TABLE_ENV = "DEVFLOW_SESSIONS_TABLE"
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
#: Turns one append may add at once.
MAX_TURNS_PER_APPEND = 20
#: Attempts of an append that keeps losing races to other appends before it gives up (ConditionFailed).
DEFAULT_MAX_ATTEMPTS = 30

_USER_ID: TypeAdapter[str] = TypeAdapter(UserId)
#: What a listing reads of each session: everything but the history itself.
_SUMMARY_ATTRIBUTES = tuple(a for a in SessionSummary.model_fields)


class SessionNotFound(ItemNotFound):
    """No live session has this id (never created, deleted, or expired)."""


class SessionExists(ConditionFailed):
    """A live session already has this id."""


class SessionConflict(ConditionFailed):
    """The session is not in a state that allows the change (or other writers kept winning)."""


class InvalidTransition(SessionConflict):
    """The status change is not one of `TRANSITIONS` from the session's current status."""

    def __init__(self, message: str, *, from_status: str, to_status: str, **kw: Any):
        super().__init__(message, **kw)
        self.from_status = from_status
        self.to_status = to_status


def session_spec(table: str = DEFAULT_TABLE) -> TableSpec:
    """The seed's table (``specs/devflow_sessions.yaml``), under another name if asked."""
    return SESSIONS_TABLE if table == SESSIONS_TABLE.name else dataclasses.replace(SESSIONS_TABLE, name=table)


def check_session_id(value: object) -> str:
    """The session id, lower-cased; ValidationError unless it is a UUID version 4."""
    err = session_id_error(value)
    if err:
        raise ValidationError(err)
    assert isinstance(value, str)
    return value.lower()


def check_user_id(value: object) -> str:
    try:
        return _USER_ID.validate_python(value)
    except PydanticValidationError as e:
        raise ValidationError(f"user_id: {e.errors()[0]['msg']}") from None


def _validated(model: type[Any], value: Any) -> Any:
    """``value`` as a ``model`` (a model instance as it is, a mapping validated); ValidationError otherwise."""
    if isinstance(value, model):
        return value
    if not isinstance(value, Mapping):
        raise ValidationError(f"expected a {model.__name__} or a mapping of its fields, got {type(value).__name__}")
    try:
        return model.model_validate(dict(value))
    except PydanticValidationError as e:
        first = e.errors()[0]
        where = ".".join(map(str, first["loc"]))
        raise ValidationError(f"{where + ': ' if where else ''}{first['msg']}", cause=e) from e


@dataclass(frozen=True)
class SessionPage:
    """One page of a user's sessions, newest first; ``cursor`` fetches the next (None: no more)."""

    sessions: list[SessionSummary]
    cursor: str | None


class SessionStore:
    """The ``devflow-sessions`` table on a `Store`, older history turns in a `BlobStore`.

    History chunks go under ``{blob_prefix}/{session_id}/history/`` (default prefix: the table's name).
    ``item_budget``: what an item may weigh after a history write (default 300 KB,
    leaving room under DynamoDB's 400 KB for any change of the other columns).
    Metrics go to ``registry`` under ``metrics_namespace``.
    """

    def __init__(
        self,
        store: Store,
        blobs: BlobStore,
        *,
        table: str = DEFAULT_TABLE,
        blob_prefix: str | None = None,
        item_budget: int = DEFAULT_ITEM_BUDGET,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        create_table: bool = True,
        registry: CollectorRegistry | None = None,
        metrics_namespace: str = "dynastore_devflow",
    ):
        if not isinstance(max_attempts, int) or max_attempts < 1:
            raise ValidationError(f"max_attempts must be a positive int, got {max_attempts!r}")
        self.store = store
        self.blobs = blobs
        self.blob_prefix = (table if blob_prefix is None else blob_prefix).strip("/")
        self.budget = history_budget(item_budget)
        self.max_attempts = max_attempts
        spec = session_spec(table)
        self.sessions = schema_for(DevSession, spec)
        self.summaries = schema_for(SessionSummary, spec)
        self.registry = registry if registry is not None else CollectorRegistry()
        ns = metrics_namespace
        self._chunks = Counter("history_chunks_written", "History chunks moved to blob storage",
                               namespace=ns, registry=self.registry)
        self._races = Counter("history_append_retries", "History appends retried after another write came first",
                              namespace=ns, registry=self.registry)
        self._refused = Counter("status_transitions_refused", "Status changes refused as not allowed",
                                namespace=ns, registry=self.registry)
        self._orphans = Counter("orphaned_chunks", "History chunks left in blob storage by a failed write or "
                                "delete", namespace=ns, registry=self.registry)
        self.table: Table = store.create_table(spec) if create_table else store.table(spec)

    def __repr__(self) -> str:
        return f"<SessionStore {self.table.name} on {self.store!r}, history chunks in {self.blobs!r}>"

    # -- helpers ---------------------------------------------------------------

    @staticmethod
    def _live(now: int) -> Condition:
        return Attr("session_id").exists() & Attr("ttl").gt(now)

    @staticmethod
    def _ttl(now: int) -> int:
        return now + int(SESSION_LIFETIME.total_seconds())

    def _is_live(self, item: Mapping[str, Any] | None) -> bool:
        ttl = None if item is None else item.get("ttl")
        return isinstance(ttl, int) and ttl > time.time()

    def _current(self, session_id: str, failure: ConditionFailed) -> dict[str, Any]:
        """The item a write's condition failed on (from the failure, else read); SessionNotFound if not live."""
        item = failure.item if failure.item is not None else self.table.get({"session_id": session_id},
                                                                              consistent=True)
        if not self._is_live(item):
            raise SessionNotFound(f"no session {session_id}", cause=failure) from failure
        assert item is not None
        return item

    def _summary(self, item: Mapping[str, Any]) -> SessionSummary:
        return self.summaries.load(item)

    # -- create, read, delete ------------------------------------------------------

    def create(self, session: NewSession | Mapping[str, Any]) -> SessionSummary:
        """Store a new session (status ``starting`` unless given; empty history); SessionExists if its id is taken."""
        new = _validated(NewSession, session)
        if isinstance(new, DevSession) and new.history:
            raise ValidationError("create a session without history, then append_history")
        sid = check_session_id(new.session_id)
        now = int(time.time())
        fields = new.model_dump(include=set(NewSession.model_fields))
        item = self.sessions.dump(DevSession(**{**fields, "session_id": sid}))
        item.update({"ttl": self._ttl(now), HISTORY: [], CHUNKS: [], COUNT: 0, BYTES: 0})
        free = Attr("session_id").not_exists() | Attr("ttl").lte(now)  # an expired leftover may be replaced
        try:
            put = self.table.put(item, condition=free)
        except ConditionFailed as e:
            raise SessionExists(f"session {sid} already exists", cause=e) from e
        return self._summary(put.item)

    def get(self, session_id: str) -> DevSession:
        """The session with its whole history, in order; SessionNotFound if there is no live one."""
        sid = check_session_id(session_id)
        item = self.table.get({"session_id": sid}, consistent=True)
        if item is None:
            raise SessionNotFound(f"no session {sid}")
        return self.sessions.load({**item, HISTORY: self._history(sid, item)})

    def summary(self, session_id: str) -> SessionSummary:
        """The session without its history (one read, no blobs)."""
        sid = check_session_id(session_id)
        item = self.table.get({"session_id": sid}, consistent=True, projection=_SUMMARY_ATTRIBUTES)
        if item is None:
            raise SessionNotFound(f"no session {sid}")
        return self._summary(item)

    def history(self, session_id: str) -> list[HistoryEntry]:
        """The whole history of a session, oldest turn first."""
        return self.get(session_id).history

    def _history(self, sid: str, item: Mapping[str, Any]) -> list[Any]:
        turns: list[Any] = []
        for chunk in chunks_of(item):
            try:
                data = self.blobs.get(chunk.key)
            except ItemNotFound:
                if self.table.get({"session_id": sid}, consistent=True) is None:
                    raise SessionNotFound(f"no session {sid} (deleted while it was read)") from None
                raise ItemNotFound(f"history chunk {chunk.key!r} of session {sid} is missing from blob "
                                   "storage") from None
            turns += decode_chunk(data, chunk)
        return turns + list(item.get(HISTORY) or ())

    def list_for_user(self, user_id: str, *, limit: int = DEFAULT_PAGE_SIZE,
                      cursor: str | None = None) -> SessionPage:
        """A user's live sessions, newest first, ``limit`` at a time (one query of the GSI, never a scan)."""
        uid = check_user_id(user_id)
        if type(limit) is not int or not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValidationError(f"limit must be an int from 1 to {MAX_PAGE_SIZE}, got {limit!r}")
        start = decode_cursor(cursor, uid) if cursor is not None else None
        results = self.table.query(Key("user_id").eq(uid), index=BY_USER, reverse=True, limit=limit,
                                   start_key=start, projection=_SUMMARY_ATTRIBUTES)
        items = results.all()
        last = results.last_key
        more = last is not None and len(items) == limit
        return SessionPage([self._summary(i) for i in items], encode_cursor(last) if more and last else None)

    def iter_user_sessions(self, user_id: str) -> Iterable[SessionSummary]:
        """Every live session of a user, newest first, page by page."""
        cursor = None
        while True:
            page = self.list_for_user(user_id, limit=MAX_PAGE_SIZE, cursor=cursor)
            yield from page.sessions
            if page.cursor is None:
                return
            cursor = page.cursor

    def delete(self, session_id: str) -> None:
        """Delete a live session (SessionNotFound otherwise): the item first, then its history chunks."""
        sid = check_session_id(session_id)
        try:
            old = self.table.delete({"session_id": sid}, condition=self._live(int(time.time())), return_old=True)
        except ConditionFailed as e:
            raise SessionNotFound(f"no session {sid}", cause=e) from e
        for chunk in chunks_of(old or {}):
            try:
                self.blobs.delete(chunk.key)
            except DynastoreError as e:  # the item is gone: a chunk left behind is only an orphan
                self._orphans.inc()
                log.warning("session %s deleted, but its history chunk %s was not: %s", sid, chunk.key, e)

    def sweep(self, *, grace: timedelta = DEFAULT_GRACE, dry_run: bool = True,
              now: datetime | None = None) -> SweepReport:
        """Find (and with ``dry_run=False`` delete) history chunks no live session points to, older than
        ``grace`` (see `sweep.sweep_chunks`): those of expired sessions, and those failed writes left."""
        return sweep_chunks(self, grace=grace, dry_run=dry_run, now=now)

    # -- updates -------------------------------------------------------------------

    def update(self, session_id: str, changes: SessionChanges | Mapping[str, Any]) -> SessionSummary:
        """Change fields (None removes an optional one), the status only along `TRANSITIONS`; moves the TTL on.

        An illegal status change is an `InvalidTransition` (naming both
        statuses); ``error_message`` on a session not in (or not moving to)
        ``error`` is a `SessionConflict`. Nothing is read first.
        """
        sid = check_session_id(session_id)
        values = _validated(SessionChanges, changes).values()
        now = int(time.time())
        actions = [Attr(k).remove() if v is None else Attr(k).set(v) for k, v in values.items()]
        actions.append(Attr("ttl").set(self._ttl(now)))
        condition = self._live(now)
        target = values.get("status")
        if target is not None:
            condition &= Attr("status").is_in([s.value for s in sources_of(SessionStatus(target))])
            if target != SessionStatus.ERROR.value and "error_message" not in values:
                actions.append(Attr("error_message").remove())
        elif "error_message" in values:
            status = Attr("status")
            condition &= status.eq("error") if values["error_message"] is not None else status.ne("error")
        try:
            item = self.table.update({"session_id": sid}, actions, condition=condition, return_values="ALL_NEW",
                                     return_item_on_failure=True)
        except ConditionFailed as e:
            current = self._current(sid, e)
            raise self._refusal(sid, current.get("status"), target, e) from e
        assert item is not None
        return self._summary(item)

    def _refusal(self, sid: str, current: Any, target: Any, cause: ConditionFailed) -> SessionConflict:
        if target is not None:
            self._refused.inc()
            allowed = ", ".join(sorted(s.value for s in _next_statuses(current))) or "none"
            return InvalidTransition(
                f"session {sid} cannot move from {current!r} to {target!r} (from {current!r} it may move to: "
                f"{allowed})", from_status=str(current), to_status=str(target), cause=cause)
        return SessionConflict(f"error_message goes with status 'error' only; session {sid} is {current!r}",
                               cause=cause)

    def set_status(self, session_id: str, status: SessionStatus | str, *,
                   error_message: str | None = None) -> SessionSummary:
        """Move a session to ``status`` (``error`` needs ``error_message``); see `update`."""
        changes: dict[str, Any] = {"status": status}
        if error_message is not None:
            changes["error_message"] = error_message
        return self.update(session_id, changes)

    def keep_alive(self, session_id: str) -> SessionSummary:
        """Push the session's expiry 24 hours on from now."""
        return self.update(session_id, SessionChanges())

    def append_history(self, session_id: str, *entries: HistoryEntry | Mapping[str, Any]) -> SessionSummary:
        """Add turns at the end of the history (in order, after those of any append that landed first).

        Never hits the 400 KB limit: older turns move to a chunk blob when
        the item would outgrow its budget (see `history`).
        """
        sid = check_session_id(session_id)
        if not 1 <= len(entries) <= MAX_TURNS_PER_APPEND:
            raise ValidationError(f"append 1 to {MAX_TURNS_PER_APPEND} turns at once, got {len(entries)}")
        new = [stored_turn(_validated(HistoryEntry, e)) for e in entries]
        adds = weight(new)
        if adds > self.budget // 2:
            raise ValidationError(f"these turns take {adds:,} bytes; append at most {self.budget // 2:,} at once")
        for attempt in range(self.max_attempts):
            if attempt:
                self._races.inc()
                time.sleep(random.uniform(0, min(0.2, 0.005 * 2**attempt)))
            now = int(time.time())
            archive = False
            try:
                return self._append_inline(sid, new, adds, now)
            except ConditionFailed as e:
                current = self._current(sid, e)
            except ItemTooLarge as e:  # the server sizes the item larger than we do (moto does): make room
                current, archive = self._current(sid, ConditionFailed(e.message, cause=e)), True
            try:
                return self._append_rewriting(sid, current, new, now, archive=archive)
            except ConditionFailed as e:
                self._current(sid, e)  # still live: another append came first; go again
        raise SessionConflict(f"session {sid}: {self.max_attempts} attempts to append lost to other writers; retry")

    def _append_inline(self, sid: str, new: list[dict[str, Any]], adds: int, now: int) -> SessionSummary:
        """The common case: one UpdateItem, no read; fails when the budget would not hold."""
        item = self.table.update(
            {"session_id": sid},
            [Attr(HISTORY).append(new), Attr(COUNT).add(len(new)), Attr(BYTES).add(adds),
             Attr("ttl").set(self._ttl(now))],
            condition=self._live(now) & Attr(BYTES).lte(self.budget - adds),
            return_values="ALL_NEW", return_item_on_failure=True)
        assert item is not None
        return self._summary(item)

    def _append_rewriting(self, sid: str, item: Mapping[str, Any], new: list[dict[str, Any]], now: int, *,
                          archive: bool = False) -> SessionSummary:
        """Rewrite the history from ``item`` as read: a chunk of older turns first when need be (or when
        ``archive``), then the item, conditional on nobody having appended since (the turn count)."""
        inline = list(item.get(HISTORY) or ())
        pointers = list(item.get(CHUNKS) or ())
        count = item.get(COUNT)
        held = weight(inline) + weight(pointers)
        actions = [Attr("ttl").set(self._ttl(now))]
        chunk_written = False
        if not archive and held + weight(new) <= self.budget:  # fits after all (the counter was missing or another append archived)
            actions += [Attr(HISTORY).set(inline + new), Attr(BYTES).set(held + weight(new))]
        else:
            plan = plan_archive(sid, item, new, self.budget, self.blob_prefix)
            try:
                self.blobs.put(plan.chunk.key, encode_chunk(sid, plan.first, plan.moved),
                               content_type="application/json")
            except DynastoreError:
                self._orphans.inc()  # a put that failed may still have landed
                raise
            self._chunks.inc()
            chunk_written = True
            actions += [Attr(HISTORY).set(plan.inline), Attr(CHUNKS).set(plan.chunks), Attr(BYTES).set(plan.bytes)]
        total = count if isinstance(count, int) else sum(c.turns for c in chunks_of(item)) + len(inline)
        actions.append(Attr(COUNT).set(total + len(new)))
        unchanged = Attr(COUNT).eq(count) if isinstance(count, int) else Attr(COUNT).not_exists()
        try:
            result = self.table.update({"session_id": sid}, actions, condition=self._live(now) & unchanged,
                                       return_values="ALL_NEW", return_item_on_failure=True)
        except DynastoreError:
            if chunk_written:  # no item points at it (or, after an ambiguous failure, one may: it stays)
                self._orphans.inc()
            raise
        assert result is not None
        return self._summary(result)


def _next_statuses(current: Any) -> frozenset[SessionStatus]:
    try:
        return TRANSITIONS[SessionStatus(current)]
    except ValueError:
        return frozenset()
