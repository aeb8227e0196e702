"""The video-scripts API (seed 000): every route, on the embedded engine and on DynamoDB Local;
the seed's sync endpoint on a fallback store whose DynamoDB is cut and restored."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
import schemathesis
from fallback._proxy import TcpProxy
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dynastore import Attr, Key, Store, open_store
from dynastore.api import create_app
from dynastore.apps.scripts.models import MAX_CONTENT_BYTES
from dynastore.engines.fallback import FallbackEngine
from dynastore.settings import Settings
from dynastore.testing import drop_tables


def sid() -> str:
    return f"sess-{uuid.uuid4().hex[:10]}"


def chapter_url(session: str, chapter: int, rest: str = "") -> str:
    return f"/api/scripts/{session}/chapters/{chapter}{rest}"


def put(client: TestClient, session: str, chapter: int, content: str, **body: Any) -> httpx2.Response:
    return client.put(chapter_url(session, chapter), json={"title": f"chapter {chapter}", "content": content, **body})


def assert_error(r: httpx2.Response, status: int, code: str, match: str = "") -> dict[str, Any]:
    assert r.status_code == status, r.text
    err: dict[str, Any] = r.json()["error"]
    assert err["code"] == code and match in err["message"], err
    return err


# -- scripts and versions ---------------------------------------------------------------


def test_save_get_and_list_a_sessions_chapters(client: TestClient) -> None:
    s = sid()
    created = put(client, s, 2, "二章", duration_seconds=48.25, analysis="場面ごと")
    assert created.status_code == 201
    assert created.json() | {"created_at": None, "updated_at": None} == {
        "script_id": f"{s}#2", "session_id": s, "chapter": 2, "title": "chapter 2", "content": "二章",
        "analysis": "場面ごと", "duration_seconds": 48.25, "version": 1, "feedback_history": [], "merged_id": None,
        "created_at": None, "updated_at": None}
    assert put(client, s, 10, "十章").status_code == 201
    assert put(client, s, 1, "一章").status_code == 201
    again = put(client, s, 1, "一章 v2")
    assert (again.status_code, again.json()["version"]) == (200, 2)
    assert client.get(chapter_url(s, 2)).json() == created.json()
    listed = client.get(f"/api/scripts/{s}").json()
    assert listed["session_id"] == s
    assert [(x["chapter"], x["content"]) for x in listed["scripts"]] == [(1, "一章 v2"), (2, "二章"), (10, "十章")]
    assert client.get(f"/api/scripts/{sid()}").json()["scripts"] == []
    assert_error(client.get(chapter_url(s, 3)), 404, "not_found", "chapter 3")


def test_expected_version_conflicts_are_409(client: TestClient) -> None:
    s = sid()
    assert put(client, s, 1, "new", expected_version=None).status_code == 201
    assert_error(put(client, s, 1, "new again", expected_version=None), 409, "conflict", "already exists")
    err = assert_error(put(client, s, 1, "stale", expected_version=5), 409, "conflict", "version 1, not 5")
    assert err["type"] == "VersionConflict" and err["details"]["item"]["version"] == 1
    assert put(client, s, 1, "next", expected_version=1).json()["version"] == 2
    assert_error(put(client, s, 2, "missing", expected_version=1), 404, "not_found")


def test_edit_versions_and_rollback(client: TestClient) -> None:
    s = sid()
    put(client, s, 1, "good", analysis="a", duration_seconds=7)
    edited = client.patch(chapter_url(s, 1), json={"expected_version": 1, "content": "worse", "analysis": None})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["version"], edited.json()["content"], edited.json()["analysis"],
            edited.json()["duration_seconds"]) == (2, "worse", None, 7.0)
    assert_error(client.patch(chapter_url(s, 1), json={"expected_version": 1, "content": "x"}), 409, "conflict")
    assert_error(client.patch(chapter_url(s, 1), json={"expected_version": 2, "title": None}), 422, "validation")
    assert_error(client.patch(chapter_url(s, 1), json={"content": "no version"}), 422, "validation",
                 "expected_version")
    assert_error(client.patch(chapter_url(s, 9), json={"expected_version": 1, "content": "x"}), 404, "not_found")

    back = client.post(chapter_url(s, 1, "/rollback"), json={"to_version": 1, "expected_version": 2})
    assert back.status_code == 200, back.text
    assert (back.json()["version"], back.json()["content"], back.json()["analysis"]) == (3, "good", "a")
    assert_error(client.post(chapter_url(s, 1, "/rollback"), json={"to_version": 1, "expected_version": 2}),
                 409, "conflict")
    assert_error(client.post(chapter_url(s, 1, "/rollback"), json={"to_version": 8}), 404, "not_found", "version 8")

    page = client.get(chapter_url(s, 1, "/versions"), params={"limit": 2}).json()
    assert [(v["version"], v["change"], v["content"]) for v in page["versions"]] == [(1, "create", "good"),
                                                                                     (2, "edit", "worse")]
    assert page["next_after"] == 2
    rest = client.get(chapter_url(s, 1, "/versions"), params={"after": 2}).json()
    assert [(v["version"], v["change"], v["rolled_back_from"]) for v in rest["versions"]] == [(3, "rollback", 1)]
    assert rest["next_after"] is None
    one = client.get(chapter_url(s, 1, "/versions/2"))
    assert (one.status_code, one.json()["content"]) == (200, "worse")
    assert_error(client.get(chapter_url(s, 1, "/versions/4")), 404, "not_found")
    assert_error(client.get(chapter_url(s, 5, "/versions")), 404, "not_found")


def test_two_racing_edits_one_gets_409(client: TestClient) -> None:
    s = sid()
    put(client, s, 1, "base")
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def edit(n: int) -> None:
        barrier.wait()
        statuses.append(client.patch(chapter_url(s, 1), json={"expected_version": 1, "content": f"e{n}"}).status_code)

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 409]
    versions = client.get(chapter_url(s, 1, "/versions")).json()["versions"]
    assert [v["version"] for v in versions] == [1, 2]


# -- feedback -------------------------------------------------------------------------------


def test_feedback_appended_in_order_once_per_id(client: TestClient) -> None:
    s = sid()
    put(client, s, 1, "text")
    url = chapter_url(s, 1, "/feedback")
    for text in ("テンポを上げて", "冒頭に問いかけを"):
        r = client.post(url, json={"text": text})
        assert (r.status_code, r.json()["added"]) == (201, True)
    dup = client.post(url, json={"text": "テンポを上げて"})
    assert (dup.status_code, dup.json()["added"], dup.json()["position"]) == (200, False, 0)
    assert client.post(url, json={"text": "same words", "feedback_id": "a-1"}).status_code == 201
    assert client.post(url, json={"text": "same words", "feedback_id": "a-1"}).status_code == 200
    assert client.post(url, json={"text": "same words", "feedback_id": "a-2"}).status_code == 201
    history = client.get(url).json()
    assert history["script_id"] == f"{s}#1"
    assert [f["text"] for f in history["feedback_history"]] == ["テンポを上げて", "冒頭に問いかけを", "same words",
                                                                "same words"]
    assert client.get(chapter_url(s, 1)).json()["version"] == 1
    assert_error(client.post(chapter_url(s, 2, "/feedback"), json={"text": "x"}), 404, "not_found")
    assert_error(client.get(chapter_url(s, 2, "/feedback")), 404, "not_found")


def test_concurrent_feedback_is_all_kept(client: TestClient) -> None:
    s = sid()
    put(client, s, 1, "text")
    barrier = threading.Barrier(4)

    def add(n: int) -> None:
        barrier.wait()
        assert client.post(chapter_url(s, 1, "/feedback"), json={"text": f"fb {n}"}).status_code == 201

    threads = [threading.Thread(target=add, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    texts = [f["text"] for f in client.get(chapter_url(s, 1, "/feedback")).json()["feedback_history"]]
    assert sorted(texts) == [f"fb {n}" for n in range(4)]


# -- merged scripts ---------------------------------------------------------------------------


def test_merge_list_and_get_merged_scripts(client: TestClient) -> None:
    s = sid()
    put(client, s, 2, "二", duration_seconds=1.5)
    put(client, s, 1, "一", duration_seconds=2)
    r = client.post(f"/api/scripts/{s}/merged", json={"title": "全編"})
    assert r.status_code == 201, r.text
    merged = r.json()
    assert (merged["content"], merged["title"], merged["duration_seconds"]) == ("一\n\n二", "全編", 3.5)
    assert [(c["chapter"], c["version"]) for c in merged["chapters"]] == [(1, 1), (2, 1)]
    assert client.get(chapter_url(s, 1)).json()["merged_id"] == merged["merged_id"]
    part = client.post(f"/api/scripts/{s}/merged", json={"chapters": [2], "merged_id": "just-two"})
    assert (part.status_code, part.json()["content"]) == (201, "二")
    assert_error(client.post(f"/api/scripts/{s}/merged", json={"chapters": [1], "merged_id": "just-two"}),
                 409, "conflict", "already exists")
    assert_error(client.post(f"/api/scripts/{s}/merged", json={"chapters": [1, 3]}), 404, "not_found", "3")
    assert_error(client.post(f"/api/scripts/{sid()}/merged", json={}), 404, "not_found")
    listed = client.get(f"/api/scripts/{s}/merged").json()
    assert [m["merged_id"] for m in listed["merged_scripts"]] == [merged["merged_id"], "just-two"]
    assert client.get(f"/api/scripts/{s}/merged/just-two").json() == part.json()
    assert_error(client.get(f"/api/scripts/{sid()}/merged/just-two"), 404, "not_found")


def test_the_stores_metrics_are_in_the_apps_metrics(client: TestClient) -> None:
    s = sid()
    put(client, s, 1, "a")
    put(client, s, 1, "b")
    client.post(chapter_url(s, 1, "/feedback"), json={"text": "x"})
    text = client.get("/metrics").text
    assert 'dynastore_scripts_versions_written_total{change="create"} 1.0' in text
    assert 'dynastore_scripts_versions_written_total{change="save"} 1.0' in text
    assert "dynastore_scripts_feedback_appended_total 1.0" in text


# -- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), [
    ("put", "/api/scripts/s1/chapters/0", {"title": "t", "content": "c"}),
    ("put", "/api/scripts/s1/chapters/10000", {"title": "t", "content": "c"}),
    ("put", "/api/scripts/s1/chapters/x", {"title": "t", "content": "c"}),
    ("put", "/api/scripts/.hidden/chapters/1", {"title": "t", "content": "c"}),
    ("put", f"/api/scripts/{'s' * 129}/chapters/1", {"title": "t", "content": "c"}),
    ("put", "/api/scripts/s1/chapters/1", {"title": "", "content": "c"}),
    ("put", "/api/scripts/s1/chapters/1", {"title": "t", "content": ""}),
    ("put", "/api/scripts/s1/chapters/1", {"title": "t", "content": "c", "extra": 1}),
    ("put", "/api/scripts/s1/chapters/1", {"title": "t", "content": "c", "expected_version": -1}),
    ("put", "/api/scripts/s1/chapters/1", {"title": "t", "content": "c", "expected_version": 10**40}),
    ("put", "/api/scripts/s1/chapters/1", {"title": "t", "content": "€" * (MAX_CONTENT_BYTES // 3 + 1)}),
    ("post", "/api/scripts/s1/chapters/1/feedback", {"text": ""}),
    ("post", "/api/scripts/s1/chapters/1/feedback", {"text": "x", "feedback_id": "has space"}),
    ("post", "/api/scripts/s1/merged", {"chapters": []}),
    ("post", "/api/scripts/s1/merged", {"chapters": list(range(1, 101))}),
    ("post", "/api/scripts/s1/merged", {"merged_id": ""}),
    ("post", "/api/scripts/s1/chapters/1/rollback", {"to_version": 0}),
    ("post", "/api/bedrock-scripts/sync-with-dynamodb", {"session_id": ""}),
    ("post", "/api/bedrock-scripts/sync-with-dynamodb", {}),
])
def test_bad_input_is_422_and_writes_nothing(client: TestClient, method: str, path: str, body: Any) -> None:
    assert_error(client.request(method, path, json=body), 422, "validation")
    assert client.get("/api/scripts/s1").json()["scripts"] == []


@pytest.mark.parametrize("raw", ['{"title":"t","content":"\\ud800"}', '{"title":"\\udfff","content":"c"}', "{",
                                 '{"title":"t","content":"c","duration_seconds":"NaN"}',
                                 '{"title":"t","content":"c","duration_seconds":1e400}'])
def test_malformed_json_and_lone_surrogates_are_422(client: TestClient, raw: str) -> None:
    r = client.put(chapter_url("s1", 1), content=raw.encode(), headers={"content-type": "application/json"})
    assert_error(r, 422, "validation")


# -- the seed's sync endpoint ------------------------------------------------------------------


def test_sync_without_a_fallback_says_so_and_lists_the_session(client: TestClient) -> None:
    s = sid()
    put(client, s, 1, "text")
    r = client.post("/api/bedrock-scripts/sync-with-dynamodb", json={"session_id": s})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["synced"], body["replayed"], body["pulled"]) == (False, None, {})
    assert "no offline fallback configured" in body["reason"]
    assert [x["chapter"] for x in body["scripts"]] == [1] and body["merged_scripts"] == []


@pytest.fixture
def offline_client(fallback_url: str, remote: Store) -> Iterator[tuple[TestClient, str]]:
    """The API on DynamoDB Local through a proxy we can cut (``proxy``), with a local SQLite fallback."""
    store = open_store(fallback_url)
    assert isinstance(store.engine, FallbackEngine)
    prefix = f"sync{uuid.uuid4().hex[:8]}-"
    try:
        with TestClient(create_app(store, routers=("scripts",), table_prefix=prefix)) as c:
            yield c, prefix
    finally:
        store.close()
        drop_tables(remote, prefix)


def test_sync_replays_offline_writes_and_pulls_the_session(offline_client: tuple[TestClient, str], proxy: TcpProxy,
                                                           remote: Store) -> None:
    client, prefix = offline_client
    s = sid()
    sync: Callable[[], dict[str, Any]] = lambda: client.post(  # noqa: E731
        "/api/bedrock-scripts/sync-with-dynamodb", json={"session_id": s}).json()
    assert put(client, s, 1, "online").status_code == 201
    first = sync()
    assert first["synced"] is True and first["replayed"]["applied"] == 0
    assert [x["chapter"] for x in first["scripts"]] == [1]

    proxy.cut()  # DynamoDB goes away: writes are kept locally, in the outbox
    assert put(client, s, 2, "offline").status_code == 201
    assert client.patch(chapter_url(s, 1), json={"expected_version": 1, "content": "edited offline"}).status_code == 200
    assert client.post(chapter_url(s, 1, "/feedback"), json={"text": "オフライン"}).status_code == 201
    down = sync()
    assert down["synced"] is False and "unreachable" in down["reason"]
    assert down["replayed"]["remaining"] == 5  # two versioned saves (script + version) and one feedback
    assert [(x["chapter"], x["version"]) for x in down["scripts"]] == [(1, 2), (2, 1)]  # the local copy
    assert remote.table(f"{prefix}YukkuriScripts").get({"script_id": f"{s}#2"}) is None

    # meanwhile another environment saves chapter 3 on DynamoDB itself
    remote.table(f"{prefix}YukkuriScripts").put({
        "script_id": f"{s}#3", "session_id": s, "chapter": 3, "title": "elsewhere", "content": "from elsewhere",
        "version": 1, "feedback_history": []})

    proxy.restore()
    up = sync()
    assert up["synced"] is True and up["reason"] is None, up
    assert up["replayed"] == {"applied": 5, "already": 0, "conflicts": 0, "remaining": 0}
    assert up["pulled"][f"{prefix}YukkuriScripts"]["pulled"] == 3
    assert [(x["chapter"], x["version"], x["content"]) for x in up["scripts"]] == [
        (1, 2, "edited offline"), (2, 1, "offline"), (3, 1, "from elsewhere")]
    assert [f["text"] for f in up["scripts"][0]["feedback_history"]] == ["オフライン"]
    on_dynamodb = remote.table(f"{prefix}YukkuriScripts").get({"script_id": f"{s}#1"}, consistent=True)
    assert on_dynamodb is not None and on_dynamodb["content"] == "edited offline"
    versions = remote.table(f"{prefix}YukkuriScriptVersions").query(Key("script_id").eq(f"{s}#1"),
                                                                    consistent=True).all()
    assert [v["content"] for v in versions] == ["online", "edited offline"]
    again = sync()
    assert again["synced"] is True and again["replayed"]["applied"] == 0


def test_sync_reports_a_conflict_instead_of_overwriting(offline_client: tuple[TestClient, str], proxy: TcpProxy,
                                                        remote: Store) -> None:
    client, prefix = offline_client
    s = sid()
    put(client, s, 1, "online")
    proxy.cut()
    assert client.patch(chapter_url(s, 1), json={"expected_version": 1, "content": "mine"}).status_code == 200
    # another environment edited the same chapter on DynamoDB meanwhile
    remote.table(f"{prefix}YukkuriScripts").update({"script_id": f"{s}#1"},
                                                   Attr("content").set("theirs"))
    proxy.restore()
    body = client.post("/api/bedrock-scripts/sync-with-dynamodb", json={"session_id": s}).json()
    assert body["synced"] is False and "conflict" in body["reason"]
    assert {c["table"] for c in body["conflicts"]} >= {f"{prefix}YukkuriScripts"}
    assert body["replayed"]["remaining"] > 0
    on_dynamodb = remote.table(f"{prefix}YukkuriScripts").get({"script_id": f"{s}#1"}, consistent=True)
    assert on_dynamodb is not None and on_dynamodb["content"] == "theirs"  # not overwritten


# -- configuration ---------------------------------------------------------------------------------


def test_table_names_come_from_the_seeds_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DYNAMODB_SCRIPTS_TABLE", "MyScripts")
    monkeypatch.setenv("DYNAMODB_MERGED_SCRIPTS_TABLE", "MyMerged")
    with open_store(f"sqlite:///{tmp_path}/t.db") as store:
        with TestClient(create_app(store, routers=("scripts",), table_prefix="p-")) as c:
            assert put(c, "s1", 1, "text").status_code == 201
        assert {"p-MyScripts", "p-MyMerged", "p-YukkuriScriptVersions"} <= set(store.tables())
        assert store.table("p-MyScripts").get({"script_id": "s1#1"})["content"] == "text"


def test_dynamodb_disabled_means_the_embedded_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DYNASTORE_URL", raising=False)
    monkeypatch.setenv("DYNAMODB_ENABLED", "false")
    assert Settings().store_url().startswith("sqlite:///")
    with TestClient(create_app(routers=("scripts",))) as c:  # the store the settings name, opened by the app
        assert put(c, "s1", 1, "kept").status_code == 201
        assert c.get(chapter_url("s1", 1)).json()["content"] == "kept"
    with open_store(Settings().store_url()) as store:  # really written, to the local file
        assert store.table("YukkuriScripts").get({"script_id": "s1#1"})["content"] == "kept"


# -- fuzzing ---------------------------------------------------------------------------------------


#: the router alone on the embedded engine (in memory): the store is built by the first request
FUZZ_APP = create_app(open_store("memory://"), routers=("scripts",))
schema = schemathesis.openapi.from_asgi("/openapi.json", FUZZ_APP)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
def test_no_input_makes_the_scripts_api_fail(case: Any) -> None:
    # the checks of test_schemathesis.py: no 5xx, and every response as documented
    case.call_and_validate(checks=(not_a_server_error, status_code_conformance, content_type_conformance,
                                   response_schema_conformance))
