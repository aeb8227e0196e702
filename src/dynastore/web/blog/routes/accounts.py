"""Accounts: registering, logging in (a new session id every time) and out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import Response

from ....apps.blog import DEMO_PASSWORD, DEMO_USERS, InvalidCredentials, LoginSession, UsernameTaken
from ....errors import ValidationError
from .. import security
from ..security import safe_next
from ..visit import AnonymousWriter, Reader, Visit

router = APIRouter()
Text = Annotated[str, Form()]


@router.get("/login")
def login_form(v: Reader, next: str = "/") -> Response:
    return _form(v, "login", next=next)


@router.post("/login")
def login(v: AnonymousWriter, username: Text = "", password: Text = "", next: Text = "/") -> Response:
    try:
        session = v.blog.login(username, password, user_agent=v.request.headers.get("user-agent"))
    except InvalidCredentials as e:
        return _form(v, "login", 401, next=next, username=username, error=e.message)
    return _logged_in(v, session, next)


@router.get("/register")
def register_form(v: Reader, next: str = "/") -> Response:
    return _form(v, "register", next=next)


@router.post("/register")
def register(v: AnonymousWriter, username: Text = "", password: Text = "", next: Text = "/") -> Response:
    try:
        session = v.blog.sign_up(username, password, user_agent=v.request.headers.get("user-agent"))
    except ValidationError as e:
        return _form(v, "register", 422, next=next, username=username, error=e.message)
    except UsernameTaken as e:
        return _form(v, "register", 409, next=next, username=username, error=e.message)
    return _logged_in(v, session, next)


@router.post("/logout")
def logout(v: Reader, csrf_token: Text = "") -> Response:
    """End the session (its item is deleted: the id is dead on the server, not just forgotten here).
    Without a live session there is nothing to protect, and the cookie is simply dropped."""
    if v.session:
        security.check_csrf([v.session.csrf_token], [*security.submitted_tokens(v.request, None), csrf_token])
        v.blog.logout(v.session.session_id)
    v.drop_session = True
    return v.redirect("/")


def _logged_in(v: Visit, session: LoginSession, next: str) -> Response:
    """Replace whatever session the browser had with the new one, and go where the visitor was going."""
    if v.session:
        v.blog.logout(v.session.session_id)
    v.set_session = session
    return v.redirect(safe_next(next))


def _form(v: Visit, form: str, status: int = 200, *, next: str, username: str = "", error: str | None = None
          ) -> Response:
    v.anonymous_token()  # before rendering: <body hx-headers> carries it too
    context: dict[str, Any] = {"form": form, "next": safe_next(next), "username": username, "error": error}
    if v.htmx and v.request.method == "POST":
        return v.page("_credentials.html", status, fragment=True, **context)
    demo = [name for name, _ in DEMO_USERS] if v.blog.user(DEMO_USERS[0][0], v.trace) else []
    return v.page("login.html", status, demo_users=demo, demo_password=DEMO_PASSWORD, **context)
