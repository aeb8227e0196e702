"""One request to the blog as the routes see it: who is visiting, what the page read, how to answer.

`Visit` is a FastAPI dependency: it reads the session cookie and checks the
session server-side (`BlogStore.session`, which applies expiry), and starts
the page's `Trace`. Every answer goes through `Visit.page` or
`Visit.redirect`, which add the security headers and drop a stale session
cookie; a request from htmx (``HX-Request``) gets a fragment or an
``HX-Redirect`` where a browser without JavaScript gets a page or a 303.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment

from ...api.context import ApiContext, Component
from ...apps.blog import BlogStore, LoginSession, Trace
from . import security
from .security import CSRF_COOKIE, SESSION_COOKIE, LoginRequired

R = TypeVar("R", bound=Response)


def _build(ctx: ApiContext) -> BlogStore:
    blog = BlogStore(ctx.store, posts_db=ctx.settings.blog_database_path(), table_prefix=ctx.table_prefix)
    blog.create_tables()
    return blog


#: The blog's store on the application's context, built (and its tables created) once: ``setup(ctx)``
#: at start-up, or on first use.
blog_component: Component[BlogStore] = Component("blog", _build)


@dataclass
class Visit:
    request: Request
    blog: BlogStore
    session: LoginSession | None = None
    trace: Trace = field(default_factory=Trace)
    #: the answer logs the browser in with this session (a new cookie)
    set_session: LoginSession | None = None
    #: the answer drops the session cookie (expired, unknown or logged out)
    drop_session: bool = False
    #: cookies to set on the answer (name -> value), as browser-session cookies
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def user(self) -> str | None:
        return self.session.user_id if self.session else None

    @property
    def htmx(self) -> bool:
        return self.request.headers.get("HX-Request") == "true"

    @property
    def csrf_token(self) -> str | None:
        """The token this visitor's forms and htmx requests carry."""
        if self.session:
            return self.session.csrf_token
        return self.cookies.get(CSRF_COOKIE) or self.request.cookies.get(CSRF_COOKIE)

    def anonymous_token(self) -> str:
        """The double-submit token for the login and register forms (a new cookie when there is none)."""
        token = self.request.cookies.get(CSRF_COOKIE) or self.cookies.get(CSRF_COOKIE)
        if not token:
            token = self.cookies[CSRF_COOKIE] = security.new_token()
        return token

    def require_user(self) -> str:
        if self.session is None:
            raise LoginRequired()
        return self.session.user_id

    def page(self, template: str, status: int = 200, *, fragment: bool = False, **context: Any) -> HTMLResponse:
        """*template* rendered for this visit. ``fragment``: a part of a page (for htmx), no layout."""
        env: Environment = self.request.app.state.templates
        html = env.get_template(template).render(visit=self, trace=self.trace, **context)
        response = HTMLResponse(html, status_code=status, headers=security.PAGE_HEADERS)
        if fragment:
            response.headers["Vary"] = "HX-Request"
        return self.finish(response)

    def redirect(self, url: str) -> Response:
        """Go to *url*: a 303 for a browser, ``HX-Redirect`` (a full page load) for htmx."""
        response = Response(status_code=204, headers={"HX-Redirect": url}) if self.htmx else Response(
            status_code=303, headers={"Location": url})
        return self.finish(response)

    def finish(self, response: R) -> R:
        """Set or drop the session cookie and set the cookies this visit made on *response*."""
        if self.set_session:
            security.set_cookie(response, self.request, SESSION_COOKIE, self.set_session.session_id,
                                expires=self.set_session.expires_at)
        elif self.drop_session:
            security.clear_cookie(response, self.request, SESSION_COOKIE)
        for name, value in self.cookies.items():
            security.set_cookie(response, self.request, name, value)
        return response


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


def blog(request: Request) -> BlogStore:
    return blog_component(request.app.state.dynastore)


def visit(request: Request, store: Annotated[BlogStore, Depends(blog)]) -> Visit:
    """The request's `Visit` (kept on ``request.state`` so error pages know who is looking)."""
    v = Visit(request, store)
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        v.session = store.session(session_id, v.trace)
        v.drop_session = v.session is None
    request.state.visit = v
    return v


async def _submitted(request: Request) -> list[str]:
    form = await request.form() if _is_form(request) else None
    return security.submitted_tokens(request, form)


async def writer(v: Annotated[Visit, Depends(visit)]) -> Visit:
    """A logged-in visit whose request carries its session's CSRF token (else `LoginRequired`,
    `CsrfRejected`)."""
    v.require_user()
    security.check_csrf([v.csrf_token], await _submitted(v.request))
    return v


async def anonymous_writer(v: Annotated[Visit, Depends(visit)]) -> Visit:
    """A login, registration or logout: the double-submit token, or the session's when there is one."""
    expected = [v.request.cookies.get(CSRF_COOKIE), v.session.csrf_token if v.session else None]
    security.check_csrf(expected, await _submitted(v.request))
    return v


#: ``v: Reader`` in a route: the visit (anyone). ``Writer``: logged in, CSRF checked.
Reader = Annotated[Visit, Depends(visit)]
Writer = Annotated[Visit, Depends(writer)]
AnonymousWriter = Annotated[Visit, Depends(anonymous_writer)]
