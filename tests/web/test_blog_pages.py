# ruff: noqa: F811  (pytest fixtures imported from test_support are parameters here)
"""Every page of the blog renders, with the elements the browser tests rely on and a "How this is
stored" panel drawn from what the page really read."""

from __future__ import annotations

import pytest

from dynastore.apps.blog import ActivityType

from .test_support import Element, Site, Visitor, alice, bob, site  # noqa: F401  (fixtures)


def how_stored(page: Element) -> list[dict[str, str]]:
    """The panel's rows: column heading -> cell text."""
    panel = page.one("details#how-stored")
    heads = [th.text.strip() for th in panel.all("thead th")]
    return [dict(zip(heads, (td.text.strip() for td in row.all("td")), strict=True)) for row in panel.all("tr.access")]


def test_home_lists_posts_newest_first_with_like_counts_and_the_popular_ones(site: Site, alice: Visitor,
                                                                               bob: Visitor) -> None:
    first = alice.write("First post")
    second = alice.write("Second post")
    bob.post(f"/posts/{first}/like", {"action": "like"})

    page = site.browser().page("/")
    cards = page.all("#post-list article.post-card")
    assert [c.one("a.post-link").text for c in cards] == ["Second post", "First post"]
    assert [c.one("a.post-link").attrs["href"] for c in cards] == [f"/posts/{second}", f"/posts/{first}"]
    assert [c.one(".like-count").text.split()[-1] for c in cards] == ["0", "1"]
    assert [li.one("a").text for li in page.all("#popular li")] == ["First post"]
    assert "shard" in page.one("#popular").text
    rows = how_stored(page)
    assert {"SQLite", "DynamoDB"} <= {r["Backend"] for r in rows}
    assert any(r["Operation"] == "BatchGetItem" and r["Table"].endswith("likes") for r in rows)


def test_the_nav_shows_who_is_logged_in(site: Site, alice: Visitor) -> None:
    anonymous = site.browser().page("/")
    assert anonymous.all("#nav-user") == [] and anonymous.all("form#logout-form") == []
    assert anonymous.one("a#nav-login").attrs["href"] == "/login"
    assert anonymous.one("a#nav-register").attrs["href"] == "/register"
    assert anonymous.one("a#nav-activity").attrs["href"] == "/activity"

    page = alice.page("/")
    assert page.one("#nav-user").text == alice.username
    assert page.one("a#nav-my-activity").attrs["href"] == f"/users/{alice.username}"
    assert page.one("a#nav-new-post").attrs["href"] == "/posts/new"
    assert page.one("form#logout-form button").text.strip() == "Log out"
    assert page.all("a#nav-login") == []


def test_a_post_page_shows_the_post_its_likes_and_the_author_controls(site: Site, alice: Visitor, bob: Visitor
                                                                      ) -> None:
    post_id = alice.write("On sharding", "Spread the writes.\nSum on read.")
    mine = alice.page(f"/posts/{post_id}")
    assert mine.one("h1#post-title").text == "On sharding"
    assert mine.one("#post-body").text == "Spread the writes.\nSum on read."
    assert mine.one("#post-author").text == alice.username
    assert mine.one("#likes button#like-button").text.strip() == "Like"
    assert mine.one("#likes span#like-count").text == "0"
    assert mine.one("a#edit-post").attrs["href"] == f"/posts/{post_id}/edit"
    assert mine.one("form#delete-post-form").attrs["action"] == f"/posts/{post_id}/delete"
    assert mine.one("a#post-timeline").attrs["href"] == f"/posts/{post_id}/timeline"
    assert mine.one("#comments form#comment-form textarea").attrs["name"] == "body"

    theirs = bob.page(f"/posts/{post_id}")
    assert theirs.all("a#edit-post") == [] and theirs.all("form#delete-post-form") == []
    anonymous = site.browser().page(f"/posts/{post_id}")
    assert anonymous.all("#like-button") == [] and anonymous.one("#like-count").text == "0"
    assert anonymous.all("form#comment-form") == []
    operations = [(r["Backend"], r["Operation"]) for r in how_stored(anonymous)]
    assert operations == [("SQLite", "SELECT"), ("DynamoDB", "BatchGetItem"), ("DynamoDB", "Query")]


def test_reading_a_post_logged_in_records_a_view_and_anonymously_does_not(site: Site, alice: Visitor,
                                                                          bob: Visitor) -> None:
    post_id = alice.write("Read me")
    site.browser().page(f"/posts/{post_id}")
    assert site.blog.post_timeline(post_id, 50) and all(
        a.activity_type != ActivityType.VIEW for a in site.blog.post_timeline(post_id, 50))
    bob.page(f"/posts/{post_id}")
    views = site.blog.user_activity(bob.username, 20, ActivityType.VIEW)  # type: ignore[arg-type]
    assert [(a.post_id, a.detail) for a in views] == [(post_id, "Read me")]


def test_comments_are_threaded_with_replies_inside_their_parent(site: Site, alice: Visitor, bob: Visitor) -> None:
    post_id = alice.write()
    question = site.blog.add_comment(post_id, bob.username, "A question?")  # type: ignore[arg-type]
    site.blog.add_comment(post_id, alice.username, "An answer.", question.comment_id)  # type: ignore[arg-type]

    page = alice.page(f"/posts/{post_id}")
    root = page.one(f"#comments article.comment[data-comment-id={question.comment_id}]")
    assert root.all(".comment-author")[0].text == bob.username
    reply = root.one(".replies article.comment")
    assert reply.one(".comment-author").text == alice.username
    assert reply.one(".comment-body").text == "An answer."
    # alice may delete her reply only; everyone logged in may reply to either
    assert len(root.all("form.delete-comment-form")) == 1 and len(reply.all("form.delete-comment-form")) == 1
    assert len(root.all("button.reply-button")) == 2
    assert reply.one("form.reply-form textarea").attrs["name"] == "body"
    assert reply.one("form.reply-form input[name=parent_id]").attrs["value"] == reply.attrs["data-comment-id"]


def test_a_users_feed_and_its_type_filter(site: Site, alice: Visitor, bob: Visitor) -> None:
    post_id = alice.write("Feed me")
    bob.post(f"/posts/{post_id}/like", {"action": "like"})
    bob.page(f"/posts/{post_id}")

    page = site.browser().page(f"/users/{bob.username}")
    kinds = [li.attrs["data-type"] for li in page.all("#activity-feed li.activity")]
    assert kinds == ["view", "like"]
    assert all(bob.username in li.text and "Feed me" in li.text for li in page.all("#activity-feed li.activity"))
    liked = site.browser().page(f"/users/{bob.username}?type=like")
    assert [li.attrs["data-type"] for li in liked.all("#activity-feed li.activity")] == ["like"]
    row = how_stored(liked)[-2]  # the feed's Query (the user's posts follow)
    assert row["Operation"] == "Query" and row["Key"] == f"user_id = {bob.username}"
    assert int(row["Evaluated"]) == 2 and int(row["Returned"]) == 1  # the filter ran after the read


@pytest.mark.parametrize("kind", [t.value for t in ActivityType])
def test_the_per_type_feed_names_its_type_and_reads_the_type_index(site: Site, alice: Visitor, kind: str) -> None:
    post_id = alice.write("Typed")
    alice.post(f"/posts/{post_id}/like", {"action": "like"})
    alice.post(f"/posts/{post_id}/comments", {"body": "Hi"})
    alice.page(f"/posts/{post_id}")

    page = site.browser().page(f"/activity/{kind}")
    assert kind in page.one("h1").text
    items = page.all("#activity-feed li.activity")
    assert [li.attrs["data-type"] for li in items] == [kind]
    assert alice.username in items[0].text
    assert [(r["Operation"], r["Index"]) for r in how_stored(page)] == [("Query", "ActivityTypeIndex")]


def test_a_posts_timeline(site: Site, alice: Visitor, bob: Visitor) -> None:
    post_id = alice.write("Timeline")
    bob.post(f"/posts/{post_id}/like", {"action": "like"})
    page = site.browser().page(f"/posts/{post_id}/timeline")
    assert [(li.attrs["data-type"], li.one(".activity-user").text) for li in page.all("#activity-feed li.activity")
            ] == [("like", bob.username), ("post", alice.username)]
    assert "PostActivityIndex" in [r["Index"] for r in how_stored(page)]


def test_recent_activity_shows_the_scan_beside_the_sharded_index_with_their_costs(site: Site, alice: Visitor
                                                                                  ) -> None:
    for i in range(3):
        alice.write(f"Post {i}")
    page = site.browser().page("/activity")
    scan, feed = page.one("#recent-scan"), page.one("#recent-feed")
    assert "Scan" in scan.text and "Anti-pattern" in scan.text
    assert [li.text for li in scan.all("li.activity")] == [li.text for li in feed.all("li.activity")]
    assert len(scan.all("li.activity")) == 3
    assert int(scan.one(".items-evaluated").text) == 3  # every item of the table
    assert int(feed.one(".items-evaluated").text) == 3
    operations = [(r["Operation"], r["Index"]) for r in how_stored(page)]
    assert operations[0] == ("Scan", "—")
    assert operations[1:] == [("Query", "RecentActivityIndex")] * site.blog.feed_shards


def test_the_login_and_register_pages_have_their_forms(site: Site) -> None:
    for form in ("login", "register"):
        page = site.browser().page(f"/{form}")
        fields = page.one(f"form#{form}-form")
        assert fields.one("input[name=username]") and fields.one("input[name=password]").attrs["type"] == "password"
        assert fields.one("button[type=submit]")
        assert page.one("details#how-stored")


def test_the_new_and_edit_post_forms(alice: Visitor) -> None:
    empty = alice.page("/posts/new").one("form#post-form")
    assert empty.attrs["action"] == "/posts"
    assert empty.one("input[name=title]").attrs["value"] == "" and empty.one("textarea[name=body]").text == ""
    post_id = alice.write("Draft", "Body text")
    filled = alice.page(f"/posts/{post_id}/edit").one("form#post-form")
    assert filled.attrs["action"] == f"/posts/{post_id}/edit"
    assert filled.one("input[name=title]").attrs["value"] == "Draft"
    assert filled.one("textarea[name=body]").text == "Body text"
    assert filled.one("button[type=submit]")


def test_static_files_are_served_with_long_caching_and_the_pages_link_them(site: Site) -> None:
    page = site.browser().page("/")
    sources = [s.attrs["src"] for s in page.all("script")] + [link.attrs["href"] for link in page.all("link")]
    assert any(s.startswith("/static/htmx.min.js?v=") for s in sources)
    for url in sources:
        response = site.browser().get(url)
        assert response.status_code == 200 and response.content, url
        assert "immutable" in response.headers["cache-control"]
    htmx = site.browser().get("/static/htmx.min.js").text
    assert "version:'2." in htmx.replace('"', "'") or "version: '2." in htmx
