"""Seed 004: the blog tutorial's data (posts and accounts in SQLite; activities, likes, comments and
login sessions in dynastore tables), as `BlogStore`. ``models`` holds the same data as a single-table
design, a worked example for docs/single-table.md."""

from .demo import DEMO_PASSWORD, DEMO_USERS
from .errors import (
    CommentNotFound,
    InvalidCredentials,
    NotAuthor,
    PostNotFound,
    UsernameTaken,
)
from .models import ActivityType
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
from .store import BlogStore, blog_specs, most_liked
from .trace import Access, Trace

__all__ = [
    "DEMO_PASSWORD", "DEMO_USERS", "Access", "Activity", "ActivityType", "BlogStore", "Comment", "CommentNode",
    "CommentNotFound", "InvalidCredentials", "LikeState", "LoginSession", "NotAuthor", "Page", "Post", "PostNotFound",
    "Trace", "User", "UsernameTaken", "blog_specs", "most_liked",
]
