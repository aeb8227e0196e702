"""Who may open the console, and the browser security of every console page.

The mode comes from the settings (``DYNASTORE_CONSOLE`` = auto | on | off, ``DYNASTORE_SERVE_HOST``,
``DYNASTORE_CONSOLE_PASSWORD``; `access_of`):

- off, or auto on a server listening beyond loopback: every console URL is a 404;
- served on loopback (auto or on): open to this machine only, i.e. to loopback clients asking for a
  loopback ``Host`` (another ``Host`` is a DNS-rebinding page in the user's browser), 403 otherwise;
- on beyond loopback, or whenever a password is set: a login with the password.

A login is a signed cookie (``dynastore_console``: its expiry and an HMAC-SHA256 of it, keyed from the
password), so every worker process accepts it with no server-side state and a new password logs everyone
out. Posts carry a double-submit CSRF token (cookie ``dynastore_console_csrf`` = form field ``csrf_token``
or header ``X-CSRF-Token``) and, when the browser says where they come from, come from this host.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import ipaddress
import re
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from html import escape
from typing import Literal, TypeVar, cast, get_args
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData
from starlette.types import ASGIApp, Receive, Scope, Send

from ...settings import Settings
# forms and htmx carry the token as the blog's do (field csrf_token, header X-CSRF-Token)
from ..blog.security import PAGE_HEADERS, is_https, safe_next, submitted_tokens, tokens_match

Mode = Literal["auto", "on", "off"]
AnyResponse = TypeVar("AnyResponse", bound=Response)

SESSION_COOKIE = "dynastore_console"
CSRF_COOKIE = "dynastore_console_csrf"
#: How long a login lasts.
SESSION_SECONDS = 12 * 3600
#: Every console answer: the blog's page headers, but nothing of the store is kept in any cache.
HEADERS = {**PAGE_HEADERS, "Cache-Control": "no-store"}
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


class ConsoleOff(Exception):
    """The console is not served (a 404, as if it did not exist)."""


class Forbidden(Exception):
    """The console is served to this machine only, and this request is not from it."""


class LoginNeeded(Exception):
    """The console needs the password and this browser has not logged in (or its login expired)."""


class CsrfRejected(Exception):
    """A post without the page's CSRF token, or from another site."""


def is_loopback(host: str | None) -> bool:
    """Whether *host* (an address or name, IPv6 with or without brackets) is this machine only."""
    name = (host or "").strip().strip("[]").rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback  # ::ffff:127.0.0.1 from a dual-stack socket
    return address.is_loopback


@dataclass(frozen=True)
class ConsoleAccess:
    """The decided access: the configured *mode* for a server listening on *host*."""

    mode: Mode
    host: str = "127.0.0.1"
    password: str | None = field(default=None, repr=False)

    @property
    def loopback(self) -> bool:
        """Served on loopback: open to this machine only (loopback clients, loopback ``Host``)."""
        return is_loopback(self.host)

    @property
    def enabled(self) -> bool:
        return self.mode == "on" or (self.mode == "auto" and self.loopback)

    @property
    def login_required(self) -> bool:
        return self.enabled and (bool(self.password) or not self.loopback)

    def announcement(self, url: str, generated: bool = False) -> str:
        """What ``dynastore serve`` prints about the console served at *url*."""
        if not self.enabled:
            if self.mode == "off":
                return "console: off (--console auto serves it to this machine, on with a password)"
            return (f"console: off, as {self.host} is not loopback (--console on serves it with a password, "
                    "DYNASTORE_CONSOLE_PASSWORD or one generated)")
        where = "this machine only, " if self.loopback else ""
        if not self.login_required:
            return f"console on {url}  ({where}no password)"
        if generated:
            return (f"console on {url}  ({where}password {self.password}, generated for this run: "
                    "set DYNASTORE_CONSOLE_PASSWORD to choose one)")
        return f"console on {url}  ({where}password required: DYNASTORE_CONSOLE_PASSWORD)"


def access_of(settings: Settings) -> ConsoleAccess:
    """The access *settings* give the console."""
    secret = settings.console_password.get_secret_value() if settings.console_password else None
    return ConsoleAccess(settings.console, settings.serve_host, secret or None)


def for_serve(mode: str, host: str, password: str | None) -> tuple[ConsoleAccess, bool]:
    """The access ``dynastore serve`` gives its workers, and whether it generated the password (served
    beyond loopback with none set: the console must not be open to the network)."""
    if mode not in get_args(Mode):
        raise ValueError(f"console mode {mode!r}: auto, on or off")
    access = ConsoleAccess(cast(Mode, mode), host, password or None)
    if access.login_required and not access.password:
        return replace(access, password=secrets.token_urlsafe(16)), True
    return access, False


# --- the request's access ---------------------------------------------------------------------------------

def access_for(request: Request) -> ConsoleAccess:
    """The access of the console app serving *request* (its context's settings)."""
    ctx = getattr(request.app.state, "dynastore", None)
    return access_of(ctx.settings if ctx is not None else Settings())


def _host_name(request: Request) -> str | None:
    try:
        parts = urlsplit("//" + request.headers.get("host", ""))
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
        return parts.hostname
    except ValueError:
        return None


def admit(request: Request) -> ConsoleAccess:
    """The console's access if *request* may reach it at all (login aside): `ConsoleOff`, `Forbidden`."""
    access = access_for(request)
    if not access.enabled:
        raise ConsoleOff()
    if access.loopback:
        if not is_loopback(request.client.host if request.client else None):
            raise Forbidden("The console is served to this machine only.")
        if not is_loopback(_host_name(request)):
            # a page elsewhere whose name now resolves to 127.0.0.1 (DNS rebinding) must not reach it
            raise Forbidden("The console answers only to localhost / 127.0.0.1 addresses.")
    return access


def guard(request: Request) -> None:
    """FastAPI dependency of every console page: raises `ConsoleOff`, `Forbidden` or `LoginNeeded`."""
    access = admit(request)
    if access.login_required and not logged_in(request, access):
        raise LoginNeeded()


def root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _cookie_path(request: Request) -> str:
    return root(request) or "/"


# --- login sessions ---------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=8)
def _session_key(password: str) -> bytes:
    # scrypt, not the bare password: a copied cookie must not be a cheap offline test of password guesses
    return hashlib.scrypt(password.encode(), salt=b"dynastore console session v1", n=1 << 14, r=8, p=1, dklen=32)


def _signature(password: str, expires: int) -> str:
    mac = hmac.new(_session_key(password), f"session|{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def session_value(password: str, now: float | None = None) -> str:
    """A login cookie's value: its expiry and signature."""
    expires = int(time.time() if now is None else now) + SESSION_SECONDS
    return f"{expires}.{_signature(password, expires)}"


def session_valid(password: str | None, value: str | None, now: float | None = None) -> bool:
    """Whether *value* is an unexpired login cookie signed for *password*."""
    if not password or not value:
        return False
    expires_text, _, signature = value.partition(".")
    if not (expires_text.isascii() and expires_text.isdigit() and len(expires_text) <= 12):
        return False
    expires = int(expires_text)
    now = time.time() if now is None else now
    if not now < expires <= now + SESSION_SECONDS:
        return False
    return hmac.compare_digest(signature.encode("utf-8", "replace"), _signature(password, expires).encode())


def logged_in(request: Request, access: ConsoleAccess) -> bool:
    return session_valid(access.password, request.cookies.get(SESSION_COOKIE))


def password_matches(password: str, given: str) -> bool:
    """Constant time, whatever the lengths."""
    return hmac.compare_digest(hashlib.sha256(given.encode("utf-8", "replace")).digest(),
                               hashlib.sha256(password.encode()).digest())


@dataclass
class FailedLogins:
    """Slows wrong passwords: each waits ``step`` per failure of this process in the last ``window``
    seconds, at most ``most`` seconds (bounded, so an attacker cannot hold the server's connections)."""

    window: float = 60.0
    step: float = 0.25
    most: float = 2.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _times: deque[float] = field(default_factory=lambda: deque(maxlen=256))

    def delay(self, now: float) -> float:
        while self._times and self._times[0] < now - self.window:
            self._times.popleft()
        return min(self.most, self.step * len(self._times))

    async def pause(self) -> None:
        now = time.monotonic()
        self._times.append(now)
        await self.sleep(self.delay(now))


failed_logins = FailedLogins()


# --- CSRF and page headers ---------------------------------------------------------------------------------

def csrf_token(request: Request) -> str:
    """The token for this browser's forms (field ``csrf_token``) and htmx (header ``X-CSRF-Token``): its
    CSRF cookie's, or a new one that `finish` sets."""
    token: str | None = getattr(request.state, "console_csrf", None)
    if token is None:
        cookie = request.cookies.get(CSRF_COOKIE, "")
        token = cookie if _TOKEN.fullmatch(cookie) else secrets.token_urlsafe(32)
        request.state.console_csrf = token
    return token


def _host_port(hostname: str | None, port: int | None) -> tuple[str, int | None]:
    return (hostname or "").lower(), None if port in (80, 443) else port


def _same_origin(request: Request) -> bool:
    """Whether the page that sent *request* is on this host (true when the browser does not say)."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if source is None:
        return True
    try:
        sent_from = urlsplit(source)
        here = urlsplit("//" + request.headers.get("host", ""))
        return (sent_from.scheme in ("http", "https") and sent_from.hostname is not None
                and _host_port(sent_from.hostname, sent_from.port) == _host_port(here.hostname, here.port))
    except ValueError:
        return False


def check_csrf(request: Request, form: FormData | None) -> None:
    """Raise `CsrfRejected` unless the form field or header carries this browser's CSRF token and the post
    comes from this host."""
    if not _same_origin(request):
        raise CsrfRejected("This form was sent from another site.")
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not _TOKEN.fullmatch(expected) or not tokens_match([expected], submitted_tokens(request, form)):
        raise CsrfRejected("This form has expired: reload the page and try again.")


def finish(request: Request, response: AnyResponse) -> AnyResponse:
    """*response* with the console's headers, and the CSRF cookie if the browser lacks it."""
    _headers(response)
    token = csrf_token(request)
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(CSRF_COOKIE, token, path=_cookie_path(request), secure=is_https(request),
                            httponly=True, samesite="strict")
    return response


# --- refusals ---------------------------------------------------------------------------------------------

def _headers(response: AnyResponse) -> AnyResponse:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _plain(status: int, title: str, message: str) -> Response:
    """A page without the CSRF cookie, which would tell who may not see the console that it is there."""
    html = (f"<!doctype html><html lang=en><meta charset=utf-8><title>{escape(title)}</title>"
            f"<h1>{escape(title)}</h1><p>{escape(message)}</p></html>")
    return _headers(HTMLResponse(html, status_code=status))


def _refusal(request: Request, exc: Exception) -> Response:
    if isinstance(exc, ConsoleOff):
        return _plain(404, "Not found", "There is no page at this address.")
    if isinstance(exc, LoginNeeded):
        raw = request.scope.get("raw_path") or request.url.path.encode()  # still %-encoded: it goes in a URL
        wanted = raw.decode("latin-1")[len(root(request)):] or "/"
        if request.url.query:
            wanted += "?" + request.url.query
        target = root(request) + "/login" + (f"?next={quote(wanted, safe='/')}" if request.method in (
            "GET", "HEAD") and wanted != "/" else "")
        return finish(request, _go(request, target))
    if isinstance(exc, Forbidden):
        return _plain(403, "Not allowed", str(exc))
    return finish(request, _plain(403, "Form refused", str(exc)))  # with a cookie, for the reloaded form


def _go(request: Request, url: str) -> Response:
    """To *url*: a 303 for a browser, ``HX-Redirect`` for htmx (which would swap the page in otherwise)."""
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": url})
    return Response(status_code=303, headers={"Location": url})


class _Gate:
    """Refuses a request for anything of the console (its static files too) while it is off or the request
    comes from beyond loopback; the `guard` does the same, and the login, on each page."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope)
            try:
                admit(request)
            except (ConsoleOff, Forbidden) as e:
                await _refusal(request, e)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    """The refusals as pages (`ConsoleOff` 404, `LoginNeeded` to the login page, `Forbidden` and
    `CsrfRejected` 403), and the gate in front of everything."""
    for kind in (ConsoleOff, Forbidden, LoginNeeded, CsrfRejected):
        app.add_exception_handler(kind, _refusal)
    app.add_middleware(_Gate)


# --- the login page ---------------------------------------------------------------------------------------

router = APIRouter()


def _login_page(request: Request, access: ConsoleAccess, wanted: str, error: str | None = None,
                status: int = 200) -> Response:
    from .templating import render

    return render(request, "login.html", status, next=wanted, error=error, no_password=not access.password)


@router.get("/login")
def login_form(request: Request) -> Response:
    access = admit(request)
    wanted = safe_next(request.query_params.get("next"))
    if not access.login_required or logged_in(request, access):
        return finish(request, _go(request, root(request) + wanted))
    return _login_page(request, access, wanted)


@router.post("/login")
async def login(request: Request) -> Response:
    access = admit(request)
    form = await request.form()
    check_csrf(request, form)
    given, wanted = (form.get(name) for name in ("password", "next"))
    wanted = safe_next(wanted if isinstance(wanted, str) else None)
    if not access.login_required:
        return finish(request, _go(request, root(request) + wanted))
    if access.password and isinstance(given, str) and password_matches(access.password, given):
        response = _go(request, root(request) + wanted)
        response.set_cookie(SESSION_COOKIE, session_value(access.password), max_age=SESSION_SECONDS,
                            path=_cookie_path(request), secure=is_https(request), httponly=True, samesite="strict")
        return finish(request, response)
    await failed_logins.pause()
    return _login_page(request, access, wanted, "That is not the console's password.", 401)


@router.post("/logout")
async def logout(request: Request) -> Response:
    access = admit(request)
    check_csrf(request, await request.form())
    response = _go(request, root(request) + ("/login" if access.login_required else "/"))
    response.delete_cookie(SESSION_COOKIE, path=_cookie_path(request), secure=is_https(request), httponly=True,
                           samesite="strict")
    return finish(request, response)
