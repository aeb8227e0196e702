# ruff: noqa: F811  (pytest fixtures imported from test_support are parameters here)
"""The blog's security rules: CSRF on every state-changing request, the session cookie's flags, a new
session at login, expiry checked on every request, user text escaped, only authors edit or delete."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from http.cookies import SimpleCookie

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dynastore.expressions import Attr

from .test_support import PASSWORD, Site, Visitor, alice, bob, html, site  # noqa: F401  (fixtures)

SCRIPT = "<script>alert('x')</script><img src=x onerror=alert(1)>"


def snapshot(site: Site, post_id: str) -> tuple[object, ...]:
    """Everything a write to the post could change."""
    blog = site.blog
    return (blog.posts(100), blog.likes(post_id).count, [n.comment for n in blog.comments(post_id)],
            len(blog.recent_by_scan(100)))


def writes(post_id: str, cid: str) -> list[tuple[str, dict[str, str]]]:
    comment = f"/posts/{post_id}/comments/{cid.replace('#', '%23').replace('+', '%2B')}"
    return [("/posts", {"title": "T", "body": "B"}), (f"/posts/{post_id}/edit", {"title": "T2", "body": "B2"}),
            (f"/posts/{post_id}/delete", {}), (f"/posts/{post_id}/like", {"action": "like"}),
            (f"/posts/{post_id}/comments", {"body": "c"}), (f"{comment}/edit", {"body": "c2"}),
            (f"{comment}/delete", {})]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("token", [None, "wrong-token"], ids=["missing", "wrong"])
def test_every_write_without_the_right_csrf_token_is_refused_and_writes_nothing(
        site: Site, alice: Visitor, token: str | None, htmx: bool) -> None:
    post_id = alice.write()
    cid = site.blog.add_comment(post_id, alice.username or "", "mine").comment_id
    before = snapshot(site, post_id)
    for url, data in writes(post_id, cid):
        response = alice.post(url, data, token=token, htmx=htmx)
        assert response.status_code == 403, url
        if htmx:
            assert response.headers["hx-retarget"] == "#flash" and "flash-error" in response.text
        else:
            assert html(response.text).one("h1").text == "Not allowed"
    assert snapshot(site, post_id) == before
    refused = alice.post("/logout", token=token)
    assert refused.status_code == 403 and site.blog.session(alice.session_id) is not None


def test_the_token_may_come_in_the_header_htmx_sends(site: Site, alice: Visitor) -> None:
    post_id = alice.write()
    response = alice.client.post(f"/posts/{post_id}/like", data={"action": "like"},
                                 headers={"HX-Request": "true", "X-CSRF-Token": alice.token()})
    assert response.status_code == 200 and site.blog.likes(post_id).count == 1


def test_another_sessions_token_does_not_pass(site: Site, alice: Visitor, bob: Visitor) -> None:
    post_id = alice.write()
    assert bob.post(f"/posts/{post_id}/like", {"action": "like"}, token=alice.token()).status_code == 403
    assert site.blog.likes(post_id).count == 0


@pytest.mark.parametrize("form", ["login", "register"])
@pytest.mark.parametrize("token", [None, "wrong-token"], ids=["missing", "wrong"])
def test_login_and_register_need_the_double_submit_token(site: Site, alice: Visitor, form: str,
                                                         token: str | None) -> None:
    v = site.browser()
    v.get("/login")  # has the cookie, so only the form field is missing or wrong
    response = v.post(f"/{form}", {"username": alice.username if form == "login" else "newbie",
                                   "password": PASSWORD}, token=token)
    assert response.status_code == 403
    assert v.session_id is None and site.blog.user("newbie") is None
    cookieless = site.browser()  # a token without its cookie (a cross-site form) proves nothing
    assert cookieless.post(f"/{form}", {"username": "x", "password": PASSWORD}, token="forged").status_code == 403


def cookie(response: object, name: str) -> dict[str, str | bool]:
    for header in response.headers.get_list("set-cookie"):  # type: ignore[attr-defined]
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        if name in jar:
            morsel = jar[name]
            return {"value": morsel.value, "httponly": bool(morsel["httponly"]), "secure": bool(morsel["secure"]),
                    "samesite": str(morsel["samesite"]), "path": str(morsel["path"])}
    raise AssertionError(f"no {name} cookie set")


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_cookie_flags(site: Site, alice: Visitor, scheme: str) -> None:
    v = site.browser(f"{scheme}://testserver")
    anonymous = cookie(v.get("/login"), "dynastore_csrf")
    response = v.post("/login", {"username": alice.username or "", "password": PASSWORD})
    session = cookie(response, "dynastore_session")
    for flags in (anonymous, session):
        assert flags["httponly"] is True and str(flags["samesite"]).lower() == "lax" and flags["path"] == "/"
        assert flags["secure"] is (scheme == "https")
    assert len(str(session["value"])) >= 43  # 256 random bits


def test_login_starts_a_new_session_and_ends_the_old_one(site: Site, alice: Visitor) -> None:
    first = alice.session_id
    assert alice.login(alice.username or "").status_code == 303
    second = alice.session_id
    assert second and second != first
    assert site.blog.session(first) is None and site.blog.session(second) is not None
    other = site.browser()
    other.login(alice.username or "")
    assert other.session_id not in (first, second)


def expire(site: Site, session_id: str) -> None:
    """Move the session's expiry into the past, as time would (TTL has not deleted it yet)."""
    table = site.blog.store.table(site.blog.specs["sessions"])
    past = int((datetime.now(timezone.utc) - timedelta(minutes=1)).timestamp())
    table.update({"session_id": session_id}, [Attr("expires_at").set(past)])


def test_an_expired_session_is_logged_out_on_the_next_request(site: Site, alice: Visitor) -> None:
    expire(site, alice.session_id or "")
    response = alice.get("/")
    assert html(response.text).all("#nav-user") == []
    assert cookie(response, "dynastore_session")["value"] == ""  # the stale cookie is dropped


def test_an_expired_session_cannot_write(site: Site, alice: Visitor) -> None:
    post_id = alice.write()
    token = alice.token()
    session_id = alice.session_id or ""
    expire(site, session_id)
    response = alice.post(f"/posts/{post_id}/like", {"action": "like"}, token=token)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    alice.client.cookies.set("dynastore_session", session_id)  # the answer dropped it: replay it anyway
    htmx = alice.client.post(f"/posts/{post_id}/like", data={"csrf_token": token}, headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["hx-redirect"].startswith("/login")
    assert site.blog.likes(post_id).count == 0


def test_anonymous_writes_go_to_the_login_page_and_back(site: Site, alice: Visitor) -> None:
    post_id = alice.write()
    v = site.browser()
    response = v.get("/posts/new")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/posts/new"
    liked = v.client.post(f"/posts/{post_id}/like", headers={"referer": f"http://testserver/posts/{post_id}"})
    assert liked.status_code == 303 and liked.headers["location"] == f"/login?next=/posts/{post_id}"
    assert site.blog.likes(post_id).count == 0


@pytest.mark.parametrize("where", ["title", "body", "comment"])
def test_script_in_user_text_comes_back_escaped_on_every_page(site: Site, alice: Visitor, where: str) -> None:
    post_id = alice.write(SCRIPT if where == "title" else "Title", SCRIPT if where == "body" else "Body")
    if where == "comment":
        alice.post(f"/posts/{post_id}/comments", {"body": SCRIPT})
    alice.post(f"/posts/{post_id}/like", {"action": "like"})
    pages = ["/", f"/posts/{post_id}", f"/users/{alice.username}", f"/posts/{post_id}/timeline", "/activity",
             "/activity/post", f"/posts/{post_id}/edit"]
    shown = 0
    for url in pages:
        text = alice.get(url).text
        assert "<script>alert" not in text and "<img src=x" not in text, url
        shown += "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in text
    assert shown >= (1 if where == "comment" else 2)  # a comment shows on its post's page only
    page = html(alice.get(f"/posts/{post_id}").text)
    assert [s.attrs.get("src", "").split("?")[0] for s in page.all("script")] == ["/static/htmx.min.js",
                                                                                   "/static/blog.js"]
    assert page.all("img") == []
    fragment = alice.post(f"/posts/{post_id}/comments", {"body": SCRIPT}, htmx=True).text
    assert "<script>alert" not in fragment and "&lt;script&gt;" in fragment


def test_pages_carry_the_security_headers(site: Site) -> None:
    headers = site.browser().get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_only_the_author_edits_or_deletes_a_post_or_comment(site: Site, alice: Visitor, bob: Visitor,
                                                            htmx: bool) -> None:
    post_id = alice.write("Alice's", "Original")
    cid = site.blog.add_comment(post_id, alice.username or "", "Alice's comment").comment_id
    before = snapshot(site, post_id)
    assert bob.get(f"/posts/{post_id}/edit").status_code == 403
    comment = f"/posts/{post_id}/comments/{cid.replace('#', '%23').replace('+', '%2B')}"
    for url, data in [(f"/posts/{post_id}/edit", {"title": "Bob's now", "body": "x"}), (f"/posts/{post_id}/delete", {}),
                      (f"{comment}/edit", {"body": "Bob's now"}), (f"{comment}/delete", {})]:
        response = bob.post(url, data, htmx=htmx)
        assert response.status_code == 403, url
        assert "author" in response.text
    assert snapshot(site, post_id) == before
    page = bob.page(f"/posts/{post_id}")
    assert page.all("#edit-post") == [] and page.all("form#delete-post-form") == []
    assert page.all("form.delete-comment-form") == [] and page.all("form.edit-comment-form") == []


# any text, markup or not, comes back as the same text and makes no element
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("<>&\"'/=`"), min_size=1,
               max_size=60).filter(lambda t: t.strip())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=TEXT, comment=TEXT)
def test_any_text_round_trips_as_text(site: Site, alice: Visitor, title: str, comment: str) -> None:
    post_id = alice.write(title, comment)
    alice.post(f"/posts/{post_id}/comments", {"body": comment})
    page = html(alice.get(f"/posts/{post_id}").text)
    assert page.one("#post-title").text == title.strip()
    assert page.one("#post-body").text == comment.strip()
    assert page.one("#comments .comment-body").text == comment.strip()
    assert page.one("#post-title").children == [] and page.one("#post-body").children == []
    assert page.one("#comments .comment-body").children == []
