"""(h) The blog (seed 004) under load: ``dynastore serve --workers 2`` driven by wrk on 127.0.0.1.

``dynastore serve --workers 2`` runs on the embedded default in a temporary
directory, so its first start creates the tables and loads the demo content
(alice, bob and carol, three posts). wrk then drives, each run bounded in time
and in requests:

- **post page**: ``GET /posts/<id>`` anonymously, over the demo posts in turn:
  the page-view target (>= 500/s, p99 < 50 ms with 2 workers)
- **post page, logged in**: the same as alice and bob, each view also records a
  view activity (one write per page; informational)
- **like**: ``POST /posts/<id>/like`` as alice and bob (one wrk thread each),
  with the session cookie, the session's ``X-CSRF-Token`` and ``HX-Request``
  (the htmx path, answered by the ``#likes`` fragment); it toggles, so the runs
  alternate like and unlike (p99 < 50 ms)

The baseline, measured in the same run with the same wrk settings, is a
trivial Starlette app run as ``dynastore serve`` runs the blog (the same
uvicorn runner, 2 workers), answering every GET with the bytes of the real post
page and every POST with the bytes of the real like fragment: what is left of a
request once the blog's own work (store reads and writes, templates, sessions,
CSRF) is taken away. The two servers take turns, and each figure is the median
over the rounds.

``--profile`` samples one ``dynastore serve`` worker with py-spy (when it is on
PATH) under the anonymous post page and under the like, and prints where its
busy time goes.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx2 as httpx
from rich.console import Console

from dynastore.testing import free_port

from .harness import Config, Report, Row

BENCH = "web"
TITLE = "(h) the blog under wrk: dynastore serve --workers 2 vs a static page served alike"
WORKERS = 2
TARGET_VIEWS = 500.0
TARGET_P99_MS = 50.0
#: wrk threads (one per logged-in user) and open connections in all: two requests in flight per worker
#: (see docs/benchmarks.md for the choice)
THREADS = 2
CONNECTIONS = 4
STATIC_APP = "benchmarks.web_load:baseline_app"
DEMO_POSTS = ("demo-access-patterns", "demo-hot-partitions", "demo-ttl")
USERS = ("alice", "bob")
DEMO_PASSWORD = "dynastore-demo"
_ROOT = Path(__file__).resolve().parent.parent

# The wrk script of one run (filled in with %-formatting, so Lua's own % is %%). Each wrk thread is one
# user: setup() hands them out in turn; anonymous runs have one user with no cookie.
_LUA = r"""
local users = {%(users)s}
local paths = {%(paths)s}
local method, limit = "%(method)s", %(limit)d
local counter, n = 0, 0
function setup(thread)
  n = n + 1
  local u = users[(n - 1) %% #users + 1]
  thread:set("cookie", u[1]); thread:set("token", u[2])
end
function request()
  counter = counter + 1
  local path = paths[counter %% #paths + 1]
  local headers = {}
  if cookie ~= "" then headers["Cookie"] = "dynastore_session=" .. cookie end
  if method == "POST" then
    headers["X-CSRF-Token"] = token
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers["HX-Request"] = "true"
  end
  return wrk.format(method, path, headers, "")
end
function response(status, headers, body)
  if counter >= limit then wrk.thread:stop() end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {"requests": %%d, "seconds": %%.6f, "p50_us": %%d, "p99_us": %%d, "max_us": %%d, '
    .. '"errors": %%d, "non_2xx": %%d}\n', summary.requests, summary.duration / 1e6, latency:percentile(50),
    latency:percentile(99), latency.max, e.connect + e.read + e.write + e.timeout, e.status))
end
"""


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    #: logged in (cookie + CSRF) or anonymous
    logged_in: bool
    #: the post-page target (page views/s) applies
    views_target: bool


SCENARIOS = (
    Scenario("post page", "GET", logged_in=False, views_target=True),
    Scenario("post page, logged in (records a view)", "GET", logged_in=True, views_target=False),
    Scenario("like (htmx POST, toggles)", "POST", logged_in=True, views_target=False),
)


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    non_2xx: int

    #: a thread stopped at its request limit: wrk still divides by the whole duration, so rps is a lower bound
    capped: bool = False

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# -- tools and servers -------------------------------------------------------------


def ensure_wrk() -> str:
    """wrk's path, installing Debian's package (under a lock: one apt at a time) when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    with open(Path(tempfile.gettempdir()) / "dynastore-apt-wrk.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "--no-install-recommends", "wrk"]
        if shutil.which("wrk") is None and subprocess.run(install, env=env, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update"], env=env, capture_output=True)
            done = subprocess.run(install, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"wrk is missing and apt-get install wrk failed: {done.stderr.strip()[-500:]}")
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk was installed but is not on PATH")
    return found


@contextmanager
def process(argv: list[str], *, cwd: Path, env: dict[str, str], ready: str, log: Path
            ) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run a server on a free port of 127.0.0.1 (``{port}`` in argv): its base URL and process, once ``ready``
    answers 200; stopped with SIGINT (uvicorn's graceful shutdown), then SIGKILL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(log, "wb") as out:
        proc = subprocess.Popen([a.format(port=port) for a in argv], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{argv[:4]} exited with {proc.returncode}: {log.read_text()[-2000:]}")
            try:
                if httpx.get(base + ready, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{argv[:4]} did not answer {ready} in 90 s: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _clean_env() -> dict[str, str]:
    """The environment without anything that would point the server away from the embedded default."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("DYNASTORE_", "DYNAMODB_", "BLOG_"))}


def serve_argv() -> list[str]:
    return [sys.executable, "-m", "dynastore", "serve", "--port", "{port}", "--workers", str(WORKERS),
            "--log-level", "warning"]


def static_argv() -> list[str]:
    return [sys.executable, "-m", "benchmarks.web_load", "{port}"]


def baseline_app() -> Any:
    """uvicorn factory: every GET answered with the saved post page, every POST with the saved like fragment."""
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    saved = Path(os.environ["DYNASTORE_WEB_LOAD_BASELINE"])
    page, fragment = (saved / "page.html").read_bytes(), (saved / "fragment.html").read_bytes()

    async def answer(request: Any) -> Response:
        return Response(page if request.method == "GET" else fragment, media_type="text/html")

    return Starlette(routes=[Route("/{path:path}", answer, methods=["GET", "POST"])])


def serve_static(port: int) -> None:
    """`baseline_app` on 127.0.0.1:port with `WORKERS` workers, by ``dynastore serve``'s own uvicorn runner
    (which also gives the shared listening socket TCP_NODELAY)."""
    import uvicorn

    from dynastore.cli.serve import run_uvicorn

    run_uvicorn(uvicorn.Config(STATIC_APP, factory=True, host="127.0.0.1", port=port, workers=WORKERS,
                        log_level="warning"))


# -- the blog's pages --------------------------------------------------------------


class _Tokens(HTMLParser):
    """The CSRF token of a page: from ``<body hx-headers>`` or a ``csrf_token`` form field."""

    def __init__(self) -> None:
        super().__init__()
        self.token: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "body" and a.get("hx-headers"):
            self.token = self.token or json.loads(a["hx-headers"] or "{}").get("X-CSRF-Token")
        elif tag == "input" and a.get("name") == "csrf_token":
            self.token = self.token or a.get("value")


def csrf_token(html: str) -> str:
    p = _Tokens()
    p.feed(html)
    if not p.token:
        raise RuntimeError("no CSRF token on the page")
    return p.token


def log_in(base: str, username: str) -> tuple[str, str]:
    """Log ``username`` in through the login form: (session cookie, the session's CSRF token)."""
    with httpx.Client(base_url=base, follow_redirects=False, timeout=10) as c:
        form = c.get("/login")
        done = c.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                      "csrf_token": csrf_token(form.text)})
        session = c.cookies.get("dynastore_session")
        if done.status_code >= 400 or not session:
            raise RuntimeError(f"logging in as {username} failed: {done.status_code} {done.text[:200]}")
        return session, csrf_token(c.get(f"/posts/{DEMO_POSTS[0]}").text)


def check_like(base: str, session: str, token: str) -> str:
    """One like through the htmx path, as wrk will send it; the fragment it answers."""
    r = httpx.post(f"{base}/posts/{DEMO_POSTS[0]}/like", timeout=10, headers={
        "X-CSRF-Token": token, "HX-Request": "true", "Cookie": f"dynastore_session={session}"})
    if r.status_code != 200 or 'id="like-count"' not in r.text:
        raise RuntimeError(f"the like endpoint answered {r.status_code}: {r.text[:300]}")
    return r.text


# -- wrk ---------------------------------------------------------------------------


def wrk(exe: str, base: str, scenario: Scenario, users: list[tuple[str, str]], *, seconds: float, limit: int,
        script_dir: Path) -> Result:
    """One wrk run: ``seconds`` at most and ``limit`` requests per thread at most."""
    who = users if scenario.logged_in else [("", "")]
    lua = _LUA % {
        "users": ", ".join(f'{{"{c}", "{t}"}}' for c, t in who),
        "paths": ", ".join(f'"/posts/{p}{"/like" if scenario.method == "POST" else ""}"' for p in DEMO_POSTS),
        "method": scenario.method, "limit": limit,
    }
    script = script_dir / "wrk.lua"
    script.write_text(lua)
    argv = [exe, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--timeout", "5s",
            "-s", str(script), base]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRK ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()[-500:]} {done.stdout[-500:]}")
    d = json.loads(line[4:])
    return Result(d["requests"], d["seconds"], d["p50_us"] / 1000, d["p99_us"] / 1000, d["max_us"] / 1000,
                  d["errors"], d["non_2xx"], capped=d["requests"] >= THREADS * limit - CONNECTIONS)


def _median(results: list[Result]) -> Result:
    """Median of each figure over the rounds; errors summed (any error counts)."""
    rps = statistics.median(r.rps for r in results)
    return Result(round(rps * 1000), 1000.0, statistics.median(r.p50_ms for r in results),
                  statistics.median(r.p99_ms for r in results), max(r.max_ms for r in results),
                  sum(r.errors for r in results), sum(r.non_2xx for r in results), any(r.capped for r in results))


# -- the benchmark ------------------------------------------------------------------


def run(cfg: Config, report: Report, console: Console) -> None:
    exe = ensure_wrk()
    seconds, limit = cfg.n(5, 2), cfg.n(50_000, 20_000)
    rounds = 1 if cfg.quick else cfg.rounds
    measured: dict[tuple[str, str], list[Result]] = {}
    with tempfile.TemporaryDirectory(prefix="dynastore-bench-web-") as tmp_name:
        tmp = Path(tmp_name)
        saved, store_dir = tmp / "baseline", tmp / "serve"
        saved.mkdir()
        store_dir.mkdir()
        console.print(f"starting dynastore serve --workers {WORKERS} (embedded default, demo data) and the "
                      f"static baseline ({WORKERS} workers) ...")
        with ExitStack() as stack:
            ours, serve_proc = stack.enter_context(_start_serve(store_dir, tmp, console))
            users = [log_in(ours, u) for u in USERS]
            (saved / "page.html").write_bytes(httpx.get(f"{ours}/posts/{DEMO_POSTS[0]}").content)
            (saved / "fragment.html").write_text(check_like(ours, *users[0]))
            env = {**_clean_env(), "DYNASTORE_WEB_LOAD_BASELINE": str(saved)}
            static, _ = stack.enter_context(process(static_argv(), cwd=_ROOT, env=env, log=tmp / "static.log",
                                                    ready="/"))
            servers = {"serve": ours, "static": static}
            for url in servers.values():  # warm each: imports, templates, SQLite caches
                wrk(exe, url, SCENARIOS[0], users, seconds=1, limit=500, script_dir=tmp)
            for r in range(rounds):
                for scenario in SCENARIOS:
                    order = list(servers.items())
                    order = order[r % len(order):] + order[:r % len(order)]
                    for side, url in order:
                        res = wrk(exe, url, scenario, users, seconds=seconds, limit=limit, script_dir=tmp)
                        measured.setdefault((scenario.name, side), []).append(res)
                        console.print(f"  round {r + 1} {scenario.name} on {side}: {res.rps:,.0f} req/s, "
                                      f"p50 {res.p50_ms:.1f} ms, p99 {res.p99_ms:.1f} ms, "
                                      f"errors {res.errors}, non-2xx {res.non_2xx}"
                                      f"{' (request limit reached: a lower bound)' if res.capped else ''}",
                                      highlight=False)
            for scenario in (SCENARIOS[0], SCENARIOS[2]) if cfg.profile else ():
                text = _profile_workers(exe, ours, serve_proc.pid, scenario, users, tmp)
                report.profiles[f"{BENCH}/{scenario.name}"] = text
                console.print(f"[bold]profile {BENCH}/{scenario.name}[/] (py-spy, the serve workers)\n{text}",
                              highlight=False)
    _report(report, {k: _median(v) for k, v in measured.items()}, seconds, limit, rounds)


@contextmanager
def _start_serve(store_dir: Path, tmp: Path, console: Console) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``dynastore serve --workers 2`` on a fresh store, ready when the last demo post answers."""
    with process(serve_argv(), cwd=store_dir, env=_clean_env(), log=tmp / "serve.log",
                 ready=f"/posts/{DEMO_POSTS[-1]}") as started:
        yield started


def _report(report: Report, m: dict[tuple[str, str], Result], seconds: float, limit: int, rounds: int) -> None:
    ours_label, static_label = f"serve -w{WORKERS}", f"static page -w{WORKERS}"
    errors = 0
    for s in SCENARIOS:
        ours, static = m[(s.name, "serve")], m[(s.name, "static")]
        for side, r in (("serve", ours), ("static", static)):
            for figure, value in (("req/s", r.rps), ("p50 ms", r.p50_ms), ("p99 ms", r.p99_ms)):
                report.figure(BENCH, f"{s.name} {figure}", side, value)
        errors += ours.errors + ours.non_2xx
        if s.views_target:
            report.add(Row(BENCH, f"{s.name}: views/s", ours_label, ours.rps, "target", TARGET_VIEWS,
                           unit="req/s", ratio_min=1.0, target_text=f">= {TARGET_VIEWS:g}/s"))
        report.add(Row(BENCH, f"{s.name}: req/s", ours_label, ours.rps, static_label, static.rps, unit="req/s"))
        judged = s.views_target or s.method == "POST"
        report.add(Row(BENCH, f"{s.name}: p99", ours_label, ours.p99_ms, static_label, static.p99_ms, unit="ms",
                       value_max=TARGET_P99_MS if judged else None))
        report.note(BENCH, f"{s.name}: p50 {ours.p50_ms:.1f} ms (static page {static.p50_ms:.1f} ms)")
    report.add(Row(BENCH, "errors and non-2xx answers", ours_label, errors, unit="answers", value_max=1,
                   target_text="none"))
    capped = sorted({f"{name} on {side}" for (name, side), r in m.items() if r.capped})
    if capped:
        report.note(BENCH, "request limit reached (req/s is a lower bound): " + "; ".join(capped))
    report.note(BENCH, f"wrk {THREADS} threads, {CONNECTIONS} connections, {seconds:g} s or {limit:,} requests per "
                f"thread per run, median of {rounds} round(s), the servers in turns; 127.0.0.1 only; "
                "latency ratios are ours / the static page's (higher is slower)")


def _profile_workers(exe: str, url: str, supervisor: int, scenario: Scenario, users: list[tuple[str, str]],
                     tmp: Path) -> str:
    """py-spy samples of the server's workers while wrk runs ``scenario``: their busy time by function.

    Every worker is sampled: the kernel may hand all of wrk's few connections to one of them.
    """
    spy = shutil.which("py-spy")
    if spy is None:
        return "py-spy is not on PATH (pip install py-spy, outside the project's venv, to profile the workers)\n"
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    workers = [p for p in children if "multiprocessing-fork" in Path(f"/proc/{p}/cmdline").read_text()]
    samplers = {tmp / f"worker-{p}.spy": subprocess.Popen(
        [spy, "record", "-p", p, "-d", "5", "-r", "250", "-f", "raw", "-o", str(tmp / f"worker-{p}.spy")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for p in workers}
    try:
        wrk(exe, url, scenario, users, seconds=7, limit=10**7, script_dir=tmp)  # outlasts the sampling
    finally:
        errors = {s: s.communicate(timeout=60)[1] for s in samplers.values()}
    failed = [err.strip()[-300:] for s, err in errors.items() if s.returncode]
    if failed:
        return f"py-spy failed: {failed}\n"
    return summarize_samples("\n".join(out.read_text() for out in samplers), len(workers))


#: leaf frames of a thread that waits (py-spy's raw output keeps some of them)
_IDLE = ("Condition.wait", "EpollSelector.select", "Connection._recv", "BaseSelectorEventLoop._read_from_self")


def summarize_samples(raw: str, workers: int = 1, top: int = 25) -> str:
    """py-spy's raw stacks (``a;b;c count`` per line): the busy samples' share by own time, and by inclusive
    time in dynastore's own frames (the framework's wrappers would fill that list otherwise)."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    busy = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not stack or frames[-1].startswith(_IDLE):
            continue
        busy += int(count)
        own[frames[-1]] += int(count)
        inclusive.update(dict.fromkeys(frames, int(count)))
    ours = Counter({frame: n for frame, n in inclusive.items() if "dynastore/" in frame})
    text = [f"{busy} busy samples of {workers} worker(s)"]
    for title, counts in (("own time", own), ("inclusive time, dynastore's frames", ours)):
        text.append(f"  by {title}:")
        text += [f"    {100 * n / max(busy, 1):5.1f}%  {frame}" for frame, n in counts.most_common(top)]
    return "\n".join(text) + "\n"

if __name__ == "__main__":  # python -m benchmarks.web_load PORT: the baseline server
    serve_static(int(sys.argv[1]))
