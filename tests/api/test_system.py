"""What every deployment of the API has: health, metrics, OpenAPI docs and one error body."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dynastore import open_store
from dynastore.api import create_app


def test_healthz_reports_the_store_and_its_tables(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["reachable"] is True
    assert body["tables"] and all(status == "ACTIVE" for status in body["tables"].values())


def test_healthz_is_503_when_the_store_is_unreachable() -> None:
    # nothing listens on port 9 of the loopback: connection refused at once
    store = open_store("dynamodb://?endpoint=http://127.0.0.1:9&region=us-east-1&max_attempts=1")
    with TestClient(create_app(store, routers=())) as c:
        r = c.get("/healthz")
    assert r.status_code == 503
    assert r.json()["status"] == "unreachable"


def test_metrics_count_requests_by_route_and_show_the_stores_operations(client: TestClient) -> None:
    client.get("/healthz")
    client.get("/no/such/page")
    text = client.get("/metrics").text
    assert 'dynastore_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert 'route="unmatched",status="404"' in text
    assert "dynastore_operations_total{" in text


def test_openapi_documents_every_route_and_the_error_body(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/healthz" in schema["paths"] and "/metrics" in schema["paths"]
    assert "ErrorBody" in schema["components"]["schemas"]
    assert client.get("/docs").status_code == 200


def test_an_unknown_route_answers_the_error_body(client: TestClient) -> None:
    r = client.get("/no/such/page")
    assert r.status_code == 404
    assert r.json() == {"error": {"type": "HTTPException", "code": "http", "message": "Not Found", "details": None}}


def test_a_wrong_method_names_every_method_the_path_serves(client: TestClient) -> None:
    """GET and POST on /api/generations are two routes; a 405 must list both (Starlette's own names one)."""
    r = client.put("/api/generations")
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, POST"
    assert r.json()["error"]["code"] == "http"


def test_head_is_answered_wherever_get_is(client) -> None:  # type: ignore[no-untyped-def]
    got, head = client.get("/healthz"), client.head("/healthz")
    assert head.status_code == got.status_code and head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert client.head("/api/no-such-thing").status_code == 404
