"""The HTTP side: DynamoDB's JSON 1.0 protocol on the standard library's threading HTTP server."""

from __future__ import annotations

import gzip
import json
import logging
import queue
import threading
import time
import traceback
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Mapping
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..errors import (
    ConditionFailed,
    DynastoreError,
    IdempotencyMismatch,
    TableExists,
    TableNotFound,
    TransactionCanceled,
    ValidationError,
)
from . import auth
from .items import _canceled, _failed
from .service import OPERATIONS, STREAM_OPERATIONS, Service, describe_endpoints
from .wire import ApiError, Json, envelope

log = logging.getLogger("dynastore.endpoint")

_TARGET_PREFIX = "DynamoDB_20120810."
_STREAMS_PREFIX = "DynamoDBStreams_20120810."
_CONTENT_TYPE = "application/x-amz-json-1.0"
#: answers are trees built here, never cyclic: skipping the cycle check (and json.dumps making an encoder per
#: call) makes a 50-item Query's answer 1.2-1.7x faster to write
_to_json = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode


def as_api_error(e: BaseException) -> ApiError:
    """Any failure as the envelope DynamoDB would answer with."""
    if isinstance(e, ApiError):
        return e
    if isinstance(e, ConditionFailed):
        return _failed(e)
    if isinstance(e, TransactionCanceled):
        return _canceled(e)
    if isinstance(e, TableNotFound):
        return ApiError("ResourceNotFoundException", "Cannot do operations on a non-existent table")
    if isinstance(e, TableExists):
        return ApiError("ResourceInUseException", e.message)
    if isinstance(e, IdempotencyMismatch):
        return ApiError("IdempotentParameterMismatchException", e.message)
    if isinstance(e, ValidationError):
        return ApiError("ValidationException", e.message)
    if isinstance(e, DynastoreError) and e.code not in ("InternalServerError", "ServiceUnavailable"):
        return ApiError(e.code, e.message)
    log.error("internal failure: %s", "".join(traceback.format_exception(e)))
    return ApiError("InternalFailure",
                    "The request processing has failed because of an unknown error, exception or failure.", status=500)


#: what http.server refuses too: longer header lines, more header lines
_MAX_LINE = 65536
_MAX_HEADERS = 100


class _Headers:
    """A request's headers by lower-case name: the two lookups `email.message.Message` is used for here.

    http.server hands header parsing to the email package, which was about half
    of the server's fixed cost per request (~50 us of ~110, measured with raw requests).
    """

    __slots__ = ("_h",)

    def __init__(self, h: dict[str, str]):
        self._h = h

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._h.get(name.lower(), default)

    def items(self) -> Any:
        return self._h.items()


class _Date:
    """The ``Date`` header's text, formatted once a second rather than once a request."""

    def __init__(self) -> None:
        self._cached = (-1, "")  # one tuple, replaced whole: threads never see a second with another's text

    def __call__(self) -> str:
        now = time.time()
        second, text = self._cached
        if int(now) != second:
            text = formatdate(now, usegmt=True)
            self._cached = (int(now), text)
        return text


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: SDKs reuse their connections
    # Headers and body leave in two writes; with Nagle's algorithm the second waits for a delayed ACK (40 ms).
    disable_nagle_algorithm = True
    server: EndpointServer
    raw_requestline: bytes  # set by http.server before parse_request
    _date = _Date()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def parse_request(self) -> bool:
        """``POST ... HTTP/1.1`` (every SDK call) parsed here; anything else by http.server."""
        line = self.raw_requestline
        if not (line.startswith(b"POST ") and line.endswith(b" HTTP/1.1\r\n")) or line.count(b" ") != 2:
            return super().parse_request()
        self.command, self.request_version = "POST", "HTTP/1.1"
        self.requestline = line[:-2].decode("latin-1")
        self.path = self.requestline[5:-9]
        headers: dict[str, str] = {}
        last = ""
        for _ in range(_MAX_HEADERS + 1):
            raw = self.rfile.readline(_MAX_LINE + 1)
            if len(raw) > _MAX_LINE:
                self.send_error(431, "Line too long")
                return False
            if raw in (b"\r\n", b"\n", b""):
                break
            if raw[:1] in (b" ", b"\t") and last:  # an obsolete folded continuation line
                headers[last] += " " + raw.strip().decode("latin-1")
                continue
            name, sep, value = raw.partition(b":")
            if not sep:
                self.send_error(400, "Bad header line")
                return False
            last = name.strip().lower().decode("latin-1")
            headers.setdefault(last, value.strip().decode("latin-1"))  # the first of repeated ones, as email's get
        else:
            self.send_error(431, "Too many headers")
            return False
        self.headers = _Headers(headers)  # type: ignore[assignment]  # only .get and .items are used
        self.close_connection = headers.get("connection", "").lower() == "close"
        if headers.get("expect", "").lower() == "100-continue":
            return self.handle_expect_100()
        return True

    def do_GET(self) -> None:
        # What DynamoDB answers a plain GET with (load balancers' health checks use it).
        self._send(200, b"healthy: dynastore endpoint", "text/plain")

    def do_POST(self) -> None:
        request_id = str(uuid.uuid4())
        try:
            status, body = 200, self._handle()
        except Exception as e:  # noqa: BLE001 -- every failure becomes DynamoDB's error envelope
            err = as_api_error(e)
            status, body = err.status, envelope(err.code, err.message) | err.extra
        data = _to_json(body).encode()
        self._send(status, data, _CONTENT_TYPE, request_id)

    def _handle(self) -> Json:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        target = self.headers.get("X-Amz-Target") or ""
        srv = self.server
        try:
            caller = auth.caller(self.headers.get("Authorization"))
        except ApiError:
            if srv.auth_keys is not None:
                raise
            caller = auth.Caller("anonymous", srv.default_region, "", [], "")
        if srv.auth_keys is not None:
            auth.verify(caller, srv.auth_keys, "POST", self.path, dict(self.headers.items()), raw)
        operation = target.partition(".")[2]
        if target.startswith(_TARGET_PREFIX) and operation == "DescribeEndpoints":
            return describe_endpoints(self.headers.get("Host") or srv.url.removeprefix("http://"))
        table = OPERATIONS if target.startswith(_TARGET_PREFIX) else STREAM_OPERATIONS if target.startswith(
            _STREAMS_PREFIX) else {}
        handler = table.get(operation)
        if handler is None:
            raise ApiError("UnknownOperationException", "An unknown operation was requested.")
        if (self.headers.get("Content-Encoding") or "").lower() == "gzip":
            try:
                raw = gzip.decompress(raw)
            except (OSError, EOFError) as e:
                raise ApiError("SerializationException", f"gzip body could not be decompressed: {e}") from None
        try:
            req = json.loads(raw or b"{}")
        except ValueError:
            raise ApiError("SerializationException", "Start of structure or map found where not expected.") from None
        if not isinstance(req, dict):
            raise ApiError("SerializationException", "Start of structure or map found where not expected.")
        ns = srv.service.namespace(caller.access_key, caller.region)
        try:
            if ns.inline or srv.resident():
                return handler(ns, req)
            # On the worker pool: the embedded engine keeps a SQLite connection per thread, and this connection's
            # thread ends with it (see `EndpointServer.process_request`).
            return srv.workers.submit(handler, ns, req).result()
        except (KeyError, TypeError, AttributeError) as e:
            # A member of the wrong JSON type: DynamoDB fails deserialising it.
            log.debug("request refused as unreadable", exc_info=True)
            raise ApiError("SerializationException", f"Unexpected value type in payload: {e}") from None

    def _send(self, status: int, data: bytes, content_type: str, request_id: str | None = None) -> None:
        # Status line, headers and body leave in one write: send_response/end_headers + a second write cost a
        # syscall more per request, and their formatting is a good part of a small answer's time.
        if log.isEnabledFor(logging.DEBUG):
            self.log_request(status, len(data))
        extra = f"x-amzn-RequestId: {request_id}\r\nx-amz-crc32: {zlib.crc32(data)}\r\n" if request_id else ""
        reason = self.responses.get(status, ("Error",))[0]
        head = (f"{self.protocol_version} {status} {reason}\r\nServer: {self.version_string()}\r\n"
                f"Date: {self._date()}\r\nContent-Type: {content_type}\r\n{extra}"
                f"Content-Length: {len(data)}\r\n\r\n")
        self.wfile.write(head.encode("latin-1") + data)


class EndpointServer(ThreadingHTTPServer):
    """``dynastore endpoint``: DynamoDB's API over embedded engines.

    ``port=0`` picks a free port (see `url`). ``auth_keys`` maps access keys to
    secret keys; when given, requests must be signed with one of them.
    Connections are served by up to ``resident_threads`` long-lived threads,
    one connection after another, which run the operations themselves; more
    connections at once get a thread each, whose operations run on
    ``workers`` threads (the engine keeps a SQLite connection per thread, so
    threads that come and go must not touch it).
    """

    daemon_threads = True
    allow_reuse_address = True
    # socketserver listens with a queue of 5: SDK pools open dozens of connections at once (the JS SDK up to 50),
    # and a connection the full queue turns away waits for the client's SYN retries (1, 3, 7 ... s).
    request_queue_size = 1024

    def __init__(self, host: str = "127.0.0.1", port: int = 8000, *, db: str | None = None, shared_db: bool = False,
                 auth_keys: Mapping[str, str] | None = None, default_region: str = "us-east-1",
                 service: Service | None = None, workers: int = 8, resident_threads: int = 16,
                 ttl_sweep_seconds: float | None = 60.0):
        self.service = service or Service(db, shared=shared_db)
        self.auth_keys = dict(auth_keys) if auth_keys is not None else None
        self.default_region = default_region
        self._thread: threading.Thread | None = None
        #: runs the operations: a thread per connection would open (and never close) a SQLite connection each
        self.workers = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dynastore-endpoint")
        # Resident threads save the hand-off to a worker (about half of a GetItem's time in the server).
        self._resident_max = resident_threads
        self._residents: list[threading.Thread] = []
        self._idle = 0
        self._pending: queue.SimpleQueue[tuple[Any, Any] | None] = queue.SimpleQueue()
        self._pool_lock = threading.Lock()
        self._local = threading.local()
        self.ttl_sweep_seconds = ttl_sweep_seconds
        self._stop = threading.Event()
        self._sweeper: threading.Thread | None = None
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._pool_lock:
            if self._idle:
                self._idle -= 1
                self._pending.put((request, client_address))
                return
            if len(self._residents) < self._resident_max:
                t = threading.Thread(target=self._serve_resident, args=(request, client_address),
                                     name=f"dynastore-endpoint-conn-{len(self._residents)}", daemon=True)
                self._residents.append(t)
                t.start()
                return
        super().process_request(request, client_address)  # a thread of its own, operations on the workers

    def _serve_resident(self, request: Any, client_address: Any) -> None:
        self._local.resident = True
        while True:
            self.process_request_thread(request, client_address)
            with self._pool_lock:
                self._idle += 1
            nxt = self._pending.get()
            if nxt is None:
                return
            request, client_address = nxt

    def resident(self) -> bool:
        """Whether the calling thread is a resident one (it may run operations itself)."""
        return getattr(self._local, "resident", False)

    def start(self) -> EndpointServer:
        """Serve on a background thread; `close` stops it."""
        self._thread = threading.Thread(target=self.serve_forever, name="dynastore-endpoint", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        if self.ttl_sweep_seconds and self._sweeper is None:
            self._sweeper = threading.Thread(target=self._sweep, name="dynastore-endpoint-ttl", daemon=True)
            self._sweeper.start()
        super().serve_forever(poll_interval)

    def _sweep(self) -> None:
        """Expired items disappear in the background, as DynamoDB's TTL process deletes them (it takes days there)."""
        assert self.ttl_sweep_seconds
        while not self._stop.wait(self.ttl_sweep_seconds):
            try:
                self.service.sweep_expired()
            except Exception:  # noqa: BLE001 -- a failed sweep is retried next time; serving goes on
                log.warning("TTL sweep failed", exc_info=True)

    def close(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
            self._thread = None
        self.server_close()

    def server_close(self) -> None:
        self._stop.set()
        for _ in self._residents:  # the idle ones end; busy ones are daemons, as other connection threads are
            self._pending.put(None)
        if self._sweeper is not None:
            self._sweeper.join()
            self._sweeper = None
        super().server_close()
        self.workers.shutdown(wait=True)
        self.service.close()

    def __enter__(self) -> EndpointServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
