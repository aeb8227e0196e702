"""Posts: plain CRUD rows in SQLite, as seed 004 teaches (the relational half of the blog)."""

from __future__ import annotations

import secrets
import sqlite3
from datetime import datetime

from ...codec import text
from ...errors import ConditionFailed, ValidationError
from ..cursors import pack, unpack
from .accounts import now
from .database import Database
from .errors import NotAuthor, PostNotFound
from .records import Page, Post
from .trace import Trace, note

TITLE_LENGTH = (1, 200)
BODY_LENGTH = (1, 20_000)
_COLUMNS = "post_id, author, title, body, created_at, updated_at"


def check_text(value: object, what: str, bounds: tuple[int, int], *, strip: bool = True) -> str:
    """*value* as stored: a string of *bounds* characters (stripped), without lone surrogates."""
    if not isinstance(value, str):
        raise ValidationError(f"{what} must be text")
    value = text(value.strip() if strip else value)
    lo, hi = bounds
    if not lo <= len(value) <= hi:
        raise ValidationError(f"{what} must be {lo} to {hi:,} characters, got {len(value):,}")
    return value


class Posts:
    def __init__(self, db: Database):
        self.db = db

    def create(self, author: str, title: str, body: str, post_id: str | None = None) -> Post:
        post = Post(post_id or secrets.token_hex(6), author, check_text(title, "the title", TITLE_LENGTH),
                    check_text(body, "the body", BODY_LENGTH), now())
        try:
            with self.db.cursor() as cur:
                cur.execute(f"INSERT INTO posts ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, NULL)",
                            (post.post_id, post.author, post.title, post.body, post.created_at.isoformat()))
        except sqlite3.IntegrityError as e:
            if "UNIQUE" in str(e):
                raise ConditionFailed(f"a post {post.post_id!r} exists already") from None
            raise ValidationError(f"no user {author!r} to write this post") from None
        return post

    def get(self, post_id: str, trace: Trace | None = None) -> Post:
        rows = self.db.rows(f"SELECT {_COLUMNS} FROM posts WHERE post_id = ?", (post_id,))
        note(trace, "SQLite", "SELECT", "posts", f"post_id = {post_id}", items=len(rows), why="primary key")
        if not rows:
            raise PostNotFound(f"no post {post_id!r}")
        return _post(rows[0])

    def latest(self, limit: int, trace: Trace | None = None, author: str | None = None, older: str | None = None
               ) -> Page[Post]:
        """Newest first, *limit* of them, after the cursor *older* (a `Page`'s ``next``)."""
        where, params = (["author = ?"], [author]) if author else ([], [])
        if older is not None:
            created, post_id = unpack(older, fields=2, max_chars=200, error="this page link is not valid")
            if not isinstance(created, str) or not isinstance(post_id, str):
                raise ValidationError("this page link is not valid")
            where.append("(created_at, post_id) < (?, ?)")
            params += [created, post_id]
        clause = f"WHERE {' AND '.join(where)} " if where else ""
        rows = self.db.rows(f"SELECT {_COLUMNS} FROM posts {clause}ORDER BY created_at DESC, post_id DESC LIMIT ?",
                            (*params, limit))
        note(trace, "SQLite", "SELECT", "posts", f"author = {author}" if author else "(all)", items=len(rows),
             why="newest first, by an index on " + ("(author, created_at)" if author else "created_at")
             + ("; from the page link's (created_at, post_id) on" if older else ""))
        posts = [_post(r) for r in rows]
        last = posts[-1] if len(posts) == limit else None
        return Page(posts, pack([last.created_at.isoformat(), last.post_id]) if last else None)

    def many(self, post_ids: list[str]) -> dict[str, Post]:
        if not post_ids:
            return {}
        marks = ",".join("?" * len(post_ids))
        return {r["post_id"]: _post(r) for r in self.db.rows(f"SELECT {_COLUMNS} FROM posts WHERE post_id IN ({marks})",
                                                             tuple(post_ids))}

    def edit(self, post_id: str, editor: str, title: str, body: str) -> Post:
        title = check_text(title, "the title", TITLE_LENGTH)
        body = check_text(body, "the body", BODY_LENGTH)
        with self.db.cursor() as cur:
            cur.execute("UPDATE posts SET title = ?, body = ?, updated_at = ? WHERE post_id = ? AND author = ?",
                        (title, body, now().isoformat(), post_id, editor))
            if cur.rowcount == 0:
                self._refuse(cur, post_id, "edit")
        return self.get(post_id)

    def delete(self, post_id: str, editor: str) -> None:
        with self.db.cursor() as cur:
            cur.execute("DELETE FROM posts WHERE post_id = ? AND author = ?", (post_id, editor))
            if cur.rowcount == 0:
                self._refuse(cur, post_id, "delete")

    @staticmethod
    def _refuse(cur: sqlite3.Cursor, post_id: str, what: str) -> None:
        if cur.execute("SELECT 1 FROM posts WHERE post_id = ?", (post_id,)).fetchone() is None:
            raise PostNotFound(f"no post {post_id!r}")
        raise NotAuthor(f"only the author may {what} this post")


def _post(row: sqlite3.Row) -> Post:
    updated = row["updated_at"]
    return Post(row["post_id"], row["author"], row["title"], row["body"], datetime.fromisoformat(row["created_at"]),
                datetime.fromisoformat(updated) if updated else None)
