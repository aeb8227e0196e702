"""The activity log (table ``activities``): views, likes, comments and posts, per user and over time.

The sort key ``timestamp`` is ``<ISO-8601 UTC, microseconds>#<random>``: two
events in the same second (or microsecond) both survive, where the seed's
whole-second keys overwrote each other. Every event also gets a random
``feed_shard`` ("feed#0" .. "feed#N-1"): everyone's recent activity is read from
the write-sharded ``RecentActivityIndex`` by N small queries, where the seed
scanned the whole table (kept, for contrast, as `Activities.by_scan`).
"""

from __future__ import annotations

import heapq
import random
from datetime import datetime, timezone
from typing import Any

from ...errors import ValidationError
from ...expressions import Attr, Key
from ...table import Table
from ..cursors import pack, unpack
from .models import ActivityType, time_id
from .records import Activity, Page
from .trace import Trace, note

MAX_LIMIT = 100
TYPE_INDEX = "ActivityTypeIndex"
POST_INDEX = "PostActivityIndex"
FEED_INDEX = "RecentActivityIndex"


def check_limit(limit: int) -> int:
    if type(limit) is not int or not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"limit must be 1 to {MAX_LIMIT}, got {limit!r}")
    return limit


def activity_type(value: str | ActivityType) -> ActivityType:
    try:
        return ActivityType(value)
    except ValueError:
        kinds = ", ".join(t.value for t in ActivityType)
        raise ValidationError(f"unknown activity type {value!r}: one of {kinds}") from None


class Activities:
    def __init__(self, table: Table, feed_shards: int = 4):
        if not 1 <= feed_shards <= 100:
            raise ValidationError("feed_shards must be 1 to 100")
        self.table = table
        self.feed_shards = feed_shards

    def item(self, user_id: str, kind: ActivityType, post_id: str | None = None, detail: str | None = None
             ) -> dict[str, Any]:
        """A new event's item (for a transaction that writes it with what it records)."""
        item: dict[str, Any] = {"user_id": user_id, "timestamp": time_id(), "activity_type": kind.value,
                                "feed_shard": f"feed#{random.randrange(self.feed_shards)}"}
        if post_id is not None:  # absent, not null: events without a post stay out of PostActivityIndex
            item["post_id"] = post_id
        if detail:
            item["detail"] = detail[:200]
        return item

    def record(self, user_id: str, kind: ActivityType, post_id: str | None = None, detail: str | None = None
               ) -> Activity:
        item = self.item(user_id, kind, post_id, detail)
        self.table.put(item, condition=Attr("timestamp").not_exists())
        return activity(item)

    def of_user(self, user_id: str, limit: int = 20, kind: ActivityType | None = None,
                trace: Trace | None = None, older: str | None = None) -> Page[Activity]:
        flt = Attr("activity_type").eq(kind.value) if kind else None
        results = self.table.query(Key("user_id").eq(user_id), filter=flt, reverse=True, limit=check_limit(limit),
                                   start_key=self._start(older, user_id, {"user_id": user_id}))
        items = results.all()
        note(trace, "DynamoDB", "Query", self.table.name, f"user_id = {user_id}", items=len(items),
             scanned=results.scanned_count,
             why=("newest first (ScanIndexForward=false); the type is a filter, applied after the read: "
                  "evaluated items are paid for" if kind else "newest first (ScanIndexForward=false), Limit N"))
        return self._page(items, limit)

    def of_type(self, kind: ActivityType, limit: int = 20, trace: Trace | None = None, older: str | None = None
                ) -> Page[Activity]:
        return self._index(TYPE_INDEX, "activity_type", kind.value, limit, trace, older,
                           "a handful of types: each is one partition of the index, hot on a busy site")

    def of_post(self, post_id: str, limit: int = 50, trace: Trace | None = None, older: str | None = None
                ) -> Page[Activity]:
        return self._index(POST_INDEX, "post_id", post_id, limit, trace, older,
                           "sparse: events without a post are not in this index")

    def _index(self, index: str, attribute: str, value: str, limit: int, trace: Trace | None, older: str | None,
               why: str) -> Page[Activity]:
        results = self.table.query(Key(attribute).eq(value), index=index, reverse=True, limit=check_limit(limit),
                                   start_key=self._start(older, None, {attribute: value}))
        items = results.all()
        note(trace, "DynamoDB", "Query", self.table.name, f"{attribute} = {value}", items=len(items),
             scanned=results.scanned_count, index=index, why=why)
        return self._page(items, limit)

    @staticmethod
    def _start(older: str | None, user_id: str | None, partition: dict[str, str]) -> dict[str, str] | None:
        """The start key a page link (`Page.next`) stands for, in this listing (a link from another is refused)."""
        if older is None:
            return None
        user, stamp = unpack(older, fields=2, max_chars=300, error="this page link is not valid")
        if not isinstance(user, str) or not isinstance(stamp, str) or not user or not stamp or (
                user_id is not None and user != user_id):
            raise ValidationError("this page link is not valid")
        return {**partition, "user_id": user, "timestamp": stamp}

    @staticmethod
    def _page(items: list[dict[str, Any]], limit: int) -> Page[Activity]:
        last = items[-1] if len(items) == limit else None
        return Page((activity(i) for i in items), pack([last["user_id"], last["timestamp"]]) if last else None)

    def by_scan(self, limit: int = 20, trace: Trace | None = None) -> list[Activity]:
        """The seed's way: read the whole table and sort. Cost grows with the table, not the answer."""
        results = self.table.scan()
        newest = heapq.nlargest(check_limit(limit), results, key=lambda i: i["timestamp"])
        note(trace, "DynamoDB", "Scan", self.table.name, "(none: every item of the table)", items=len(newest),
             scanned=results.scanned_count, why="anti-pattern: reads every item, then keeps the newest few")
        return [activity(i) for i in newest]

    def by_feed(self, limit: int = 20, trace: Trace | None = None) -> list[Activity]:
        """Everyone's newest events: the newest *limit* of each feed shard, merged."""
        check_limit(limit)
        merged: list[dict[str, Any]] = []
        for shard in range(self.feed_shards):
            results = self.table.query(Key("feed_shard").eq(f"feed#{shard}"), index=FEED_INDEX, reverse=True,
                                       limit=limit)
            items = results.all()
            merged.extend(items)
            note(trace, "DynamoDB", "Query", self.table.name, f"feed_shard = feed#{shard}", items=len(items),
                 scanned=results.scanned_count, index=FEED_INDEX,
                 why=f"write-sharded: each event went to one of {self.feed_shards} shards at random")
        return [activity(i) for i in heapq.nlargest(limit, merged, key=lambda i: i["timestamp"])]


def activity(item: dict[str, Any]) -> Activity:
    stamp = item["timestamp"]
    try:
        at = datetime.fromisoformat(stamp.split("#", 1)[0])
    except ValueError:  # written by something else into the table: shown, at the epoch
        at = datetime.fromtimestamp(0, timezone.utc)
    return Activity(item["user_id"], stamp, activity_type(item["activity_type"]), at, item.get("post_id"),
                    item.get("detail"))
