"""Every failure of the console as an HTML page (for htmx, a message swapped into the page's
``#flash``), never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import Response

from ...api.errors import status_of
from ...errors import DynastoreError, TableNotFound
from ..failures import page_handlers
from .templating import is_htmx, render

log = logging.getLogger(__name__)

TITLES = {400: "Bad request", 403: "Not allowed", 404: "Not found", 405: "Not allowed here", 409: "Conflict",
          422: "Please check what you entered", 429: "Too busy", 500: "Something went wrong",
          503: "The store is unavailable"}
HIDDEN_500 = "The console could not answer this request; the error is in the server's log."
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
        message = "The store cannot be reached right now; try again in a moment." if status == 503 else HIDDEN_500
    else:
        message = exc.message
    response = error_page(request, status, message)
    if status in (429, 503):
        response.headers["Retry-After"] = "1"
    return response


def install(app: FastAPI) -> None:
    handlers = {**page_handlers(error_page, HIDDEN_500, PLAIN_500), DynastoreError: _dynastore_error}
    for kind, handler in handlers.items():
        app.add_exception_handler(kind, handler)
