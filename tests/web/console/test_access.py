"""Who may open the console (off, loopback only, or a password) and its browser security: the login cookie,
CSRF tokens, DNS rebinding and the page headers.

Most tests use a small app of their own mounted at ``/console`` in a parent app (so the mount's
``root_path`` is exercised) with one guarded page and one guarded write; the last ones go through the real
console as ``dynastore serve`` mounts it (`create_app(store, web=("console",))`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie
from typing import Any

import httpx2 as httpx
import pytest
from conformance._support import unique_name
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from dynastore.api.app import create_app
from dynastore.api.context import ApiContext
from dynastore.settings import Settings
from dynastore.store import Store, open_store
from dynastore.web.console import access
from dynastore.web.console.templating import environment

LOOPBACK = ("127.0.0.1", 50000)
ELSEWHERE = ("192.0.2.7", 50000)
PASSWORD = "correct horse battery staple"


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses after wrong passwords, recorded instead of waited (and a fresh failure count)."""
    waited: list[float] = []

    async def record(seconds: float) -> None:
        waited.append(seconds)

    monkeypatch.setattr(access, "failed_logins", access.FailedLogins(sleep=record))
    return waited


@pytest.fixture
def store() -> Iterator[Store]:
    s = open_store("memory://")
    yield s
    s.close()


class Mini:
    """A console-like app at /console: ``GET /`` and ``/tables/{name}`` (guarded pages), ``POST /write``
    (guarded, CSRF-checked)."""

    def __init__(self, store: Store, settings: Settings):
        self.written: list[str] = []
        console = FastAPI()
        console.state.dynastore = ApiContext(store, settings)
        console.state.templates = environment()
        access.install(console)
        console.include_router(access.router)
        pages = APIRouter(dependencies=[Depends(access.guard)])

        @pages.get("/")
        def home(request: Request) -> Response:
            return access.finish(request, HTMLResponse(f"<p id=home>{access.csrf_token(request)}</p>"))

        @pages.get("/tables/{name}")
        def table(request: Request, name: str) -> Response:
            return access.finish(request, HTMLResponse(f"<h1>{name}</h1>"))

        @pages.post("/write")
        async def write(request: Request) -> Response:
            form = await request.form()
            access.check_csrf(request, form)
            self.written.append(str(form.get("value")))
            return access.finish(request, Response(status_code=204))

        console.include_router(pages)
        self.app = FastAPI()
        self.app.mount("/console", console)

    def client(self, address: tuple[str, int] = LOOPBACK, base_url: str = "http://127.0.0.1:8000") -> TestClient:
        return TestClient(self.app, base_url=base_url, client=address, follow_redirects=False)


def settings_of(console: str, host: str, password: str | None) -> Settings:
    return Settings.model_validate({"console": console, "serve_host": host, "console_password": password})


def mini(store: Store, console: str = "auto", host: str = "127.0.0.1", password: str | None = None) -> Mini:
    return Mini(store, settings_of(console, host, password))


def set_cookies(response: httpx.Response) -> dict[str, Any]:
    """The response's Set-Cookie headers, by cookie name (morsels, whose attributes the tests read)."""
    found: dict[str, Any] = {}
    for header in response.headers.get_list("set-cookie"):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        found.update(cookie)
    return found


def token_of(client: TestClient) -> str:
    """Open the page once, as a browser does before it posts: its CSRF token (and cookie)."""
    response = client.get("/console/")
    assert response.status_code == 200
    return response.text.removeprefix("<p id=home>").removesuffix("</p>")


def log_in(client: TestClient, password: str = PASSWORD, next_page: str = "/") -> httpx.Response:
    page = client.get("/console/login")
    token = client.cookies.get(access.CSRF_COOKIE) or ""
    assert page.status_code == 200 and token in page.text
    return client.post("/console/login", data={"password": password, "next": next_page, "csrf_token": token})


# --- the mode ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("host, expected", [
    ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("LOCALHOST.", True), ("::ffff:127.0.0.1", True), ("0.0.0.0", False), ("::", False), ("192.0.2.7", False),
    ("10.0.0.1", False), ("evil.example", False), ("localhost.evil.example", False), ("127.0.0.1.nip.io", False),
    ("", False), (None, False), ("testclient", False)])
def test_what_counts_as_loopback(host: str | None, expected: bool) -> None:
    assert access.is_loopback(host) is expected


@pytest.mark.parametrize("mode, host, password, enabled, login", [
    ("auto", "127.0.0.1", None, True, False), ("auto", "0.0.0.0", None, False, False),
    ("on", "127.0.0.1", None, True, False), ("on", "::1", PASSWORD, True, True),
    ("auto", "localhost", PASSWORD, True, True), ("on", "0.0.0.0", None, True, True),
    ("on", "192.0.2.1", PASSWORD, True, True), ("off", "127.0.0.1", PASSWORD, False, False),
    ("off", "0.0.0.0", None, False, False)])
def test_the_mode_the_settings_give(mode: str, host: str, password: str | None, enabled: bool, login: bool) -> None:
    decided = access.access_of(settings_of(mode, host, password))
    assert (decided.enabled, decided.login_required) == (enabled, login)
    assert PASSWORD not in repr(decided)


def test_the_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert access.access_of(Settings()) == access.ConsoleAccess("auto", "127.0.0.1", None)
    monkeypatch.setenv("DYNASTORE_CONSOLE", "On")
    monkeypatch.setenv("DYNASTORE_SERVE_HOST", "0.0.0.0")
    monkeypatch.setenv("DYNASTORE_CONSOLE_PASSWORD", PASSWORD)
    assert access.access_of(Settings()) == access.ConsoleAccess("on", "0.0.0.0", PASSWORD)


# --- loopback ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "[::1]:8000", "127.0.0.1"])
def test_served_on_loopback_the_console_is_open_to_this_machine(store: Store, host: str) -> None:
    response = mini(store).client().get("/console/", headers={"Host": host})
    assert response.status_code == 200 and response.text.startswith("<p id=home>")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    csrf = set_cookies(response)[access.CSRF_COOKIE]
    assert csrf["httponly"] and csrf["samesite"] == "strict" and csrf["path"] == "/console" and not csrf["secure"]


@pytest.mark.parametrize("console", ["auto", "on"])
@pytest.mark.parametrize("address", [ELSEWHERE, ("10.1.2.3", 1), ("::ffff:192.0.2.7", 1), ("testclient", 1)])
def test_served_on_loopback_other_machines_are_refused(store: Store, console: str, address: tuple[str, int]
                                                       ) -> None:
    client = mini(store, console).client(address)
    for url in ("/console/", "/console/login", "/console/static/console.css"):
        response = client.get(url)
        assert response.status_code == 403 and "this machine only" in response.text
        assert "set-cookie" not in response.headers
    assert client.post("/console/write", data={"value": "x"}).status_code == 403


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example",
                                  "localhost.evil.example", "192.0.2.7:8000", "", "127.0.0.1:bad"])
def test_a_page_elsewhere_rebinding_its_name_to_loopback_is_refused(store: Store, host: str) -> None:
    site = mini(store)
    response = site.client().get("/console/", headers={"Host": host})
    assert response.status_code == 403 and "localhost" in response.text
    assert "set-cookie" not in response.headers
    client = site.client()
    token = token_of(client)
    refused = client.post("/console/write", data={"value": "x", "csrf_token": token}, headers={"Host": host})
    assert refused.status_code == 403 and site.written == []


def test_on_loopback_without_a_password_the_login_page_leads_home(store: Store) -> None:
    client = mini(store, "on").client()
    assert client.get("/console/").status_code == 200
    response = client.get("/console/login?next=/tables/x")
    assert response.status_code == 303 and response.headers["location"] == "/console/tables/x"


# --- off -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("console, host", [("off", "127.0.0.1"), ("off", "0.0.0.0"), ("auto", "0.0.0.0"),
                                           ("auto", "192.0.2.1")])
def test_off_every_console_url_is_not_found(store: Store, console: str, host: str) -> None:
    site = mini(store, console, host, PASSWORD)
    for client in (site.client(), site.client(ELSEWHERE, "http://console.example")):
        for url in ("/console/", "/console/login", "/console/static/console.css", "/console/nothing"):
            response = client.get(url)
            assert response.status_code == 404 and "Not found" in response.text
            assert "console" not in response.text.lower() and "set-cookie" not in response.headers
        assert client.post("/console/login", data={"password": PASSWORD}).status_code == 404
        assert client.post("/console/logout").status_code == 404
        assert client.post("/console/write", data={"value": "x"}).status_code == 404
    assert site.written == []


# --- login ---------------------------------------------------------------------------------------------------

def remote(store: Store, password: str | None = PASSWORD, base_url: str = "http://console.example") -> TestClient:
    return mini(store, "on", "0.0.0.0", password).client(ELSEWHERE, base_url)


def test_beyond_loopback_a_page_leads_to_the_login(store: Store) -> None:
    client = remote(store)
    response = client.get("/console/tables/t%201?after=abc&x=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=/tables/t%25201%3Fafter%3Dabc%26x%3D1"
    page = client.get(response.headers["location"])
    assert page.status_code == 200 and 'type="password"' in page.text
    assert 'value="/tables/t%201?after=abc&amp;x=1"' in page.text
    assert client.get("/console/", headers={"HX-Request": "true"}).headers["hx-redirect"] == "/console/login"
    assert client.post("/console/write", data={"value": "x"}).headers["location"] == "/console/login"


def test_the_login_page_escapes_where_it_leads(store: Store) -> None:
    page = remote(store).get("/console/login", params={"next": '/x"><script>alert(1)</script>'})
    assert page.status_code == 200 and "<script>alert" not in page.text
    assert 'value="/x&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page.text


def test_the_right_password_logs_in_with_a_signed_cookie(store: Store, pauses: list[float]) -> None:
    client = remote(store)
    response = log_in(client, next_page="/tables/t?x=1")
    assert response.status_code == 303 and response.headers["location"] == "/console/tables/t?x=1"
    session = set_cookies(response)[access.SESSION_COOKIE]
    assert session["httponly"] and session["samesite"] == "strict" and session["path"] == "/console"
    assert not session["secure"] and int(session["max-age"]) == access.SESSION_SECONDS
    assert access.session_valid(PASSWORD, session.value) and PASSWORD not in session.value
    assert client.get("/console/").status_code == 200
    assert pauses == []


def test_over_https_the_cookies_are_secure(store: Store) -> None:
    client = remote(store, base_url="https://console.example")
    response = log_in(client)
    cookies = set_cookies(response)
    assert response.status_code == 303 and cookies[access.SESSION_COOKIE]["secure"]
    fresh = remote(store, base_url="https://console.example")
    assert set_cookies(fresh.get("/console/login"))[access.CSRF_COOKIE]["secure"]


@pytest.mark.parametrize("wrong", ["", "wrong", PASSWORD + " ", PASSWORD.upper(), "é" * 40])
def test_a_wrong_password_is_refused_and_slowed(store: Store, pauses: list[float], wrong: str) -> None:
    client = remote(store)
    response = log_in(client, wrong)
    assert response.status_code == 401 and "not the console" in response.text
    assert access.SESSION_COOKIE not in set_cookies(response)
    assert client.get("/console/").status_code == 303
    log_in(client, "again wrong")
    assert len(pauses) == 2 and 0 < pauses[0] < pauses[1] <= access.failed_logins.most


@given(failures=st.lists(st.floats(min_value=0, max_value=600), max_size=300))
def test_the_pause_after_failures_is_bounded_and_forgets(failures: list[float]) -> None:
    counter = access.FailedLogins()
    for at in sorted(failures):
        counter._times.append(at)
        assert 0 < counter.delay(at) <= counter.most
    assert counter.delay(max(failures, default=0) + counter.window + 1) == 0


def test_without_a_password_set_nobody_logs_in(store: Store, pauses: list[float]) -> None:
    client = remote(store, password=None)
    page = client.get("/console/login")
    assert "DYNASTORE_CONSOLE_PASSWORD" in page.text
    assert log_in(client, "").status_code == 401 and log_in(client, "anything").status_code == 401
    assert client.get("/console/").status_code == 303


def test_with_a_password_loopback_needs_it_too(store: Store) -> None:
    client = mini(store, "on", "127.0.0.1", PASSWORD).client()
    assert client.get("/console/").status_code == 303
    assert log_in(client).status_code == 303 and client.get("/console/").status_code == 200


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:x"])
def test_the_login_leads_only_into_the_console(store: Store, target: str) -> None:
    response = log_in(remote(store), next_page=target)
    assert response.headers["location"] == "/console/"


def test_a_tampered_expired_or_foreign_cookie_is_refused(store: Store) -> None:
    client = remote(store)
    good = access.session_value(PASSWORD)
    expires, signature = good.split(".")
    later = str(int(expires) + 3600)
    for value in (good[:-1] + ("A" if good[-1] != "A" else "B"), f"{later}.{signature}", "", ".", "x.y",
                  access.session_value(PASSWORD, now=time.time() - access.SESSION_SECONDS - 1),
                  access.session_value("an older password")):
        client.cookies.set(access.SESSION_COOKIE, value, domain="console.example", path="/console")
        assert client.get("/console/").status_code == 303, value
    client.cookies.set(access.SESSION_COOKIE, good, domain="console.example", path="/console")
    assert client.get("/console/").status_code == 200


@given(st.text(max_size=80) | st.binary(max_size=60).map(lambda b: b.hex()))
def test_no_made_up_cookie_validates(value: str) -> None:
    assert not access.session_valid(PASSWORD, value)


@given(position=st.integers(min_value=0), replacement=st.characters())
def test_no_changed_cookie_validates(position: int, replacement: str) -> None:
    good = access.session_value(PASSWORD)
    at = position % len(good)
    tampered = good[:at] + replacement + good[at + 1:]
    assert access.session_valid(PASSWORD, tampered) == (tampered == good)


def test_a_new_password_logs_everyone_out(store: Store) -> None:
    client = remote(store)
    log_in(client)
    assert client.get("/console/").status_code == 200
    moved = mini(store, "on", "0.0.0.0", "a new password").client(ELSEWHERE, "http://console.example")
    moved.cookies = client.cookies
    assert moved.get("/console/").status_code == 303


def test_logout_clears_the_login(store: Store) -> None:
    client = remote(store)
    log_in(client)
    token = client.cookies.get(access.CSRF_COOKIE) or ""
    assert client.post("/console/logout", data={}).status_code == 403
    assert client.get("/console/").status_code == 200
    response = client.post("/console/logout", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/console/login"
    assert set_cookies(response)[access.SESSION_COOKIE]["max-age"] == "0"
    assert client.get("/console/").status_code == 303


# --- CSRF ----------------------------------------------------------------------------------------------------

def test_a_write_needs_the_pages_token(store: Store) -> None:
    site = mini(store)
    client = site.client()
    token = token_of(client)
    assert client.post("/console/write", data={"value": "none"}).status_code == 403
    assert client.post("/console/write", data={"value": "wrong", "csrf_token": "x" * 43}).status_code == 403
    assert client.post("/console/write", data={"value": "field", "csrf_token": token}).status_code == 204
    assert client.post("/console/write", data={"value": "header"}, headers={"X-CSRF-Token": token}).status_code == 204
    assert site.written == ["field", "header"]
    assert token_of(client) == token  # stable for the browser


def test_a_token_without_its_cookie_proves_nothing(store: Store) -> None:
    site = mini(store)
    token = token_of(site.client())
    cookieless = site.client()
    assert cookieless.post("/console/write", data={"value": "x", "csrf_token": token}).status_code == 403
    other = site.client()
    token_of(other)
    assert other.post("/console/write", data={"value": "x", "csrf_token": token}).status_code == 403
    assert site.written == []


@pytest.mark.parametrize("header, value, allowed", [
    ("Origin", "http://127.0.0.1:8000", True), ("Referer", "http://127.0.0.1:8000/console/", True),
    ("Origin", "http://evil.example", False), ("Origin", "null", False), ("Origin", "http://127.0.0.1:9999", False),
    ("Referer", "http://evil.example/console/", False), ("Origin", "http://127.0.0.1:bad", False),
    ("Origin", "file:///x", False)])
def test_a_write_from_another_origin_is_refused(store: Store, header: str, value: str, allowed: bool) -> None:
    site = mini(store)
    client = site.client()
    token = token_of(client)
    response = client.post("/console/write", data={"value": "x", "csrf_token": token}, headers={header: value})
    assert response.status_code == (204 if allowed else 403)
    assert site.written == (["x"] if allowed else [])


def test_the_login_form_needs_its_token_too(store: Store, pauses: list[float]) -> None:
    client = remote(store)
    client.get("/console/login")
    response = client.post("/console/login", data={"password": PASSWORD})
    assert response.status_code == 403 and access.SESSION_COOKIE not in set_cookies(response)
    token = client.cookies.get(access.CSRF_COOKIE) or ""
    crossed = client.post("/console/login", data={"password": PASSWORD, "csrf_token": token},
                          headers={"Origin": "http://evil.example"})
    assert crossed.status_code == 403 and client.get("/console/").status_code == 303


# --- the real console, as dynastore serve mounts it ---------------------------------------------------------------

def console(store: Store, console: str, host: str, address: tuple[str, int], base_url: str,
            password: str | None = None) -> TestClient:
    settings = settings_of(console, host, password)
    app = create_app(store, settings=settings, routers=(), web=("console",), close_store=False)
    return TestClient(app, base_url=base_url, client=address, follow_redirects=False)


def table_request(name: str) -> str:
    return json.dumps({"TableName": name, "BillingMode": "PAY_PER_REQUEST",
                       "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                       "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]})


def test_the_console_is_open_on_loopback(store: Store) -> None:
    with console(store, "auto", "127.0.0.1", LOOPBACK, "http://127.0.0.1:8000") as client:
        page = client.get("/console/")
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        token = client.cookies.get(access.CSRF_COOKIE) or ""
        assert token and token in page.text
        assert client.get("/console/", headers={"Host": "evil.example"}).status_code == 403
    with console(store, "auto", "127.0.0.1", ELSEWHERE, "http://127.0.0.1:8000") as client:
        assert client.get("/console/").status_code == 403


def test_the_console_is_off_beyond_loopback_unless_on(store: Store) -> None:
    with console(store, "auto", "0.0.0.0", ELSEWHERE, "http://console.example") as client:
        assert client.get("/console/").status_code == 404
        assert client.get("/console/login").status_code == 404
    with console(store, "off", "127.0.0.1", LOOPBACK, "http://127.0.0.1:8000") as client:
        assert client.get("/console/").status_code == 404


def test_the_console_beyond_loopback_needs_the_login(store: Store, pauses: list[float]) -> None:
    with console(store, "on", "0.0.0.0", ELSEWHERE, "http://console.example", PASSWORD) as client:
        response = client.get("/console/")
        assert response.status_code == 303 and response.headers["location"] == "/console/login"
        page = client.get("/console/login")
        assert page.status_code == 200 and 'name="password"' in page.text
        token = client.cookies.get(access.CSRF_COOKIE) or ""
        assert client.post("/console/login", data={"password": "nope", "csrf_token": token}).status_code == 401
        assert client.post("/console/login", data={"password": PASSWORD, "csrf_token": token}).status_code == 303
        assert client.get("/console/").status_code == 200


def test_a_console_write_without_the_token_writes_nothing(store: Store) -> None:
    name, made = unique_name("csrf"), unique_name("made")
    with console(store, "auto", "127.0.0.1", LOOPBACK, "http://127.0.0.1:8000") as client:
        client.get("/console/")
        token = client.cookies.get(access.CSRF_COOKIE) or ""
        for extra in ({}, {"csrf_token": "x" * 43}):
            response = client.post("/console/tables", data={"source": "spec", "spec_text": table_request(name),
                                                            **extra})
            assert response.status_code == 403
        crossed = client.post("/console/tables", data={"source": "spec", "spec_text": table_request(name),
                                                       "csrf_token": token}, headers={"Origin": "http://evil.example"})
        assert crossed.status_code == 403
        assert name not in store.tables()
        made_response = client.post("/console/tables", data={"source": "spec", "spec_text": table_request(made),
                                                             "csrf_token": token})
        assert made_response.status_code in (200, 303) and made in store.tables()
