"""Faults injected at botocore's HTTP layer (the ``before-send`` event), against a real server.

A ``before-send`` handler sees the signed request just before it goes on the
wire; returning a response short-circuits the send, raising an exception looks
like a transport failure. Nothing of dynastore is replaced: its retry logic and
botocore's run exactly as they would against AWS.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import urllib3
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.exceptions import ReadTimeoutError

_http = urllib3.PoolManager()


class _Raw:
    def __init__(self, body: bytes):
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


def response(status: int, body: dict[str, Any], url: str = "http://127.0.0.1/") -> AWSResponse:
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/x-amz-json-1.0", "Content-Length": str(len(data))}
    return AWSResponse(url, status, headers, _Raw(data))


def error(code: str, message: str = "injected") -> AWSResponse:
    return response(400, {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message})


def send(request: AWSPreparedRequest, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """Send the request (or the same request with another JSON body) to the real server."""
    data = request.body if body is None else json.dumps(body).encode()
    if isinstance(data, str):
        data = data.encode()
    headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
    headers["Content-Length"] = str(len(data or b""))
    r = _http.request(request.method, request.url, body=data, headers=headers, retries=False)
    assert r.status == 200, r.data
    return json.loads(r.data)  # type: ignore[no-any-return]


class Injector:
    """Counts the sends of one operation and decides, per send, what happens to it."""

    def __init__(self, client: Any, operation: str, fault: Callable[[int, AWSPreparedRequest], AWSResponse | None]):
        self.sends = 0
        self._fault = fault
        self._client = client
        self._event = f"before-send.dynamodb.{operation}"
        client.meta.events.register(self._event, self)

    def __call__(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse | None:
        self.sends += 1
        return self._fault(self.sends, request)

    def remove(self) -> None:
        self._client.meta.events.unregister(self._event, self)


def throttle(times: int, code: str = "ProvisionedThroughputExceededException") -> Callable[..., AWSResponse | None]:
    """Refuse the first ``times`` sends as throttled; let the rest through."""
    return lambda n, request: error(code, "Rate of requests exceeds the allowed throughput") if n <= times else None


def lose_response(times: int) -> Callable[..., AWSResponse | None]:
    """The first ``times`` sends reach the server and run, but their answer never arrives."""

    def fault(n: int, request: AWSPreparedRequest) -> None:
        if n <= times:
            send(request)
            raise ReadTimeoutError(endpoint_url=request.url, error="response lost (injected)")

    return fault


def refuse_connection(times: int) -> Callable[..., AWSResponse | None]:
    """The first ``times`` sends never reach the server."""
    from botocore.exceptions import EndpointConnectionError

    def fault(n: int, request: AWSPreparedRequest) -> None:
        if n <= times:
            raise EndpointConnectionError(endpoint_url=request.url)

    return fault


def process_part(rounds: int, keep: int) -> Callable[..., AWSResponse | None]:
    """BatchWriteItem/BatchGetItem: for ``rounds`` sends, the server gets only ``keep`` requests per
    table and the rest come back unprocessed, as DynamoDB does when a partition is hot."""

    def fault(n: int, request: AWSPreparedRequest) -> AWSResponse | None:
        if n > rounds:
            return None
        body = json.loads(request.body)
        items = body["RequestItems"]
        gets = any(isinstance(v, dict) for v in items.values())
        sent: dict[str, Any] = {}
        left: dict[str, Any] = {}
        for table, reqs in items.items():
            if gets:
                keys = reqs["Keys"]
                if keys[:keep]:
                    sent[table] = {**reqs, "Keys": keys[:keep]}
                if keys[keep:]:
                    left[table] = {**reqs, "Keys": keys[keep:]}
            else:
                if reqs[:keep]:
                    sent[table] = reqs[:keep]
                if reqs[keep:]:
                    left[table] = reqs[keep:]
        answer: dict[str, Any] = send(request, {**body, "RequestItems": sent}) if sent else {}
        if gets:
            answer.setdefault("Responses", {})
            answer["UnprocessedKeys"] = {**answer.get("UnprocessedKeys", {}), **left}
        else:
            answer["UnprocessedItems"] = {**answer.get("UnprocessedItems", {}), **left}
        return response(200, answer, request.url)

    return fault
