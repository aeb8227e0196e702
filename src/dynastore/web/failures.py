"""What the web apps' error pages say about requests that never reached a route."""

from __future__ import annotations

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException


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
