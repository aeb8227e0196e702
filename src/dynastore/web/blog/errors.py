"""Every failure of the blog as an HTML page (or, for htmx, a message in the page's ``#flash``), never a
traceback: dynastore's errors by meaning, the blog's own (not the author 403, wrong password 401),
missing pages, malformed forms, CSRF refusals, and a login the request needs."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import Response

from ...api.errors import error_response, status_of
from ...apps.blog import InvalidCredentials, NotAuthor
from ...errors import DynastoreError
from ..failures import page_handlers
from .security import PAGE_HEADERS, CsrfRejected, LoginRequired, safe_next
from .visit import Visit, blog, visit

log = logging.getLogger(__name__)

TITLES = {400: "Bad request", 401: "Please log in", 403: "Not allowed", 404: "Not found", 405: "Not allowed here",
          409: "Already taken", 422: "Please check what you entered", 429: "Too busy",
          500: "Something went wrong", 503: "The store is unavailable"}

PLAIN_500 = ("<!doctype html><html lang=en><meta charset=utf-8><title>Something went wrong</title>"
             "<h1>Something went wrong</h1><p>The server could not answer this request; the error is in its log. "
             "<a href=/>Back to the posts</a></p></html>")


def error_page(request: Request, status: int, message: str) -> Response:
    """The error page (a ``#flash`` message for htmx) as the visitor sees it, logged in or not."""
    accept = request.headers.get("accept", "")
    if "json" in accept and "html" not in accept:  # an API client on a path that is not the API's
        return error_response(status, "HTTPException", "http", message)
    v = _visit(request)
    title = TITLES.get(status, "Error")
    if v.htmx:
        response = v.page("_flash.html", status, fragment=True, kind="error", title=title, message=message)
        response.headers.update({"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"})
        return response
    return v.page("error.html", status, code=status, title=title, message=message)


def _visit(request: Request) -> Visit:
    """The request's visit, or (when no route ran, as for a 404) one made here."""
    found = getattr(request.state, "visit", None)
    if isinstance(found, Visit):
        return found
    store = blog(request)
    try:
        return visit(request, store)
    except DynastoreError:  # the store failing: the error page still shows, to an anonymous visitor
        log.warning("error page for %s without the session", request.url.path, exc_info=True)
        return Visit(request, store)


def _dynastore_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DynastoreError)
    if isinstance(exc, NotAuthor):
        status = 403
    elif isinstance(exc, InvalidCredentials):
        status = 401
    else:
        status = status_of(exc)[0]
    if status >= 500:
        log.warning("%s %s failed: %s", request.method, request.url.path, exc, exc_info=status == 500)
    response = error_page(request, status, exc.message if status < 500 else _hidden(status))
    if status in (429, 503):
        response.headers["Retry-After"] = "1"
    return response


def _hidden(status: int) -> str:
    if status == 503:
        return "The data store cannot be reached right now. Please try again in a moment."
    return "The server could not answer this request; the error is in its log."


def _login_required(request: Request, exc: Exception) -> Response:
    """Off to the login page, and back here (or to the page the form was on) afterwards."""
    if request.method == "GET":
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    else:
        here = _referring_path(request)
    target = f"/login?next={quote(safe_next(here), safe='/')}"
    v = _visit(request)
    if v.htmx:
        return v.finish(Response(status_code=401, headers={"HX-Redirect": target}))
    return v.redirect(target)


def _referring_path(request: Request) -> str:
    referer = request.headers.get("referer", "")
    origin = f"{request.url.scheme}://{request.url.netloc}"
    return referer[len(origin):] if referer.startswith(origin + "/") else "/"


def _csrf_rejected(request: Request, exc: Exception) -> Response:
    return error_page(request, 403, str(exc))


def install(app: FastAPI) -> None:
    handlers = {**page_handlers(error_page, _hidden(500), PLAIN_500, PAGE_HEADERS), DynastoreError: _dynastore_error,
                LoginRequired: _login_required, CsrfRejected: _csrf_rejected}
    for kind, handler in handlers.items():
        app.add_exception_handler(kind, handler)
