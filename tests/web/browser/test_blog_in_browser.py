"""The blog in a real browser: Debian's chromium (Playwright) against ``dynastore serve`` on 127.0.0.1.

Each test registers fresh users (the server runs with ``--no-demo``), so none
depends on another's content. Waiting is Playwright's auto-waiting
``expect``; htmx swaps are told apart from page loads by a marker set on
``window``, which a full reload would wipe.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx2 as httpx
from playwright.sync_api import Locator, Page, expect

from ..conftest import LiveServer
from .conftest import PASSWORD, Visitor, credentials_form, login

Shot = Callable[[Page, str], Path]
NewUser = Callable[[str], Visitor]

#: a post page's URL, not the new-post form's
POST_URL = re.compile(r"/posts/(?!new$)[^/?#]+$")


def write_post(v: Visitor, title: str, body: str) -> str:
    """Write a post through the nav link and the form; its id (from the page it lands on)."""
    page = v.page
    page.goto("/")
    page.locator("a#nav-new-post").click()
    form = page.locator("form#post-form")
    form.locator("input[name=title]").fill(title)
    form.locator("textarea[name=body]").fill(body)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(POST_URL)
    expect(page.locator("h1#post-title")).to_have_text(title)
    return page.url.rsplit("/", 1)[1]


def mark_document(page: Page) -> None:
    page.evaluate("window.__sameDocument = true")


def assert_same_document(page: Page) -> None:
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded instead of updated in place"


def feed_item(page: Page, activity_type: str, text: str) -> Locator:
    return page.locator(f"#activity-feed li.activity[data-type={activity_type}]", has_text=text)


def expect_how_stored(page: Page, *backends: str) -> None:
    panel = page.locator("details#how-stored")
    expect(panel).to_have_count(1)
    expect(panel.locator(".access").first).to_be_attached()
    for backend in backends:
        expect(panel).to_contain_text(backend)


def comment_by_body(page: Page, body: str) -> Locator:
    return page.locator("#comments article.comment").filter(
        has=page.locator(".comment-body", has_text=body)).last


def refused(response_status: int, location: str | None) -> bool:
    """A state-changing request the server did not carry out: 401/403, or sent to the login page."""
    return response_status in (401, 403) or (response_status in (302, 303) and "/login" in (location or ""))


def test_a_new_post_shows_on_the_home_page_and_in_every_feed(user: NewUser, screenshot: Shot) -> None:
    a = user("author")
    page = a.page
    title = f"Start from the access patterns {uuid.uuid4().hex[:6]}"
    post_id = write_post(a, title, "Write down the questions first.\nEach becomes a key or an index.")
    expect(page.locator("#post-body")).to_contain_text("Write down the questions first.")
    expect(page.locator("#post-author")).to_contain_text(a.username)
    expect_how_stored(page, "SQLite", "DynamoDB")
    page.locator("details#how-stored summary").click()
    screenshot(page, "post")

    page.goto("/")
    card = page.locator("#post-list article.post-card").filter(
        has=page.locator(f"a.post-link[href='/posts/{post_id}']"))
    expect(card.locator("a.post-link")).to_have_text(title)
    expect(card.locator(".like-count")).to_contain_text("0")
    expect(page.locator("#popular")).to_have_count(1)
    expect_how_stored(page, "SQLite")
    screenshot(page, "home")

    page.locator("a#nav-my-activity").click()
    expect(page).to_have_url(re.compile(rf"/users/{a.username}$"))
    expect(feed_item(page, "post", title)).to_have_count(1)
    expect(feed_item(page, "view", title)).not_to_have_count(0)  # reading one's own post is a view too
    expect_how_stored(page, "DynamoDB")
    screenshot(page, "user-activity")

    page.goto(f"/users/{a.username}?type=post")
    expect(page.locator("#activity-feed li.activity")).to_have_count(1)
    expect(feed_item(page, "post", title)).to_have_count(1)

    page.goto("/activity/post")
    expect(page.locator("h1")).to_contain_text(re.compile("post", re.I))
    expect(feed_item(page, "post", a.username)).not_to_have_count(0)
    expect_how_stored(page, "ActivityTypeIndex")
    screenshot(page, "activity-type")

    page.goto(f"/posts/{post_id}")
    page.locator("a#post-timeline").click()
    expect(page).to_have_url(re.compile(rf"/posts/{post_id}/timeline$"))
    expect(feed_item(page, "post", a.username)).to_have_count(1)
    expect_how_stored(page, "PostActivityIndex")
    screenshot(page, "timeline")

    page.locator("a#nav-activity").click()
    expect(page).to_have_url(re.compile(r"/activity$"))
    evaluated = {}
    for section in ("#recent-scan", "#recent-feed"):
        expect(page.locator(section)).to_contain_text(a.username)
        text = page.locator(f"{section} .items-evaluated").first.inner_text()
        number = re.search(r"\d[\d,]*", text)
        assert number, f"{section}: no number of items evaluated in {text!r}"
        evaluated[section] = int(number[0].replace(",", ""))
    assert evaluated["#recent-scan"] >= 2  # the Scan reads every activity: at least this post and its view
    expect(page.locator("#recent-scan")).to_contain_text("Scan")
    screenshot(page, "activity")


def test_likes_from_two_users_count_and_unlike_updates_in_place(user: NewUser, screenshot: Shot) -> None:
    a, b = user("writer"), user("fan")
    title = f"Why a like counter is sharded {uuid.uuid4().hex[:6]}"
    post_id = write_post(a, title, "Spread the writes over a few shard items.")

    b.page.goto(f"/posts/{post_id}")
    mark_document(b.page)
    expect(b.page.locator("#likes #like-count")).to_have_text("0")
    b.page.locator("#likes button#like-button").click()
    expect(b.page.locator("#like-count")).to_have_text("1")
    expect(b.page.locator("#like-button")).to_have_text(re.compile(r"^\s*Unlike\s*$"))
    assert_same_document(b.page)

    a.page.reload()
    expect(a.page.locator("#like-count")).to_have_text("1")
    expect(a.page.locator("#like-button")).to_have_text(re.compile(r"^\s*Like\s*$"))
    a.page.locator("#like-button").click()
    expect(a.page.locator("#like-count")).to_have_text("2")
    screenshot(a.page, "post-liked")

    b.page.reload()
    expect(b.page.locator("#like-count")).to_have_text("2")
    mark_document(b.page)
    b.page.locator("#like-button").click()
    expect(b.page.locator("#like-count")).to_have_text("1")
    expect(b.page.locator("#like-button")).to_have_text(re.compile(r"^\s*Like\s*$"))
    assert_same_document(b.page)

    a.page.goto("/")
    card = a.page.locator("#post-list article.post-card").filter(
        has=a.page.locator(f"a.post-link[href='/posts/{post_id}']"))
    expect(card.locator(".like-count")).to_contain_text("1")
    expect(a.page.locator("#popular li", has_text=title)).to_have_count(1)

    a.page.goto(f"/posts/{post_id}/timeline")
    for who in (a, b):
        expect(feed_item(a.page, "like", who.username)).to_have_count(1)
    b.page.goto(f"/users/{b.username}?type=like")
    expect(feed_item(b.page, "like", title)).to_have_count(1)
    expect(b.page.locator("#activity-feed li.activity:not([data-type=like])")).to_have_count(0)
    b.page.goto("/activity/like")
    expect(feed_item(b.page, "like", b.username)).not_to_have_count(0)


def test_a_comment_and_its_reply_thread_in_place(user: NewUser, screenshot: Shot) -> None:
    a, b = user("poster"), user("reader")
    post_id = write_post(a, f"Comments in one partition {uuid.uuid4().hex[:6]}", "Threads are assembled in the app.")
    question = f"So replies share the post's partition? {uuid.uuid4().hex[:6]}"
    answer = f"Yes: one Query reads the whole thread. {uuid.uuid4().hex[:6]}"

    b.page.goto(f"/posts/{post_id}")
    mark_document(b.page)
    form = b.page.locator("#comments form#comment-form")
    form.locator("textarea[name=body]").fill(question)
    form.locator("button[type=submit]").click()
    root = comment_by_body(b.page, question)
    expect(root.locator(".comment-author").first).to_contain_text(b.username)
    assert_same_document(b.page)
    comment_id = root.get_attribute("data-comment-id")
    assert comment_id

    page = a.page
    page.goto(f"/posts/{post_id}")
    mark_document(page)
    parent = page.locator(f"#comments article.comment[data-comment-id='{comment_id}']")
    expect(parent.locator(".comment-body").first).to_have_text(question)
    parent.locator("button.reply-button").first.click()
    reply_form = parent.locator("form.reply-form").first
    expect(reply_form).to_be_visible()
    reply_form.locator("textarea[name=body]").fill(answer)
    reply_form.locator("button[type=submit]").click()
    reply = page.locator(f"article.comment[data-comment-id='{comment_id}'] .replies article.comment",
                         has_text=answer)
    expect(reply).to_have_count(1)
    expect(reply.locator(".comment-author")).to_contain_text(a.username)
    assert_same_document(page)
    # Each sees the delete control on their own comment only: the reply's for a, the question's for b.
    expect(reply.locator("form.delete-comment-form")).to_have_count(1)
    expect(parent.locator("form.delete-comment-form")).to_have_count(1)
    screenshot(page, "comments")

    b.page.reload()
    parent_b = b.page.locator(f"#comments article.comment[data-comment-id='{comment_id}']")
    reply_b = parent_b.locator(".replies article.comment", has_text=answer)
    expect(reply_b).to_have_count(1)
    expect(reply_b.locator("form.delete-comment-form")).to_have_count(0)
    expect(parent_b.locator("form.delete-comment-form")).to_have_count(1)

    page.goto(f"/posts/{post_id}/timeline")
    for who in (a, b):
        expect(feed_item(page, "comment", who.username)).to_have_count(1)
    page.goto(f"/users/{b.username}?type=comment")
    expect(page.locator("#activity-feed li.activity[data-type=comment]")).to_have_count(1)


def test_script_in_a_title_and_a_comment_is_shown_as_text(user: NewUser) -> None:
    a = user("mallory")
    page = a.page
    title = "<script>alert('title')</script><img src=x onerror=\"alert('img')\">"
    comment = "<script>alert('comment')</script><b>not bold</b>"
    post_id = write_post(a, title, "<i>not italic</i>")
    expect(page.locator("#post-body")).to_contain_text("<i>not italic</i>")
    form = page.locator("#comments form#comment-form")
    form.locator("textarea[name=body]").fill(comment)
    form.locator("button[type=submit]").click()
    expect(comment_by_body(page, comment)).to_have_count(1)

    page.reload()
    expect(page.locator("h1#post-title")).to_have_text(title)
    expect(comment_by_body(page, comment)).to_have_count(1)
    page.goto("/")
    expect(page.locator(f"a.post-link[href='/posts/{post_id}']")).to_have_text(title)
    page.goto(f"/users/{a.username}")
    expect(feed_item(page, "post", "<script>")).not_to_have_count(0)
    # Markup from user text would have made elements; as text it made none, and no alert fired.
    page.goto(f"/posts/{post_id}")
    markup = "#post-title script, #post-title img, #post-body i, .comment-body script, .comment-body b"
    assert page.evaluate(f"document.querySelectorAll('{markup}').length") == 0
    assert a.dialogs == []


def test_only_the_author_edits_and_a_logged_out_session_changes_nothing(
        user: NewUser, live_server: LiveServer, screenshot: Shot) -> None:
    a, b = user("owner"), user("other")
    post_id = write_post(a, f"Mine to edit {uuid.uuid4().hex[:6]}", "First draft.")

    b.page.goto(f"/posts/{post_id}")
    expect(b.page.locator("h1#post-title")).to_be_visible()
    expect(b.page.locator("a#edit-post")).to_have_count(0)
    expect(b.page.locator("form#delete-post-form")).to_have_count(0)
    response = b.page.goto(f"/posts/{post_id}/edit")
    assert response is not None and response.status == 403

    page = a.page
    expect(page.locator("form#delete-post-form")).to_have_count(1)
    page.locator("a#edit-post").click()
    new_title = f"Edited by its author {uuid.uuid4().hex[:6]}"
    page.locator("form#post-form input[name=title]").fill(new_title)
    page.locator("form#post-form button[type=submit]").click()
    expect(page).to_have_url(POST_URL)
    expect(page.locator("h1#post-title")).to_have_text(new_title)

    cookie = next(c for c in b.context.cookies() if c["name"] == "dynastore_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    b.page.goto(f"/posts/{post_id}")
    token = b.csrf_token()
    b.page.locator("form#logout-form button").click()
    expect(b.page.locator("a#nav-login")).to_be_visible()
    expect(b.page.locator("#nav-user")).to_have_count(0)

    # The old session id and its CSRF token are dead on the server, not just forgotten by the browser.
    replay = httpx.post(f"{live_server.base_url}/posts/{post_id}/like", follow_redirects=False, headers={
        "X-CSRF-Token": token, "Cookie": f"dynastore_session={cookie['value']}"})
    assert refused(replay.status_code, replay.headers.get("location")), replay.status_code
    logged_out = b.page.request.post(f"/posts/{post_id}/like", headers={"X-CSRF-Token": token}, max_redirects=0)
    assert refused(logged_out.status, logged_out.headers.get("location")), logged_out.status
    page.reload()
    expect(page.locator("#like-count")).to_have_text("0")

    credentials_form(b.page, "login", b.username, PASSWORD + "-wrong").click()
    expect(b.page.locator(".form-error")).to_be_visible()
    screenshot(b.page, "login-failed")
    login(b, b.username)
    assert b.session_cookie() not in (None, cookie["value"]), "login must start a new session id"
