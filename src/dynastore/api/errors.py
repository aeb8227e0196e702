"""One error body for every failure of the REST API, mapped from dynastore's error types.

Every error answers ``{"error": {"type", "code", "message", "details"}}``:
``type`` is the exception class (``ItemNotFound``), ``code`` the
machine-readable kind (``not_found``), ``details`` what a client needs to act
(the failing fields of a validation error, the item as it was on a conflict).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from ..errors import (
    ConditionFailed,
    CredentialsExpired,
    DynastoreError,
    IdempotencyMismatch,
    ItemNotFound,
    StoreUnavailable,
    TableExists,
    TableNotFound,
    Throttled,
    TransactionCanceled,
    ValidationError,
)
from ..jsonutil import to_jsonable

log = logging.getLogger(__name__)

#: (error class, HTTP status, code); the first class the error is an instance of wins.
STATUS: list[tuple[type[DynastoreError], int, str]] = [
    (TableNotFound, 503, "table_missing"),
    (ItemNotFound, 404, "not_found"),
    (ConditionFailed, 409, "conflict"),
    (TransactionCanceled, 409, "conflict"),
    (IdempotencyMismatch, 409, "conflict"),
    (TableExists, 409, "conflict"),
    (ValidationError, 422, "validation"),
    (Throttled, 429, "throttled"),
    (CredentialsExpired, 503, "unavailable"),
    (StoreUnavailable, 503, "unavailable"),
]


class ErrorDetail(BaseModel):
    type: str = Field(description="the error's class, e.g. ItemNotFound")
    code: str = Field(description="not_found, conflict, validation, throttled, unavailable, http or internal")
    message: str
    details: Any = None


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


#: ``responses=`` for routes: documents the error body in the OpenAPI schema.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Malformed request (a body that cannot be parsed)"), (404, "Not found"), (409, "Conflict: the item exists or changed meanwhile"),
        (422, "Invalid request"), (503, "Store unavailable"),
    )
}


def error_response(status: int, type_: str, code: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(type=type_, code=code, message=message, details=details))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def status_of(exc: DynastoreError) -> tuple[int, str]:
    for cls, status, code in STATUS:
        if isinstance(exc, cls):
            return status, code
    return 500, "internal"


def _dynastore_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DynastoreError)
    status, code = status_of(exc)
    details: dict[str, Any] = {"aws_code": exc.code}
    item = getattr(exc, "item", None)
    if item is not None:
        details["item"] = to_jsonable(item)
    if status >= 500:
        log.warning("%s %s failed: %s", request.method, request.url.path, exc, exc_info=status == 500)
    headers = {"Retry-After": "1"} if status in (429, 503) else None
    return error_response(status, type(exc).__name__, code, exc.message, details, headers)


def _request_invalid(request: Request, exc: Exception) -> JSONResponse:
    errors = exc.errors() if isinstance(exc, RequestValidationError | PydanticValidationError) else []
    fields = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in errors]
    first = fields[0] if fields else None
    message = f"{'.'.join(map(str, first['loc']))}: {first['msg']}" if first else str(exc)
    return error_response(422, "RequestValidationError", "validation", message, jsonable_encoder(fields))


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers) if exc.headers else {}
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return error_response(exc.status_code, "HTTPException", "http", str(exc.detail), None, headers or None)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path: Starlette's own 405 names only the first route
    whose path matched, so GET and POST declared as two routes on one path would show one of them."""
    return [method for method in _METHODS
            if any(route.matches({**request.scope, "method": method})[0] is Match.FULL
                   for route in request.app.router.routes)]


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("%s %s failed", request.method, request.url.path)
    return error_response(500, "InternalError", "internal", "internal error (logged on the server)")


def install(app: FastAPI) -> None:
    """Route every failure through the one error body."""
    app.add_exception_handler(DynastoreError, _dynastore_error)
    app.add_exception_handler(RequestValidationError, _request_invalid)
    # a response model or a store's own pydantic model refusing a value is the client's input too
    app.add_exception_handler(PydanticValidationError, _request_invalid)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
