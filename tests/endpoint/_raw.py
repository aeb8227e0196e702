"""Raw DynamoDB JSON requests, for comparing `dynastore endpoint` with DynamoDB Local byte for byte."""

from __future__ import annotations

import gzip
import http.client
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

AUTH = ("AWS4-HMAC-SHA256 Credential=dummy/20240101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host;x-amz-date;x-amz-target, Signature=00")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def body(self) -> Any:
        return json.loads(self.raw)

    @property
    def error_type(self) -> str:
        return str(self.body["__type"]).rsplit("#", 1)[-1]

    @property
    def message(self) -> str | None:
        b = self.body
        return b.get("Message", b.get("message"))


def canonical(v: Any) -> Any:
    """An answer's values with set members sorted, to compare answers whatever order each server lists them in."""
    if isinstance(v, dict):
        return {k: sorted(x) if k in ("SS", "NS", "BS") else canonical(x) for k, x in v.items()}
    if isinstance(v, list):
        return [canonical(x) for x in v]
    return v


def send(url: str, operation: str | None, body: Any, *, auth: str | None = AUTH, gzipped: bool = False,
         conn: http.client.HTTPConnection | None = None, service: str = "DynamoDB_20120810") -> Reply:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/x-amz-json-1.0"}
    if operation is not None:
        headers["X-Amz-Target"] = f"{service}.{operation}"
    if auth is not None:
        headers["Authorization"] = auth
    if gzipped:
        data = gzip.compress(data)
        headers["Content-Encoding"] = "gzip"
    parts = urlsplit(url)
    own = conn is None
    c = conn or http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        c.request("POST", "/", body=data, headers=headers)
        r = c.getresponse()
        return Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        if own:
            c.close()


@contextmanager
def table_on_each(servers: dict[str, str], create: dict[str, Any], items: tuple[Any, ...] | list[Any] = ()) -> Iterator[str]:
    """The same table (CreateTable body ``create``, then ``items`` put) on every server; deleted afterwards."""
    try:
        for url in servers.values():
            r = send(url, "CreateTable", create)
            assert r.status == 200, r.raw
            for it in items:
                assert send(url, "PutItem", {"TableName": create["TableName"], "Item": it}).status == 200
        yield create["TableName"]
    finally:
        for url in servers.values():
            send(url, "DeleteTable", {"TableName": create["TableName"]})
