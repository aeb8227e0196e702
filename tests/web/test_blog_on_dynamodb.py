"""The blog's whole round on DynamoDB (DynamoDB Local, started by the tests): the same app and store code
as on the embedded default, only the store URL differs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dynastore.testing import drop_tables

from .test_support import Site, html, make_site


@pytest.fixture(scope="module")
def site(dynamodb_local_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    built, ctx = make_site("dynamodb", tmp_path_factory.mktemp("blog-ddb"),
                           url=f"dynamodb://?endpoint={dynamodb_local_endpoint}&region=us-east-1")
    yield built
    built.blog.close()
    drop_tables(ctx.store, ctx.table_prefix)
    ctx.store.close()


def test_a_round_of_the_blog_on_dynamodb_local(site: Site) -> None:
    alice, bob = site.browser(), site.browser()
    author, reader = alice.register(), bob.register()
    post_id = alice.write("Stored in DynamoDB", "Likes, comments and the feed go to DynamoDB Local.")

    page = bob.page(f"/posts/{post_id}")  # a view, recorded
    assert page.one("h1#post-title").text == "Stored in DynamoDB"
    panel = page.one("details#how-stored")
    assert "DynamoDB" in panel.text and site.blog.specs["comments"].name in panel.text

    for visitor, count in ((bob, "1"), (alice, "2")):
        liked = visitor.post(f"/posts/{post_id}/like", {"action": "like"}, htmx=True)
        assert liked.status_code == 200 and html(liked.text).one("#like-count").text == count
    assert site.blog.likes(post_id).count == 2

    comment = bob.post(f"/posts/{post_id}/comments", {"body": "Hello from DynamoDB"}, htmx=True)
    first = html(comment.text).one("article.comment").attrs["data-comment-id"]
    reply = alice.post(f"/posts/{post_id}/comments", {"body": "Hello back", "parent_id": first}, htmx=True)
    thread = html(reply.text).one(f'article.comment[data-comment-id="{first}"]')
    assert "Hello back" in thread.one(".replies").text

    kinds = [li.attrs["data-type"] for li in bob.page(f"/users/{reader}").all("#activity-feed li.activity")]
    assert kinds[:3] == ["comment", "like", "view"]
    assert any(post_id in a.attrs.get("href", "") for a in alice.page("/activity/like").all("#activity-feed a"))
    timeline = [li.attrs["data-type"] for li in alice.page(f"/posts/{post_id}/timeline").all("li.activity")]
    assert sorted(timeline) == sorted(["post", "view", "like", "like", "comment", "comment"])
    recent = alice.page("/activity")
    scan, feed = recent.one("#recent-scan"), recent.one("#recent-feed")
    assert [li.text for li in scan.all("li.activity")] == [li.text for li in feed.all("li.activity")]

    assert bob.post("/logout").status_code == 303
    refused = bob.post(f"/posts/{post_id}/like", {"action": "unlike"}, token=None)
    assert refused.status_code in (303, 401, 403)
    assert site.blog.likes(post_id).count == 2
    assert author != reader
