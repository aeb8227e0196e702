"""A loopback HTTP proxy in front of DynamoDB Local or moto that plays AWS's credential checks.

It reads who signed each request (the access key in ``Authorization``, the
``X-Amz-Security-Token``), refuses the ones the test revoked with the error
AWS sends for an expired token, and forwards the rest. Forwarded requests are
re-signed as one fixed access key, because DynamoDB Local keeps one database
per access key: rotated credentials must see the same tables, as they do on AWS.
Every request is logged, so a test can count what reached the server.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")
_UPSTREAM_KEY = "resilience"


@dataclass(frozen=True)
class Seen:
    access_key: str | None
    token: str | None
    operation: str  # DynamoDB's X-Amz-Target action, else "METHOD /path"
    forwarded: bool


class AuthProxy:
    def __init__(self, upstream: str, *, s3: bool = False):
        parts = urlsplit(upstream)
        assert parts.hostname == "127.0.0.1" and parts.port
        self._upstream = (parts.hostname, parts.port)
        self.s3 = s3
        self.revoked: set[str] = set()  # access keys and session tokens AWS no longer accepts
        self.code = "ExpiredTokenException" if not s3 else "ExpiredToken"
        self.log: list[Seen] = []
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                with proxy._lock:
                    proxy._connections.add(self.connection)

            def _handle(self) -> None:
                proxy._handle(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop listening and cut the kept-alive connections too: the server is gone."""
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            for c in self._connections:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def seen(self, operation: str | None = None) -> list[Seen]:
        with self._lock:
            return [s for s in self.log if operation is None or s.operation == operation]

    def forwarded(self, operation: str) -> int:
        return sum(1 for s in self.seen(operation) if s.forwarded)

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        auth = h.headers.get("Authorization") or ""
        m = _CREDENTIAL.search(auth)
        key = m.group(1) if m else None
        token = h.headers.get("X-Amz-Security-Token")
        target = h.headers.get("X-Amz-Target")
        op = target.split(".")[-1] if target else f"{h.command} {urlsplit(h.path).path}"
        refused = bool({key, token} & self.revoked)
        with self._lock:
            self.log.append(Seen(key, token, op, not refused))
        if refused:
            self._refuse(h)
            return
        headers = {k: v for k, v in h.headers.items() if k.lower() not in ("host", "connection")}
        if m:
            headers["Authorization"] = auth.replace(f"Credential={key}/", f"Credential={_UPSTREAM_KEY}/")
        conn = http.client.HTTPConnection(*self._upstream, timeout=30)
        try:
            conn.request(h.command, h.path, body=body if body else None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            h.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                    h.send_header(k, v)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            if h.command != "HEAD":
                h.wfile.write(data)
        finally:
            conn.close()

    def _refuse(self, h: BaseHTTPRequestHandler) -> None:
        message = "The security token included in the request is expired"
        if self.s3:
            data = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{self.code}</Code>"
                    f"<Message>{message}</Message></Error>").encode()
            ctype = "application/xml"
        else:
            data = json.dumps({"__type": f"com.amazon.coral.service#{self.code}", "message": message}).encode()
            ctype = "application/x-amz-json-1.0"
        h.send_response(400)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(data)


def unique_name(suffix: str = "t") -> str:
    """A table (or bucket) name no other test uses."""
    return f"rs{uuid.uuid4().hex[:10]}-{suffix}"


@contextmanager
def auth_proxy(upstream: str, *, s3: bool = False) -> Iterator[AuthProxy]:
    p = AuthProxy(upstream, s3=s3)
    try:
        yield p
    finally:
        p.close()
