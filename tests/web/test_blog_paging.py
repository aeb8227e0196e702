# ruff: noqa: F811  (pytest fixtures imported from test_support are parameters here)
"""Long listings page on: an "Older" link carries an opaque cursor, "Newest" goes back; other query
parameters (a feed's type) are kept, and a tampered link is a 422 page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from .test_support import Site, Visitor, alice, site  # noqa: F401  (fixtures)


def test_the_post_list_pages_on(site: Site, alice: Visitor) -> None:
    titles = [f"Post number {i:02d}" for i in range(25)]
    for t in titles:
        site.blog.create_post(alice.username or "", t, "body")
    first = alice.page("/")
    shown = [a.text for a in first.all("#post-list a.post-link")]
    assert shown == titles[::-1][:20]
    older = first.one("a#older-link").attrs["href"]
    second = alice.page(older)
    assert [a.text for a in second.all("#post-list a.post-link")] == titles[::-1][20:]
    assert second.all("a#older-link") == [] and second.one("a#newest-link").attrs["href"] == "/"
    assert alice.get("/?older=bogus").status_code == 422


def test_a_feed_pages_on_and_keeps_its_filter(site: Site, alice: Visitor) -> None:
    post = site.blog.create_post(alice.username or "", "Viewed a lot", "body")
    for _ in range(23):
        site.blog.record_view(alice.username or "", post.post_id)
    url = f"/users/{alice.username}?type=view"
    first = alice.page(url)
    assert len(first.all("#activity-feed li.activity")) == 20
    older = first.one("a#older-link").attrs["href"]
    assert parse_qs(urlsplit(older).query)["type"] == ["view"]
    rest = alice.page(older).all("#activity-feed li.activity")
    assert len(rest) == 3 and all(li.attrs["data-type"] == "view" for li in rest)
    typed = alice.page("/activity/view")
    assert len(alice.page(typed.one("a#older-link").attrs["href"]).all("#activity-feed li.activity")) == 3
    other = site.browser()
    other.register()
    assert alice.get(f"/users/{other.username}?older={parse_qs(urlsplit(older).query)['older'][0]}").status_code == 422
