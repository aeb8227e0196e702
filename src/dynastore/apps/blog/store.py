"""BlogStore: seed 004's data, split as the seed teaches.

Posts and accounts are plain relational rows in SQLite (`Posts`, `Accounts`);
what has a clear access shape lives in four dynastore tables
(``specs/blog.yaml``): the activity log (`Activities`), sharded like counters
(`Likes`), comments (`Comments`) and login sessions with TTL (`Accounts`).
Every read takes an optional `Trace`, which the web app shows as "How this is
stored".
"""

from __future__ import annotations

import dataclasses
import os
from importlib import resources

from argon2 import PasswordHasher

from ...spec import TableSpec, load_specs
from ...store import Store
from .accounts import Accounts
from .activities import Activities
from .activities import activity_type as to_activity_type
from .comments import Comments
from .database import Database
from .demo import load_demo
from .likes import Likes
from .models import ActivityType
from .posts import Posts
from .records import (
    Activity,
    Comment,
    CommentNode,
    LikeState,
    LoginSession,
    Page,
    Post,
    User,
)
from .trace import Trace

#: The seed's tables, and the environment variables that rename them.
TABLES = {"activities": "BLOG_ACTIVITIES_TABLE", "likes": "BLOG_LIKES_TABLE", "comments": "BLOG_COMMENTS_TABLE",
          "sessions": "BLOG_SESSIONS_TABLE"}
#: Default names: the seed's, with "blog_" before them, since the store is shared with other applications.
DEFAULT_PREFIX = "blog_"


def blog_specs(table_prefix: str = "") -> dict[str, TableSpec]:
    """The four tables of ``specs/blog.yaml`` by their seed names, named as this deployment names them:
    ``$BLOG_<NAME>_TABLE``, else ``blog_<name>``, with *table_prefix* before either."""
    specs = load_specs(str(resources.files("dynastore") / "specs" / "blog.yaml"))
    return {s.name: dataclasses.replace(s, name=table_prefix + (os.environ.get(TABLES[s.name])
                                                                 or DEFAULT_PREFIX + s.name)) for s in specs}


class BlogStore:
    """The blog's data on *store* (any engine) plus an SQLite database for posts and accounts.

    ``posts_db``: a file path, or ``":memory:"``. ``like_shards``/``feed_shards``: how many shards a post's
    like counter and everyone's activity feed are spread over. ``hasher``: the argon2 parameters.
    """

    def __init__(self, store: Store, *, posts_db: str = ":memory:", table_prefix: str = "", like_shards: int = 4,
                 feed_shards: int = 4, hasher: PasswordHasher | None = None):
        self.store = store
        self.like_shards, self.feed_shards = like_shards, feed_shards
        self.specs = blog_specs(table_prefix)
        self.db = Database(posts_db)
        tables = {seed: store.table(spec) for seed, spec in self.specs.items()}
        self._activities = Activities(tables["activities"], feed_shards)
        self._likes = Likes(store, tables["likes"], self._activities, like_shards)
        self._comments = Comments(store, tables["comments"], self._activities)
        self._accounts = Accounts(self.db, tables["sessions"], hasher)
        self._posts = Posts(self.db)

    def create_tables(self) -> None:
        """Create the four tables (idempotent; the SQLite schema exists from the start)."""
        for spec in self.specs.values():
            self.store.create_table(spec)

    def load_demo(self) -> bool:
        """Demo users (password `DEMO_PASSWORD`), posts, comments and likes, unless loaded before (then False)."""
        return load_demo(self)

    def close(self) -> None:
        self.db.close()

    # accounts and sessions
    def register(self, username: str, password: str, display_name: str | None = None) -> User:
        return self._accounts.register(username, password, display_name)

    def sign_up(self, username: str, password: str, display_name: str | None = None, *,
                user_agent: str | None = None) -> LoginSession:
        """`register`, and the new user logged in (`login` without checking the password just set)."""
        return self._accounts.sign_up(username, password, display_name, user_agent)

    def user(self, username: str, trace: Trace | None = None) -> User | None:
        return self._accounts.user(username, trace)

    def login(self, username: str, password: str, *, user_agent: str | None = None) -> LoginSession:
        return self._accounts.login(username, password, user_agent=user_agent)

    def session(self, session_id: str | None, trace: Trace | None = None) -> LoginSession | None:
        return self._accounts.session(session_id, trace)

    def logout(self, session_id: str | None) -> None:
        self._accounts.logout(session_id)

    # posts
    def create_post(self, author: str, title: str, body: str, *, post_id: str | None = None) -> Post:
        """A new post (``post_id``: default a new random one) and its activity."""
        post = self._posts.create(author, title, body, post_id)
        self._activities.record(author, ActivityType.POST, post.post_id, post.title)
        return post

    def post(self, post_id: str, trace: Trace | None = None) -> Post:
        return self._posts.get(post_id, trace)

    def posts(self, limit: int = 20, trace: Trace | None = None, *, older: str | None = None) -> Page[Post]:
        """Newest first; ``older``: the ``next`` cursor of the page before, to read on."""
        return self._posts.latest(limit, trace, older=older)

    def posts_by(self, author: str, limit: int = 20, trace: Trace | None = None, *, older: str | None = None
                 ) -> Page[Post]:
        return self._posts.latest(limit, trace, author=author, older=older)

    def edit_post(self, post_id: str, editor: str, *, title: str, body: str) -> Post:
        return self._posts.edit(post_id, editor, title, body)

    def delete_post(self, post_id: str, editor: str) -> None:
        """Delete the post (author only), then its likes and comments; its activities stay, as history."""
        self._posts.delete(post_id, editor)
        self._likes.forget(post_id)
        self._comments.forget(post_id)

    # likes
    def like(self, post_id: str, user: str) -> LikeState:
        post = self.post(post_id)
        self._likes.like(post_id, user, post.title)
        return self._likes.state(post_id, user)

    def unlike(self, post_id: str, user: str) -> LikeState:
        self.post(post_id)
        self._likes.unlike(post_id, user)
        return self._likes.state(post_id, user)

    def likes(self, post_id: str, user: str | None = None, trace: Trace | None = None) -> LikeState:
        return self._likes.state(post_id, user, trace)

    def like_counts(self, post_ids: list[str], trace: Trace | None = None) -> dict[str, int]:
        return self._likes.counts(post_ids, trace)

    def popular(self, limit: int = 5, trace: Trace | None = None, *, among: int = 100) -> list[tuple[Post, int]]:
        """The most liked of the *among* newest posts (their sharded counters, summed)."""
        posts = self._posts.latest(among, trace)
        return most_liked(posts, self._likes.counts([p.post_id for p in posts], trace), limit)

    def like_sharding(self) -> str:
        """How the like counters are sharded, in words (the page explains it)."""
        return self._likes.explanation()

    # comments
    def add_comment(self, post_id: str, author: str, body: str, parent_id: str | None = None) -> Comment:
        post = self.post(post_id)
        return self._comments.add(post_id, author, body, parent_id, post.title)

    def comments(self, post_id: str, trace: Trace | None = None) -> list[CommentNode]:
        return self._comments.thread(post_id, trace)

    def edit_comment(self, post_id: str, comment_id: str, editor: str, body: str) -> Comment:
        return self._comments.edit(post_id, comment_id, editor, body)

    def delete_comment(self, post_id: str, comment_id: str, editor: str) -> None:
        self._comments.delete(post_id, comment_id, editor)

    # activities
    def record_view(self, user: str, post_id: str, detail: str | None = None) -> Activity:
        return self._activities.record(user, ActivityType.VIEW, post_id, detail)

    def user_activity(self, user: str, limit: int = 20, activity_type: ActivityType | str | None = None,
                      trace: Trace | None = None, *, older: str | None = None) -> Page[Activity]:
        """A user's events, newest first (``older``: the ``next`` cursor of the page before)."""
        kind = to_activity_type(activity_type) if activity_type else None
        return self._activities.of_user(user, limit, kind, trace, older)

    def activity_of_type(self, kind: ActivityType | str, limit: int = 20, trace: Trace | None = None, *,
                         older: str | None = None) -> Page[Activity]:
        return self._activities.of_type(to_activity_type(kind), limit, trace, older)

    def post_timeline(self, post_id: str, limit: int = 50, trace: Trace | None = None, *, older: str | None = None
                      ) -> Page[Activity]:
        return self._activities.of_post(post_id, limit, trace, older)

    def recent_by_scan(self, limit: int = 20, trace: Trace | None = None) -> list[Activity]:
        return self._activities.by_scan(limit, trace)

    def recent_by_feed(self, limit: int = 20, trace: Trace | None = None) -> list[Activity]:
        return self._activities.by_feed(limit, trace)


def most_liked(posts: list[Post], counts: dict[str, int], limit: int) -> list[tuple[Post, int]]:
    """The *limit* posts with the most likes (at least one), newest first among equals."""
    ranked = sorted((p for p in posts if counts.get(p.post_id, 0) > 0),
                    key=lambda p: (-counts[p.post_id], -p.created_at.timestamp()))
    return [(p, counts[p.post_id]) for p in ranked[:limit]]
