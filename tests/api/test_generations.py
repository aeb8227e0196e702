"""``/api/generations``: every route, on the embedded engine and on DynamoDB Local (the ``client`` fixture)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dynastore.api import ApiContext
from dynastore.api.routers.generations import generations
from dynastore.apps.generations import GenerationStore

API = "/api/generations"
PARAMS = {"prompt": "Create a video about AI", "language": "en", "options": {"aspectRatio": "16:9"}}


def create(client: TestClient, **body: Any) -> dict[str, Any]:
    r = client.post(API, json={"initialParams": PARAMS, **body})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def error(r: Any, status: int, code: str) -> str:
    assert r.status_code == status, r.text
    body = r.json()["error"]
    assert body["code"] == code
    return body["message"]  # type: ignore[no-any-return]


def store_of(client: TestClient) -> GenerationStore:
    ctx: ApiContext = client.app.state.dynastore  # type: ignore[attr-defined]
    return generations(ctx)


def test_create_get_and_conflict(client: TestClient) -> None:
    made = create(client, generationId="gen_1", userId="alice", script={"content": "hi"})
    assert (made["generationId"], made["userId"], made["status"], made["version"]) == ("gen_1", "alice", "script", 1)
    assert made["initialParams"] == PARAMS and made["createdAt"] == made["updatedAt"]
    assert client.get(f"{API}/gen_1").json() == made
    assert "already exists" in error(client.post(API, json={"generationId": "gen_1", "initialParams": {}}),
                                     409, "conflict")
    replaced = client.post(API, params={"overwrite": "true"},
                           json={"generationId": "gen_1", "userId": "alice", "initialParams": {"p": 2}})
    assert replaced.status_code == 201 and replaced.json()["version"] == 2 and replaced.json()["script"] is None
    generated = create(client)
    assert generated["generationId"].startswith("gen_") and generated["userId"] == "anonymous"


def test_get_checks_the_owner(client: TestClient) -> None:
    create(client, generationId="gen_1", userId="alice")
    assert client.get(f"{API}/gen_1", params={"userId": "alice"}).status_code == 200
    assert "of user 'bob'" in error(client.get(f"{API}/gen_1", params={"userId": "bob"}), 404, "not_found")
    error(client.get(f"{API}/gen_2"), 404, "not_found")


def test_patch_records_stages(client: TestClient) -> None:
    create(client, generationId="gen_1", userId="alice")
    r = client.patch(f"{API}/gen_1", json={"audio": {"voice": "alloy"}, "script": {"content": "x"}})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["version"], r.json()["audio"]) == ("audio", 2, {"voice": "alloy"})
    late = client.patch(f"{API}/gen_1", json={"keywords": None, "script": {"content": "y"}}).json()
    assert late["status"] == "audio" and late["script"] == {"content": "y"} and late["keywords"] is None
    error(client.patch(f"{API}/gen_1", params={"expectedVersion": 1}, json={"clips": {}}), 409, "conflict")
    assert client.patch(f"{API}/gen_1", params={"expectedVersion": 3}, json={"clips": {}}).json()["status"] == "clips"
    error(client.patch(f"{API}/gen_1", params={"userId": "bob"}, json={"clips": {}}), 404, "not_found")
    error(client.patch(f"{API}/gen_2", json={"clips": {}}), 404, "not_found")
    assert client.get(f"{API}/gen_2").status_code == 404  # the failed update created nothing
    assert "nothing to update" in error(client.patch(f"{API}/gen_1", json={}), 422, "validation")
    error(client.patch(f"{API}/gen_1", json={"status": "youtube"}), 422, "validation")


def test_concurrent_patches_of_different_stages_both_land(client: TestClient) -> None:
    create(client, generationId="gen_1")
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def patch(stage: str) -> None:
        barrier.wait(timeout=30)
        codes.append(client.patch(f"{API}/gen_1", json={stage: {"by": stage}}).status_code)

    threads = [threading.Thread(target=patch, args=(s,)) for s in ("baseVideo", "keywords")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    got = client.get(f"{API}/gen_1").json()
    assert codes == [200, 200]
    assert (got["baseVideo"], got["keywords"], got["status"], got["version"]) == (
        {"by": "baseVideo"}, {"by": "keywords"}, "baseVideo", 3)


def test_delete(client: TestClient) -> None:
    create(client, generationId="gen_1", userId="alice")
    error(client.delete(f"{API}/gen_1", params={"userId": "bob"}), 404, "not_found")
    r = client.delete(f"{API}/gen_1", params={"userId": "alice"})
    assert r.status_code == 204 and r.content == b""
    error(client.delete(f"{API}/gen_1"), 404, "not_found")


def test_list_a_users_generations_in_pages(client: TestClient) -> None:
    ids = [create(client, generationId=f"gen_{i}", userId="alice")["generationId"] for i in range(5)]
    create(client, generationId="gen_bob", userId="bob")
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"userId": "alice", "limit": 2} | ({"cursor": cursor} if cursor else {})
        body = client.get(API, params=params).json()
        seen += [g["generationId"] for g in body["items"]]
        pages += 1
        cursor = body["cursor"]
        if cursor is None:
            break
    assert seen == ids[::-1] and pages == 3
    assert client.get(API, params={"userId": "carol"}).json() == {"items": [], "cursor": None}
    first = client.get(API, params={"userId": "alice", "limit": 1}).json()["cursor"]
    assert "another user" in error(client.get(API, params={"userId": "bob", "cursor": first}), 422, "validation")
    for bad in ("nope", first[:-2], first + "x", "eyJ9"):
        error(client.get(API, params={"userId": "alice", "cursor": bad}), 422, "validation")
    error(client.get(API), 422, "validation")  # userId is required
    error(client.get(API, params={"userId": "alice", "limit": 101}), 422, "validation")


def test_invalid_input_is_422_never_500(client: TestClient) -> None:
    create(client, generationId="gen_1")
    raw_bodies = [
        b'{"initialParams": {"p": "\\ud800"}}',  # a lone surrogate
        b'{"initialParams": {"p": NaN}}',
        b'{"initialParams": {"p": 1e400}}',
        b'{"initialParams": {"p": 1e-200}}',
        b'{"initialParams": {"p": 123456789012345678901234567890123456789}}',
        b'{"initialParams": ' + b'{"a":' * 40 + b'1' + b'}' * 40 + b'}',
        b'{"initialParams": []}',
        b'{"generationId": "", "initialParams": {}}',
        b'{"generationId": "../x", "initialParams": {}}',
        b'{"generationId": "gen_2", "userId": "", "initialParams": {}}',
        b'{"initialParams": {}, "status": "youtube"}',
        b'{"initialParams": {}, "version": 7}',
        b'not json',
    ]
    for body in raw_bodies:
        r = client.post(API, content=body, headers={"content-type": "application/json"})
        error(r, 422, "validation")
    error(client.patch(f"{API}/gen_1", content=b'{"script": {"\\udfff": 1}}',
                       headers={"content-type": "application/json"}), 422, "validation")
    error(client.get(f"{API}/{'x' * 129}"), 422, "validation")
    error(client.get(f"{API}/.hidden"), 422, "validation")
    assert client.get(f"{API}/gen_1").json()["version"] == 1


def test_over_400_kb_is_a_clear_422(client: TestClient) -> None:
    message = error(client.post(API, json={"initialParams": {"blob": "x" * 420_000}}), 422, "validation")
    assert "400 KB" in message
    create(client, generationId="gen_1")
    client.patch(f"{API}/gen_1", json={"script": {"text": "y" * 300_000}})
    assert "400 KB" in error(client.patch(f"{API}/gen_1", json={"audio": {"text": "z" * 150_000}}), 422, "validation")
    assert client.get(f"{API}/gen_1").json()["audio"] is None


def test_cleanup(client: TestClient) -> None:
    store = store_of(client)
    old = (datetime.now(timezone.utc) - timedelta(days=2)).isoformat()
    for i in range(3):
        store.save({"generationId": f"old_{i}", "userId": "alice" if i else "bob", "createdAt": old})
    create(client, generationId="fresh", userId="alice")
    assert client.post(f"{API}/admin/cleanup", json={"userId": "bob"}).json() == {"deleted": 1}
    assert client.post(f"{API}/admin/cleanup").json() == {"deleted": 2}  # default: 24 hours
    assert client.get(f"{API}/fresh").status_code == 200
    assert client.post(f"{API}/admin/cleanup", json={"maxAgeSeconds": 0.000001}).json() == {"deleted": 1}
    for bad in ({"maxAgeSeconds": 0}, {"maxAgeSeconds": -1}, {"maxAgeSeconds": 1e300}, {"other": 1}):
        error(client.post(f"{API}/admin/cleanup", json=bad), 422, "validation")


def test_clear_needs_confirmation(client: TestClient) -> None:
    for i in range(3):
        create(client, generationId=f"gen_{i}")
    error(client.post(f"{API}/admin/clear"), 422, "validation")
    error(client.post(f"{API}/admin/clear", params={"confirm": "false"}), 422, "validation")
    assert client.post(f"{API}/admin/clear", params={"confirm": "true"}).json() == {"deleted": 3}
    assert client.get(f"{API}/gen_0").status_code == 404


def test_health_and_metrics(client: TestClient) -> None:
    assert client.get(f"{API}/admin/health").json() == {"healthy": True}
    create(client, generationId="gen_1")
    client.get(f"{API}/gen_2")
    m = client.get(f"{API}/admin/metrics").json()
    assert m["activeGenerations"] == 1 and m["operations"]["save"] == 1 and m["operations"]["get"] == 1
    text = client.get("/metrics").text  # the store's counters are in the app's registry
    assert 'dynastore_generations_operations_total{operation="save",outcome="ok"} 1.0' in text
    assert "dynastore_generations_active_generations 1.0" in text
    store = store_of(client)
    store.store.delete_table(store.table.name)
    r = client.get(f"{API}/admin/health")
    assert (r.status_code, r.json()) == (503, {"healthy": False})


@pytest.mark.parametrize("path", ["/api/generations", "/api/generations/{generation_id}",
                                  "/api/generations/admin/cleanup", "/api/generations/admin/clear",
                                  "/api/generations/admin/health", "/api/generations/admin/metrics"])
def test_every_route_is_documented(client: TestClient, path: str) -> None:
    schema = client.get("/openapi.json").json()
    ops = schema["paths"][path]
    for op in ops.values():
        assert op["summary"] and "generations" in op["tags"]
        assert {"404", "409", "422", "503"} <= set(op["responses"])
