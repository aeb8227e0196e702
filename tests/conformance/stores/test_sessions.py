"""SessionStore (seed 003, DevFlow Engine's sessions) on every engine, history chunks in local blob storage."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from itertools import product
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dynastore import Store
from dynastore.apps.devflow.history import CHUNKS, DEFAULT_ITEM_BUDGET
from dynastore.apps.devflow.models import (
    MAX_ARN_CHARS,
    MAX_BRANCH_BYTES,
    MAX_ERROR_BYTES,
    MAX_FIELDS_BYTES,
    MAX_ID_NUMBER,
    MAX_NAME_BYTES,
    MAX_PROMPT_BYTES,
    MAX_URL_CHARS,
    MAX_USER_ID_BYTES,
    TRANSITIONS,
    DevSession,
    HistoryEntry,
    SessionStatus,
)
from dynastore.apps.devflow.store import (
    InvalidTransition,
    SessionConflict,
    SessionExists,
    SessionNotFound,
    SessionStore,
)
from dynastore.blobs import LocalBlobStore
from dynastore.errors import ItemTooLarge, StoreUnavailable, ValidationError
from dynastore.expressions import Attr
from dynastore.limits import MAX_ITEM_BYTES, item_size

from .._support import known_difference

DAY = 24 * 3600
#: Measured on moto 5.2.5: two threads doing 120 read-then-compare-and-set updates of a counter had 69 succeed
#: and left it at 68. DynamoDB (and DynamoDB Local) apply a conditional write atomically.
#: An item budget leaving 32 KB for the history.
SMALL_BUDGET = MAX_FIELDS_BYTES + 32 * 1024
MOTO_RACES = "moto applies concurrent conditional writes without isolation, so both of two racing writes can win"


@pytest.fixture
def sessions(sync_store: Store, prefix: str, blobs: LocalBlobStore) -> SessionStore:
    return SessionStore(sync_store, blobs, table=f"{prefix}devflow-sessions")


@pytest.fixture
def small(sync_store: Store, prefix: str, blobs: LocalBlobStore) -> SessionStore:
    """Sessions with 32 KB for their history: it moves to blobs after a few turns."""
    return SessionStore(sync_store, blobs, table=f"{prefix}devflow-sessions", item_budget=SMALL_BUDGET)


def with_chunks(sessions: SessionStore, turns: int) -> tuple[str, list[str]]:
    """A session whose history went partly to blob storage; its id and its chunks' keys."""
    sid = sessions.create(fields()).session_id
    for i in range(turns):
        sessions.append_history(sid, {"prompt": f"{i}", "response": "y" * 3000})
    keys = [c["key"] for c in (raw(sessions, sid) or {})[CHUNKS]]
    assert keys
    return sid, keys


def fields(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = dict(user_id="ada", repository_url="https://github.com/acme/app", repository_owner="acme",
                                repository_name="app", branch_name="devflow/login", initial_prompt="add a login page",
                                github_installation_id=4242)
    return {**base, **over}


def raw(sessions: SessionStore, sid: str) -> dict[str, Any] | None:
    return sessions.table.get({"session_id": sid}, consistent=True, include_expired=True)


def set_raw(sessions: SessionStore, sid: str, **values: Any) -> None:
    """Change attributes behind the store's back (times it would never write)."""
    sessions.table.update({"session_id": sid}, [Attr(k).set(v) for k, v in values.items()])


def expire(sessions: SessionStore, sid: str) -> None:
    """What a session looks like once its TTL passed, before DynamoDB's sweeper deleted it."""
    set_raw(sessions, sid, ttl=int(time.time()) - 60)


# -- create and read -------------------------------------------------------------------


def test_a_session_holds_every_column_of_the_seeds_table_with_its_type(sessions: SessionStore) -> None:
    before = int(time.time())
    s = sessions.create(fields(pr_number=12, pr_url="https://github.com/acme/app/pull/12",
                               editor_url="https://editor.example.com/s/1",
                               ecs_cluster_arn="arn:aws:ecs:us-east-1:123:cluster/dev",
                               ecs_task_arn="arn:aws:ecs:us-east-1:123:task/dev/abc",
                               ecs_task_definition_arn="arn:aws:ecs:us-east-1:123:task-definition/dev:3"))
    item = raw(sessions, s.session_id)
    assert item is not None
    assert uuid.UUID(item["session_id"]).version == 4
    for name in ("session_id", "user_id", "repository_url", "repository_owner", "repository_name", "branch_name",
                 "ecs_cluster_arn", "ecs_task_arn", "ecs_task_definition_arn", "pr_url", "editor_url", "status",
                 "initial_prompt"):
        assert type(item[name]) is str, name
    for name in ("pr_number", "github_installation_id", "created_at", "updated_at", "ttl"):
        assert type(item[name]) is int, name
    assert item["history"] == [] and item["status"] == "starting" and "error_message" not in item
    assert before <= item["created_at"] <= item["updated_at"] <= int(time.time())
    assert item["ttl"] - item["updated_at"] in range(DAY - 1, DAY + 2)
    got = sessions.get(s.session_id)
    assert got.history == [] and got.pr_number == 12 and str(got.editor_url) == "https://editor.example.com/s/1"
    assert sessions.summary(s.session_id).history_count == 0


def test_the_session_id_is_a_uuid4_kept_lower_case(sessions: SessionStore) -> None:
    sid = str(uuid.uuid4())
    assert sessions.create(fields(session_id=sid.upper())).session_id == sid
    assert sessions.get(sid.upper()).session_id == sid
    for bad in ("nope", str(uuid.uuid1()), "", sid + "0"):
        with pytest.raises(ValidationError, match="session_id"):
            sessions.create(fields(session_id=bad))
        with pytest.raises(ValidationError, match="UUID version 4"):
            sessions.get(bad)


@pytest.mark.parametrize("change, message", [
    ({"user_id": ""}, "user_id"),
    ({"repository_url": "not a url"}, "repository_url"),
    ({"github_installation_id": 0}, "github_installation_id"),
    ({"github_installation_id": MAX_ID_NUMBER + 1}, "github_installation_id"),
    ({"pr_number": "twelve"}, "pr_number"),
    ({"ecs_task_arn": "task/abc"}, "ecs_task_arn"),
    ({"status": "paused"}, "status"),
    ({"status": "error"}, "error_message"),
    ({"error_message": "why?"}, "error_message"),
    ({"initial_prompt": "x" * (MAX_PROMPT_BYTES + 1)}, "initial_prompt"),
    ({"branch_name": "\ud800"}, "branch_name"),
    ({"created_at": 5}, "created_at"),
    ({"history": []}, "history"),
])
def test_create_validates_every_column_and_writes_nothing_on_refusal(sessions: SessionStore, change: dict[str, Any],
                                                                      message: str) -> None:
    sid = str(uuid.uuid4())
    with pytest.raises(ValidationError, match=message):
        sessions.create(fields(session_id=sid, **change))
    assert raw(sessions, sid) is None


def test_required_columns_are_required(sessions: SessionStore) -> None:
    for name in ("user_id", "repository_url", "repository_owner", "repository_name", "branch_name",
                 "initial_prompt", "github_installation_id"):
        f = fields()
        del f[name]
        with pytest.raises(ValidationError, match=name):
            sessions.create(f)


def test_a_session_id_is_taken_once_but_an_expired_leftover_may_be_replaced(sessions: SessionStore) -> None:
    s = sessions.create(fields())
    with pytest.raises(SessionExists):
        sessions.create(fields(session_id=s.session_id, branch_name="other"))
    assert sessions.get(s.session_id).branch_name == "devflow/login"
    expire(sessions, s.session_id)
    again = sessions.create(fields(session_id=s.session_id, branch_name="other"))
    assert again.branch_name == "other" and sessions.get(s.session_id).branch_name == "other"


def test_the_largest_session_leaves_the_history_its_budget(sessions: SessionStore) -> None:
    url = "https://e.com/" + "a" * (MAX_URL_CHARS - len("https://e.com/"))
    arn = "arn:" + "a" * (MAX_ARN_CHARS - 4)
    s = sessions.create(fields(
        user_id="ü" * (MAX_USER_ID_BYTES // 2), repository_url=url, pr_url=url, editor_url=url,
        repository_owner="o" * MAX_NAME_BYTES, repository_name="n" * MAX_NAME_BYTES,
        branch_name="b" * MAX_BRANCH_BYTES, ecs_cluster_arn=arn, ecs_task_arn=arn, ecs_task_definition_arn=arn,
        initial_prompt="p" * MAX_PROMPT_BYTES, pr_number=MAX_ID_NUMBER, github_installation_id=MAX_ID_NUMBER,
        status="error", error_message="e" * MAX_ERROR_BYTES))
    item = raw(sessions, s.session_id)
    assert item is not None
    assert item_size(item) <= MAX_FIELDS_BYTES
    assert DEFAULT_ITEM_BUDGET + MAX_FIELDS_BYTES <= MAX_ITEM_BYTES


# -- history -------------------------------------------------------------------------------


def test_a_history_past_400_kb_moves_older_turns_to_blobs_and_reads_back_whole(sessions: SessionStore,
                                                                                blobs: LocalBlobStore) -> None:
    s = sessions.create(fields())
    for i in range(60):
        summary = sessions.append_history(s.session_id, HistoryEntry(prompt=f"turn {i}", response=f"{i}:" + "r" * 10_000))
        assert summary.history_count == i + 1
    item = raw(sessions, s.session_id)
    assert item is not None
    assert item_size(item) <= DEFAULT_ITEM_BUDGET
    assert item[CHUNKS] and all(blobs.exists(c["key"]) for c in item[CHUNKS])
    assert sum(c["turns"] for c in item[CHUNKS]) + len(item["history"]) == 60
    history = sessions.get(s.session_id).history
    assert [h.prompt for h in history] == [f"turn {i}" for i in range(60)]
    assert all(h.response == f"{i}:" + "r" * 10_000 for i, h in enumerate(history))
    assert sum(len(h.response or "") for h in history) > MAX_ITEM_BYTES
    assert sessions.history(s.session_id) == history


def test_appends_keep_every_turn_in_order_and_several_at_once(sessions: SessionStore) -> None:
    s = sessions.create(fields())
    sessions.append_history(s.session_id, {"prompt": "one"})
    summary = sessions.append_history(s.session_id, {"prompt": "two", "response": "2"},
                                      HistoryEntry(prompt="three", response="3"))
    assert summary.history_count == 3
    turns = sessions.get(s.session_id).history
    assert [(t.prompt, t.response) for t in turns] == [("one", None), ("two", "2"), ("three", "3")]
    assert turns[0].at <= turns[1].at  # stamped when made (a turn made before the call keeps its time)


def test_concurrent_appends_are_all_kept_in_arrival_order(small: SessionStore) -> None:
    # The small budget makes appends also race with each other's moves to blob storage.
    known_difference(small.store, "moto", MOTO_RACES)
    sessions = small
    s = sessions.create(fields())
    per_writer, errors = 12, []

    def writer(name: str) -> None:
        try:
            for i in range(per_writer):
                sessions.append_history(s.session_id, HistoryEntry(prompt=f"{name}{i}", response="x" * 4000))
        except Exception as e:  # pragma: no cover - reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(n,)) for n in "AB"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    prompts = [t.prompt for t in sessions.get(s.session_id).history]
    assert sorted(prompts) == sorted(f"{n}{i}" for n in "AB" for i in range(per_writer))
    for name in "AB":
        assert [p for p in prompts if p[0] == name] == [f"{name}{i}" for i in range(per_writer)]
    assert sessions.summary(s.session_id).history_count == 2 * per_writer


def test_appending_validates_the_turns(sessions: SessionStore) -> None:
    s = sessions.create(fields())
    for bad in ({"prompt": ""}, {"prompt": "x" * (MAX_PROMPT_BYTES + 1)}, {"prompt": "p", "response": "\udfff"},
                {"response": "r"}):
        with pytest.raises(ValidationError):
            sessions.append_history(s.session_id, bad)
    with pytest.raises(ValidationError):
        sessions.append_history(s.session_id)
    assert sessions.summary(s.session_id).history_count == 0


def test_a_session_written_by_the_model_layer_gains_history_too(sessions: SessionStore) -> None:
    bound = DevSession.bind(sessions.table)
    s = bound.save(DevSession(**fields(session_id=str(uuid.uuid4())), history=[HistoryEntry(prompt="old")]))
    sessions.append_history(s.session_id, {"prompt": "new"})
    assert [t.prompt for t in sessions.get(s.session_id).history] == ["old", "new"]
    assert sessions.summary(s.session_id).history_count == 2


def test_deleting_a_session_removes_its_history_chunks(small: SessionStore, blobs: LocalBlobStore) -> None:
    sid, keys = with_chunks(small, 30)
    assert all(blobs.exists(k) for k in keys)
    small.delete(sid)
    assert raw(small, sid) is None and not any(blobs.exists(k) for k in keys)
    with pytest.raises(SessionNotFound):
        small.delete(sid)


def test_an_item_budget_must_leave_room_for_the_history(sync_store: Store, prefix: str,
                                                        blobs: LocalBlobStore) -> None:
    for bad in (1000, MAX_ITEM_BYTES, "300k"):
        with pytest.raises(ValidationError, match="item_budget"):
            SessionStore(sync_store, blobs, table=f"{prefix}devflow-sessions", item_budget=bad)  # type: ignore[arg-type]


# -- status --------------------------------------------------------------------------------


@pytest.mark.parametrize("start, target", list(product(SessionStatus, SessionStatus)))
def test_status_moves_only_along_the_allowed_transitions(sessions: SessionStore, start: SessionStatus,
                                                          target: SessionStatus) -> None:
    err = "it broke" if start is SessionStatus.ERROR else None
    s = sessions.create(fields(status=start.value, error_message=err))
    message = "boom" if target is SessionStatus.ERROR else None
    if target is start or target in TRANSITIONS[start]:
        moved = sessions.set_status(s.session_id, target, error_message=message)
        assert moved.status is target and moved.error_message == message
    else:
        with pytest.raises(InvalidTransition) as e:
            sessions.set_status(s.session_id, target, error_message=message)
        assert (e.value.from_status, e.value.to_status) == (start.value, target.value)
        assert f"from {start.value!r} to {target.value!r}" in e.value.message
        assert sessions.summary(s.session_id).status is start  # nothing written


def test_error_message_goes_with_status_error_exactly(sessions: SessionStore) -> None:
    s = sessions.create(fields())
    sid = s.session_id
    with pytest.raises(ValidationError, match="error_message"):
        sessions.set_status(sid, "error")
    with pytest.raises(ValidationError, match="error_message"):
        sessions.set_status(sid, "running", error_message="no")
    with pytest.raises(SessionConflict, match="error_message"):
        sessions.update(sid, {"error_message": "not in error"})
    assert sessions.set_status(sid, "error", error_message="task died").error_message == "task died"
    assert sessions.update(sid, {"error_message": "task died: OOM"}).error_message == "task died: OOM"
    with pytest.raises(SessionConflict, match="error_message"):
        sessions.update(sid, {"error_message": None})
    restarted = sessions.set_status(sid, "starting")
    assert restarted.error_message is None and "error_message" not in (raw(sessions, sid) or {})


def test_racing_status_changes_are_decided_by_the_condition(sessions: SessionStore) -> None:
    # From running, "stopped" and "error" are both allowed, but stopped -> error is not: whichever
    # lands first, the other must be checked against the status it left, in the same request.
    known_difference(sessions.store, "moto", MOTO_RACES)
    for _ in range(3):
        s = sessions.create(fields(status="running"))
        outcomes: dict[str, Any] = {}

        def move(target: str, message: str | None, sid: str = s.session_id,
                 outcomes: dict[str, Any] = outcomes) -> None:
            try:
                outcomes[target] = sessions.set_status(sid, target, error_message=message).status.value
            except InvalidTransition as e:
                outcomes[target] = e

        threads = [threading.Thread(target=move, args=a) for a in (("stopped", None), ("error", "x"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        final = sessions.summary(s.session_id).status.value
        if isinstance(outcomes["error"], InvalidTransition):  # stopped landed first
            assert final == "stopped" and outcomes["stopped"] == "stopped"
        else:  # error first, then error -> stopped (allowed), or stopped after it
            assert outcomes["stopped"] == "stopped" and final == "stopped" or final == "error"


# -- updates -------------------------------------------------------------------------------


def test_update_sets_and_removes_fields_without_touching_the_rest(sessions: SessionStore) -> None:
    s = sessions.create(fields(ecs_task_arn="arn:aws:ecs:us-east-1:1:task/a"))
    new = sessions.update(s.session_id, {"editor_url": "https://ed.example/1", "pr_number": 3,
                                         "ecs_task_arn": None, "branch_name": "devflow/b"})
    assert str(new.editor_url) == "https://ed.example/1" and new.pr_number == 3 and new.ecs_task_arn is None
    item = raw(sessions, s.session_id) or {}
    assert "ecs_task_arn" not in item and item["branch_name"] == "devflow/b" and item["initial_prompt"] == s.initial_prompt
    for bad, message in (({"branch_name": None}, "required"), ({"session_id": str(uuid.uuid4())}, "session_id"),
                         ({"user_id": "eve"}, "user_id"), ({"pr_number": -1}, "pr_number"),
                         ({"history": []}, "history"), ({"ttl": 1}, "ttl")):
        with pytest.raises(ValidationError, match=message):
            sessions.update(s.session_id, bad)
    assert (raw(sessions, s.session_id) or {})["branch_name"] == "devflow/b"


def test_every_write_moves_the_expiry_24_hours_on(sessions: SessionStore) -> None:
    s = sessions.create(fields())
    sid = s.session_id
    writes = [lambda: sessions.append_history(sid, {"prompt": "p"}),
              lambda: sessions.set_status(sid, "running"),
              lambda: sessions.update(sid, {"pr_number": 9}),
              lambda: sessions.keep_alive(sid)]
    for write in writes:
        set_raw(sessions, sid, ttl=int(time.time()) + 60)
        before = int(time.time())
        write()
        ttl = (raw(sessions, sid) or {})["ttl"]
        assert before + DAY <= ttl <= int(time.time()) + DAY


def test_writes_to_a_missing_session_create_nothing(sessions: SessionStore) -> None:
    sid = str(uuid.uuid4())
    for write in (lambda: sessions.update(sid, {"pr_number": 1}), lambda: sessions.set_status(sid, "running"),
                  lambda: sessions.append_history(sid, {"prompt": "p"}), lambda: sessions.keep_alive(sid),
                  lambda: sessions.delete(sid), lambda: sessions.get(sid), lambda: sessions.summary(sid)):
        with pytest.raises(SessionNotFound):
            write()
    assert raw(sessions, sid) is None


# -- expiry and listing ----------------------------------------------------------------------


def test_an_expired_session_is_gone_for_every_read_and_write(sessions: SessionStore) -> None:
    s = sessions.create(fields(user_id="grace"))
    kept = sessions.create(fields(user_id="grace"))
    sessions.append_history(s.session_id, {"prompt": "p"})
    expire(sessions, s.session_id)
    with pytest.raises(SessionNotFound):
        sessions.get(s.session_id)
    assert [x.session_id for x in sessions.list_for_user("grace").sessions] == [kept.session_id]
    for write in (lambda: sessions.update(s.session_id, {"pr_number": 1}),
                  lambda: sessions.append_history(s.session_id, {"prompt": "q"}),
                  lambda: sessions.keep_alive(s.session_id), lambda: sessions.delete(s.session_id)):
        with pytest.raises(SessionNotFound):
            write()
    item = raw(sessions, s.session_id)
    if item is not None:  # unless TTL deleted it meanwhile (DynamoDB Local does, within seconds)
        assert item["ttl"] < time.time() and len(item["history"]) == 1  # not revived by any write


def test_a_users_sessions_newest_first_a_page_at_a_time(sessions: SessionStore) -> None:
    t0 = int(time.time()) - 1000
    ids = []
    for i in range(5):
        s = sessions.create(fields(user_id="lin"))
        set_raw(sessions, s.session_id, created_at=t0 + i)
        ids.append(s.session_id)
    sessions.create(fields(user_id="someone-else"))
    seen, cursor, pages = [], None, 0
    while True:
        page = sessions.list_for_user("lin", limit=2, cursor=cursor)
        assert len(page.sessions) <= 2
        seen += [x.session_id for x in page.sessions]
        pages += 1
        if page.cursor is None:
            break
        cursor = page.cursor
    assert seen == ids[::-1] and pages == 3
    assert [x.session_id for x in sessions.iter_user_sessions("lin")] == ids[::-1]
    assert sessions.list_for_user("nobody").sessions == []


def test_a_tampered_cursor_is_refused(sessions: SessionStore) -> None:
    for _ in range(3):
        sessions.create(fields(user_id="kim"))
    cursor = sessions.list_for_user("kim", limit=1).cursor
    assert cursor is not None
    for bad in ("", "!!!", cursor[:-3], cursor + "x", "W10", "WzEsMl0", "x" * 500, "é", "eyJhIjoxfQ"):
        with pytest.raises(ValidationError, match="cursor"):
            sessions.list_for_user("kim", cursor=bad)
    for bad_limit in (0, MAX_ITEM_BYTES, "2"):
        with pytest.raises(ValidationError, match="limit"):
            sessions.list_for_user("kim", limit=bad_limit)  # type: ignore[arg-type]


def test_a_missing_history_chunk_is_reported_not_skipped(small: SessionStore, blobs: LocalBlobStore) -> None:
    sid, keys = with_chunks(small, 20)
    blobs.delete(keys[0])
    with pytest.raises(Exception, match="missing") as e:
        small.get(sid)
    assert not isinstance(e.value, SessionNotFound)


def test_a_history_that_cannot_fit_is_refused(sessions: SessionStore) -> None:
    s = sessions.create(fields())
    with pytest.raises((ItemTooLarge, ValidationError)):
        sessions.append_history(s.session_id, *[{"prompt": "p" * 30_000, "response": "r" * 60_000}] * 3)
    assert sessions.summary(s.session_id).history_count == 0


class FailingPuts:
    """Blob storage whose writes fail (reads and deletes pass through), as when S3 is unreachable."""

    def __init__(self, blobs: LocalBlobStore):
        self.inner = blobs
        self.failing = True

    def put(self, key: str, data: bytes, **kw: Any) -> Any:
        if self.failing:
            raise StoreUnavailable("blob storage unreachable")
        return self.inner.put(key, data, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_a_chunk_that_cannot_be_written_leaves_the_session_as_it_was(sync_store: Store, prefix: str,
                                                                      blobs: LocalBlobStore) -> None:
    flaky = FailingPuts(blobs)
    sessions = SessionStore(sync_store, flaky, table=f"{prefix}devflow-sessions",  # type: ignore[arg-type]
                            item_budget=SMALL_BUDGET)
    sid = sessions.create(fields()).session_id
    appended = 0
    with pytest.raises(StoreUnavailable):
        for i in range(50):
            sessions.append_history(sid, {"prompt": f"{i}", "response": "w" * 3000})
            appended += 1
    before = raw(sessions, sid) or {}
    assert before["history_count"] == appended and not before[CHUNKS]  # no pointer to a blob never written
    flaky.failing = False
    sessions.append_history(sid, {"prompt": "after"})
    assert [t.prompt for t in sessions.get(sid).history] == [f"{i}" for i in range(appended)] + ["after"]


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(sizes=st.lists(st.tuples(st.integers(1, 3000), st.integers(0, 6000)), min_size=1, max_size=30))
def test_any_sequence_of_appends_reads_back_as_appended(small: SessionStore, sizes: list[tuple[int, int]]) -> None:
    sid = small.create(fields()).session_id
    turns = [{"prompt": f"{i}:" + "é" * p, "response": "r" * r} for i, (p, r) in enumerate(sizes)]
    for turn in turns:
        small.append_history(sid, turn)
    item = raw(small, sid) or {}
    assert item_size(item) <= SMALL_BUDGET
    assert [(t.prompt, t.response) for t in small.get(sid).history] == [(t["prompt"], t["response"]) for t in turns]


def test_a_sweep_removes_only_chunks_no_live_session_points_to(small: SessionStore, blobs: LocalBlobStore) -> None:
    kept, kept_keys = with_chunks(small, 20)
    gone, gone_keys = with_chunks(small, 20)
    expired, expired_keys = with_chunks(small, 20)
    small.table.delete({"session_id": gone})  # as TTL deletes an item: its chunks stay behind
    expire(small, expired)
    stray = f"{small.blob_prefix}/{kept}/history/9999999999-{uuid.uuid4().hex}.json"  # an append that lost a race
    blobs.put(stray, b"{}")
    later = datetime.now(timezone.utc) + timedelta(hours=2)
    assert small.sweep(dry_run=False).deleted == 0  # all younger than the grace period
    report = small.sweep(now=later)
    assert report.dry_run and report.deleted == 0
    assert sorted(report.orphans) == sorted(gone_keys + expired_keys + [stray])
    assert all(blobs.exists(k) for k in gone_keys + [stray])
    assert small.sweep(now=later, dry_run=False).deleted == len(report.orphans)
    assert not any(blobs.exists(k) for k in gone_keys + expired_keys + [stray])
    assert all(blobs.exists(k) for k in kept_keys)
    assert len(small.get(kept).history) == 20
