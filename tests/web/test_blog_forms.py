# ruff: noqa: F811  (pytest fixtures imported from test_support are parameters here)
"""Every form works without JavaScript (POST, then a 303 to the page to show) and with htmx (the
``HX-Request`` header: a fragment swapped in place, or ``HX-Redirect`` for a whole new page)."""

from __future__ import annotations

import pytest

from dynastore.apps.blog import ActivityType

from .test_support import PASSWORD, Site, Visitor, alice, bob, html, site  # noqa: F401  (fixtures)

MODES = pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])


def goes_to(response: object, url: str, htmx: bool) -> bool:
    """The answer sends the browser to *url*: a 303, or for htmx ``HX-Redirect``."""
    status, headers = response.status_code, response.headers  # type: ignore[attr-defined]
    if htmx:
        return bool(status == 204 and headers.get("hx-redirect") == url)
    return bool(status == 303 and headers.get("location") == url)


@MODES
def test_register_logs_in_and_goes_on(site: Site, htmx: bool) -> None:
    v = site.browser()
    response = v.post("/register", {"username": "New_User", "password": PASSWORD, "next": "/activity"}, htmx=htmx)
    assert goes_to(response, "/activity", htmx)
    assert v.page("/").one("#nav-user").text == "new_user"
    assert site.blog.user("new_user") is not None


@MODES
def test_register_refusals_show_the_form_again_with_the_reason(site: Site, alice: Visitor, htmx: bool) -> None:
    v = site.browser()
    taken = v.post("/register", {"username": alice.username or "", "password": PASSWORD}, htmx=htmx)
    assert taken.status_code == 409
    assert "taken" in html(taken.text).one("form#register-form .form-error").text
    short = v.post("/register", {"username": "someone", "password": "short"}, htmx=htmx)
    assert short.status_code == 422
    form = html(short.text).one("form#register-form")
    assert "8 to 128" in form.one(".form-error").text and form.one("input[name=username]").attrs["value"] == "someone"
    assert (short.text.lstrip().startswith("<form")) is htmx  # htmx gets the form alone, in place
    assert site.blog.user("someone") is None


@MODES
def test_login_and_a_failed_login(site: Site, alice: Visitor, htmx: bool) -> None:
    v = site.browser()
    wrong = v.login(alice.username or "", PASSWORD + "x", htmx=htmx)
    assert wrong.status_code == 401
    form = html(wrong.text).one("form#login-form")
    assert form.one(".form-error").text and form.one("input[name=username]").attrs["value"] == alice.username
    assert v.session_id is None
    right = v.login(alice.username or "", htmx=htmx)
    assert goes_to(right, "/", htmx)
    assert v.page("/").one("#nav-user").text == alice.username


@pytest.mark.parametrize("target, expected", [("/posts/new", "/posts/new"), ("//evil.example/x", "/"),
                                              ("https://evil.example/", "/"), ("/\\evil.example", "/")])
def test_login_goes_back_only_to_this_site(site: Site, alice: Visitor, target: str, expected: str) -> None:
    v = site.browser()
    response = v.post("/login", {"username": alice.username or "", "password": PASSWORD, "next": target})
    assert response.headers["location"] == expected


@MODES
def test_logout_ends_the_session_on_the_server(site: Site, alice: Visitor, htmx: bool) -> None:
    session_id = alice.session_id
    response = alice.post("/logout", htmx=htmx)
    assert goes_to(response, "/", htmx)
    assert alice.session_id is None
    assert site.blog.session(session_id) is None
    assert alice.page("/").all("#nav-user") == []


@MODES
def test_write_edit_and_delete_a_post(site: Site, alice: Visitor, htmx: bool) -> None:
    created = alice.post("/posts", {"title": "  Hello  ", "body": "World"}, htmx=htmx)
    url = created.headers["hx-redirect" if htmx else "location"]
    post_id = url.rsplit("/", 1)[1]
    assert goes_to(created, f"/posts/{post_id}", htmx)
    assert site.blog.post(post_id).title == "Hello"

    edited = alice.post(f"/posts/{post_id}/edit", {"title": "Hello again", "body": "Edited"}, htmx=htmx)
    assert goes_to(edited, f"/posts/{post_id}", htmx)
    page = alice.page(f"/posts/{post_id}")
    assert page.one("#post-title").text == "Hello again" and page.one("#post-body").text == "Edited"

    deleted = alice.post(f"/posts/{post_id}/delete", htmx=htmx)
    assert goes_to(deleted, "/", htmx)
    alice.page(f"/posts/{post_id}", 404)


@MODES
def test_an_invalid_post_shows_the_form_again_and_writes_nothing(site: Site, alice: Visitor, htmx: bool) -> None:
    response = alice.post("/posts", {"title": "   ", "body": "Kept"}, htmx=htmx)
    assert response.status_code == 422
    form = html(response.text).one("form#post-form")
    assert "title" in form.one(".form-error").text
    assert form.one("textarea[name=body]").text == "Kept"
    assert site.blog.posts() == []
    post_id = alice.write("Fine")
    too_long = alice.post(f"/posts/{post_id}/edit", {"title": "x" * 201, "body": "b"}, htmx=htmx)
    assert too_long.status_code == 422 and site.blog.post(post_id).title == "Fine"


@MODES
def test_like_and_unlike(site: Site, alice: Visitor, bob: Visitor, htmx: bool) -> None:
    post_id = alice.write()
    liked = bob.post(f"/posts/{post_id}/like", {"action": "like"}, htmx=htmx)
    if htmx:
        fragment = html(liked.text)
        assert liked.status_code == 200 and fragment.one("#likes #like-count").text == "1"
        assert fragment.one("#likes #like-button").text.strip() == "Unlike"
        assert fragment.all("html") == []  # the fragment alone
    else:
        assert goes_to(liked, f"/posts/{post_id}#likes", htmx)
    again = bob.post(f"/posts/{post_id}/like", {"action": "like"}, htmx=htmx)  # a double submit changes nothing
    assert again.status_code in (200, 303)
    assert site.blog.likes(post_id, bob.username).count == 1
    page = bob.page(f"/posts/{post_id}")
    assert page.one("#like-button").text.strip() == "Unlike"
    bob.post(f"/posts/{post_id}/like", {"action": "unlike"}, htmx=htmx)
    assert site.blog.likes(post_id, bob.username) == site.blog.likes(post_id) and site.blog.likes(post_id).count == 0


def test_a_like_without_an_action_toggles(site: Site, alice: Visitor) -> None:
    post_id = alice.write()
    alice.post(f"/posts/{post_id}/like")
    assert site.blog.likes(post_id, alice.username).liked
    alice.post(f"/posts/{post_id}/like")
    assert not site.blog.likes(post_id, alice.username).liked


@MODES
def test_comment_reply_edit_and_delete(site: Site, alice: Visitor, bob: Visitor, htmx: bool) -> None:
    post_id = alice.write()
    added = bob.post(f"/posts/{post_id}/comments", {"body": "First!"}, htmx=htmx)
    if htmx:
        assert added.status_code == 200
        section = html(added.text).one("#comments")
        assert [c.text for c in section.all("article.comment .comment-body")] == ["First!"]
    else:
        assert goes_to(added, f"/posts/{post_id}#comments", htmx)
    (root,) = site.blog.comments(post_id)
    cid = root.comment.comment_id

    alice.post(f"/posts/{post_id}/comments", {"body": "Welcome", "parent_id": cid}, htmx=htmx)
    (root,) = site.blog.comments(post_id)
    assert [(r.comment.author, r.comment.body) for r in root.replies] == [(alice.username, "Welcome")]

    edit_url = f"/posts/{post_id}/comments/{cid.replace('#', '%23').replace('+', '%2B')}"
    edited = bob.post(f"{edit_url}/edit", {"body": "First, edited"}, htmx=htmx)
    assert edited.status_code == (200 if htmx else 303)
    assert site.blog.comments(post_id)[0].comment.body == "First, edited"
    deleted = bob.post(f"{edit_url}/delete", htmx=htmx)
    assert deleted.status_code == (200 if htmx else 303)
    (root,) = site.blog.comments(post_id)  # kept, blanked, for its reply
    assert root.comment.deleted and len(root.replies) == 1
    commented = site.blog.user_activity(bob.username, 20, ActivityType.COMMENT)  # type: ignore[arg-type]
    assert [a.post_id for a in commented] == [post_id]


@MODES
def test_an_empty_comment_is_refused_with_the_reason_in_place(site: Site, alice: Visitor, htmx: bool) -> None:
    post_id = alice.write("Commented")
    response = alice.post(f"/posts/{post_id}/comments", {"body": "   "}, htmx=htmx)
    assert response.status_code == 422
    page = html(response.text)
    assert "comment" in page.one("#comments .form-error").text
    assert (page.all("h1#post-title") == []) is htmx  # htmx: the comments alone; else the whole post again
    assert site.blog.comments(post_id) == []


def test_the_anonymous_token_is_kept_across_pages(site: Site) -> None:
    v = site.browser()
    assert v.token("/login") == v.token("/register") == v.client.cookies.get("dynastore_csrf")
