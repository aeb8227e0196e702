"""Feeds: a user's activity, one type's, a post's timeline, and everyone's recent activity read two
ways (the seed's Scan beside the write-sharded index), each with what it cost."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from ....apps.blog import ActivityType, Trace
from ....errors import ItemNotFound, ValidationError
from ..visit import Reader

router = APIRouter()

#: Events per feed page.
FEED_SIZE = 20
#: Posts listed beside a user's feed.
USER_POSTS = 5


@router.get("/users/{username}")
def user_feed(username: str, v: Reader, type: str | None = None, older: str | None = None) -> Response:
    kind = _kind(type) if type else None
    profile = v.blog.user(username, v.trace)
    if profile is None:
        raise ItemNotFound(f"no user {username!r}")
    items = v.blog.user_activity(profile.username, FEED_SIZE, kind, v.trace, older=older)
    user_posts = v.blog.posts_by(profile.username, USER_POSTS, v.trace)
    return v.page("user.html", profile=profile, kind=kind, items=items, user_posts=user_posts)


@router.get("/activity/{kind}")
def type_feed(kind: str, v: Reader, older: str | None = None) -> Response:
    try:
        activity_type = ActivityType(kind)
    except ValueError:
        raise ItemNotFound(f"no activity type {kind!r}: one of {', '.join(t.value for t in ActivityType)}") from None
    items = v.blog.activity_of_type(activity_type, FEED_SIZE, v.trace, older=older)
    return v.page("feed.html", heading=f"Recent {activity_type.value} activity", subtitle=None, kinds=True,
                  kind=activity_type, items=items,
                  explanation=(f"One Query of the ActivityTypeIndex global index (partition key activity_type = "
                               f"{activity_type.value}, sort key timestamp), newest first. There are only four "
                               "types, so each is one big partition of the index: fine here, a hot key on a "
                               "busy site."))


@router.get("/posts/{post_id}/timeline")
def post_timeline(post_id: str, v: Reader, older: str | None = None) -> Response:
    post = v.blog.post(post_id, v.trace)
    items = v.blog.post_timeline(post_id, 50, v.trace, older=older)
    return v.page("feed.html", heading=f"Timeline of “{post.title}”", subtitle=None, kinds=False, kind=None,
                  items=items, post=post,
                  explanation=("One Query of the PostActivityIndex global index (partition key post_id, sort key "
                               "timestamp), newest first. The index is sparse: events without a post_id are not "
                               "in it at all."))


@router.get("/activity")
def recent(v: Reader) -> Response:
    scan, feed = Trace(), Trace()
    scan_items = v.blog.recent_by_scan(FEED_SIZE, scan)
    feed_items = v.blog.recent_by_feed(FEED_SIZE, feed)
    v.trace.accesses.extend(scan.accesses + feed.accesses)
    return v.page("activity.html", scan_items=scan_items, feed_items=feed_items, scan_evaluated=scan.items_read,
                  feed_evaluated=feed.items_read, feed_shards=v.blog.feed_shards)


def _kind(value: str) -> ActivityType:
    try:
        return ActivityType(value)
    except ValueError:
        kinds = ", ".join(t.value for t in ActivityType)
        raise ValidationError(f"unknown activity type {value!r}: one of {kinds}") from None
