"""``dynastore serve``: the REST API as a real process, on a real port of 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx
import pytest

DYNASTORE = [sys.executable, "-m", "dynastore"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(*args: str, cwd: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DYNASTORE_", "DYNAMODB_"))}
    proc = subprocess.Popen([*DYNASTORE, "serve", "--port", str(port), "--log-level", "warning", *args], cwd=cwd,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # up to 30 s on a loaded machine
            if proc.poll() is not None:
                pytest.fail(f"dynastore serve exited {proc.returncode}: {proc.stdout.read() if proc.stdout else ''}")
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_on_the_embedded_default_creates_its_tables_and_answers(tmp_path: Path) -> None:
    with serving(cwd=tmp_path) as (base, _):
        health = httpx.get(base + "/healthz").json()
        assert health["status"] == "ok" and health["engine"] == "sqlite"
        assert health["tables"] and set(health["tables"].values()) == {"ACTIVE"}
        assert httpx.get(base + "/openapi.json").json()["info"]["title"] == "dynastore API"
        assert "dynastore_http_requests_total" in httpx.get(base + "/metrics").text
    assert (tmp_path / "data" / "dynastore.db").exists()  # the default URL, relative to where it ran


def test_serve_refuses_a_port_in_use_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = subprocess.run([*DYNASTORE, "serve", "--url", "memory://", "--port", str(port)], cwd=tmp_path,
                           capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in r.stderr + r.stdout
    assert "Traceback" not in r.stderr


def test_serve_refuses_an_unreachable_store_in_one_line(tmp_path: Path) -> None:
    r = subprocess.run([*DYNASTORE, "serve", "--url", "dynamodb://?endpoint=http://127.0.0.1:9&region=us-east-1"
                        "&max_attempts=1", "--port", str(free_port())], cwd=tmp_path, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 1
    assert "unreachable" in r.stderr + r.stdout and "Traceback" not in r.stderr


def test_serve_refuses_a_memory_store_shared_by_several_workers(tmp_path: Path) -> None:
    r = subprocess.run([*DYNASTORE, "serve", "--url", "memory://", "--workers", "2", "--port", str(free_port())],
                       cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "private to one process" in r.stderr + r.stdout
