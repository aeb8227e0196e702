"""``/healthz`` and ``/metrics``: what a load balancer and Prometheus ask of the API."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

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
    """Count and time requests per route template (``/api/sessions/{session_id}``, not each id)."""
    requests = Counter("dynastore_http_requests", "HTTP requests", ("method", "route", "status"),
                       registry=ctx.registry)
    latency = Histogram("dynastore_http_request_duration_seconds", "HTTP request latency", ("method", "route"),
                        registry=ctx.registry)

    @app.middleware("http")
    async def _observe(request: Request, call_next: Any) -> Any:
        start = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = request.scope.get("route")
            template = getattr(route, "path", "unmatched")
            requests.labels(request.method, template, str(status)).inc()
            latency.labels(request.method, template).observe(time.perf_counter() - start)
