"""The blog as a user meets it: ``dynastore serve`` as a real process on a free port of 127.0.0.1.

The process runs the command a user runs (``python -m dynastore serve``), on a
SQLite store and a blog database in a temporary directory, without the demo
content (``--no-demo``), so the tests create every user and post they look at.
It starts once per test session, on first use, and is stopped at the end
(SIGTERM, then SIGKILL).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
import pytest

from dynastore.testing import free_port

#: Seconds `dynastore serve` gets to answer /healthz (a loaded 2-core CI machine is slow to import).
STARTUP_SECONDS = 60.0
STOP_SECONDS = 10.0


@dataclass(frozen=True)
class LiveServer:
    """A running ``dynastore serve``: where it answers and where it keeps its files."""

    base_url: str
    workdir: Path
    log: Path

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _wait_healthy(proc: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if proc.poll() is not None:
            pytest.fail(f"dynastore serve exited with {proc.returncode} before answering:\n"
                        f"{log.read_text(errors='replace')[-4000:]}")
        try:
            if httpx.get(base_url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"dynastore serve did not answer {base_url}/healthz within {STARTUP_SECONDS:.0f} s:\n"
                        f"{log.read_text(errors='replace')[-4000:]}")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``dynastore serve --no-demo`` on sqlite:///<tmp>/store.db, posts and users in <tmp>/blog.db."""
    workdir = tmp_path_factory.mktemp("live-blog")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    # The environment must not point the server at a developer's store or a shared DynamoDB.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DYNASTORE_", "DYNAMODB_", "BLOG_"))}
    env["BLOG_DATABASE"] = str(workdir / "blog.db")
    argv = [sys.executable, "-m", "dynastore", "serve", "--host", "127.0.0.1", "--port", str(port),
            "--url", f"sqlite:///{workdir / 'store.db'}", "--no-demo", "--log-level", "warning"]
    log = workdir / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        _wait_healthy(proc, base_url, log)
        yield LiveServer(base_url, workdir, log)
    finally:
        _stop(proc)
