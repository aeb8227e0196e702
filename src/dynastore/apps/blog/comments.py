"""Comments (table ``comments``): a post's comments in one partition, threads assembled here.

``comment_id`` is ``<ISO-8601 UTC>#<random>``, so one Query returns a post's
comments in time order; ``parent_id`` (optional) points at the comment replied
to. A comment is written with its activity in one transaction that also checks
the parent is there. Only the author may edit or delete (the condition carries
``author = :me``, so the check and the write are one request); a comment with
replies is blanked and kept, so its thread does not fall apart.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ...errors import ConditionFailed, TransactionCanceled
from ...expressions import Attr, Key
from ...store import Store
from ...table import Table
from .accounts import now
from .activities import Activities
from .errors import CommentNotFound, NotAuthor
from .models import ActivityType, time_id
from .posts import check_text
from .records import Comment, CommentNode
from .trace import Trace, note

BODY_LENGTH = (1, 5_000)
#: Deeper replies are shown at this depth (a thread stays readable on a phone).
MAX_DEPTH = 6


class Comments:
    def __init__(self, store: Store, table: Table, activities: Activities):
        self.store = store
        self.table = table
        self.activities = activities

    def add(self, post_id: str, author: str, body: str, parent_id: str | None = None, detail: str | None = None
            ) -> Comment:
        body = check_text(body, "a comment", BODY_LENGTH)
        item: dict[str, Any] = {"post_id": post_id, "comment_id": time_id(), "author": author, "body": body,
                                "created_at": now().isoformat()}
        if parent_id:
            item["parent_id"] = parent_id
        try:
            with self.store.transaction() as tx:
                tx.put(self.table, item, condition=Attr("comment_id").not_exists())
                tx.put(self.activities.table, self.activities.item(author, ActivityType.COMMENT, post_id, detail))
                if parent_id:
                    tx.check(self.table, {"post_id": post_id, "comment_id": parent_id}, Attr("comment_id").exists())
        except TransactionCanceled as e:
            if parent_id and len(e.reasons) > 2 and e.reasons[2].code == "ConditionalCheckFailed":
                raise CommentNotFound(f"no comment {parent_id!r} on this post to reply to") from None
            raise
        return comment(item)

    def thread(self, post_id: str, trace: Trace | None = None) -> list[CommentNode]:
        results = self.table.query(Key("post_id").eq(post_id))
        items = results.all()
        note(trace, "DynamoDB", "Query", self.table.name, f"post_id = {post_id}", items=len(items),
             scanned=results.scanned_count, why="one partition per post, in comment_id (time) order; "
                                                "the threads are assembled by the app")
        return threads([comment(i) for i in items])

    def edit(self, post_id: str, comment_id: str, editor: str, body: str) -> Comment:
        body = check_text(body, "a comment", BODY_LENGTH)
        try:
            item = self.table.update({"post_id": post_id, "comment_id": comment_id},
                                     [Attr("body").set(body), Attr("edited_at").set(now().isoformat())],
                                     condition=self._mine(editor) & ~Attr("deleted").exists(),
                                     return_values="ALL_NEW", return_item_on_failure=True)
        except ConditionFailed as e:
            raise self._refusal(e, comment_id, "edit") from None
        assert item is not None
        return comment(item)

    def delete(self, post_id: str, comment_id: str, editor: str) -> None:
        key = {"post_id": post_id, "comment_id": comment_id}
        has_replies = any(c.get("parent_id") == comment_id
                          for c in self.table.query(Key("post_id").eq(post_id), projection=("parent_id",)))
        try:
            if has_replies:  # keep the thread: blank the comment instead
                self.table.update(key, [Attr("body").set(""), Attr("deleted").set(True)],
                                  condition=self._mine(editor), return_item_on_failure=True)
            else:
                self.table.delete(key, condition=self._mine(editor), return_item_on_failure=True)
        except ConditionFailed as e:
            raise self._refusal(e, comment_id, "delete") from None

    def forget(self, post_id: str) -> None:
        """Delete all of a post's comments (the post is gone)."""
        keys = [{"post_id": post_id, "comment_id": c["comment_id"]}
                for c in self.table.query(Key("post_id").eq(post_id), projection=("comment_id",))]
        self.table.batch_write(deletes=keys)

    @staticmethod
    def _mine(editor: str) -> Any:
        return Attr("comment_id").exists() & Attr("author").eq(editor)

    @staticmethod
    def _refusal(e: ConditionFailed, comment_id: str, what: str) -> Exception:
        if e.item is None:
            return CommentNotFound(f"no comment {comment_id!r} on this post")
        if e.item.get("deleted"):
            return CommentNotFound(f"comment {comment_id!r} was deleted")
        return NotAuthor(f"only the author may {what} this comment")


def comment(item: dict[str, Any]) -> Comment:
    edited = item.get("edited_at")
    return Comment(item["post_id"], item["comment_id"], item["author"], item.get("body", ""),
                   _time(item.get("created_at"), item["comment_id"]), item.get("parent_id"),
                   datetime.fromisoformat(edited) if edited else None, bool(item.get("deleted", False)))


def threads(comments: list[Comment]) -> list[CommentNode]:
    """Comments in time order → roots in time order, each with its replies nested (a reply whose parent
    is gone is shown as a root, never lost)."""
    nodes = {c.comment_id: CommentNode(c) for c in comments}
    roots: list[CommentNode] = []
    for c in comments:
        parent = nodes.get(c.parent_id) if c.parent_id else None
        if parent is None or parent is nodes[c.comment_id]:
            roots.append(nodes[c.comment_id])
        else:
            parent.replies.append(nodes[c.comment_id])
    _depths(roots, 0)
    return roots


def _depths(nodes: list[CommentNode], depth: int) -> None:
    stack = [(n, depth) for n in nodes]
    while stack:  # iterative: a long reply chain must not hit the recursion limit
        node, d = stack.pop()
        node.depth = min(d, MAX_DEPTH)
        stack.extend((r, d + 1) for r in node.replies)


def _time(text: str | None, comment_id: str) -> datetime:
    for candidate in (text, comment_id.split("#", 1)[0]):
        if candidate:
            try:
                return datetime.fromisoformat(candidate)
            except ValueError:
                pass
    return datetime.fromtimestamp(0, timezone.utc)
