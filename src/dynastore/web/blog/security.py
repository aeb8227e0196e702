"""The blog's browser security: the session cookie, CSRF tokens, safe redirects and response headers.

A logged-in browser holds ``dynastore_session`` (the `LoginSession` id; the
session itself, with its expiry and CSRF token, lives server-side and is read
on every request). State-changing requests carry a CSRF token as the form field
``csrf_token`` or the header ``X-CSRF-Token`` (htmx sends the header, set on
``<body hx-headers>``): the session's token when logged in; before login (the
login and register forms) a double-submit token, equal to the ``dynastore_csrf``
cookie, which another site can neither read nor set.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timezone

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "dynastore_session"
CSRF_COOKIE = "dynastore_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

#: Sent with every page: user text is escaped anyway, and these stop what escaping cannot (framing,
#: injected scripts from elsewhere, sniffing). htmx runs without eval, so 'self' is enough for scripts.
PAGE_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "private, no-cache",
}


class LoginRequired(Exception):
    """The request needs a logged-in user and has none (or an expired session)."""


class CsrfRejected(Exception):
    """A state-changing request without the right CSRF token."""


def is_https(request: Request) -> bool:
    # uvicorn's proxy-headers middleware has already applied X-Forwarded-Proto from trusted proxies
    return request.url.scheme == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, *, expires: datetime | None = None
               ) -> None:
    """A cookie script cannot read, not sent with cross-site subrequests or posts, HTTPS-only over HTTPS."""
    max_age = None
    if expires is not None:
        max_age = max(0, int((expires - datetime.now(timezone.utc)).total_seconds()))
    response.set_cookie(name, value, max_age=max_age, path="/", secure=is_https(request), httponly=True,
                        samesite="lax")


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(name, path="/", secure=is_https(request), httponly=True, samesite="lax")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def submitted_tokens(request: Request, form: FormData | None) -> list[str]:
    """The CSRF tokens a request carries: its form field and its header."""
    tokens = [request.headers.get(CSRF_HEADER)]
    if form is not None:
        field = form.get(CSRF_FIELD)
        tokens.append(field if isinstance(field, str) else None)
    return [t for t in tokens if t]


def tokens_match(expected: Iterable[str | None], submitted: Iterable[str]) -> bool:
    """Whether a *submitted* token is one of the *expected* (compared in constant time)."""
    wanted = [e.encode() for e in expected if e]
    given = [s.encode("utf-8", "replace") for s in submitted]
    return any(hmac.compare_digest(w, g) for w in wanted for g in given)


def check_csrf(expected: Iterable[str | None], submitted: Iterable[str]) -> None:
    """Raise `CsrfRejected` unless a *submitted* token is one of the *expected* (compared in constant time)."""
    if not tokens_match(expected, submitted):
        raise CsrfRejected("this form has expired or came from another site: reload the page and try again")


def safe_next(target: str | None, default: str = "/") -> str:
    """*target* if it is a path on this site, else *default*: a login's ``next`` must not lead elsewhere."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")) or any(
            c in target for c in "\r\n\\"):
        return default
    return target
