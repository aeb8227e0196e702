"""Comments: adding (with replies), editing and deleting; htmx swaps ``#comments``, a browser without
JavaScript is sent back to the post."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from ....apps.blog import Post
from ....errors import ValidationError
from ..templating import path_part
from ..visit import Visit, Writer
from .post_view import comments_context, post_page

router = APIRouter()
Text = Annotated[str, Form()]


@router.post("/posts/{post_id}/comments")
def add_comment(post_id: str, v: Writer, body: Text = "", parent_id: Text = "") -> Response:
    post = v.blog.post(post_id)
    try:
        v.blog.add_comment(post_id, v.require_user(), body, parent_id or None)
    except ValidationError as e:
        return _refused(v, post, e.message, "" if parent_id else body)
    return _updated(v, post)


@router.post("/posts/{post_id}/comments/{comment_id}/edit")
def edit_comment(post_id: str, comment_id: str, v: Writer, body: Text = "") -> Response:
    post = v.blog.post(post_id)
    try:
        v.blog.edit_comment(post_id, comment_id, v.require_user(), body)
    except ValidationError as e:
        return _refused(v, post, e.message)
    return _updated(v, post)


@router.post("/posts/{post_id}/comments/{comment_id}/delete")
def delete_comment(post_id: str, comment_id: str, v: Writer) -> Response:
    post = v.blog.post(post_id)
    v.blog.delete_comment(post_id, comment_id, v.require_user())
    return _updated(v, post)


def _updated(v: Visit, post: Post) -> Response:
    if v.htmx:
        return v.page("_comments.html", fragment=True, **comments_context(v, post))
    return v.redirect(f"/posts/{path_part(post.post_id)}#comments")


def _refused(v: Visit, post: Post, error: str, draft: str = "") -> Response:
    """422 with the message above the thread: the fragment for htmx, the whole post page otherwise."""
    if v.htmx:
        return v.page("_comments.html", 422, fragment=True, **comments_context(v, post, comment_error=error,
                                                                                draft=draft))
    return post_page(v, post.post_id, 422, comment_error=error, draft=draft)
