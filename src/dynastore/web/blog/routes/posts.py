"""Posts: the home page (newest and most liked), a post's page, writing, editing and deleting."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from ....apps.blog import NotAuthor, Post, most_liked
from ....errors import ValidationError
from ..templating import path_part
from ..visit import Reader, Visit, Writer
from .post_view import post_page

router = APIRouter()
Text = Annotated[str, Form()]

#: Posts on the home page, how many the popular list shows, and of how many of the newest.
PAGE_SIZE = 20
POPULAR = 5
POPULAR_AMONG = 100


def post_url(post_id: str) -> str:
    return f"/posts/{path_part(post_id)}"


@router.get("/")
def home(v: Reader, older: str | None = None) -> Response:
    """The newest posts (``older``: the page link's cursor, to read on) and the most liked of the newest 100."""
    page = v.blog.posts(PAGE_SIZE, v.trace, older=older)
    recent = v.blog.posts(POPULAR_AMONG, v.trace) if older or page.next else page
    # one batch of like counters serves both lists
    counts = v.blog.like_counts(list(dict.fromkeys(p.post_id for p in [*page, *recent])), v.trace)
    return v.page("home.html", posts=page, counts=counts, popular=most_liked(recent, counts, POPULAR),
                  sharding=v.blog.like_sharding())


@router.get("/posts/new")
def new_post(v: Reader) -> Response:
    v.require_user()
    return v.page("post_form.html", post=None, title="", body="", error=None)


@router.post("/posts")
def create_post(v: Writer, title: Text = "", body: Text = "") -> Response:
    try:
        post = v.blog.create_post(v.require_user(), title, body)
    except ValidationError as e:
        return _form(v, None, title, body, e.message)
    return v.redirect(post_url(post.post_id))


@router.get("/posts/{post_id}")
def show_post(post_id: str, v: Reader) -> Response:
    return post_page(v, post_id)


@router.get("/posts/{post_id}/edit")
def edit_form(post_id: str, v: Reader) -> Response:
    post = _own_post(v, post_id)
    return v.page("post_form.html", post=post, title=post.title, body=post.body, error=None)


@router.post("/posts/{post_id}/edit")
def edit_post(post_id: str, v: Writer, title: Text = "", body: Text = "") -> Response:
    post = _own_post(v, post_id)  # a stranger gets 403, not a form about someone else's post
    try:
        v.blog.edit_post(post_id, v.require_user(), title=title, body=body)
    except ValidationError as e:
        return _form(v, post, title, body, e.message)
    return v.redirect(post_url(post_id))


@router.post("/posts/{post_id}/delete")
def delete_post(post_id: str, v: Writer) -> Response:
    v.blog.delete_post(post_id, v.require_user())
    return v.redirect("/")


def _own_post(v: Visit, post_id: str) -> Post:
    user = v.require_user()
    post = v.blog.post(post_id, v.trace)
    if post.author != user:
        raise NotAuthor("only the author may edit this post")
    return post


def _form(v: Visit, post: Post | None, title: str, body: str, error: str) -> Response:
    """The post form again, with what was typed and why it was refused (422): in place for htmx."""
    if v.htmx:
        return v.page("_post_form.html", 422, fragment=True, post=post, title=title, body=body, error=error)
    return v.page("post_form.html", 422, post=post, title=title, body=body, error=error)
