"""The blog as ``dynastore serve`` runs it: mounted at ``/`` beside the REST API, its store built at
start-up on the API's context (tables created, demo content loaded once)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from fastapi.testclient import TestClient

from dynastore import open_store
from dynastore.api import create_app
from dynastore.apps.blog import DEMO_PASSWORD
from dynastore.settings import Settings
from dynastore.web.blog.templating import ago, path_part
from dynastore.web.text import sentence

from .test_support import html


def test_mounted_beside_the_api_with_demo_content(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/store.db")
    settings = Settings(blog_database=str(tmp_path / "blog.db"))
    app = create_app(store, settings=settings, table_prefix=f"m{uuid.uuid4().hex[:6]}_", web=["blog"], demo=True)
    with TestClient(app, follow_redirects=False) as client:
        assert client.get("/healthz").status_code == 200  # the API's own routes stay the API's
        home = html(client.get("/").text)
        assert len(home.all("#post-list article.post-card")) == 3
        assert client.get("/static/htmx.min.js").status_code == 200
        for path in ("/", "/healthz", "/posts/demo-ttl"):  # HEAD wherever GET: uptime checks, curl -I
            head = client.head(path)
            assert (head.status_code, head.content) == (200, b""), path
        client.get("/login")
        response = client.post("/login", data={"username": "alice", "password": DEMO_PASSWORD,
                                               "csrf_token": client.cookies["dynastore_csrf"]})
        assert response.status_code == 303
        assert html(client.get("/").text).one("#nav-user").text == "alice"
    store.close()


def test_ago_sentence_and_path_parts() -> None:
    now = datetime(2026, 1, 31, 12, tzinfo=timezone.utc)
    assert [ago(now - timedelta(seconds=s), now) for s in (5, 120, 7200, 3 * 86400)] == [
        "just now", "2 min ago", "2 h ago", "3 d ago"]
    assert ago(now - timedelta(days=40), now) == "22 Dec 2025"
    assert path_part("2026-01-31T12:00:00.000001+00:00#ab12") == "2026-01-31T12%3A00%3A00.000001%2B00%3A00%23ab12"
    assert [sentence(m) for m in ("no post 'p1'", "Done.", "why?", "")] == ["No post 'p1'.", "Done.", "Why?", ""]
