"""The model layer on every engine, through the sync and the async API.

Models from the seed applications (``dynastore.apps``): seed 003's DevFlow
sessions on the seed's own table, and seed 004's blog as a single-table
design. Every test runs once per engine and API (the ``store`` fixture's
``memory``, ``memory-async`` ...): ``api.bind(Model, table)`` is `Model.bind`
on the sync table, or on the async one seen through blocking calls.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from dynastore import (
    ANY_VERSION,
    Attr,
    ConditionFailed,
    ItemNotFound,
    Key,
    Store,
    Table,
    TransactionCanceled,
    ValidationError,
    VersionConflict,
)
from dynastore.apps.blog.models import (
    BLOG_ENTITIES,
    BLOG_TABLE,
    Activity,
    ActivityType,
    Comment,
    Likes,
    Post,
    Session,
    User,
)
from dynastore.models import Bound, BoundEntities
from dynastore.models.aio import AsyncBound, AsyncBoundEntities
from dynastore.apps.devflow.models import BY_USER, SESSIONS_TABLE, DevSession, HistoryEntry, SessionStatus

from ._model_api import ModelApi, ModelBlocking
from ._support import unique_name
from .conftest import MakeTable


@pytest.fixture
def api(store: Store) -> ModelApi:
    """Models bound through the API the ``store`` fixture tests (sync, or async seen blocking)."""
    return ModelApi(store)


@pytest.fixture
def blog_table(make_table: MakeTable) -> Table:
    return make_table(spec=dataclasses.replace(BLOG_TABLE, name=unique_name("blog")))


@pytest.fixture
def devflow_table(make_table: MakeTable) -> Table:
    return make_table(spec=dataclasses.replace(SESSIONS_TABLE, name=unique_name("devflow")))


def dev_session(**over: Any) -> DevSession:
    fields: dict[str, Any] = dict(
        user_id="u1", repository_url="https://github.com/acme/app", repository_owner="acme",
        repository_name="app", branch_name="devflow/feature", initial_prompt="add a login page",
        github_installation_id=42,
    )
    return DevSession(**{**fields, **over})


def test_the_binding_follows_the_api_under_test(api: ModelApi, blog_table: Table) -> None:
    def inner(bound: Any) -> type:
        return type(bound._target if isinstance(bound, ModelBlocking) else bound)

    assert inner(api.bind(User, blog_table)) is (AsyncBound if api.is_async else Bound)
    assert inner(api.bind(BLOG_ENTITIES, blog_table)) is (AsyncBoundEntities if api.is_async else BoundEntities)


# -- single items: DevFlow sessions (plain keys, TTL, epoch timestamps) -------------


def test_save_and_get_round_trip(api: Any, devflow_table: Table) -> None:
    sessions = api.bind(DevSession, devflow_table)
    s = dev_session(history=[HistoryEntry(prompt="hi", response="hello")], pr_number=7)
    saved = sessions.save(s)
    assert saved.created_at is not None and saved.updated_at is not None  # kept by the table
    got = sessions.get(session_id=s.session_id)
    assert got == saved
    assert got.history == s.history and got.status is SessionStatus.STARTING
    # Stored as the seed defines it: Numbers for the times, the enum's value, a list of maps.
    raw = devflow_table.get({"session_id": s.session_id})
    assert raw is not None
    assert raw["status"] == "starting"
    assert type(raw["ttl"]) is int and raw["ttl"] == int(s.ttl.timestamp())
    assert type(raw["created_at"]) is int
    assert raw["repository_url"] == "https://github.com/acme/app"
    assert raw["history"][0]["prompt"] == "hi" and isinstance(raw["history"][0]["at"], str)
    assert "error_message" not in raw  # None is absent, not NULL


def test_get_missing_raises_the_models_own_error(api: Any, devflow_table: Table) -> None:
    sessions = api.bind(DevSession, devflow_table)
    with pytest.raises(DevSession.DoesNotExist) as e:
        sessions.get(session_id="nope")
    assert isinstance(e.value, ItemNotFound) and "nope" in str(e.value)
    assert not issubclass(DevSession.DoesNotExist, User.DoesNotExist)
    assert sessions.get_or_none(session_id="nope") is None


def test_save_if_not_exists(api: Any, devflow_table: Table) -> None:
    sessions = api.bind(DevSession, devflow_table)
    s = sessions.save(dev_session(), if_not_exists=True)
    with pytest.raises(DevSession.AlreadyExists) as e:
        sessions.save(dev_session(session_id=s.session_id, branch_name="other"), if_not_exists=True)
    assert isinstance(e.value, ConditionFailed)
    assert sessions.get(s).branch_name == "devflow/feature"  # untouched


def test_update_without_reading_returns_the_new_model(api: Any, devflow_table: Table) -> None:
    sessions = api.bind(DevSession, devflow_table)
    s = sessions.save(dev_session())
    new = sessions.update({"session_id": s.session_id}, status=SessionStatus.RUNNING,
                          editor_url="https://editor.example.com/x", ecs_task_arn="arn:task")
    assert new.status is SessionStatus.RUNNING and str(new.editor_url) == "https://editor.example.com/x"
    assert new.initial_prompt == s.initial_prompt and new.created_at == s.created_at
    assert new == sessions.get(s)
    # None removes the attribute; the enum is stored as its value
    cleared = sessions.update(s, ecs_task_arn=None)
    assert cleared.ecs_task_arn is None
    raw = devflow_table.get({"session_id": s.session_id})
    assert raw is not None and "ecs_task_arn" not in raw and raw["status"] == "running"


def test_update_validates_before_writing(api: Any, devflow_table: Table) -> None:
    sessions = api.bind(DevSession, devflow_table)
    s = sessions.save(dev_session())
    with pytest.raises(ValidationError, match="status"):
        sessions.update(s, status="paused")
    with pytest.raises(ValidationError, match="pr_number"):
        sessions.update({"session_id": s.session_id}, pr_number=0)
    with pytest.raises(ValidationError, match="no field"):
        sessions.update(s, colour="red")
    with pytest.raises(ValidationError, match="key"):
        sessions.update(s, session_id="other")
    # a model validator runs when the caller holds the model
    with pytest.raises(ValidationError, match="error_message"):
        sessions.update(s, status="error")
    assert sessions.get(s) == s


def test_update_of_a_missing_item_raises_and_creates_nothing(api: Any, devflow_table: Table) -> None:
    sessions = api.bind(DevSession, devflow_table)
    with pytest.raises(DevSession.DoesNotExist):
        sessions.update({"session_id": "ghost"}, status="running")
    assert devflow_table.get({"session_id": "ghost"}) is None


def test_update_actions_on_fields_store_values_as_the_model_does(api: Any, devflow_table: Table) -> None:
    sessions = api.bind(DevSession, devflow_table)
    s = sessions.save(dev_session())
    entry = HistoryEntry(prompt="next", response="done", at=datetime(2030, 1, 2, tzinfo=timezone.utc))
    history = sessions.attr("history")
    new = sessions.update(s, actions=[history.append([entry])])
    assert new.history == [entry]
    raw = devflow_table.get({"session_id": s.session_id})
    assert raw is not None and raw["history"][0]["at"] == "2030-01-02T00:00:00.000000+00:00"
    later = datetime.now(timezone.utc) + timedelta(days=2)
    kept = sessions.update(s, actions=[sessions.attr("ttl").set(later)])  # an epoch attribute
    assert kept.ttl == later.replace(microsecond=0)
    with pytest.raises(ValidationError, match="pr_number"):
        sessions.attr("pr_number").set(0)  # validated as the field


def test_conditions_and_filters_on_fields(api: Any, devflow_table: Table) -> None:
    sessions = api.bind(DevSession, devflow_table)
    a = sessions.save(dev_session())
    b = sessions.save(dev_session())
    sessions.update(b, status=SessionStatus.RUNNING)
    status = sessions.attr("status")
    running = sessions.query(index=BY_USER, user_id="u1", filter=status.eq(SessionStatus.RUNNING)).all()
    assert [s.session_id for s in running] == [b.session_id]
    # a state transition: only from the state the caller expects
    with pytest.raises(ConditionFailed):
        sessions.update(a, status=SessionStatus.STOPPED, condition=status.eq(SessionStatus.RUNNING))
    assert sessions.update(b, status="stopped", condition=status.eq("running")).status is SessionStatus.STOPPED
    soon = datetime.now(timezone.utc) + timedelta(hours=23)  # ttl is stored as Unix seconds
    assert sessions.count(index=BY_USER, user_id="u1", filter=sessions.attr("ttl").gt(soon)) == 2
    assert sessions.count(index=BY_USER, user_id="u1", filter=sessions.attr("ttl").lt(soon)) == 0


def test_delete(api: Any, devflow_table: Table) -> None:
    sessions = api.bind(DevSession, devflow_table)
    s = sessions.save(dev_session())
    sessions.delete(s)
    assert sessions.get_or_none(s) is None
    sessions.delete({"session_id": s.session_id})  # absent: no error
    with pytest.raises(DevSession.DoesNotExist):
        sessions.delete(s, must_exist=True)


def test_expired_sessions_are_hidden(api: Any, devflow_table: Table) -> None:
    sessions = api.bind(DevSession, devflow_table)
    past = datetime.now(timezone.utc) - timedelta(minutes=5)
    gone = sessions.save(dev_session(ttl=past))
    live = sessions.save(dev_session())
    assert sessions.get_or_none(gone) is None
    assert [m.session_id for m in sessions.query(index=BY_USER, user_id="u1").all()] == [live.session_id]


def test_query_an_index_newest_first(api: Any, devflow_table: Table) -> None:
    sessions = api.bind(DevSession, devflow_table)
    t0 = int(datetime.now(timezone.utc).timestamp())
    for i in range(3):  # created_at is set by the table; give each its own second through the raw API
        s = dev_session(session_id=f"s{i}")
        devflow_table.put({**sessions.dump(s), "created_at": t0 - 10 + i})
    sessions.save(dev_session(user_id="u2"))
    newest = sessions.query(index=BY_USER, user_id="u1", reverse=True).all()
    assert [s.session_id for s in newest] == ["s2", "s1", "s0"]
    assert all(isinstance(s, DevSession) for s in newest)
    assert sessions.count(index=BY_USER, user_id="u1") == 3
    assert sessions.query(Key("user_id").eq("u2"), index=BY_USER).first() is not None


def test_batches(api: Any, devflow_table: Table) -> None:
    sessions = api.bind(DevSession, devflow_table)
    many = [dev_session(session_id=f"b{i:02d}") for i in range(30)]
    assert sessions.batch_save(many) == 30
    got = sessions.batch_get([{"session_id": "b29"}, {"session_id": "missing"}, many[0]])
    assert [s.session_id for s in got] == ["b29", "b00"]
    assert got[0].created_at is not None
    assert sessions.batch_delete(many[:25]) == 25
    assert sorted(s.session_id for s in sessions.scan().all()) == [f"b{i:02d}" for i in range(25, 30)]


# -- the blog: single-table design ------------------------------------------------


def test_versions_protect_against_lost_updates(api: Any, blog_table: Table) -> None:
    users = api.bind(User, blog_table)
    ada = users.save(User(user_id="ada", name="Ada"))
    assert ada.version == 1
    with pytest.raises(VersionConflict):
        users.save(User(user_id="ada", name="Someone else"))  # a new model (no version) must be new
    v2 = users.update(ada, name="Ada L.")
    assert v2.version == 2 and v2.name == "Ada L."
    with pytest.raises(VersionConflict):
        users.update(ada, name="stale")  # ada still holds version 1
    with pytest.raises(VersionConflict):
        users.save(ada.model_copy(update={"name": "stale"}))
    with pytest.raises(VersionConflict):
        users.delete(ada)
    v3 = users.save(v2.model_copy(update={"email": "ada@example.com"}))
    assert v3.version == 3 and v3.created_at == ada.created_at and v3.updated_at is not None
    with pytest.raises(ValidationError, match="expected_version"):
        users.update({"user_id": "ada"}, name="no version given")
    assert users.update({"user_id": "ada"}, name="forced", expected_version=ANY_VERSION).version == 4
    users.delete(users.get(user_id="ada"))
    assert users.get_or_none(user_id="ada") is None


def test_items_carry_their_keys_and_type(api: Any, blog_table: Table) -> None:
    sessions = api.bind(Session, blog_table)
    s = sessions.save(Session(user_id="ada", session_id="s" * 20))
    raw = blog_table.get({"PK": "USER#ada", "SK": "SESSION#" + "s" * 20})
    assert raw is not None
    assert raw["type"] == "Session" and raw["GSI1PK"] == "SESSION#" + "s" * 20 and raw["GSI1SK"] == "SESSION"
    assert type(raw["expires_at"]) is int  # the TTL attribute: Unix seconds
    assert s.expires_at == datetime.fromtimestamp(raw["expires_at"], timezone.utc)
    assert sessions.key(s) == {"PK": "USER#ada", "SK": "SESSION#" + "s" * 20}


def _fill_blog(api: Any, table: Table) -> dict[str, Any]:
    users, sessions, acts = (api.bind(m, table) for m in (User, Session, Activity))
    posts, likes, comments = (api.bind(m, table) for m in (Post, Likes, Comment))
    out: dict[str, Any] = {}
    out["user"] = users.save(User(user_id="ada", name="Ada"))
    users.save(User(user_id="bob", name="Bob"))
    out["session"] = sessions.save(Session(user_id="ada"))
    t = datetime(2030, 5, 1, 12, 0, tzinfo=timezone.utc)
    out["acts"] = [
        acts.save(Activity(user_id="ada", activity_id=f"{(t + timedelta(seconds=i)).isoformat()}#0000000{i}",
                           activity_type=kind, post_id=post), if_not_exists=True)
        for i, (kind, post) in enumerate([(ActivityType.VIEW, "p1"), (ActivityType.LIKE, "p1"),
                                          (ActivityType.VIEW, None), (ActivityType.COMMENT, "p2")])
    ]
    acts.save(Activity(user_id="bob", activity_type=ActivityType.VIEW, post_id="p1"))
    out["post"] = posts.save(Post(post_id="p1", author_id="ada", title="Hello", tags={"intro"},
                                  published_at=t))
    posts.save(Post(post_id="p2", author_id="ada", title="Second", published_at=t + timedelta(days=1)))
    out["likes"] = likes.update({"post_id": "p1"}, actions=[Attr("like_count").add(1), Attr("liked_by").add({"bob"})],
                                must_exist=False, expected_version=ANY_VERSION)
    out["comment"] = comments.save(Comment(post_id="p1", author_id="bob", body="Nice"))
    return out


def test_one_query_returns_a_user_with_sessions_and_activities(api: Any, blog_table: Table) -> None:
    data = _fill_blog(api, blog_table)
    blog = api.bind(BLOG_ENTITIES, blog_table)
    got = blog.query(User, user_id="ada").all()
    assert [type(m).__name__ for m in got] == ["Activity"] * 4 + ["User", "Session"]  # SK order
    assert got[4] == data["user"] and got[5] == data["session"] and got[:4] == data["acts"]
    post_partition = blog.query(Key("PK").eq("POST#p1")).all()
    assert {type(m) for m in post_partition} == {Post, Likes, Comment}
    assert next(m for m in post_partition if isinstance(m, Likes)).liked_by == {"bob"}


def test_a_model_query_reads_only_its_own_items(api: Any, blog_table: Table) -> None:
    data = _fill_blog(api, blog_table)
    acts = api.bind(Activity, blog_table)
    latest = acts.query(user_id="ada", reverse=True, limit=2).all()
    assert latest == data["acts"][::-1][:2]
    assert api.bind(Session, blog_table).query(user_id="ada").all() == [data["session"]]
    assert api.bind(User, blog_table).query(user_id="ada").all() == [data["user"]]
    assert sorted(u.user_id for u in api.bind(User, blog_table).scan().all()) == ["ada", "bob"]
    assert api.bind(Comment, blog_table).count() == 1


def test_overloaded_indexes(api: Any, blog_table: Table) -> None:
    data = _fill_blog(api, blog_table)
    acts, posts, sessions = (api.bind(m, blog_table) for m in (Activity, Post, Session))
    views = acts.query(index="GSI1", activity_type=ActivityType.VIEW).all()
    assert len(views) == 3 and all(a.activity_type is ActivityType.VIEW for a in views)
    on_p1 = acts.query(index="GSI2", post_id="p1").all()
    assert sorted(a.user_id for a in on_p1) == ["ada", "ada", "bob"]  # GSI2 is sparse: no post, not there
    by_ada = posts.query(index="GSI1", author_id="ada", reverse=True).all()
    assert [p.post_id for p in by_ada] == ["p2", "p1"] and by_ada[1] == data["post"]
    assert sessions.query(index="GSI1", session_id=data["session"].session_id).all() == [data["session"]]


def test_updating_a_field_moves_the_index_keys_made_from_it(api: Any, blog_table: Table) -> None:
    data = _fill_blog(api, blog_table)
    posts = api.bind(Post, blog_table)
    later = datetime(2031, 1, 1, tzinfo=timezone.utc)
    moved = posts.update(data["post"], published_at=later)
    assert moved.published_at == later
    raw = blog_table.get({"PK": "POST#p1", "SK": "POST"})
    assert raw is not None and raw["GSI1SK"] == "POST#2031-01-01T00:00:00.000000+00:00"
    assert [p.post_id for p in posts.query(index="GSI1", author_id="ada", reverse=True).all()] == ["p1", "p2"]
    # GSI1SK is made from published_at alone: the key fields are enough, no read needed
    posts.update({"post_id": "p2"}, published_at=later + timedelta(days=1), expected_version=ANY_VERSION)
    assert [p.post_id for p in posts.query(index="GSI1", author_id="ada", reverse=True).all()] == ["p2", "p1"]


def test_likes_are_atomic_and_counted_once(api: Any, blog_table: Table) -> None:
    likes = api.bind(Likes, blog_table)

    def like(user: str) -> Likes:
        return likes.update({"post_id": "p9"}, actions=[Attr("like_count").add(1), Attr("liked_by").add({user})],
                            condition=~Attr("liked_by").contains(user), must_exist=False,
                            expected_version=ANY_VERSION)

    assert like("ada").like_count == 1
    assert like("bob").liked_by == {"ada", "bob"}
    with pytest.raises(ConditionFailed):
        like("ada")
    unliked = likes.update({"post_id": "p9"}, actions=[Attr("like_count").add(-1), Attr("liked_by").delete({"ada"})],
                           condition=Attr("liked_by").contains("ada"), expected_version=ANY_VERSION)
    assert unliked.like_count == 1 and unliked.liked_by == {"bob"}


def test_pages_resume_where_they_stopped(api: Any, blog_table: Table) -> None:
    acts = api.bind(Activity, blog_table)
    saved = [acts.save(Activity(user_id="ada", activity_type=ActivityType.VIEW)) for _ in range(5)]
    first = acts.query(user_id="ada", limit=2)
    got = first.all()
    rest = acts.query(user_id="ada", start_key=first.last_key).all()
    assert got + rest == sorted(saved, key=lambda a: a.activity_id)
    pages = acts.query(user_id="ada", page_size=2).pages()
    assert [len(p.items) for p in pages if p.items] == [2, 2, 1]


def test_transaction_writes_a_comment_and_its_activity_together(api: Any, blog_table: Table) -> None:
    comments, acts, posts = (api.bind(m, blog_table) for m in (Comment, Activity, Post))
    post = posts.save(Post(post_id="p1", author_id="ada", title="Hello"))
    c = Comment(post_id="p1", author_id="bob", body="First!")
    with api.transaction() as tx:
        written = comments.in_transaction(tx).save(c, if_not_exists=True)
        acts.in_transaction(tx).save(Activity(user_id="bob", activity_type=ActivityType.COMMENT, post_id="p1"))
        posts.in_transaction(tx).check(post, Attr("title").exists())
    assert written.version == 1
    assert comments.get(c) == written
    assert acts.count(user_id="bob") == 1
    # the same comment again: the whole transaction is cancelled, its activity is not written
    with pytest.raises(TransactionCanceled):
        with api.transaction() as tx:
            comments.in_transaction(tx).save(c, if_not_exists=True)
            acts.in_transaction(tx).save(Activity(user_id="bob", activity_type=ActivityType.COMMENT, post_id="p1"))
    assert acts.count(user_id="bob") == 1
    with api.transaction() as tx:
        posts.in_transaction(tx).update(post, title="Hello again")
        comments.in_transaction(tx).delete(written)
    assert posts.get(post).title == "Hello again" and comments.get_or_none(c) is None


def test_models_read_together_in_a_transaction(api: Any, blog_table: Table) -> None:
    data = _fill_blog(api, blog_table)
    users, posts, likes = (api.bind(m, blog_table) for m in (User, Post, Likes))
    got = api.transact_get([(users, {"user_id": "ada"}), (posts, data["post"]), (likes, {"post_id": "p1"}),
                            (users, {"user_id": "nobody"})])
    assert got == [data["user"], data["post"], data["likes"], None]


def test_a_stored_item_that_does_not_fit_the_model_is_a_clear_error(api: Any, blog_table: Table) -> None:
    blog_table.put({"PK": "USER#x", "SK": "PROFILE", "type": "User", "user_id": "x"})  # no name
    users = api.bind(User, blog_table)
    with pytest.raises(ValidationError, match=r"not a valid User: name"):
        users.get(user_id="x")
