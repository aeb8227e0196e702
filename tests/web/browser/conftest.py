"""Browser tests: Playwright driving Debian's chromium against a live ``dynastore serve``.

No browser is ever downloaded (no ``playwright install``): the tests use the
distribution's chromium, installed here with apt when it is missing, because
CI must run them. ``DYNASTORE_TEST_CHROMIUM`` names another chromium binary.

The Playwright fixtures are package-scoped: Playwright's sync API marks an
asyncio loop as running in the main thread while it is alive, which would
break the async tests that run after this package.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import re
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Locator, Page, expect, sync_playwright

from ..conftest import LiveServer

DEFAULT_CHROMIUM = "/usr/bin/chromium"
#: The machine's network is closed and the tests need none of chromium's own traffic.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"
PASSWORD = "correct-horse-battery"
#: Auto-waiting expectations give a loaded 2-core machine this long (ms) before failing.
TIMEOUT_MS = 15_000

#: Returns None when the install worked, else what went wrong (one paragraph).
Installer = Callable[[], str | None]


def _apt(*args: str) -> subprocess.CompletedProcess[str]:
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    return subprocess.run([*prefix, "apt-get", *args], capture_output=True, text=True, timeout=900,
                          env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def apt_install_chromium() -> str | None:
    """``apt-get install chromium``; with ``apt-get update`` first when the package lists do not have it."""
    install = ("install", "-y", "--no-install-recommends", "chromium")
    try:
        done = _apt(*install)
        if done.returncode != 0:
            updated = _apt("update")
            if updated.returncode != 0:
                return f"apt-get update failed ({updated.returncode}): {updated.stderr.strip()[-2000:]}"
            done = _apt(*install)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"apt-get could not run: {e}"
    if done.returncode != 0:
        return f"apt-get install failed ({done.returncode}): {done.stderr.strip()[-2000:]}"
    return None


@contextmanager
def _install_lock() -> Iterator[None]:
    # Parallel test runs (xdist workers, two checkouts) must not run apt at the same time.
    with open(Path(tempfile.gettempdir()) / "dynastore-chromium-install.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def ensure_chromium(path: Path, install: Installer = apt_install_chromium) -> Path:
    """``path`` if chromium is there, else install it; a test failure (not a skip) when that does not work."""
    if os.access(path, os.X_OK):
        return path
    with _install_lock():
        if not os.access(path, os.X_OK):  # another process may have installed it while we waited
            problem = install()
            if problem is not None:
                pytest.fail(f"chromium is missing at {path} and installing it failed: {problem}", pytrace=False)
            if not os.access(path, os.X_OK):
                pytest.fail(f"chromium was installed but {path} is still missing; point "
                            "DYNASTORE_TEST_CHROMIUM at the chromium binary", pytrace=False)
    return path


@pytest.fixture(scope="package")
def chromium() -> Path:
    return ensure_chromium(Path(os.environ.get("DYNASTORE_TEST_CHROMIUM", DEFAULT_CHROMIUM)))


@pytest.fixture(scope="package")
def browser(chromium: Path) -> Iterator[Browser]:
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@dataclass
class Visitor:
    """One person at one browser: their own context (cookies), page and what the page did wrong."""

    context: BrowserContext
    page: Page
    username: str = ""
    #: uncaught JavaScript errors on the page (an htmx or template bug shows here)
    js_errors: list[str] = field(default_factory=list)
    #: alert/confirm/prompt texts: user text that ran as script would open one
    dialogs: list[str] = field(default_factory=list)

    def csrf_token(self) -> str:
        """The session's CSRF token, from ``<body hx-headers>`` (where htmx reads it)."""
        headers = self.page.get_attribute("body", "hx-headers")
        assert headers, "<body> has no hx-headers"
        return str(json.loads(headers)["X-CSRF-Token"])

    def session_cookie(self) -> str | None:
        return next((c["value"] for c in self.context.cookies() if c["name"] == "dynastore_session"), None)


_names = itertools.count()


def unique_username(prefix: str) -> str:
    return f"{prefix}_{next(_names)}_{uuid.uuid4().hex[:6]}"


def credentials_form(page: Page, form: str, username: str, password: str) -> Locator:
    """Open /login or /register (``form``), fill in the credentials; the submit button."""
    page.goto(f"/{form}")
    fields = page.locator(f"form#{form}-form")
    fields.locator("input[name=username]").fill(username)
    fields.locator("input[name=password]").fill(password)
    return fields.locator("button[type=submit]")


def login(v: Visitor, username: str, password: str = PASSWORD) -> None:
    credentials_form(v.page, "login", username, password).click()
    expect(v.page.locator("#nav-user")).to_have_text(re.compile(rf"\b{re.escape(username)}\b"))
    v.username = username


def register(v: Visitor, username: str, password: str = PASSWORD) -> None:
    """Register through the form: that logs the visitor in as the new user."""
    credentials_form(v.page, "register", username, password).click()
    expect(v.page.locator("#nav-user")).to_have_text(re.compile(rf"\b{re.escape(username)}\b"))
    v.username = username


@contextmanager
def visitors(browser: Browser, log_tail: Callable[[], str] = str) -> Iterator[Callable[[str], Visitor]]:
    """Make visitors at a base URL (each its own browser context, closed after); their pages must raise
    no JS error. ``log_tail``: the server's log, shown when one did."""
    made: list[Visitor] = []

    def make(base_url: str) -> Visitor:
        ctx = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
        ctx.set_default_timeout(TIMEOUT_MS)
        v = Visitor(ctx, ctx.new_page())
        v.page.on("pageerror", lambda e: v.js_errors.append(str(e)))

        def on_dialog(d: Dialog) -> None:
            v.dialogs.append(d.message)
            d.dismiss()

        v.page.on("dialog", on_dialog)
        made.append(v)
        return v

    yield make
    for v in made:
        v.context.close()
    errors = [e for v in made for e in v.js_errors]
    assert not errors, f"JavaScript errors on the pages: {errors}\nserver log:\n{log_tail()}"


@pytest.fixture
def visitor(browser: Browser, live_server: LiveServer) -> Iterator[Callable[[], Visitor]]:
    """Make anonymous visitors (each its own browser context); their pages must raise no JS error."""
    with visitors(browser, live_server.log_tail) as make:
        yield lambda: make(live_server.base_url)


@pytest.fixture
def user(visitor: Callable[[], Visitor]) -> Callable[[str], Visitor]:
    """Make a visitor who registered a fresh account (name from the prefix) and is logged in."""

    def make(prefix: str) -> Visitor:
        v = visitor()
        register(v, unique_username(prefix))
        return v

    return make


@pytest.fixture(scope="package")
def screenshot() -> Callable[[Page, str], Path]:
    """Save a full-page screenshot as a test artifact: test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def shoot(page: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shoot
