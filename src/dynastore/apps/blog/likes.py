"""Likes (table ``likes``): sharded counters with per-user state, changed atomically, summed on read.

A post's likes live in N shard items, ``post_id = "<post>#<shard>"``. A user
always lands on shard ``sha256(user) mod N``, whose item holds ``like_count``
and ``liked_by`` (a string set). Liking is one conditional update of that item
-- ``ADD like_count 1, ADD liked_by {u}`` if ``NOT contains(liked_by, u)`` --
written in one transaction with its activity. Nothing is read first, so
concurrent likes cannot be lost (the seed read-modified-wrote the user list
and lost them), and liking twice changes nothing. A popular post's writes
spread over N keys instead of one hot one; the count is their sum, read by one
BatchGetItem.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from ...errors import ConditionFailed, TransactionCanceled, ValidationError
from ...expressions import Attr
from ...store import Store
from ...table import Table
from .activities import Activities
from .models import ActivityType
from .records import LikeState
from .trace import Trace, note

SHARDING = ("a post's likes are spread over {n} shard items (post_id = <post>#0 .. #{last}); each user always "
            "lands on the same shard, so 'liked once' is one conditional update, and a popular post's writes "
            "spread over {n} keys instead of one hot partition. The count is the shards' sum, read in one "
            "BatchGetItem.")


def shard_of(user_id: str, shards: int) -> int:
    # stable across processes and runs (unlike hash()), so a user's like is always found in one place
    return int.from_bytes(hashlib.sha256(user_id.encode()).digest()[:8], "big") % shards


class Likes:
    def __init__(self, store: Store, table: Table, activities: Activities, shards: int = 4):
        if not 1 <= shards <= 25:
            raise ValidationError("like_shards must be 1 to 25")
        self.store = store
        self.table = table
        self.activities = activities
        self.shards = shards

    def explanation(self) -> str:
        return SHARDING.format(n=self.shards, last=self.shards - 1)

    def _key(self, post_id: str, shard: int) -> dict[str, str]:
        return {"post_id": f"{post_id}#{shard}"}

    def like(self, post_id: str, user_id: str, detail: str | None = None) -> None:
        """Like once; liking again changes nothing (no error)."""
        who = {user_id}
        try:
            with self.store.transaction() as tx:
                tx.update(self.table, self._key(post_id, shard_of(user_id, self.shards)),
                          [Attr("like_count").add(1), Attr("liked_by").add(who)],
                          condition=~Attr("liked_by").contains(user_id))
                tx.put(self.activities.table, self.activities.item(user_id, ActivityType.LIKE, post_id, detail))
        except TransactionCanceled as e:
            if not _already(e):
                raise

    def unlike(self, post_id: str, user_id: str) -> None:
        """Take a like back; a user who did not like the post changes nothing."""
        try:
            self.table.update(self._key(post_id, shard_of(user_id, self.shards)),
                              [Attr("like_count").add(-1), Attr("liked_by").delete({user_id})],
                              condition=Attr("liked_by").contains(user_id))
        except ConditionFailed:
            pass

    def state(self, post_id: str, user_id: str | None = None, trace: Trace | None = None) -> LikeState:
        items = self._read([post_id], trace, consistent=True)
        mine = f"{post_id}#{shard_of(user_id, self.shards)}" if user_id else None
        count = sum(int(i.get("like_count", 0)) for i in items)
        liked = any(i["post_id"] == mine and user_id in i.get("liked_by", ()) for i in items)
        return LikeState(post_id, count, liked)

    def counts(self, post_ids: Iterable[str], trace: Trace | None = None) -> dict[str, int]:
        ids = list(dict.fromkeys(post_ids))
        totals = dict.fromkeys(ids, 0)
        for item in self._read(ids, trace, projection=("post_id", "like_count")):
            totals[item["post_id"].rsplit("#", 1)[0]] += int(item.get("like_count", 0))
        return totals

    def _read(self, post_ids: list[str], trace: Trace | None, **kw: Any) -> list[dict[str, Any]]:
        if not post_ids:
            return []
        keys = [self._key(p, s) for p in post_ids for s in range(self.shards)]
        items = self.table.batch_get(keys, **kw)
        shown = post_ids[0] if len(post_ids) == 1 else f"{len(post_ids)} posts"
        note(trace, "DynamoDB", "BatchGetItem", self.table.name, f"post_id in {shown} × {self.shards} shards",
             items=len(items), why="sharded counter: the shards' like_count summed on read")
        return items

    def forget(self, post_id: str) -> None:
        """Delete a post's like shards (the post is gone)."""
        self.table.batch_write(deletes=[self._key(post_id, s) for s in range(self.shards)])


def _already(e: TransactionCanceled) -> bool:
    """The like's condition failed (already liked) and nothing else went wrong."""
    codes = [r.code for r in e.reasons]
    return bool(codes) and codes[0] == "ConditionalCheckFailed" and all(c in ("None", "ConditionalCheckFailed")
                                                                         for c in codes)
