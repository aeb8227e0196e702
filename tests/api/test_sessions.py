"""``/api/sessions``: seed 003's developer sessions over HTTP, on sqlite + local blobs and DynamoDB Local + S3."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dynastore import open_store
from dynastore.api import create_app
from dynastore.api.context import ApiContext
from dynastore.apps.devflow.store import TABLE_ENV, SessionStore
from dynastore.blobs import LocalBlobStore
from dynastore.expressions import Attr

DAY = 24 * 3600


def body(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = dict(user_id="ada", repository_url="https://github.com/acme/app", repository_owner="acme",
                                repository_name="app", branch_name="devflow/login", initial_prompt="add a login page",
                                github_installation_id=4242)
    return {**base, **over}


def store_of(client: TestClient) -> SessionStore:
    ctx: ApiContext = client.app.state.dynastore  # type: ignore[attr-defined]
    return ctx.component("sessions", lambda _: pytest.fail("the sessions store was not built at start-up"))


def create(client: TestClient, **over: Any) -> dict[str, Any]:
    r = client.post("/api/sessions", json=body(**over))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def error(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    return r.json()["error"]  # type: ignore[no-any-return]


def test_create_and_get_a_session(client: TestClient) -> None:
    before = int(time.time())
    s = create(client, pr_number=7, editor_url="https://editor.example.com/x")
    assert uuid.UUID(s["session_id"]).version == 4
    assert s["status"] == "starting" and s["history_count"] == 0 and s["error_message"] is None
    assert before <= s["created_at"] <= s["updated_at"] and s["ttl"] - s["updated_at"] == DAY
    got = client.get(f"/api/sessions/{s['session_id']}")
    assert got.status_code == 200
    assert got.json() == {**s, "history": []}


def test_create_refuses_bad_input_and_taken_ids(client: TestClient) -> None:
    s = create(client)
    assert error(client.post("/api/sessions", json=body(session_id=s["session_id"])), 409)["type"] == "SessionExists"
    for bad in (body(session_id="not-a-uuid"), body(session_id=str(uuid.uuid1())), body(user_id=""),
                body(github_installation_id=0), body(status="error"), body(error_message="no error"),
                body(repository_url="ftp:/x"), body(created_at=1), body(history=[]), {"user_id": "ada"},
                body(branch_name="\ud800"), body(pr_number=10**40)):
        # sent as JSON text, ASCII-escaped: a lone surrogate arrives as the escape \\ud800
        r = client.post("/api/sessions", content=json.dumps(bad), headers={"content-type": "application/json"})
        assert error(r, 422)["code"] == "validation"
    assert client.post("/api/sessions", json=body(status="error", error_message="boom")).status_code == 201


def test_get_patch_and_delete_need_a_live_session(client: TestClient) -> None:
    missing = str(uuid.uuid4())
    assert error(client.get(f"/api/sessions/{missing}"), 404)["type"] == "SessionNotFound"
    assert error(client.patch(f"/api/sessions/{missing}", json={"pr_number": 1}), 404)["code"] == "not_found"
    assert error(client.delete(f"/api/sessions/{missing}"), 404)["code"] == "not_found"
    assert error(client.post(f"/api/sessions/{missing}/history", json={"prompt": "p"}), 404)["code"] == "not_found"
    assert error(client.get("/api/sessions/not-a-uuid"), 422)["code"] == "validation"


def test_patch_sets_and_removes_fields(client: TestClient) -> None:
    s = create(client, ecs_task_arn="arn:aws:ecs:us-east-1:1:task/a")
    sid = s["session_id"]
    r = client.patch(f"/api/sessions/{sid}", json={"pr_number": 3, "pr_url": "https://github.com/acme/app/pull/3",
                                                   "ecs_task_arn": None, "status": "running"})
    assert r.status_code == 200, r.text
    new = r.json()
    assert (new["pr_number"], new["ecs_task_arn"], new["status"]) == (3, None, "running")
    assert new["branch_name"] == "devflow/login" and new["ttl"] >= s["ttl"]
    for bad in ({"branch_name": None}, {"user_id": "eve"}, {"session_id": str(uuid.uuid4())}, {"ttl": 5},
                {"status": "error"}, {"pr_number": "x"}):
        assert error(client.patch(f"/api/sessions/{sid}", json=bad), 422)["code"] == "validation"
    e = error(client.patch(f"/api/sessions/{sid}", json={"error_message": "not in error"}), 409)
    assert e["type"] == "SessionConflict"


def test_status_moves_along_the_allowed_transitions_only(client: TestClient) -> None:
    sid = create(client)["session_id"]
    path = f"/api/sessions/{sid}/status"
    assert client.put(path, json={"status": "running"}).json()["status"] == "running"
    e = error(client.put(path, json={"status": "starting"}), 409)
    assert e["type"] == "InvalidTransition" and "from 'running' to 'starting'" in e["message"]
    assert error(client.put(path, json={"status": "error"}), 422)["code"] == "validation"
    err = client.put(path, json={"status": "error", "error_message": "task died"}).json()
    assert (err["status"], err["error_message"]) == ("error", "task died")
    restarted = client.put(path, json={"status": "starting"}).json()
    assert (restarted["status"], restarted["error_message"]) == ("starting", None)
    assert error(client.put(path, json={"status": "paused"}), 422)["code"] == "validation"


def test_history_grows_past_400_kb_and_reads_back_whole(client: TestClient) -> None:
    sid = create(client)["session_id"]
    for i in range(45):
        r = client.post(f"/api/sessions/{sid}/history", json={"prompt": f"turn {i}", "response": "r" * 10_000})
        assert r.status_code == 201, r.text
        assert r.json()["history_count"] == i + 1
    whole = client.get(f"/api/sessions/{sid}").json()
    assert whole["history_count"] == 45
    assert [t["prompt"] for t in whole["history"]] == [f"turn {i}" for i in range(45)]
    assert all(t["response"] == "r" * 10_000 for t in whole["history"])
    history = client.get(f"/api/sessions/{sid}/history").json()
    assert history == {"session_id": sid, "history": whole["history"]}
    assert error(client.post(f"/api/sessions/{sid}/history", json={"prompt": ""}), 422)["code"] == "validation"
    assert error(client.post(f"/api/sessions/{sid}/history", json={"prompt": "p", "at": "2020-01-01T00:00:00Z"}),
                 422)["code"] == "validation"


def test_list_a_users_sessions_newest_first_without_the_expired(client: TestClient) -> None:
    store = store_of(client)
    t0 = int(time.time()) - 1000
    ids = []
    for i in range(5):
        sid = create(client, user_id="lin")["session_id"]
        store.table.update({"session_id": sid}, Attr("created_at").set(t0 + i))
        ids.append(sid)
    create(client, user_id="someone-else")
    store.table.update({"session_id": ids[2]}, Attr("ttl").set(int(time.time()) - 5))
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"user_id": "lin", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        r = client.get("/api/sessions", params=params)
        assert r.status_code == 200, r.text
        seen += [s["session_id"] for s in r.json()["sessions"]]
        cursor = r.json()["cursor"]
        if cursor is None:
            break
    assert seen == [ids[4], ids[3], ids[1], ids[0]]
    assert error(client.get(f"/api/sessions/{ids[2]}"), 404)["code"] == "not_found"
    for bad in ("zzz", "W10", cursor or "eyJ4IjoxfQ"):
        assert error(client.get("/api/sessions", params={"user_id": "lin", "cursor": bad}), 422)["code"] == "validation"
    assert error(client.get("/api/sessions", params={"user_id": "lin", "limit": 0}), 422)["code"] == "validation"
    assert error(client.get("/api/sessions"), 422)["code"] == "validation"


def test_keep_alive_and_delete(client: TestClient) -> None:
    store = store_of(client)
    sid = create(client)["session_id"]
    store.table.update({"session_id": sid}, Attr("ttl").set(int(time.time()) + 60))
    r = client.post(f"/api/sessions/{sid}/keep-alive")
    assert r.status_code == 200 and r.json()["ttl"] >= int(time.time()) + DAY - 1
    assert client.delete(f"/api/sessions/{sid}").status_code == 204
    assert client.get(f"/api/sessions/{sid}").status_code == 404


def test_the_table_name_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TABLE_ENV, "my-sessions")
    store = open_store("memory://")
    with TestClient(create_app(store, blobs=LocalBlobStore(tmp_path), routers=("sessions",))) as c:
        assert c.post("/api/sessions", json=body()).status_code == 201
    assert "my-sessions" in store.tables()


def test_metrics_show_the_session_stores_counters(client: TestClient) -> None:
    assert "dynastore_devflow_history_chunks_written_total" in client.get("/metrics").text
