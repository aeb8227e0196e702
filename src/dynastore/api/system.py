"""``/healthz`` and ``/metrics``: what a load balancer and Prometheus ask of the API."""

from __future__ import annotations

import time

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .context import ApiContext, Context

router = APIRouter(tags=["system"])


@router.get("/healthz", summary="Health of the store behind the API",
            responses={503: {"description": "The store is unreachable or a table is missing"}})
def healthz(ctx: Context) -> JSONResponse:
    """200 when the store is reachable and every table the API uses is ACTIVE (``degraded`` too:
    writes go to the offline fallback); 503 otherwise. The body is `dynastore health --json`'s."""
    health = ctx.store.health()
    return JSONResponse(health.to_dict(), status_code=503 if health.status == "unreachable" else 200)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
def metrics(ctx: Context) -> Response:
    """The store's operations, the HTTP requests and each application store's own counters."""
    return Response(generate_latest(ctx.registry), media_type=CONTENT_TYPE_LATEST)


def instrument(app: FastAPI, ctx: ApiContext) -> None:
    """Count and time requests per route template (``/api/sessions/{session_id}``, not each id), and
    answer HEAD wherever GET is answered."""
    app.add_middleware(_Observe, registry=ctx.registry)
    app.add_middleware(_HeadAsGet)


class _HeadAsGet:
    """HEAD is GET without the body (RFC 9110), which uptime checks and ``curl -I`` rely on; FastAPI's
    routes answer only the methods they declare, so a HEAD of a page was a 405 (or the blog's 404)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class _Observe:
    """Plain ASGI middleware: Starlette's ``@app.middleware("http")`` wraps every response in a stream
    of its own, which costs more than the blog's whole page view on the embedded store."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry):
        self.app = app
        self.requests = Counter("dynastore_http_requests", "HTTP requests", ("method", "route", "status"),
                                registry=registry)
        self.latency = Histogram("dynastore_http_request_duration_seconds", "HTTP request latency",
                                 ("method", "route"), registry=registry)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            # routing wrote the matched route into this same scope (a mounted app's own route too)
            template = getattr(scope.get("route"), "path", "unmatched")
            self.requests.labels(scope["method"], template, str(status)).inc()
            self.latency.labels(scope["method"], template).observe(time.perf_counter() - start)
