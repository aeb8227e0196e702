"""A post's page and its comments section, as the post and comment routes both show them."""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response

from ....apps.blog import CommentNode, Post
from ..visit import Visit


def count(nodes: list[CommentNode]) -> int:
    """Comments shown in a thread (deleted ones, kept for their replies, are not counted)."""
    return sum((not n.comment.deleted) + count(n.replies) for n in nodes)


def comments_context(v: Visit, post: Post, *, comment_error: str | None = None, draft: str = "") -> dict[str, Any]:
    """What ``_comments.html`` shows: the thread, read now."""
    thread = v.blog.comments(post.post_id, v.trace)
    return {"post": post, "thread": thread, "comment_count": count(thread), "comment_error": comment_error,
            "draft": draft}


def post_page(v: Visit, post_id: str, status: int = 200, *, comment_error: str | None = None, draft: str = ""
              ) -> Response:
    """A post's page; a logged-in reader's visit is recorded as a view. Also shown (422, with the message)
    when a comment sent without JavaScript is refused."""
    post = v.blog.post(post_id, v.trace)
    likes = v.blog.likes(post_id, v.user, v.trace)
    context = comments_context(v, post, comment_error=comment_error, draft=draft)
    if v.user and status == 200:
        v.blog.record_view(v.user, post_id, post.title)
    return v.page("post.html", status, likes=likes, like_shards=v.blog.like_shards, **context)
