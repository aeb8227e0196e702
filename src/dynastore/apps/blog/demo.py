"""Demo content for a first start: three users, a few posts on DynamoDB design, likes, comments, views."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import UsernameTaken

if TYPE_CHECKING:
    from .store import BlogStore

#: Every demo user's password (shown on the login page of a demo).
DEMO_PASSWORD = "dynastore-demo"
DEMO_USERS = (("alice", "Alice"), ("bob", "Bob"), ("carol", "Carol"))

_POSTS = (
    ("demo-access-patterns", "alice", "Start from the access patterns",
     "Before any table exists, write down the questions the app will ask: a user's latest activities, "
     "the newest likes on the site, a post's timeline. Each question becomes a key or an index. "
     "Open the 'How this is stored' panel below any page to see which one answered it."),
    ("demo-hot-partitions", "bob", "Why a like counter is sharded",
     "One item per post is fine until a post goes viral: every like then writes the same key, and one "
     "partition takes at most 1,000 writes a second. Here each post's likes are spread over a few shard "
     "items, and the count you see is their sum."),
    ("demo-ttl", "carol", "Let TTL clean up after you",
     "Login sessions carry an expires_at attribute. DynamoDB deletes expired items in the background, "
     "within days, so the app also checks the time itself on every request."),
)
_COMMENTS = (
    ("demo-access-patterns", "bob", "So a GSI is another entrance to the same data?", None),
    ("demo-access-patterns", "alice", "Yes, with its own keys, and its own cost on every write.", 0),
    ("demo-hot-partitions", "carol", "And the sum is one BatchGetItem, not N reads?", None),
)
_LIKES = (("demo-access-patterns", ("bob", "carol")), ("demo-hot-partitions", ("alice", "bob", "carol")),
          ("demo-ttl", ("alice",)))


def load_demo(blog: BlogStore) -> bool:
    """Load the demo content unless it is there; False when it was. Registering the first demo user is
    the claim: of two processes starting at once, only the one that registers it loads the rest."""
    (first, shown), *others = DEMO_USERS
    try:
        blog.register(first, DEMO_PASSWORD, shown)
    except UsernameTaken:
        return False
    for name, shown in others:
        blog.register(name, DEMO_PASSWORD, shown)
    for post_id, author, title, body in _POSTS:
        blog.create_post(author, title, body, post_id=post_id)
    added: list[str] = []
    for post_id, author, body, parent in _COMMENTS:
        added.append(blog.add_comment(post_id, author, body, added[parent] if parent is not None else None).comment_id)
    for post_id, fans in _LIKES:
        for fan in fans:
            blog.like(post_id, fan)
    for reader in ("bob", "carol"):
        blog.record_view(reader, "demo-access-patterns", _POSTS[0][2])
    return True

