"""BlogStore (seed 004: posts and accounts in SQLite; activities, likes, comments, sessions in dynastore
tables) on every engine."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dynastore import Store
from dynastore.apps.blog import (
    DEMO_PASSWORD,
    ActivityType,
    BlogStore,
    CommentNotFound,
    InvalidCredentials,
    NotAuthor,
    PostNotFound,
    Trace,
    UsernameTaken,
)
from dynastore.errors import ValidationError
from dynastore.expressions import Attr, Key

from .._support import known_difference

MOTO_RACES = "moto applies concurrent conditional writes without isolation, so racing likes can both win or be lost"
#: argon2 at its cheapest: these tests are about the store, not the hash's cost.
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "correct horse battery"


@pytest.fixture
def blog(sync_store: Store, prefix: str, tmp_path: Path) -> Iterator[BlogStore]:
    b = BlogStore(sync_store, posts_db=str(tmp_path / "blog.db"), table_prefix=prefix, hasher=CHEAP)
    b.create_tables()
    yield b
    b.close()


@pytest.fixture
def users(blog: BlogStore) -> list[str]:
    names = ["ann", "ben", "cat"]
    for n in names:
        blog.register(n, PASSWORD)
    return names


def _table(blog: BlogStore, seed_name: str):  # type: ignore[no-untyped-def]
    return blog.store.table(blog.specs[seed_name].name)


def test_tables_follow_the_seed(blog: BlogStore) -> None:
    infos = {seed: _table(blog, seed).describe() for seed in ("activities", "likes", "comments", "sessions")}
    act = blog.specs["activities"]
    assert (act.partition_key.name, act.sort_key and act.sort_key.name) == ("user_id", "timestamp")
    assert {i.name for i in act.indexes} == {"ActivityTypeIndex", "PostActivityIndex", "RecentActivityIndex"}
    assert blog.specs["sessions"].ttl_attribute == "expires_at"
    assert all(info.status == "ACTIVE" for info in infos.values())


def test_accounts_sessions_and_logout(blog: BlogStore) -> None:
    user = blog.register("  Dora_1 ", PASSWORD, "Dora")
    assert (user.username, user.display_name) == ("dora_1", "Dora")
    with pytest.raises(UsernameTaken):
        blog.register("DORA_1", PASSWORD)
    for bad_name, bad_password in (("x", PASSWORD), ("no spaces", PASSWORD), ("a" * 33, PASSWORD),
                                   ("dora_2", "short"), ("dora_2", "x" * 129)):
        with pytest.raises(ValidationError):
            blog.register(bad_name, bad_password)
    assert blog.user("dora_2") is None

    with pytest.raises(InvalidCredentials) as wrong:
        blog.login("dora_1", "wrong password")
    with pytest.raises(InvalidCredentials) as unknown:
        blog.login("nobody", PASSWORD)
    assert str(wrong.value) == str(unknown.value)  # names cannot be probed

    first, second = blog.login("dora_1", PASSWORD, user_agent="test"), blog.login("Dora_1", PASSWORD)
    assert first.session_id != second.session_id and first.csrf_token != second.csrf_token
    assert len(first.session_id) >= 43  # 256 bits of secrets.token_urlsafe
    found = blog.session(first.session_id)
    assert found is not None and (found.user_id, found.csrf_token) == ("dora_1", first.csrf_token)
    for junk in (None, "", "x", "../../etc", first.session_id[:-1] + "!"):
        assert blog.session(junk) is None

    blog.logout(first.session_id)
    blog.logout(first.session_id)  # again: nothing to do, no error
    assert blog.session(first.session_id) is None
    assert blog.session(second.session_id) is not None


def test_an_expired_session_is_refused_before_ttl_deletes_it(blog: BlogStore) -> None:
    blog.register("eve", PASSWORD)
    s = blog.login("eve", PASSWORD)
    sessions = _table(blog, "sessions")
    sessions.update({"session_id": s.session_id}, Attr("expires_at").set(1_000_000_000))
    assert sessions.get({"session_id": s.session_id}, include_expired=True) is not None  # still stored
    assert blog.session(s.session_id) is None


def test_posts_crud_author_only(blog: BlogStore, users: list[str]) -> None:
    ann, ben, _ = users
    trace = Trace()
    first = blog.create_post(ann, "  Hello  ", "first body")
    second = blog.create_post(ben, "<script>alert(1)</script>", "x")
    assert first.title == "Hello"
    assert [p.post_id for p in blog.posts(trace=trace)] == [second.post_id, first.post_id]
    assert [p.post_id for p in blog.posts_by(ann)] == [first.post_id]
    assert blog.post(second.post_id).title == "<script>alert(1)</script>"  # stored as written; escaping is the page's
    assert trace.accesses[0].backend == "SQLite"

    with pytest.raises(NotAuthor):
        blog.edit_post(first.post_id, ben, title="mine now", body="x")
    with pytest.raises(NotAuthor):
        blog.delete_post(first.post_id, ben)
    assert blog.post(first.post_id).title == "Hello"
    edited = blog.edit_post(first.post_id, ann, title="Hello again", body="edited")
    assert (edited.title, edited.body) == ("Hello again", "edited") and edited.updated_at is not None

    for title, body in (("", "body"), ("   ", "body"), ("t" * 201, "body"), ("title", ""), ("\ud800", "body")):
        with pytest.raises(ValidationError):
            blog.create_post(ann, title, body)
        with pytest.raises(ValidationError):
            blog.edit_post(first.post_id, ann, title=title, body=body)
    assert blog.post(first.post_id).title == "Hello again"
    with pytest.raises(PostNotFound):
        blog.post("nope")
    with pytest.raises(PostNotFound):
        blog.edit_post("nope", ann, title="t", body="b")


def test_likes_are_idempotent_and_sharded(blog: BlogStore, users: list[str]) -> None:
    ann, ben, cat = users
    post = blog.create_post(ann, "Like me", "body")
    assert blog.like(post.post_id, ben).count == 1
    state = blog.like(post.post_id, ben)  # again: nothing changes
    assert (state.count, state.liked) == (1, True)
    assert blog.likes(post.post_id, ann).liked is False
    blog.like(post.post_id, cat)
    assert blog.unlike(post.post_id, ben).count == 1
    assert blog.unlike(post.post_id, ben).count == 1  # again: nothing changes
    assert blog.unlike(post.post_id, ann).count == 1  # never liked: nothing changes
    assert blog.like_counts([post.post_id, "other"]) == {post.post_id: 1, "other": 0}
    likes = [a for a in blog.user_activity(ben, activity_type="like")]
    assert len(likes) == 1 and likes[0].post_id == post.post_id  # liked once, recorded once
    with pytest.raises(PostNotFound):
        blog.like("nope", ben)
    assert _table(blog, "likes").count() <= blog.like_shards


def test_fifty_concurrent_likers_give_exactly_fifty(blog: BlogStore) -> None:
    known_difference(blog.store, "moto", MOTO_RACES)
    blog.register("author", PASSWORD)
    post = blog.create_post("author", "Popular", "everyone likes this")
    fans = [f"fan_{i:02d}" for i in range(50)]
    start = threading.Barrier(10)
    errors: list[BaseException] = []

    def like_all(mine: list[str]) -> None:
        start.wait()
        try:
            for fan in mine:
                blog.like(post.post_id, fan)
                blog.like(post.post_id, fan)  # a double click changes nothing
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=like_all, args=(fans[i::10],)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    state = blog.likes(post.post_id)
    assert state.count == 50
    shards = _table(blog, "likes").scan().all()
    assert sum(int(s["like_count"]) for s in shards) == 50
    assert set().union(*(s["liked_by"] for s in shards)) == set(fans)
    assert len(shards) > 1  # spread over shards, not one hot item
    assert len(blog.post_timeline(post.post_id, limit=100)) == 51  # the post + one like each


def test_comments_threads_and_author_only(blog: BlogStore, users: list[str]) -> None:
    ann, ben, cat = users
    post = blog.create_post(ann, "Discuss", "body")
    root = blog.add_comment(post.post_id, ben, "first!")
    reply = blog.add_comment(post.post_id, ann, "welcome", parent_id=root.comment_id)
    blog.add_comment(post.post_id, cat, "me too", parent_id=reply.comment_id)
    other = blog.add_comment(post.post_id, cat, "second root")
    trace = Trace()
    thread = blog.comments(post.post_id, trace=trace)
    assert [n.comment.comment_id for n in thread] == [root.comment_id, other.comment_id]
    assert [r.comment.comment_id for r in thread[0].replies] == [reply.comment_id]
    assert thread[0].replies[0].replies[0].comment.body == "me too"
    assert thread[0].replies[0].replies[0].depth == 2
    assert trace.accesses[-1].operation == "Query" and trace.accesses[-1].items == 4

    before = _table(blog, "activities").count()
    with pytest.raises(CommentNotFound):
        blog.add_comment(post.post_id, ben, "to nobody", parent_id="2020-01-01T00:00:00+00:00#00000000")
    with pytest.raises(PostNotFound):
        blog.add_comment("nope", ben, "hello")
    for bad in ("", "   ", "x" * 5001):
        with pytest.raises(ValidationError):
            blog.add_comment(post.post_id, ben, bad)
    assert _table(blog, "activities").count() == before  # nothing half-written
    assert len(blog.comments(post.post_id)) == 2

    with pytest.raises(NotAuthor):
        blog.edit_comment(post.post_id, root.comment_id, ann, "hijacked")
    with pytest.raises(NotAuthor):
        blog.delete_comment(post.post_id, root.comment_id, ann)
    assert blog.edit_comment(post.post_id, root.comment_id, ben, "first, edited").body == "first, edited"
    with pytest.raises(CommentNotFound):
        blog.edit_comment(post.post_id, "nope", ben, "x")

    blog.delete_comment(post.post_id, root.comment_id, ben)  # has replies: blanked, kept
    blog.delete_comment(post.post_id, other.comment_id, cat)  # no replies: gone
    thread = blog.comments(post.post_id)
    assert [n.comment.comment_id for n in thread] == [root.comment_id]
    assert thread[0].comment.deleted and thread[0].comment.body == ""
    assert thread[0].replies[0].comment.body == "welcome"
    with pytest.raises(CommentNotFound):
        blog.edit_comment(post.post_id, root.comment_id, ben, "back from the dead")


def test_activities_are_unique_per_event_and_feeds_agree(blog: BlogStore, users: list[str]) -> None:
    ann, ben, cat = users
    post = blog.create_post(ann, "Feeds", "body")
    for _ in range(30):  # many in one second: every one survives
        blog.record_view(ben, post.post_id)
    blog.like(post.post_id, cat)
    blog.add_comment(post.post_id, cat, "nice")
    assert len(blog.user_activity(ben, limit=100)) == 30
    mine = blog.user_activity(cat, limit=10)
    assert [a.activity_type for a in mine] == [ActivityType.COMMENT, ActivityType.LIKE]  # newest first
    assert [a.activity_type for a in blog.user_activity(cat, activity_type="like")] == [ActivityType.LIKE]
    with pytest.raises(ValidationError):
        blog.user_activity(cat, activity_type="dance")
    with pytest.raises(ValidationError):
        blog.user_activity(cat, limit=0)

    views = blog.activity_of_type("view", limit=5)
    assert len(views) == 5 and all(v.user_id == ben for v in views)
    assert [v.timestamp for v in views] == sorted((v.timestamp for v in views), reverse=True)
    timeline = blog.post_timeline(post.post_id, limit=100)
    assert len(timeline) == 33 and timeline[-1].activity_type is ActivityType.POST

    scan_trace, feed_trace = Trace(), Trace()
    by_scan = blog.recent_by_scan(10, trace=scan_trace)
    by_feed = blog.recent_by_feed(10, trace=feed_trace)
    assert [a.timestamp for a in by_scan] == [a.timestamp for a in by_feed]
    assert [a.activity_type for a in by_feed[:2]] == [ActivityType.COMMENT, ActivityType.LIKE]
    table_size = _table(blog, "activities").count()
    assert scan_trace.items_read == table_size == 33
    assert feed_trace.items_read <= 10 * blog.feed_shards
    assert {a.index for a in feed_trace.accesses} == {"RecentActivityIndex"}


def test_deleting_a_post_removes_its_likes_and_comments(blog: BlogStore, users: list[str]) -> None:
    ann, ben, _ = users
    post = blog.create_post(ann, "Short-lived", "body")
    blog.like(post.post_id, ben)
    blog.add_comment(post.post_id, ben, "bye")
    blog.delete_post(post.post_id, ann)
    with pytest.raises(PostNotFound):
        blog.post(post.post_id)
    assert _table(blog, "comments").count(Key("post_id").eq(post.post_id)) == 0
    assert blog.likes(post.post_id).count == 0
    assert _table(blog, "likes").count() == 0


def test_demo_loads_once(blog: BlogStore) -> None:
    assert blog.load_demo() is True
    posts = blog.posts()
    assert blog.load_demo() is False
    assert [p.post_id for p in blog.posts()] == [p.post_id for p in posts]
    assert blog.login("alice", DEMO_PASSWORD).user_id == "alice"
    assert blog.popular()[0][1] >= 1


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(st.tuples(st.sampled_from(["u_a", "u_b", "u_c", "u_d", "u_e"]), st.booleans()), max_size=12))
def test_likes_match_a_set_of_users_whatever_the_sequence(blog: BlogStore, ops: list[tuple[str, bool]]) -> None:
    """Any sequence of likes and unlikes (repeats included) leaves count == the users who like it now."""
    try:
        blog.register("poster", PASSWORD)
    except UsernameTaken:
        pass
    post = blog.create_post("poster", "Property", "body")
    model: set[str] = set()
    for user, like in ops:
        state = blog.like(post.post_id, user) if like else blog.unlike(post.post_id, user)
        (model.add if like else model.discard)(user)
        assert (state.count, state.liked) == (len(model), user in model)
    assert blog.like_counts([post.post_id]) == {post.post_id: len(model)}
    assert {u for u in ("u_a", "u_b", "u_c", "u_d", "u_e") if blog.likes(post.post_id, u).liked} == model


def test_listings_page_on_with_opaque_cursors(blog: BlogStore, users: list[str]) -> None:
    ann, ben, _ = users
    posts = [blog.create_post(ann, f"Post {i}", "body").post_id for i in range(12)]
    for _ in range(12):
        blog.record_view(ben, posts[0])

    def walk(read, size: int = 5) -> list[list[object]]:  # type: ignore[no-untyped-def]
        pages, older = [], None
        while True:
            page = read(size, older)
            pages.append(list(page))
            if page.next is None:
                return pages
            older = page.next

    listings = {
        "posts": (lambda n, o: blog.posts(n, older=o), lambda p: p.post_id),
        "posts_by": (lambda n, o: blog.posts_by(ann, n, older=o), lambda p: p.post_id),
        "user": (lambda n, o: blog.user_activity(ben, n, older=o), lambda a: a.timestamp),
        "user+type": (lambda n, o: blog.user_activity(ben, n, "view", older=o), lambda a: a.timestamp),
        "type": (lambda n, o: blog.activity_of_type("view", n, older=o), lambda a: a.timestamp),
        "timeline": (lambda n, o: blog.post_timeline(posts[0], n, older=o), lambda a: a.timestamp),
    }
    expected = {"posts": 12, "posts_by": 12, "user": 12, "user+type": 12, "type": 12, "timeline": 13}
    for name, (read, ident) in listings.items():
        pages = walk(read)
        seen = [ident(x) for page in pages for x in page]
        whole = [ident(x) for x in read(100, None)]
        assert seen == whole and len(seen) == expected[name], name  # in order, none twice, none missed
        assert all(len(p) == 5 for p in pages[:-1]), name

    first = blog.user_activity(ben, 5)
    assert first.next is not None
    for bad in ("", "not-a-cursor", first.next[:-3] + "xyz", "W10", "WyJhIl0"):
        with pytest.raises(ValidationError):
            blog.user_activity(ben, 5, older=bad)
        with pytest.raises(ValidationError):
            blog.posts(5, older=bad)
    with pytest.raises(ValidationError):  # another user's page link
        blog.user_activity(ann, 5, older=first.next)


def test_sign_up_registers_and_starts_a_session(blog: BlogStore) -> None:
    session = blog.sign_up("Fay", PASSWORD, "Fay F.", user_agent="test")
    assert session.user_id == "fay" and blog.user("fay") is not None
    found = blog.session(session.session_id)
    assert found is not None and found.csrf_token == session.csrf_token
    assert blog.login("fay", PASSWORD).user_id == "fay"  # the password works for later logins
    with pytest.raises(UsernameTaken):
        blog.sign_up("fay", PASSWORD)
    with pytest.raises(ValidationError):
        blog.sign_up("gus", "short")
    assert blog.user("gus") is None
