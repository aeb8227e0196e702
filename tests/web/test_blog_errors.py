# ruff: noqa: F811  (pytest fixtures imported from test_support are parameters here)
"""Failures are HTML pages that say what happened (for htmx, a message in ``#flash``), never a traceback."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from dynastore.errors import StoreUnavailable

from .test_support import Site, Visitor, alice, html, site  # noqa: F401  (fixtures)


def error(response: object, status: int) -> str:
    """The error page's message, after checking it is one, of *status*."""
    assert response.status_code == status, (response.status_code, response.text[:300])  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("text/html")  # type: ignore[attr-defined]
    page = html(response.text)  # type: ignore[attr-defined]
    assert page.one(".error-status").text == str(status)
    assert page.one("details#how-stored") and "Traceback" not in response.text  # type: ignore[attr-defined]
    return page.one(".error-message").text.lower()


@pytest.mark.parametrize("url, says", [("/no/such/page", "no page"), ("/posts/nope", "no post 'nope'"),
                                       ("/posts/nope/timeline", "no post"), ("/posts/nope/edit", "no post"),
                                       ("/users/nobody", "no user 'nobody'"), ("/activity/shouts", "no activity type")])
def test_missing_things_are_404_pages(alice: Visitor, url: str, says: str) -> None:
    assert says in error(alice.get(url), 404)


def test_a_404_page_still_knows_who_is_logged_in(alice: Visitor) -> None:
    page = html(alice.get("/no/such/page").text)
    assert page.one("#nav-user").text == alice.username


def test_invalid_input_is_a_422_page(site: Site, alice: Visitor) -> None:
    assert "unknown activity type 'bad'" in error(site.browser().get(f"/users/{alice.username}?type=bad"), 422)
    post_id = alice.write()
    assert "action" in error(alice.post(f"/posts/{post_id}/like", {"action": "explode"}), 422)
    assert site.blog.likes(post_id).count == 0


def test_a_missing_comment_is_404_and_a_wrong_method_405(site: Site, alice: Visitor) -> None:
    post_id = alice.write()
    assert "comment" in error(alice.post(f"/posts/{post_id}/comments/nope/delete"), 404)
    assert "reply" in error(alice.post(f"/posts/{post_id}/comments", {"body": "x", "parent_id": "nope"}), 404)
    assert site.blog.comments(post_id) == []
    error(alice.get("/logout"), 405)


def test_htmx_gets_the_message_for_its_flash_area(site: Site, alice: Visitor) -> None:
    response = alice.post("/posts/nope/like", {"action": "like"}, htmx=True)
    assert response.status_code == 404
    assert response.headers["hx-retarget"] == "#flash" and response.headers["hx-reswap"] == "innerHTML"
    flash = html(response.text).one(".flash-error")
    assert "no post 'nope'" in flash.text.lower()


def test_an_api_client_gets_json_on_a_path_the_blog_does_not_have(site: Site) -> None:
    response = site.browser().get("/api/nothing", headers={"accept": "application/json"})
    assert response.status_code == 404 and response.json()["error"]["code"] == "http"


def test_a_store_failure_is_a_503_page_and_a_bug_a_500_page(site: Site, alice: Visitor,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable(*args: object, **kw: object) -> None:
        raise StoreUnavailable("the disk is on fire")

    monkeypatch.setattr(site.blog, "posts", unavailable)
    response = alice.get("/")
    assert "cannot be reached" in error(response, 503) and response.headers["retry-after"] == "1"
    assert "on fire" not in response.text  # what failed inside stays in the log

    def bug(*args: object, **kw: object) -> None:
        raise RuntimeError("a secret detail")

    monkeypatch.setattr(site.blog, "posts", bug)
    client = TestClient(site.app, raise_server_exceptions=False, cookies=dict(alice.client.cookies))
    response = client.get("/")
    assert "the server could not answer" in error(response, 500)
    assert "secret" not in response.text and "RuntimeError" not in response.text
