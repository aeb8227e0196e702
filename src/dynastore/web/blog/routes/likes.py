"""Liking a post: one form, idempotent (it says which way: like or unlike); htmx swaps ``#likes``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form
from fastapi.responses import Response

from ..templating import path_part
from ..visit import Writer

router = APIRouter()


@router.post("/posts/{post_id}/like")
def like(post_id: str, v: Writer, action: Annotated[Literal["like", "unlike", "toggle"], Form()] = "toggle"
         ) -> Response:
    """``action``: what the button showed, so a double submit or a second tab cannot undo it; ``toggle``
    (the default) flips the current state."""
    user = v.require_user()
    if action == "toggle":
        action = "unlike" if v.blog.likes(post_id, user).liked else "like"
    state = v.blog.like(post_id, user) if action == "like" else v.blog.unlike(post_id, user)
    if v.htmx:
        return v.page("_likes.html", fragment=True, likes=state)
    return v.redirect(f"/posts/{path_part(post_id)}#likes")
