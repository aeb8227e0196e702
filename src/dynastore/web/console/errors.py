"""Every failure of the console as an HTML page (for htmx, a message swapped into the page's
``#flash``), never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException

from ...api.errors import status_of
from ...errors import DynastoreError, TableNotFound
from ..failures import http_error_message, invalid_request_message
from .templating import is_htmx, render

log = logging.getLogger(__name__)

TITLES = {400: "Bad request", 403: "Not allowed", 404: "Not found", 405: "Not allowed here", 409: "Conflict",
          422: "Please check what you entered", 429: "Too busy", 500: "Something went wrong",
          503: "The store is unavailable"}
PLAIN_500 = ("<!doctype html><html lang=en><meta charset=utf-8><title>Something went wrong</title>"
             "<h1>Something went wrong</h1><p>The console could not answer this request; the error is in the "
             "server's log.</p></html>")


def error_page(request: Request, status: int, message: str) -> Response:
    title = TITLES.get(status, "Error")
    if is_htmx(request):
        response = render(request, "_flash.html", status, kind="error", title=title, message=message)
        response.headers.update({"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"})
        return response
    return render(request, "error.html", status, code=status, title=title, message=message)


def _dynastore_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DynastoreError)
    # For the API a missing table is the deployment's fault (503); here it is a page that is not there.
    status = 404 if isinstance(exc, TableNotFound) else status_of(exc)[0]
    if status >= 500:
        log.warning("%s %s failed: %s", request.method, request.url.path, exc, exc_info=status == 500)
        message = ("The store cannot be reached right now; try again in a moment." if status == 503
                   else "The console could not answer this request; the error is in the server's log.")
    else:
        message = exc.message
    response = error_page(request, status, message)
    if status in (429, 503):
        response.headers["Retry-After"] = "1"
    return response


def _request_invalid(request: Request, exc: Exception) -> Response:
    return error_page(request, 422, invalid_request_message(exc))


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    response = error_page(request, exc.status_code, http_error_message(exc))
    response.headers.update(exc.headers or {})
    return response


def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("%s %s failed", request.method, request.url.path)
    try:
        return error_page(request, 500, "The console could not answer this request; the error is in the "
                                        "server's log.")
    except Exception:  # the error page itself failing: still no traceback
        log.exception("the error page for %s failed", request.url.path)
        return HTMLResponse(PLAIN_500, status_code=500)


def install(app: FastAPI) -> None:
    handlers = {DynastoreError: _dynastore_error, RequestValidationError: _request_invalid,
                HTTPException: _http_error, Exception: _unexpected}
    for kind, handler in handlers.items():
        app.add_exception_handler(kind, handler)
