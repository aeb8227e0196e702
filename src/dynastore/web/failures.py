"""What the web apps' error pages share: the messages for requests that never reached a route, and the
handlers that turn those and unexpected exceptions into an app's own error page."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

log = logging.getLogger(__name__)

#: ``error_page(request, status, message)``: an app's page for a failure
ErrorPage = Callable[[Request, int, str], Response]
Handler = Callable[[Request, Exception], Response]


def invalid_request_message(exc: Exception) -> str:
    """The first thing wrong with a malformed request (``field: problem``), in one line."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    if not errors:
        return str(exc)
    where = [str(part) for part in errors[0].get("loc", ())[1:]]
    return f"{'.'.join(where) or 'the request'}: {errors[0].get('msg', 'invalid')}"


def http_error_message(exc: HTTPException) -> str:
    return {404: "There is no page at this address.",
            405: "This address does not take this kind of request."}.get(exc.status_code, str(exc.detail))


def page_handlers(error_page: ErrorPage, hidden: str, plain_500: str,
                  plain_headers: dict[str, str] | None = None) -> dict[Any, Handler]:
    """Exception handlers answering with *error_page*: malformed requests (422), HTTP errors (404,
    405 ...) and anything unexpected (500, logged, saying *hidden*; *plain_500* when even the error
    page fails)."""

    def request_invalid(request: Request, exc: Exception) -> Response:
        return error_page(request, 422, invalid_request_message(exc))

    def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        response = error_page(request, exc.status_code, http_error_message(exc))
        response.headers.update(exc.headers or {})
        return response

    def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("%s %s failed", request.method, request.url.path)
        try:
            return error_page(request, 500, hidden)
        except Exception:  # the error page itself failing (the store gone): still no traceback
            log.exception("the error page for %s failed", request.url.path)
            return HTMLResponse(plain_500, status_code=500, headers=plain_headers)

    return {RequestValidationError: request_invalid, HTTPException: http_error, Exception: unexpected}
