"""``dynastore serve --console``: what it decides for its workers (through the environment) and prints.

The decision is `serve.console_setup`, called here directly: the tests listen on nothing beyond
127.0.0.1, so ``--host 0.0.0.0`` is never bound, only decided about.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx2 as httpx
import pytest
from typer.testing import CliRunner

from dynastore.cli import app
from dynastore.cli import serve as serve_cli
from dynastore.settings import Settings
from dynastore.web.console import access

VARIABLES = ("DYNASTORE_CONSOLE", "DYNASTORE_CONSOLE_PASSWORD", "DYNASTORE_SERVE_HOST")


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """console_setup writes os.environ: monkeypatch restores it after each test."""
    for name in VARIABLES:
        monkeypatch.setenv(name, "placeholder")
        monkeypatch.delenv(name)


def test_on_beyond_loopback_without_a_password_generates_one_and_prints_it() -> None:
    line = serve_cli.console_setup("on", "0.0.0.0", 8000)
    password = os.environ["DYNASTORE_CONSOLE_PASSWORD"]
    assert len(password) >= 20 and f"password {password}" in line
    assert line.startswith("console on http://0.0.0.0:8000/console")
    assert (os.environ["DYNASTORE_CONSOLE"], os.environ["DYNASTORE_SERVE_HOST"]) == ("on", "0.0.0.0")
    # what each worker then decides from the same environment
    decided = access.access_of(Settings())
    assert decided.enabled and decided.login_required and decided.password == password


def test_each_start_generates_another_password() -> None:
    first = serve_cli.console_setup("on", "0.0.0.0", 8000)
    os.environ.pop("DYNASTORE_CONSOLE_PASSWORD")
    assert serve_cli.console_setup("on", "0.0.0.0", 8000) != first


def test_a_password_set_is_used_and_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNASTORE_CONSOLE_PASSWORD", "chosen-secret")
    line = serve_cli.console_setup("on", "::", 9000)
    assert "chosen-secret" not in line and "password required" in line and "http://[::]:9000/console" in line
    assert os.environ["DYNASTORE_CONSOLE_PASSWORD"] == "chosen-secret"


@pytest.mark.parametrize("mode, host, says", [
    ("auto", "127.0.0.1", "console on http://127.0.0.1:8000/console  (this machine only, no password)"),
    ("on", "localhost", "console on http://localhost:8000/console  (this machine only, no password)"),
    ("auto", "0.0.0.0", "console: off, as 0.0.0.0 is not loopback (--console on"),
    ("off", "127.0.0.1", "console: off (--console auto"),
    ("off", "0.0.0.0", "console: off (--console auto")])
def test_the_other_modes_generate_nothing(mode: str, host: str, says: str) -> None:
    line = serve_cli.console_setup(mode, host, 8000)
    assert line.startswith(says)
    assert "DYNASTORE_CONSOLE_PASSWORD" not in os.environ
    assert os.environ["DYNASTORE_CONSOLE"] == mode and os.environ["DYNASTORE_SERVE_HOST"] == host


def test_without_the_option_the_environment_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNASTORE_CONSOLE", "off")
    assert serve_cli.console_setup(None, "127.0.0.1", 8000).startswith("console: off")
    monkeypatch.delenv("DYNASTORE_CONSOLE")
    assert "no password" in serve_cli.console_setup(None, "127.0.0.1", 8000)


def test_an_unknown_mode_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["serve", "--console", "sometimes"])
    assert result.exit_code == 2 and "sometimes" in result.output
    with pytest.raises(ValueError, match="auto, on or off"):
        access.for_serve("sometimes", "127.0.0.1", None)


def test_serve_passes_the_console_access_to_every_worker(tmp_path: Path) -> None:
    """Two worker processes, the password from .env: a login made on one worker holds on the others."""
    # tests/cli's helper (its directory is on sys.path, as pytest imports it)
    from test_serve import serving

    (tmp_path / ".env").write_text("DYNASTORE_CONSOLE_PASSWORD=from-the-env-file\n")
    with serving("--console", "on", "--workers", "2", "--no-demo", "--url", f"sqlite:///{tmp_path / 's.db'}",
                 cwd=tmp_path) as (base, proc), httpx.Client(base_url=base, follow_redirects=False) as browser:
        assert browser.get("/console/").headers["location"] == "/console/login"
        assert browser.get("/console/login").status_code == 200
        token = browser.cookies[access.CSRF_COOKIE]
        login = browser.post("/console/login", data={"password": "from-the-env-file", "csrf_token": token})
        assert login.status_code == 303
        for _ in range(6):  # a new connection each time: accepted by either worker
            with httpx.Client(base_url=base, cookies=browser.cookies) as again:
                assert again.get("/console/").status_code == 200
        elsewhere = browser.get("/console/", headers={"Host": "evil.example"})
        assert elsewhere.status_code == 403
    printed = proc.stdout.read() if proc.stdout else ""
    assert f"console on {base}/console  (this machine only, password required" in printed
    assert "from-the-env-file" not in printed
